from django.apps import AppConfig


class ContactConfig(AppConfig):
    name = "contact"
    verbose_name = "Kontaktingång"

    def ready(self):
        from contact.access import register
        from contact.audit_labels import LABELS
        from core.audit import register_action_labels

        register()
        register_action_labels(LABELS)

    def demo_logins(self):
        """For `print_demo_logins`: (username, what the login shows)."""
        return [("kontakt", "Sjuksköterska vid kontaktingången i Kronoberg: kön, bedömning, chatt, inställningar")]

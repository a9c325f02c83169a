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

from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = "Digitala vårdmöten"

    def ready(self):
        from core.audit import register_action_labels
        from meetings.access import register
        from meetings.audit_labels import LABELS

        register()
        register_action_labels(LABELS)

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Organisationer, personer och patienter"

    def ready(self):
        from core import collation
        from core.audit import register_action_labels
        from core.audit_labels import LABELS

        collation.install()
        register_action_labels(LABELS)

from django.apps import AppConfig


class DischargeConfig(AppConfig):
    name = "discharge"
    verbose_name = "Samverkan vid utskrivning"

    def ready(self):
        from core.audit import register_action_labels
        from core.home_panels import register_home_panel, register_patient_panel
        from discharge.access import register
        from discharge.audit_labels import LABELS
        from discharge.queries import finance_panel, home_counts, patient_panel

        register()
        register_action_labels(LABELS)
        register_home_panel("discharge/_finance_panel.html", finance_panel)
        register_home_panel("discharge/_home_panel.html", home_counts)
        register_patient_panel("discharge/_patient_panel.html", patient_panel)

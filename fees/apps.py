from django.apps import AppConfig


class FeesConfig(AppConfig):
    name = "fees"
    verbose_name = "Patientavgifter"

    def ready(self):
        from core.audit import register_action_labels
        from fees import views
        from fees.audit_labels import LABELS
        from fees.charges import charge_booking
        from meetings.charging import register_charger
        from meetings.settings_panels import register_settings_panel

        # Meetings calls these without importing fees (fees depends on meetings, not back).
        register_charger(charge_booking)
        register_settings_panel("fees/_settings_panel.html", views.settings_panel)
        register_action_labels(LABELS)

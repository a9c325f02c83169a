from django.apps import AppConfig


class DischargeConfig(AppConfig):
    name = "discharge"
    verbose_name = "Samverkan vid utskrivning"

    def ready(self):
        from core.home_panels import register_home_panel
        from discharge.access import register
        from discharge.queries import home_counts

        register()
        register_home_panel("discharge/_home_panel.html", home_counts)

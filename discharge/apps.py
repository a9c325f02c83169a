from django.apps import AppConfig


class DischargeConfig(AppConfig):
    name = "discharge"
    verbose_name = "Samverkan vid utskrivning"

    def ready(self):
        from discharge.access import register

        register()

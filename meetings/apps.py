from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = "Digitala vårdmöten"

    def ready(self):
        from meetings.access import register

        register()

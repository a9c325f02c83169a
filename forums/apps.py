from django.apps import AppConfig


class ForumsConfig(AppConfig):
    name = "forums"
    verbose_name = "Samverkansforum och måluppföljning"

    def ready(self):
        from core.audit import register_action_labels
        from forums.audit_labels import LABELS

        register_action_labels(LABELS)

    def demo_logins(self):
        from forums.management.commands.seed_forums_demo import LOGINS

        return LOGINS

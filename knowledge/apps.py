from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "knowledge"
    verbose_name = _("Knowledge base")

    def ready(self):
        from forum import hooks

        from . import receivers, selectors

        receivers.connect()
        hooks.register("experts.bot_misses", selectors.bot_misses_hook)
        hooks.register("analytics.knowledge_weekly", selectors.knowledge_weekly)

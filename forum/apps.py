from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ForumConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "forum"
    verbose_name = _("Forum")

    def ready(self):
        from . import receivers  # noqa: F401  (connects the cache invalidation receivers)
        from . import moderation, notifications  # noqa: F401  (moderation log and notification receivers)
        from . import authority_receivers  # noqa: F401  (keeps the authority index in step)
        from .search import receivers as search_receivers  # noqa: F401  (keeps the search index in step)

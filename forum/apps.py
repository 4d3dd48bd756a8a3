from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ForumConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "forum"
    verbose_name = _("Forum")

    def ready(self):
        # Importing these modules connects their signal receivers: cache invalidation, the
        # moderation log and notifications, the authority index and the search index.
        from . import authority_receivers, moderation, notifications, receivers  # noqa: F401
        from .search import receivers as search_receivers  # noqa: F401

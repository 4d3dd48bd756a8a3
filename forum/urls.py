from django.urls import path

from . import views, views_analytics, views_experts, views_notifications, views_search
from .api import pages as api_pages

app_name = "forum"

urlpatterns = [
    path("", views.home, name="home"),
    path("p/<slug:slug>/", views.product_detail, name="product"),
    path("p/<slug:slug>/ask/", views_search.check_similar_first(views.ask), name="ask_in_product"),
    path("ask/", views_search.check_similar_first(views.ask), name="ask"),
    path("q/<int:pk>/", views.question_detail, name="question"),
    path("q/<int:pk>/answer/", views.answer_create, name="answer"),
    path("posts/<int:pk>/comment/", views.comment_create, name="comment"),
    path("posts/<int:pk>/vote/", views.vote, name="vote"),
    path("posts/<int:pk>/accept/", views.accept, name="accept"),
    path("posts/<int:pk>/endorse/", views.endorse, name="endorse"),
    path("posts/<int:pk>/edit/", views.edit, name="edit"),
    path("posts/<int:pk>/history/", views.history, name="history"),
    path("posts/<int:pk>/delete/", views.delete, name="delete"),
    path("posts/<int:pk>/undelete/", views.undelete, name="undelete"),
    path("preview/", views.preview, name="preview"),
    path("users/<int:pk>/", views.profile, name="profile"),
    path("settings/profile/", views.profile_edit, name="profile_edit"),
    path("settings/tokens/", api_pages.tokens, name="api_tokens"),
    path("settings/tokens/<int:pk>/revoke/", api_pages.token_revoke_view, name="api_token_revoke"),
    path("signup/", views.signup, name="signup"),
    path("search/", views_search.search, name="search"),
    path("search.json", views_search.search_json, name="search_json"),
    path("search/similar/", views_search.similar, name="similar"),
    # The expert workspace and moderation (forum/views_experts.py)
    path("experts/", views_experts.experts_home, name="experts"),
    path("experts/<slug:slug>/", views_experts.workspace, name="expert_workspace"),
    path("experts/<slug:slug>/log/", views_experts.log, name="moderation_log"),
    path("posts/<int:pk>/moderate/", views_experts.moderate, name="moderate"),
    path("posts/<int:pk>/flag/", views_experts.flag, name="flag"),
    path("posts/<int:pk>/flags/resolve/", views_experts.flags_resolve, name="flags_resolve"),
    path("posts/<int:pk>/close/", views_experts.close, name="close"),
    path("posts/<int:pk>/reopen/", views_experts.reopen, name="reopen"),
    path("posts/<int:pk>/duplicate/", views_experts.duplicate, name="duplicate"),
    path("posts/<int:pk>/lock-comments/", views_experts.lock_comments, name="lock_comments"),
    path("posts/<int:pk>/moderate/delete/", views_experts.delete_with_reason, name="moderate_delete"),
    path("experts/endorse/<int:pk>/", views_experts.endorse, name="expert_endorse"),
    path("posts/<int:pk>/rollback/<int:revision_id>/", views_experts.rollback, name="rollback"),
    # Analytics (forum/views_analytics.py)
    path("analytics/", views_analytics.analytics_page, name="analytics"),
    path("analytics/export.csv", views_analytics.analytics_csv, name="analytics_csv"),
    # Notifications (forum/views_notifications.py)
    path("notifications/", views_notifications.inbox, name="notifications"),
    path("notifications/<int:pk>/", views_notifications.open_notification, name="notification_open"),
    path("notifications/read/", views_notifications.mark_all_read, name="notifications_read"),
    path("settings/notifications/", views_notifications.preferences, name="notification_preferences"),
    path("settings/follows/", views_notifications.follow_add, name="follow_add"),
    path("settings/follows/<int:pk>/remove/", views_notifications.follow_remove, name="follow_remove"),
    path("unsubscribe/<str:token>/", views_notifications.unsubscribe, name="unsubscribe"),
]

"""``/api/v1/``: mounted by ``config.urls``. Later features add their routes here the same way."""

from django.urls import path

from . import views, views_moderation, views_notifications

app_name = "api"

urlpatterns = [
    path("products/", views.ProductListApi.as_view(), name="products"),
    path("products/<slug:slug>/", views.ProductDetailApi.as_view(), name="product"),
    path("products/<slug:slug>/tags/", views.TagListApi.as_view(), name="product_tags"),
    path("questions/", views.QuestionListApi.as_view(), name="questions"),
    path("search/", views.SearchApi.as_view(), name="search"),
    path("questions/<int:pk>/", views.QuestionDetailApi.as_view(), name="question"),
    path("questions/<int:pk>/answers/", views.AnswerCreateApi.as_view(), name="question_answers"),
    path("answers/<int:pk>/", views.AnswerDetailApi.as_view(), name="answer"),
    path("answers/<int:pk>/accept/", views.AnswerAcceptApi.as_view(), name="answer_accept"),
    path("answers/<int:pk>/endorsement/", views.AnswerEndorsementApi.as_view(), name="answer_endorsement"),
    path("posts/<int:pk>/vote/", views.PostVoteApi.as_view(), name="post_vote"),
    path("posts/<int:pk>/comments/", views.PostCommentsApi.as_view(), name="post_comments"),
    path("posts/<int:pk>/revisions/", views.PostRevisionsApi.as_view(), name="post_revisions"),
    path("posts/<int:pk>/undelete/", views.PostUndeleteApi.as_view(), name="post_undelete"),
    # Flags and the experts' moderation actions (forum/api/views_moderation.py).
    path("posts/<int:pk>/flags/", views_moderation.PostFlagApi.as_view(), name="post_flags"),
    path("posts/<int:pk>/flags/resolve/", views_moderation.PostFlagsResolveApi.as_view(), name="post_flags_resolve"),
    path("products/<slug:slug>/flags/", views_moderation.ProductFlagsApi.as_view(), name="product_flags"),
    path("products/<slug:slug>/moderation-log/", views_moderation.ModerationLogApi.as_view(), name="moderation_log"),
    path("questions/<int:pk>/close/", views_moderation.QuestionCloseApi.as_view(), name="question_close"),
    path("questions/<int:pk>/reopen/", views_moderation.QuestionReopenApi.as_view(), name="question_reopen"),
    path("questions/<int:pk>/duplicate/", views_moderation.QuestionDuplicateApi.as_view(), name="question_duplicate"),
    path("posts/<int:pk>/lock-comments/", views_moderation.CommentsLockApi.as_view(), name="post_lock_comments"),
    path("posts/<int:pk>/unlock-comments/", views_moderation.CommentsUnlockApi.as_view(), name="post_unlock_comments"),
    path("posts/<int:pk>/rollback/", views_moderation.PostRollbackApi.as_view(), name="post_rollback"),
    # The requesting person's notifications (forum/api/views_notifications.py).
    path("notifications/", views_notifications.NotificationListApi.as_view(), name="notifications"),
    path("notifications/unread-count/", views_notifications.UnreadCountApi.as_view(), name="notifications_unread"),
    path("notifications/read-all/", views_notifications.NotificationsReadAllApi.as_view(), name="notifications_all"),
    path(
        "notifications/preferences/",
        views_notifications.NotificationPreferencesApi.as_view(),
        name="notification_preferences",
    ),
    path("notifications/<int:pk>/read/", views_notifications.NotificationReadApi.as_view(), name="notification_read"),
    path("notifications/follows/", views_notifications.FollowListApi.as_view(), name="follows"),
    path("notifications/follows/<int:pk>/", views_notifications.FollowDetailApi.as_view(), name="follow"),
    path("users/<int:pk>/", views.UserDetailApi.as_view(), name="user"),
    path("me/", views.MeApi.as_view(), name="me"),
]

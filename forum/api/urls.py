"""``/api/v1/``: mounted by ``config.urls``. Later features add their routes here the same way."""

from django.urls import path

from . import views

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
    path("users/<int:pk>/", views.UserDetailApi.as_view(), name="user"),
    path("me/", views.MeApi.as_view(), name="me"),
]

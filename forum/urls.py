from django.urls import path

from . import views, views_search
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
]

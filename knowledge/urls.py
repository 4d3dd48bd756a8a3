"""The knowledge team's pages under ``/knowledge/`` and the public articles under ``/kb/``."""

from django.urls import path

from . import views

app_name = "knowledge"

urlpatterns = [
    path("knowledge/", views.queue, name="queue"),
    path("knowledge/candidates/<int:pk>/", views.candidate_review, name="candidate_review"),
    path("knowledge/articles/", views.article_list, name="articles"),
    path("knowledge/articles/<int:pk>/", views.article_versions, name="article_versions"),
    path("knowledge/articles/<int:pk>/edit/", views.article_edit, name="article_edit"),
    path("knowledge/articles/<int:pk>/retire/", views.article_retire, name="article_retire"),
    path("knowledge/articles/<int:pk>/reinstate/", views.article_reinstate, name="article_reinstate"),
    path("knowledge/misses/", views.misses, name="misses"),
    path("knowledge/exports/", views.exports, name="exports"),
    path("knowledge/exports/<int:pk>/", views.export_status, name="export_status"),
    path("knowledge/exports/<int:pk>/download/", views.export_download, name="export_download"),
    path("kb/", views.public_index, name="public_index"),
    path("kb/p/<slug:slug>/", views.public_index, name="public_product"),
    path("kb/<int:pk>/", views.article_public, name="article_public_short"),
    path("kb/<int:pk>/<str:slug>/", views.article_public, name="article_public"),
]

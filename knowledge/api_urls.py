"""``/api/v1/kb/``: mounted by ``config.urls`` before the general ``/api/v1/`` include."""

from django.urls import path

from . import api

app_name = "kb_api"

urlpatterns = [
    path("answer", api.BotAnswerApi.as_view(), name="answer"),
    # The same endpoint with a trailing slash, for clients that add one; left out of the schema.
    path("answer/", api.BotAnswerSlashApi.as_view()),
    path("exports/", api.ExportCreateApi.as_view(), name="exports"),
    path("exports/<int:pk>/", api.ExportDetailApi.as_view(), name="export"),
]

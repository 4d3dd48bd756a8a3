"""``/api/v1/kb/``: mounted by ``config.urls`` before the general ``/api/v1/`` include."""

from django.urls import path

from . import api

app_name = "kb_api"

urlpatterns = [
    path("answer", api.BotAnswerApi.as_view(), name="answer"),
    path("answer/", api.BotAnswerApi.as_view()),
    path("exports/", api.ExportCreateApi.as_view(), name="exports"),
    path("exports/<int:pk>/", api.ExportDetailApi.as_view(), name="export"),
]

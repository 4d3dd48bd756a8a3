"""``/api/v1/kb/``: mounted by ``config.urls`` before the general ``/api/v1/`` include."""

from django.urls import path

from . import api

app_name = "kb_api"

urlpatterns = [
    path("answer", api.BotAnswerApi.as_view(), name="answer"),
    # The same endpoint with a trailing slash, for clients that add one; left out of the schema.
    path("answer/", api.BotAnswerSlashApi.as_view()),
    path("articles/", api.ArticleListApi.as_view(), name="articles"),
    path("articles/<int:pk>/", api.ArticleDetailApi.as_view(), name="article"),
    path("articles/<int:pk>/retire/", api.ArticleRetireApi.as_view(), name="article_retire"),
    path("articles/<int:pk>/reinstate/", api.ArticleReinstateApi.as_view(), name="article_reinstate"),
    path("articles/<int:pk>/versions/", api.ArticleVersionsApi.as_view(), name="article_versions"),
    path("articles/<int:pk>/diff/", api.ArticleDiffApi.as_view(), name="article_diff"),
    path("candidates/", api.CandidateListApi.as_view(), name="candidates"),
    path("candidates/<int:pk>/", api.CandidateDetailApi.as_view(), name="candidate"),
    path("candidates/<int:pk>/publish/", api.CandidatePublishApi.as_view(), name="candidate_publish"),
    path("candidates/<int:pk>/reject/", api.CandidateRejectApi.as_view(), name="candidate_reject"),
    path("misses/", api.MissListApi.as_view(), name="misses"),
    path("exports/", api.ExportCreateApi.as_view(), name="exports"),
    path("exports/<int:pk>/", api.ExportDetailApi.as_view(), name="export"),
    path("exports/<int:pk>/download/", api.ExportDownloadApi.as_view(), name="export_download"),
]

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from forum.security import api_docs_csp

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    # The knowledge base's API (bot answers, exports) sits before the general /api/v1/ include.
    path("api/v1/kb/", include("knowledge.api_urls")),
    path("api/v1/", include("forum.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", api_docs_csp(SpectacularSwaggerSplitView.as_view(url_name="api-schema")), name="api-docs"),
    path("", include("knowledge.urls")),  # /knowledge/ (the knowledge team) and /kb/ (public articles)
    path("", include("forum.urls")),
]

# forum.api.exceptions answers in JSON under /api/ and hands every other path to forum.errors.
handler403 = "forum.api.exceptions.permission_denied"
handler404 = "forum.api.exceptions.not_found"
handler400 = "forum.api.exceptions.bad_request"
handler500 = "forum.api.exceptions.server_error"

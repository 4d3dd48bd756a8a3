from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("forum.urls")),
]

handler403 = "forum.errors.permission_denied"
handler404 = "forum.errors.not_found"
handler400 = "forum.errors.bad_request"

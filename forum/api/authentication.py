"""Token authentication for integrations: ``Authorization: Bearer wd_…`` (or ``Token wd_…``).

Requests with a token need no CSRF token, because a browser never adds this header by itself;
requests that rely on the session cookie go through DRF's ``SessionAuthentication``, which
enforces CSRF for every unsafe method.
"""

from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from .tokens import token_user

KEYWORDS = ("bearer", "token")


class PersonalTokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode("latin-1").lower() not in KEYWORDS:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Send the token as “Authorization: Bearer <token>”."))
        try:
            raw = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("This token is not valid.")) from None
        user = token_user(raw)
        if user is None:
            raise exceptions.AuthenticationFailed(_("This token is not valid, or it has been revoked."))
        return user, raw

    def authenticate_header(self, request):
        # Makes DRF answer 401 (with this challenge), not 403, when credentials are missing.
        return 'Bearer realm="api"'


class PersonalTokenScheme(OpenApiAuthenticationExtension):
    target_class = "forum.api.authentication.PersonalTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal token from the “API tokens” page (Authorization: Bearer wd_…).",
        }

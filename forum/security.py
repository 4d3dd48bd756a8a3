"""Login brute-force protection (django-axes), kept to what Wendao needs.

After ``AXES_FAILURE_LIMIT`` failed logins for one account from one address, that pair is locked
out for ``AXES_COOLOFF_TIME``. The lockout page is the ordinary login page with a generic message:
it does not say whether the account exists or whether the password was right, so it tells an
attacker nothing a failed login would not.
"""

import functools

from axes.backends import AxesBackend
from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.decorators import csp_update
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm
from django.db import connection
from django.shortcuts import render
from django.utils.translation import gettext as _


class LoginAttemptBackend(AxesBackend):
    """Django's ModelBackend with axes' lockout check in front, as the one backend.

    One backend (not axes' standalone one plus ModelBackend) so that ``login()`` after sign-up
    needs no ``backend=`` argument. ``authenticate()`` without a request comes only from code
    running on the server (a shell, a management command, Django's test client): there is no
    address to lock out, so it skips the check.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is not None:
            # Raises PermissionDenied while the account and address are locked out; else None.
            super().authenticate(request, username=username, password=password, **kwargs)
        return ModelBackend.authenticate(self, request, username=username, password=password, **kwargs)

    def get_user(self, user_id):
        """The signed-in user of every request, read in plain SQL (the ORM spent more CPU building
        this one-row query than PostgreSQL spends answering it); an inactive user is no one, as
        in Django's ModelBackend."""
        try:
            pk = int(user_id)
        except (TypeError, ValueError):
            return None
        user = _user_by_id(pk)
        return user if user is not None and self.user_can_authenticate(user) else None


@functools.cache
def _user_read() -> tuple[str, list[str], list]:
    """The statement, the attribute names and, per column that needs them, the converters the
    ORM would apply (SQLite gives booleans as integers and datetimes as text)."""
    User = get_user_model()
    quote = connection.ops.quote_name
    fields = User._meta.concrete_fields
    columns = [field.get_col(User._meta.db_table) for field in fields]
    sql = (
        f"SELECT {', '.join(quote(field.column) for field in fields)} FROM {quote(User._meta.db_table)}"
        f" WHERE {quote(User._meta.pk.column)} = %s"
    )
    converters = []
    for i, column in enumerate(columns):
        found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if found:
            converters.append((i, column, found))
    return sql, [field.attname for field in fields], converters


def _user_by_id(pk: int):
    if not 0 < pk <= 2**63 - 1:
        return None
    sql, attnames, converters = _user_read()
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk])
        row = cursor.fetchone()
    if row is None:
        return None
    values = list(row)
    for i, column, found in converters:
        for converter in found:
            values[i] = converter(values[i], column, connection)
    return get_user_model().from_db(connection.alias, attnames, values)


def locked_out(request, original_response=None, credentials=None):
    """The login page again, with a generic message, and 429 Too Many Requests."""
    form = AuthenticationForm(request)  # empty: the page does not echo the name that was tried
    form.cleaned_data = {}  # lets an unbound form carry the message as a non-field error
    form.add_error(
        None, _("Too many failed attempts. Please wait a while before you try again, or reset your password.")
    )
    response = render(
        request, "registration/login.html", {"form": form, "next": request.POST.get("next", "")}, status=429
    )
    response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    return response


# Swagger UI (served from drf-spectacular-sidecar, no CDN) sets inline styles on its elements and
# draws icons as data: SVGs; only its page gets that allowance, scripts stay 'self' only.
api_docs_csp = csp_update({"style-src": ["'self'", "'unsafe-inline'"], "img-src": ["'self'", "data:"]})


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the site-wide policy built once instead of on every response.

    Building the header (copying the settings' directives, joining them) was a tenth of the CPU
    of a kept page. A response with a policy of its own (``csp_update`` and the like, as on the
    API docs page) or a nonce is left to django-csp, which builds it as before.
    """

    _OWN_POLICY = ("_csp_config", "_csp_update", "_csp_replace", "_csp_config_ro", "_csp_update_ro", "_csp_replace_ro")

    def __init__(self, get_response):
        super().__init__(get_response)
        self._built: tuple = (None, None, "", "")  # (policy setting, report-only setting, headers)

    def process_response(self, request, response):
        if getattr(request, "_csp_nonce", None) is not None or any(
            getattr(response, name, None) is not None for name in self._OWN_POLICY
        ):
            return super().process_response(request, response)
        if response.status_code in (500, 404) and settings.DEBUG:
            return response  # django-csp leaves Django's debug pages alone
        for header, report_only in ((HEADER, False), (HEADER_REPORT_ONLY, True)):
            policy = self._policy(report_only)
            exempt = getattr(response, "_csp_exempt_ro" if report_only else "_csp_exempt", False)
            setting = getattr(settings, f"CONTENT_SECURITY_POLICY{'_REPORT_ONLY' if report_only else ''}", None) or {}
            excluded = request.path_info.startswith(tuple(setting.get("EXCLUDE_URL_PREFIXES", None) or ()))
            if policy and header not in response and not exempt and not excluded:
                response[header] = policy
        # As django-csp does: a nonce asked for after the header is written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response

    def _policy(self, report_only: bool) -> str:
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", None)
        report = getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
        if self._built[0] is not policy or self._built[1] is not report:  # first use, or settings changed
            self._built = (policy, report, build_policy(), build_policy(report_only=True))
        return self._built[3 if report_only else 2]

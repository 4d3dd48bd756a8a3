"""Login brute-force protection (django-axes), kept to what Wendao needs.

After ``AXES_FAILURE_LIMIT`` failed logins for one account from one address, that pair is locked
out for ``AXES_COOLOFF_TIME``. The lockout page is the ordinary login page with a generic message:
it does not say whether the account exists or whether the password was right, so it tells an
attacker nothing a failed login would not.
"""

from axes.backends import AxesBackend
from csp.decorators import csp_update
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm
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

"""One JSON shape for every error the API returns.

::

    {"status": 400, "code": "invalid", "message": "Please write a title of at least 5 characters.",
     "fields": {"title": ["Please write a title of at least 5 characters."]}}

``message`` is always a sentence a person can read (in the request's language); ``fields`` maps
input fields to their problems and is empty when the error is not about one field. DRF's own
exceptions, Django's ``ValidationError``/``PermissionDenied``/``Http404`` raised by services and
selectors, and the errors Django raises before a view runs (unknown URL, bad request, crash) all
come out in this shape. Throttled responses keep DRF's ``Retry-After`` header.
"""

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from forum import errors as page_errors

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"


class ErrorSerializer(serializers.Serializer):
    """The body of every error response (documented once, referenced by every operation)."""

    status = serializers.IntegerField(help_text="The HTTP status code, repeated for clients that only see the body.")
    code = serializers.CharField(help_text="A stable machine-readable code such as `invalid` or `not_found`.")
    message = serializers.CharField(help_text="What went wrong, in words a person can act on.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Problems with individual input fields, by field name; empty when none.",
    )


def error_body(status: int, code: str, message: str, fields: dict | None = None) -> dict:
    return {"status": status, "code": code, "message": message, "fields": fields or {}}


def _flatten(detail) -> list[str]:
    if isinstance(detail, dict):
        return [m for value in detail.values() for m in _flatten(value)]
    if isinstance(detail, list):
        return [m for value in detail for m in _flatten(value)]
    return [str(detail)]


def _field_errors(detail) -> dict[str, list[str]]:
    if not isinstance(detail, dict):
        return {}
    return {
        str(name): _flatten(value)
        for name, value in detail.items()
        if name not in ("non_field_errors", "__all__", "detail")
    }


def _from_django(exc):
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(detail=serializers.as_serializer_error(exc))
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(str(exc) or None)
    return exc


def api_exception_handler(exc, context):
    exc = _from_django(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a real bug: Django's 500 handler below still answers in the same shape
    detail = exc.detail if isinstance(exc, exceptions.APIException) else response.data
    fields = _field_errors(detail)
    general = _flatten(detail.get("non_field_errors", [])) if isinstance(detail, dict) else _flatten(detail)
    if isinstance(detail, dict) and "detail" in detail:
        general = _flatten(detail["detail"])
    if general:
        message = " ".join(general)
    elif fields:
        message = _("Please correct the fields listed in “fields”.")
    else:
        message = str(exceptions.APIException.default_detail)
    code = getattr(exc, "default_code", "error")
    response.data = error_body(response.status_code, code, message, fields)
    return response


def _is_api(request) -> bool:
    return request.path.startswith(API_PREFIX)


def _json_error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(error_body(status, code, message), status=status, json_dumps_params={"ensure_ascii": False})


# Django's error handlers (``handler404`` and friends in ``config.urls``): JSON under /api/, the
# site's HTML error pages everywhere else. They run when no DRF view was reached: an unknown
# URL, a request Django refused before routing, or an unexpected crash.


def not_found(request, exception=None):
    if _is_api(request):
        return _json_error(404, "not_found", _("There is nothing at this address."))
    return page_errors.not_found(request, exception)


def bad_request(request, exception=None):
    if _is_api(request):
        return _json_error(400, "bad_request", _("The request could not be understood."))
    return page_errors.bad_request(request, exception)


def permission_denied(request, exception=None):
    if _is_api(request):
        message = str(exception) if exception and str(exception) else _("You may not do this.")
        return _json_error(403, "permission_denied", message)
    return page_errors.permission_denied(request, exception)


def server_error(request):
    if _is_api(request):
        return _json_error(500, "server_error", _("Something went wrong on our side; it has been logged."))
    from django.views.defaults import server_error as default_server_error

    return default_server_error(request)


def response_for(status: int, code: str, message: str) -> Response:
    return Response(error_body(status, code, message), status=status)

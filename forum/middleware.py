"""Refuse requests whose text cannot be read, and explain the refusals Django leaves blank.

Django decodes form data and query strings with ``errors="replace"``: bytes that are not UTF-8
silently become U+FFFD and would be saved into titles and bodies as "�". A person who sent such
bytes (a broken client, a mis-encoded paste through a script) should learn that, not find their
text quietly changed, so those requests get a 400 with an explanation. A NUL byte in a query
string is refused the same way: PostgreSQL cannot store or compare text containing one, so
``?tag=%00`` would otherwise end in a database error. (NUL in form fields is caught by the forms,
which name the field.)
"""

from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _

_FORM_URLENCODED = "application/x-www-form-urlencoded"
_MULTIPART = "multipart/form-data"
_REPLACEMENT_CHARACTER_UTF8 = "\ufffd".encode()
_MULTIPART_CHECK_LIMIT = 2_621_440  # Django's default DATA_UPLOAD_MAX_MEMORY_SIZE


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _form_bytes(urlencoded: bytes) -> bytes:
    return unquote_to_bytes(urlencoded.replace(b"+", b" "))


def _error(request, message: str, status: int):
    if request.path.startswith("/api/"):
        # The API's one error shape (forum.api.exceptions), imported late: pages need no DRF.
        from forum.api.exceptions import error_body

        code = "bad_request" if status == 400 else "method_not_allowed"
        return JsonResponse(error_body(status, code, message), status=status, json_dumps_params={"ensure_ascii": False})
    return render(request, "forum/error.html", {"message": message, "status": status}, status=status)


class MalformedInputMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if message := self._problem(request):
            return _error(request, message, 400)
        response = self.get_response(request)
        if response.status_code == 405 and not response.content and not request.path.startswith("/api/"):
            # ``require_POST`` answers a GET with an empty page; say what happened instead.
            allow = response.get("Allow")
            response = _error(
                request, _("This address only accepts form submissions. Please use the buttons on the page."), 405
            )
            if allow:
                response["Allow"] = allow
        return response

    def _problem(self, request) -> str | None:
        query = _form_bytes(request.META.get("QUERY_STRING", "").encode("latin-1", "replace"))
        if not _is_utf8(query):
            return _("The address contains characters that are not valid UTF-8 text.")
        if b"\x00" in query:
            return _("The address contains a null character, which is not allowed.")
        if request.method in ("POST", "PUT", "PATCH") and not self._body_is_text(request):
            return _(
                "What you sent is not valid UTF-8 text, so it could not be read. "
                "Please check the text (or the program that sent it) and try again."
            )
        return None

    def _body_is_text(self, request) -> bool:
        content_type = request.content_type or ""
        if content_type == _FORM_URLENCODED:
            return _is_utf8(_form_bytes(request.body))
        if content_type == _MULTIPART:
            # Multipart bodies may carry binary files, so they cannot be decoded whole. Compare
            # instead: a U+FFFD in a decoded field that the raw bytes never contained was made by
            # decoding, from bytes that were not UTF-8. Large bodies (file uploads) are left to
            # the views, which read them as files.
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                return True  # Django itself refuses a nonsensical length
            if length > (settings.DATA_UPLOAD_MAX_MEMORY_SIZE or _MULTIPART_CHECK_LIMIT):
                return True
            if _REPLACEMENT_CHARACTER_UTF8 in request.body:
                return True
            return not any(
                "\ufffd" in key or any("\ufffd" in value for value in values) for key, values in request.POST.lists()
            )
        return True


class PreferredLanguageMiddleware:
    """Speak the signed-in person's preferred language (set on their profile) on every device.

    The language switch (a cookie) still wins, so a person can look at the other language for a
    while; Accept-Language decides only for people who chose neither. Runs after
    ``AuthenticationMiddleware`` because it needs the user, which ``LocaleMiddleware`` has not.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated and user.preferred_language:
                translation.activate(user.preferred_language)
                request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)

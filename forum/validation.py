"""Checks on what users type, shared by forms, the API and the services.

Everything raises ``ValidationError`` with a message a user can act on; nothing is silently
truncated, because a truncated post is lost data.
"""

import re
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .rendering import clean_text

TAG_PATTERN = re.compile(r"^[\w][\w.+#-]{0,49}$", re.UNICODE)


def _limits() -> dict:
    return settings.WENDAO


def _weight(text: str) -> int:
    """Length for the *minimum* checks, counting a Chinese (wide) character as two.

    One Chinese character says about as much as a short English word, so "无法联网" (4
    characters) is a real title while "help" is not; counting wide characters double lets the
    same minimums serve both languages. Maximums stay in plain characters (what is stored).
    """
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _reject_nul(value: str, field: str) -> None:
    if "\x00" in value:
        raise ValidationError(_("%(field)s contains a null character, which is not allowed.") % {"field": field})


def clean_title(value: str) -> str:
    _reject_nul(value, _("The title"))
    title = " ".join(clean_text(value).split())
    if _weight(title) < 5:
        raise ValidationError(_("Please write a title of at least 5 characters."))
    limit = _limits()["TITLE_MAX_LENGTH"]
    if len(title) > limit:
        raise ValidationError(
            _("The title is %(length)d characters long; the limit is %(limit)d.")
            % {"length": len(title), "limit": limit}
        )
    return title


def clean_body(value: str, *, minimum: int = 10, limit_key: str = "BODY_MAX_LENGTH") -> str:
    _reject_nul(value, _("The text"))
    body = clean_text(value).strip()
    if _weight(body) < minimum:
        raise ValidationError(_("Please write at least %(minimum)d characters.") % {"minimum": minimum})
    limit = _limits()[limit_key]
    if len(body) > limit:
        raise ValidationError(
            _("The text is %(length)d characters long; the limit is %(limit)d.") % {"length": len(body), "limit": limit}
        )
    return body


def clean_comment(value: str) -> str:
    return clean_body(value, minimum=2, limit_key="COMMENT_MAX_LENGTH")


def clean_reason(value: str) -> str:
    _reject_nul(value, _("The reason"))
    reason = " ".join(clean_text(value).split())
    if len(reason) > 300:
        raise ValidationError(_("Please keep the reason under 300 characters."))
    return reason


def parse_tag_names(value: str | list[str]) -> list[str]:
    """Split "a, b c" or a list into distinct lower-case tag names, keeping the order given."""
    raw = value if isinstance(value, list) else re.split(r"[\s,，]+", value or "")
    names: list[str] = []
    for name in raw:
        if not isinstance(name, str):
            raise ValidationError(_("Tags must be text."))
        _reject_nul(name, _("A tag"))
        name = name.strip().lower()
        if not name or name in names:
            continue
        if not TAG_PATTERN.match(name):
            raise ValidationError(_("“%(tag)s” is not a valid tag name.") % {"tag": name[:60]})
        names.append(name)
    limit = _limits()["TAGS_MAX"]
    if len(names) > limit:
        raise ValidationError(_("Use at most %(limit)d tags.") % {"limit": limit})
    return names

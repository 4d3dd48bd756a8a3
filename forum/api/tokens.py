"""Personal API tokens: make one (shown once), revoke one, find the person behind one.

A token looks like ``wd_<43 url-safe characters>`` (256 random bits). Only its SHA-256 hash is
stored; the ``wd_`` prefix lets secret scanners recognise a leaked Wendao token.
"""

import functools
import hashlib
import secrets
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from forum import validation
from forum.models import ApiToken, User

TOKEN_PREFIX = "wd_"
SHOWN_PREFIX_LENGTH = 10  # "wd_" and 7 characters: enough to tell tokens apart, useless to guess
MAX_ACTIVE_TOKENS = 20
# "Last used" is a hint for spotting forgotten tokens; a day's precision keeps reads free of writes.
LAST_USED_PRECISION = timedelta(days=1)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


@transaction.atomic
def token_create(*, user, name: str) -> tuple[ApiToken, str]:
    """Make a token for ``user``; returns the row and the plain token, which is never stored."""
    if not user.is_authenticated or not user.is_active:
        raise PermissionDenied(_("You need to sign in first."))
    name = validation.clean_reason(name or "")
    if not name:
        raise ValidationError(_("Give the token a name, such as the tool that will use it."))
    if len(name) > 100:
        raise ValidationError(_("Please keep the name under 100 characters."))
    active = ApiToken.objects.select_for_update().filter(user=user, revoked_at__isnull=True)
    if active.count() >= MAX_ACTIVE_TOKENS:
        raise ValidationError(
            _("You already have %(limit)d active tokens; revoke one you no longer use.") % {"limit": MAX_ACTIVE_TOKENS}
        )
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, prefix=raw[:SHOWN_PREFIX_LENGTH], key_hash=hash_token(raw))
    return token, raw


@transaction.atomic
def token_revoke(*, user, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens; revoking is final (make a new one instead)."""
    token = ApiToken.objects.select_for_update().filter(pk=token_id, user=user).first()
    if token is None:
        raise PermissionDenied(_("This is not one of your tokens."))
    if token.revoked_at is not None:
        raise ValidationError(_("This token is already revoked."))
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    return token


def token_user(raw: str):
    """The active user a token belongs to, or ``None`` for an unknown, revoked or orphaned token,
    or a suspended user's (refused at once: the user row is read on every request)."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    now = timezone.now()
    found = list(User.objects.raw(_token_user_sql(), [now - LAST_USED_PRECISION, hash_token(raw)]))
    if not found:
        return None
    user = found[0]
    if user.api_token_stale:
        ApiToken.objects.filter(pk=user.api_token_id).update(last_used_at=now)
    return user


@functools.cache
def _token_user_sql() -> str:
    """The user with their token's id and whether its "last used" needs refreshing, one query.

    Plain SQL because every token request runs it: building it through the ORM (a join, three
    filters) cost three times what the database spends answering it. The staleness is decided in
    SQL so that no datetime comes back outside a model field (SQLite would give it naive).
    """
    users, tokens = User._meta.db_table, ApiToken._meta.db_table
    columns = ", ".join(f"u.{connection.ops.quote_name(f.column)}" for f in User._meta.concrete_fields)
    return (
        f"SELECT {columns}, t.id AS api_token_id,"
        " CASE WHEN t.last_used_at IS NULL OR t.last_used_at <= %s THEN 1 ELSE 0 END AS api_token_stale"
        f" FROM {users} u INNER JOIN {tokens} t ON t.user_id = u.id"
        " WHERE t.key_hash = %s AND t.revoked_at IS NULL AND u.is_active"
    )


def user_tokens(user):
    return ApiToken.objects.filter(user=user).order_by("revoked_at", "-created_at", "-pk")

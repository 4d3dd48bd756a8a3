"""Who may use the knowledge team's pages and actions: knowledge editors (and admins) only.

The role itself is the forum's (``forum.permissions.is_knowledge_editor``); this module only
turns it into the refusal messages the knowledge pages and services show.
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from forum.permissions import is_knowledge_editor


def refusal(user) -> str | None:
    if not user.is_authenticated:
        return _("You need to sign in first.")
    if not user.is_active:
        return _("Your account is suspended.")
    if not is_knowledge_editor(user):
        return _("Only the knowledge team can do this.")
    return None


def require_editor(user) -> None:
    if reason := refusal(user):
        raise PermissionDenied(reason)

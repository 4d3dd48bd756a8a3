"""Template helpers for moderation on the question page."""

from django import template

from .. import moderation

register = template.Library()


@register.simple_tag
def linked_duplicates(question) -> list[dict]:
    """The questions closed as duplicates of ``question``: the other direction of the link.

    Cached (``moderation.linked_duplicates``), so the question page costs no query for it.
    """
    if not question.is_question:
        return []
    return moderation.linked_duplicates(question.pk)


@register.simple_tag(takes_context=True)
def allowed_to(context, action: str, obj=None) -> bool:
    """``{% allowed_to "post.rollback" post as can %}``: the rule table, for showing a control."""
    from ..permissions import allowed

    request = context.get("request")
    return bool(request) and allowed(request.user, action, obj)


@register.filter
def flag_reason_label(value: str) -> str:
    """The readable, translated name of a flag reason stored in a log entry's details."""
    from ..models import FlagReason

    return FlagReason(value).label if value in FlagReason.values else value

"""Template helpers for the authority index: the author's standing next to a name, the profile chart."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext

register = template.Library()

#: The badge's HTML. A format string, not an included template: a page of 30 answers with their
#: comments shows over a hundred badges, and an inclusion tag's template render per badge was a
#: sixth of the cost of rendering the page's posts. Part of forum/fragments.py's template digest.
BADGE_HTML = '<span class="authority-index" title="{}"><span class="visually-hidden">{} </span>{}</span>'


@register.simple_tag
def authority_badge(authorities: dict | None, user_id: int) -> str:
    """The author's authority (0-1000) in the page's product, from the dict the view prepared."""
    view = (authorities or {}).get(user_id)
    if not view:
        return SafeString()
    title = gettext(
        "Authority in this product, on a scale of 0 to 1000: earned from weighted votes, acceptances and"
        " expert endorsements"
    )
    return format_html(BADGE_HTML, title, gettext("Authority"), view.index)


@register.filter
def chart_points(history: list[tuple[int, int]], size: str = "240x48") -> str:
    """SVG polyline points for a history of (day, index 0-1000): x spread evenly, y scaled to height."""
    width, height = (int(n) for n in size.split("x"))
    if not history:
        return ""
    step = width / max(1, len(history) - 1)
    return " ".join(
        f"{i * step:.1f},{height - 2 - (height - 4) * index / 1000:.1f}" for i, (_day, index) in enumerate(history)
    )

"""Template helpers for the authority index: the author's standing next to a name, the profile chart."""

from django import template

register = template.Library()


@register.inclusion_tag("forum/_authority.html")
def authority_badge(authorities: dict | None, user_id: int):
    """The author's authority (0-1000) in the page's product, from the dict the view prepared."""
    return {"view": (authorities or {}).get(user_id)}


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

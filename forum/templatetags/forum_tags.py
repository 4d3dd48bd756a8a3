from django import template

register = template.Library()


@register.simple_tag
def my_vote(votes: dict | None, post) -> int:
    """The current user's vote on ``post`` (1, -1 or 0), from the dict the view prepared."""
    return (votes or {}).get(post.pk, 0)

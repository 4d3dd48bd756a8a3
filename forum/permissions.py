"""Who may do what: one table of rules, used by the pages, the API and the services.

Each rule is a plain function ``(user, obj) -> str | None`` that returns ``None`` when the action
is allowed and otherwise the reason, in words a user can read. ``require`` turns a refusal into
``PermissionDenied``; ``allowed`` answers yes or no for templates and serializers.
"""

from collections.abc import Callable

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext
from django.utils.translation import gettext_noop as _

from .models import Post, Product, Role, RoleAssignment

# Rules return their reason untranslated (``gettext_noop`` marks it for makemessages); only
# ``refusal`` translates it. ``allowed`` is asked ten times per post on an API thread of 50
# answers, and translating reasons nobody reads was most of that cost.


def _role_pairs(user) -> frozenset[tuple[str, int | None]]:
    """The user's (role, product id) pairs, read once per request and kept on the user object."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_wendao_roles", None)
    if cached is None:
        key = roles_cache_key(user.pk)
        cached = cache.get(key)
        if cached is None:
            cached = frozenset(RoleAssignment.objects.filter(user=user).values_list("role", "product_id"))
            cache.set(key, cached, 300)
        user._wendao_roles = cached
    return cached


def roles_cache_key(user_id: int) -> str:
    # Dropped by forum.receivers whenever one of the user's role assignments changes.
    return f"wendao:roles:{user_id}"


def is_admin(user) -> bool:
    return user.is_authenticated and (user.is_superuser or (Role.ADMIN, None) in _role_pairs(user))


def is_expert(user, product: Product | int) -> bool:
    product_id = product if isinstance(product, int) else product.pk
    return is_admin(user) or (Role.EXPERT, product_id) in _role_pairs(user)


def expert_product_ids(user) -> set[int]:
    return {pid for role, pid in _role_pairs(user) if role == Role.EXPERT and pid is not None}


def is_knowledge_editor(user) -> bool:
    return is_admin(user) or (Role.KNOWLEDGE_EDITOR, None) in _role_pairs(user)


def is_moderator_of(user, post: Post) -> bool:
    """Experts moderate the posts of their own products; admins moderate everything."""
    return is_expert(user, post.product_id)


def _active(user) -> str | None:
    if not user.is_authenticated:
        return _("You need to sign in first.")
    if not user.is_active:
        return _("Your account is suspended.")
    return None


def _post_visible(user, post: Post) -> str | None:
    insider = user.is_authenticated and (post.author_id == user.pk or is_moderator_of(user, post))
    if post.is_deleted and not insider:
        return _("This post has been deleted.")
    if post.hidden_at is not None and not insider:
        return _("This post is hidden until the product's experts review the flags on it.")
    return None


def _can_ask(user, product: Product) -> str | None:
    return _active(user)


def _can_answer(user, question: Post) -> str | None:
    if reason := _active(user) or _post_visible(user, question):
        return reason
    if question.is_deleted:
        return _("This question has been deleted.")
    if question.is_closed and not is_moderator_of(user, question):
        return _("This question is closed to new answers.")
    return None


def _can_comment(user, post: Post) -> str | None:
    if reason := _active(user):
        return reason
    if post.is_deleted:
        return _("This post has been deleted.")
    if post.comments_locked_at is not None and not is_moderator_of(user, post):
        return _("Comments on this post are locked by the product's experts.")
    return None


def _can_vote(user, post: Post) -> str | None:
    if reason := _active(user):
        return reason
    if post.is_deleted:
        return _("You cannot vote on a deleted post.")
    if post.author_id == user.pk:
        return _("You cannot vote on your own post.")
    return None


def _can_accept(user, answer: Post) -> str | None:
    if reason := _active(user):
        return reason
    if answer.is_deleted:
        return _("You cannot accept a deleted answer.")
    if answer.question.author_id != user.pk:
        return _("Only the person who asked can accept an answer.")
    return None


def _can_edit(user, post: Post) -> str | None:
    if reason := _active(user):
        return reason
    if post.author_id == user.pk or is_moderator_of(user, post):
        return None
    return _("You can only edit your own posts.")


def _can_delete(user, post: Post) -> str | None:
    if reason := _active(user):
        return reason
    if post.is_deleted:
        return _("This post is already deleted.")
    if post.author_id == user.pk or is_moderator_of(user, post):
        return None
    return _("You can only delete your own posts.")


def _can_undelete(user, post: Post) -> str | None:
    if reason := _active(user):
        return reason
    if not post.is_deleted:
        return _("This post is not deleted.")
    if is_moderator_of(user, post):
        return None
    return _("Only the product's experts can restore a deleted post.")


def _can_view_history(user, post: Post) -> str | None:
    return _post_visible(user, post)


def _can_endorse(user, answer: Post) -> str | None:
    if reason := _active(user):
        return reason
    if answer.is_question:
        return _("Only answers can be endorsed.")
    if answer.is_deleted:
        return _("You cannot endorse a deleted answer.")
    if not is_expert(user, answer.product_id):
        return _("Only the product's experts can endorse answers.")
    if answer.author_id == user.pk:
        return _("You cannot endorse your own answer.")
    return None


def _can_flag(user, post: Post) -> str | None:
    if reason := _active(user) or _post_visible(user, post):
        return reason
    if post.is_deleted:
        return _("This post has been deleted.")
    if post.author_id == user.pk:
        return _("You cannot flag your own post; edit or delete it instead.")
    return None


def _can_moderate(user, post: Post) -> str | None:
    """Close, reopen, mark duplicates, lock comments, handle flags: the product's experts."""
    if reason := _active(user):
        return reason
    if not is_moderator_of(user, post):
        return _("Only the product's experts can moderate its posts.")
    return None


def _can_work_as_expert(user, product: Product) -> str | None:
    if reason := _active(user):
        return reason
    if not is_expert(user, product):
        return _("Only the product's experts can open its workspace.")
    return None


def _can_view_analytics(user, product: Product | None) -> str | None:
    """Experts see their products' figures; knowledge editors and admins see every product's."""
    if reason := _active(user):
        return reason
    if is_knowledge_editor(user):
        return None
    if product is None and expert_product_ids(user):
        return None
    if product is not None and is_expert(user, product):
        return None
    return _("Only the product's experts and the knowledge team can see these figures.")


RULES: dict[str, Callable] = {
    "post.flag": _can_flag,
    "post.moderate": _can_moderate,
    "post.rollback": _can_edit,
    "experts.workspace": _can_work_as_expert,
    "analytics.view": _can_view_analytics,
    "answer.endorse": _can_endorse,
    "question.ask": _can_ask,
    "answer.post": _can_answer,
    "comment.add": _can_comment,
    "post.vote": _can_vote,
    "answer.accept": _can_accept,
    "post.edit": _can_edit,
    "post.delete": _can_delete,
    "post.undelete": _can_undelete,
    "post.view": _post_visible,
    "post.history": _can_view_history,
}


def refusal(user, action: str, obj=None) -> str | None:
    """Why ``user`` may not do ``action`` on ``obj`` (in the active language), or ``None``."""
    reason = RULES[action](user, obj)
    return gettext(reason) if reason is not None else None


def allowed(user, action: str, obj=None) -> bool:
    return RULES[action](user, obj) is None


def require(user, action: str, obj=None) -> None:
    if reason := refusal(user, action, obj):
        raise PermissionDenied(reason)

"""The expert workspace and the moderation actions: thin views over ``forum.moderation``.

Every action is a POST with a reason, checked by the services (a customer or an expert of
another product gets 403 from ``permissions.require``); refusals with a message are 400s.
"""

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import hooks, moderation, permissions, services
from .models import Endorsement, Flag, FlagReason, FlagStatus, Post, PostKind, Product, Question, Revision
from .views import service_errors

QUEUE_SIZE = 50


def _expert_products(user):
    if permissions.is_admin(user):
        return Product.objects.all()
    return Product.objects.filter(pk__in=permissions.expert_product_ids(user))


def _unanswered(product):
    return Question.objects.visible().filter(product=product, answer_count=0, closed_at__isnull=True)


def _worth_endorsing(product):
    from django.conf import settings

    active = Endorsement.objects.filter(answer=OuterRef("pk"), withdrawn_at__isnull=True)
    return (
        Post.objects.visible()
        .filter(product=product, kind=PostKind.ANSWER, score__gte=settings.WENDAO_ENDORSE_QUEUE_MIN_SCORE)
        .exclude(Exists(active))
    )


@login_required
def experts_home(request):
    products = _expert_products(request.user)
    if not products.exists():
        raise PermissionDenied(_("The expert workspace is for the company's experts."))
    products = products.annotate(
        unanswered=Count(
            "posts",
            filter=Q(
                posts__kind=PostKind.QUESTION,
                posts__answer_count=0,
                posts__closed_at__isnull=True,
                posts__deleted_at__isnull=True,
                posts__hidden_at__isnull=True,
            ),
            distinct=True,
        ),
        flagged=Count("posts", filter=Q(posts__flags__status=FlagStatus.OPEN), distinct=True),
    ).order_by("name")
    return render(request, "experts/home.html", {"products": products})


@login_required
def workspace(request, slug):
    product = get_object_or_404(Product, slug=slug)
    permissions.require(request.user, "experts.workspace", product)
    unanswered = _unanswered(product).select_related("author").order_by("created_at", "pk")
    open_flags = Prefetch(
        "flags", queryset=Flag.objects.filter(status=FlagStatus.OPEN).select_related("reporter"), to_attr="open_list"
    )
    flagged = moderation.posts_with_open_flags(product=product).prefetch_related(open_flags)
    endorse = _worth_endorsing(product).select_related("author", "question").order_by("-score", "created_at")
    bot_misses_available = hooks.is_registered("experts.bot_misses")
    bot_misses = [miss for result in hooks.call("experts.bot_misses", product, QUEUE_SIZE) for miss in result or []]
    return render(
        request,
        "experts/workspace.html",
        {
            "product": product,
            "unanswered": unanswered[:QUEUE_SIZE],
            "unanswered_total": unanswered.count(),
            "flagged": flagged[:QUEUE_SIZE],
            "endorse": endorse[:QUEUE_SIZE],
            "bot_misses": bot_misses,
            "bot_misses_available": bot_misses_available,
            "log": moderation.moderation_log(product=product)[:10],
        },
    )


@login_required
def log(request, slug):
    product = get_object_or_404(Product, slug=slug)
    permissions.require(request.user, "experts.workspace", product)
    page = Paginator(moderation.moderation_log(product=product), 50).get_page(request.GET.get("page"))
    return render(request, "experts/log.html", {"product": product, "page": page})


def _post(pk):
    return get_object_or_404(Post.objects.select_related("product", "question", "author", "duplicate_of"), pk=pk)


@login_required
def moderate(request, pk):
    """Everything an expert can do to one post, on one page."""
    post = _post(pk)
    permissions.require(request.user, "post.moderate", post)
    return render(
        request,
        "experts/moderate.html",
        {
            "post": post,
            "flags": post.flags.select_related("reporter", "resolved_by").order_by("-created_at"),
            "duplicates": moderation.duplicates_of(post) if post.is_question else [],
            "log": post.moderation_log.select_related("actor", "post", "post__question")[:20],
        },
    )


def _back(request, post):
    target = request.POST.get("next", "")
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect("forum:moderate", post.pk)


@login_required
@service_errors
def flag(request, pk):
    post = _post(pk)
    permissions.require(request.user, "post.flag", post)
    if request.method == "POST":
        moderation.post_flag(
            user=request.user, post=post, reason=request.POST.get("reason", ""), note=request.POST.get("note", "")
        )
        messages.success(request, _("Thank you. The product's experts will review your flag."))
        return redirect(post.get_absolute_url())
    return render(request, "experts/flag.html", {"post": post, "reasons": FlagReason.choices})


def post_action(view):
    """One moderation action on one post: signed in, POST only, a refusal shown by
    ``service_errors``. ``view(request, post, reason)`` does the work and returns the message
    to show; the reply goes back to the page the form was on."""

    @login_required
    @require_POST
    @service_errors
    @functools.wraps(view)
    def action(request, pk):
        post = _post(pk)
        messages.success(request, view(request, post, request.POST.get("reason", "")))
        return _back(request, post)

    return action


@post_action
def flags_resolve(request, post, reason):
    outcome = request.POST.get("outcome", "")
    count = moderation.flag_resolve(moderator=request.user, post=post, outcome=outcome, reason=reason)
    return _("%(count)d flags resolved.") % {"count": count}


@post_action
def close(request, post, reason):
    moderation.question_close(moderator=request.user, question=post, reason=reason)
    return _("The question is closed.")


@post_action
def reopen(request, post, reason):
    moderation.question_reopen(moderator=request.user, question=post, reason=reason)
    return _("The question is open again.")


def _original_from(value: str) -> Post:
    """The original question from its number or its address (``/q/123/`` or a full URL)."""
    import re

    match = re.search(r"(?:/q/)?(\d+)/?(?:[#?].*)?$", value.strip())
    if not match:
        raise ValidationError(_("Give the original question's number or its address."))
    original = Post.objects.filter(pk=int(match.group(1))).first()
    if original is None:
        raise ValidationError(_("There is no question #%(id)s.") % {"id": match.group(1)})
    return original


@post_action
def duplicate(request, post, reason):
    permissions.require(request.user, "post.moderate", post)
    original = _original_from(request.POST.get("original", ""))
    moderation.question_mark_duplicate(moderator=request.user, question=post, original=original, reason=reason)
    return _("The question is closed as a duplicate; both pages link to each other.")


@post_action
def lock_comments(request, post, reason):
    if request.POST.get("unlock"):
        moderation.comments_unlock(moderator=request.user, post=post, reason=reason)
        return _("Comments are open again.")
    moderation.comments_lock(moderator=request.user, post=post, reason=reason)
    return _("Comments are locked.")


@post_action
def delete_with_reason(request, post, reason):
    permissions.require(request.user, "post.moderate", post)
    if request.POST.get("undelete"):
        services.post_undelete(user=request.user, post=post, reason=reason)
        return _("The post was restored.")
    services.post_delete(user=request.user, post=post, reason=reason)
    return _("The post was deleted. It can be restored here.")


@post_action
def endorse(request, post, reason):
    services.answer_endorse(expert=request.user, answer=post, note=reason)
    return _("You endorsed this answer.")


@login_required
@require_POST
@service_errors
def rollback(request, pk, revision_id):
    post = _post(pk)
    # The revision is named by its own id, so the service (not the URL) checks it is this post's.
    revision = get_object_or_404(Revision, pk=revision_id)
    moderation.post_rollback(user=request.user, post=post, revision=revision, reason=request.POST.get("reason", ""))
    messages.success(request, _("Rolled back to revision %(number)d.") % {"number": revision.number})
    return redirect("forum:history", post.pk)

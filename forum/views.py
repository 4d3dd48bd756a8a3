"""The pages customers and experts use. Thin: parse input, call one service or selector, render.

Services raise ``ValidationError`` (bad input, 400) and ``PermissionDenied`` (403); the
``service_errors`` decorator turns the first into a message on the page, never a 500.
"""

import difflib
import functools

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import authority_store, fragments, page_cache, permissions, selectors, services, thread_cache, view_counts
from .forms import AnswerForm, CommentForm, EditForm, ProfileForm, QuestionForm, SignupForm
from .models import Post, Product, Tag, User
from .rendering import render_markdown


def _message_of(error: ValidationError) -> str:
    return " ".join(error.messages)


def service_errors(view):
    """Show a refused action as a 400 page (or an htmx fragment) with the service's message.

    htmx requests get a small fragment for refusals of either kind (400 and 403), which
    wendao.js shows beside the control that was used.
    """

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except ValidationError as error:
            if request.htmx:
                return HttpResponse(
                    f'<span class="error" role="alert">{_escape(_message_of(error))}</span>', status=400
                )
            return render(request, "forum/error.html", {"message": _message_of(error)}, status=400)
        except PermissionDenied as error:
            if not request.htmx:
                raise  # the 403 page (forum.errors.permission_denied)
            # htmx swaps only a fragment: give it the reason, not a whole error page.
            message = str(error) or _("You may not do this.")
            return HttpResponse(f'<span class="error" role="alert">{_escape(message)}</span>', status=403)

    return wrapper


def _escape(text: str) -> str:
    from django.utils.html import escape

    return escape(text)


@page_cache.for_anonymous()
def home(request):
    return render(request, "forum/home.html", {"products": selectors.products_with_counts()})


@page_cache.for_anonymous()
def product_detail(request, slug):
    product = get_object_or_404(Product, slug=slug)
    sort = request.GET.get("sort", "active")
    if sort not in selectors.QUESTION_SORTS:
        sort = "active"
    tag = request.GET.get("tag") or None
    if tag and not Tag.objects.filter(product=product, name=tag).exists():
        raise Http404(_("No such tag in this product."))
    questions = selectors.question_list(product=product, sort=sort, tag=tag)
    page = Paginator(questions, 20).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    fragments.attach_rows(page.object_list)
    return render(
        request,
        "forum/product.html",
        {
            "product": product,
            "page": page,
            "sort": sort,
            "sorts": selectors.QUESTION_SORTS,
            "tag": tag,
            "tags": product.tags.all()[:40],
        },
    )


def _count_view(request, pk, slug=None):
    """A kept copy of the page was served: the view still counts (forum/page_cache.py)."""
    view_counts.count(pk)


@page_cache.for_anonymous(lambda pk, slug=None: f"question:{pk}", on_serve=_count_view)
def question_detail(request, pk, slug=None):
    try:
        question = thread_cache.question(pk, voter=request.user)
    except Post.DoesNotExist:
        answer = get_object_or_404(Post.objects.only("pk", "kind", "question_id"), pk=pk, kind="a")
        return redirect(answer.get_absolute_url())
    answer_id = _positive_int(request.GET.get("answer"))
    if answer_id:
        # A link to one answer (wendao.js asks when #answer-N is not on the page): go to its page.
        # The page number is always in the URL, so a missing answer cannot bounce back here.
        moderator = permissions.is_moderator_of(request.user, question)
        number = selectors.answer_page_number(question=question, answer_id=answer_id, include_deleted=moderator)
        return redirect(f"{question.get_absolute_url()}?page={number or 1}#answer-{answer_id}")
    return _question_page(request, question, AnswerForm())


def _positive_int(value: str | None) -> int | None:
    try:
        number = int(value or "")
    except ValueError:
        return None
    return number if number > 0 else None


def _question_page(request, question: Post, answer_form: AnswerForm, status: int = 200):
    """The question page; also re-shown with a refused answer so the text typed is not lost."""
    permissions.require(request.user, "post.view", question)
    moderator = permissions.is_moderator_of(request.user, question)
    answers, my_votes = thread_cache.page(
        question=question,
        user=request.user,
        include_deleted=moderator,
        page=_positive_int(request.GET.get("page")) or 1,
    )
    if request.user.pk != question.author_id and status == 200:
        services.question_view_count(question=question)
    experts = selectors.expert_ids(question.product_id)
    memo = getattr(question, "thread_memo", None)  # kept with the thread's rows (forum/thread_cache.py)
    index = authority_store.thread_context(
        question=question, answers=answers, user=request.user, experts=experts, memo=memo
    )
    for post in [question, *answers]:
        post.my_vote = my_votes.get(post.pk, 0)
    fragments.attach(
        question=question,
        answers=answers,
        experts=experts,
        authorities=index["authorities"],
        reader=request.user,
        moderator=moderator,
        reader_is_expert=index["user_is_expert"],
        reader_endorsed=index["my_endorsements"],
        memo=memo,
        memo_key=index["context_key"],
    )
    response = render(
        request,
        "forum/question.html",
        {
            "question": question,
            "answers": answers,
            "answer_page": question.answer_page,
            "answer_form": answer_form,
            "is_moderator": moderator,
            "experts": experts,
            **index,
        },
        status=status,
    )
    if not getattr(request, "csrf_placeholder", False):  # a page being kept is filled per reader
        page_cache.fill_token(request, response)
    return response


@login_required
@service_errors
def ask(request, slug=None):
    initial = {}
    if slug:
        initial["product"] = get_object_or_404(Product, slug=slug)
    form = QuestionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            question = services.question_ask(
                author=request.user,
                product=form.cleaned_data["product"],
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                tags=form.cleaned_data["tags"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect(question.get_absolute_url())
    status = 400 if form.errors else 200
    return render(request, "forum/ask.html", {"form": form}, status=status)


@login_required
@require_POST
@service_errors
def answer_create(request, pk):
    question = get_object_or_404(Post, pk=pk, kind="q")
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            answer = services.answer_post(author=request.user, question=question, body=form.cleaned_data["body"])
        except ValidationError as error:
            form.add_error("body", error)
        else:
            return redirect(answer.get_absolute_url())
    return _question_page(request, thread_cache.question(question.pk, voter=request.user), form, status=400)


@login_required
@require_POST
@service_errors
def comment_create(request, pk):
    post = get_object_or_404(Post, pk=pk)
    form = CommentForm(request.POST)
    if not form.is_valid():
        raise ValidationError(list(form.errors.get("body", [_("Please write a comment.")])))
    services.comment_add(author=request.user, post=post, body=form.cleaned_data["body"])
    return redirect(post.get_absolute_url())


VOTE_VALUES = {"1": 1, "+1": 1, "-1": -1, "0": 0}


@require_POST
@service_errors
def vote(request, pk):
    if not request.user.is_authenticated:
        raise PermissionDenied(_("You need to sign in to vote."))
    post = get_object_or_404(Post, pk=pk)
    # Exact spellings only: int() would also take "１" (a full-width digit) or " 1 ".
    value = VOTE_VALUES.get(request.POST.get("value", ""))
    if value is None:
        raise ValidationError(_("A vote is +1, -1, or 0 to take it back."))
    # The service puts the new score (and rank) on ``post``: no second read.
    services.vote_cast(voter=request.user, post=post, value=value)
    if request.htmx:
        return render(request, "forum/_votes.html", {"post": post, "my_vote": value})
    return redirect(post.get_absolute_url())


@login_required
@require_POST
@service_errors
def endorse(request, pk):
    """An expert vouches for an answer ("Verified by"), with an optional note, or withdraws."""
    answer = get_object_or_404(Post, pk=pk, kind="a")
    if request.POST.get("withdraw"):
        services.endorsement_withdraw(expert=request.user, answer=answer)
        messages.success(request, _("Your endorsement was withdrawn."))
    else:
        services.answer_endorse(expert=request.user, answer=answer, note=request.POST.get("note", ""))
        messages.success(request, _("You endorsed this answer."))
    return redirect(answer.get_absolute_url())


@login_required
@require_POST
@service_errors
def accept(request, pk):
    answer = get_object_or_404(Post.objects.select_related("question"), pk=pk, kind="a")
    if request.POST.get("undo"):
        services.answer_unaccept(user=request.user, answer=answer)
    else:
        services.answer_accept(user=request.user, answer=answer)
    return redirect(answer.get_absolute_url())


@login_required
@service_errors
def edit(request, pk):
    post = get_object_or_404(Post.objects.select_related("product"), pk=pk)
    permissions.require(request.user, "post.edit", post)
    initial = {
        "title": post.title,
        "body": post.body,
        "tags": " ".join(post.tags.values_list("name", flat=True)),
    }
    form = EditForm(request.POST or None, initial=initial, is_question=post.is_question)
    if request.method == "POST" and form.is_valid():
        try:
            services.post_edit(
                editor=request.user,
                post=post,
                body=form.cleaned_data["body"],
                title=form.cleaned_data.get("title"),
                tags=form.cleaned_data.get("tags"),
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your edit was saved."))
            return redirect(post.get_absolute_url())
    return render(request, "forum/edit.html", {"form": form, "post": post}, status=400 if form.errors else 200)


def history(request, pk):
    post = get_object_or_404(Post.objects.select_related("question", "product"), pk=pk)
    permissions.require(request.user, "post.history", post)
    revisions = list(post.revisions.select_related("author").order_by("number"))
    previous = None
    for revision in revisions:
        revision.diff = _diff(previous, revision)
        previous = revision
    revisions.reverse()
    return render(request, "forum/history.html", {"post": post, "revisions": revisions})


def _diff(old, new) -> list[tuple[str, str]]:
    """(kind, line) pairs for a readable line diff: kind is '+', '-' or ' '."""

    def lines(revision):
        if revision is None:
            return []
        head = [f"# {revision.title}"] if revision.title else []
        tags = [f"[{revision.tags}]"] if revision.tags else []
        return head + tags + revision.body.splitlines()

    result = []
    for line in difflib.ndiff(lines(old), lines(new)):
        if line.startswith("? "):
            continue
        result.append((line[0], line[2:]))
    return result


@login_required
@require_POST
@service_errors
def delete(request, pk):
    post = get_object_or_404(Post, pk=pk)
    services.post_delete(user=request.user, post=post)
    messages.success(request, _("The post was deleted. The product's experts can restore it."))
    return redirect(post.question.get_absolute_url() if post.question_id else post.product.get_absolute_url())


@login_required
@require_POST
@service_errors
def undelete(request, pk):
    post = get_object_or_404(Post, pk=pk)
    services.post_undelete(user=request.user, post=post)
    messages.success(request, _("The post was restored."))
    return redirect(post.get_absolute_url())


@require_POST
def preview(request):
    text = request.POST.get("body", "")
    if len(text) > 100_000:
        return HttpResponseBadRequest(_("The text is too long to preview."))
    return HttpResponse(render_markdown(text))


def signup(request):
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        # Named, because with more than one backend (login throttling) Django cannot guess it.
        login(request, user, backend=settings.AUTHENTICATION_BACKENDS[-1])
        messages.success(request, _("Welcome to Wendao!"))
        return redirect("forum:home")
    return render(request, "registration/signup.html", {"form": form}, status=400 if form.errors else 200)


def profile(request, pk):
    person = get_object_or_404(User, pk=pk, is_active=True)
    posts = Post.objects.visible().filter(author=person).select_related("question", "product")
    return render(
        request,
        "forum/profile.html",
        {
            "person": person,
            "stats": selectors.user_profile_stats(person),
            "authorities": authority_store.authority_profile(person),
            "questions": posts.filter(kind="q").order_by("-created_at")[:20],
            "answers": posts.filter(kind="a").order_by("-created_at")[:20],
        },
    )


@login_required
def profile_edit(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        switch = "preferred_language" in form.changed_data and user.preferred_language
        if switch:
            # Switch now, in this browser too: the language cookie would otherwise win.
            translation.activate(user.preferred_language)
        messages.success(request, _("Your profile was saved."))
        response = redirect(user.get_absolute_url())
        if switch:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                user.preferred_language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            )
        return response
    return render(request, "forum/profile_edit.html", {"form": form}, status=400 if form.errors else 200)

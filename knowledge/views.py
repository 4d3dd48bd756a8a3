"""The knowledge team's pages (editors only) and the public article pages. Thin: parse input,
call one service or selector, render. Services raise ``ValidationError`` (shown on the page as a
400) and ``PermissionDenied`` (403)."""

import functools

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from forum.models import Post, Product

from . import exporters, selectors, services
from .forms import ArticleForm, ExportForm, RejectForm, RetireForm
from .models import Article, ArticleStatus, Candidate, CandidateStatus, ExportJob, ReviewReason
from .permissions import require_editor


def editor_required(view):
    """Anonymous visitors are sent to log in; signed-in people who are not editors get 403."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        require_editor(request.user)
        return view(request, *args, **kwargs)

    return wrapper


def _product_from(request) -> Product | None:
    slug = request.GET.get("product") or ""
    if not slug:
        return None
    return get_object_or_404(Product, slug=slug)


def _messages_of(error: ValidationError) -> str:
    return " ".join(error.messages)


@editor_required
def queue(request):
    product = _product_from(request)
    sort = request.GET.get("sort", "score")
    if sort not in selectors.QUEUE_SORTS:
        sort = "score"
    return render(
        request,
        "knowledge/queue.html",
        {
            "items": selectors.review_queue(product=product, sort=sort),
            "product": product,
            "products": Product.objects.order_by("name"),
            "counts": selectors.queue_counts(),
            "sort": sort,
        },
    )


def _publish_kwargs(form: ArticleForm) -> dict:
    data = form.cleaned_data
    return {
        "title": data["title"],
        "alt_questions": data["alt_questions"],
        "answer_markdown": data["answer_markdown"],
        "product": data["product"],
        "tags": data["tags"],
        "locale": data["locale"],
        "valid_until": data["valid_until"],
        "product_version": data["product_version"],
        "note": data["note"],
    }


@editor_required
def candidate_review(request, pk):
    try:
        candidate = selectors.candidate_for_review(pk)
    except Candidate.DoesNotExist:
        raise Http404(_("No such candidate.")) from None
    form = ArticleForm(request.POST or None, initial=selectors.candidate_prefill(candidate))
    reject_form = RejectForm()
    status = 200
    if request.method == "POST":
        if request.POST.get("action") == "reject":
            reject_form = RejectForm(request.POST)
            form = ArticleForm(initial=selectors.candidate_prefill(candidate))
            if reject_form.is_valid():
                try:
                    services.candidate_reject(
                        editor=request.user, candidate=candidate, reason=reject_form.cleaned_data["reason"]
                    )
                except ValidationError as error:
                    reject_form.add_error(None, error)
                else:
                    messages.success(request, _("The candidate was rejected."))
                    return redirect("knowledge:queue")
        elif form.is_valid():
            try:
                article = services.article_publish(editor=request.user, candidate=candidate, **_publish_kwargs(form))
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("The article was published."))
                return redirect("knowledge:article_versions", pk=article.pk)
        status = 400
    question = candidate.answer.question
    return render(
        request,
        "knowledge/review.html",
        {
            "candidate": candidate,
            "question": question,
            "thread": selectors.source_thread(question),
            "source": candidate.answer,
            "form": form,
            "reject_form": reject_form,
            "is_pending": candidate.status == CandidateStatus.PENDING,
        },
        status=status,
    )


@editor_required
def article_edit(request, pk):
    try:
        article = selectors.article_for_edit(pk)
    except Article.DoesNotExist:
        raise Http404(_("No such article.")) from None
    form = ArticleForm(request.POST or None, initial=selectors.article_prefill(article))
    if request.method == "POST" and form.is_valid():
        try:
            services.article_publish(editor=request.user, article=article, **_publish_kwargs(form))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("A new version was published."))
            return redirect("knowledge:article_versions", pk=article.pk)
    return render(
        request,
        "knowledge/article_edit.html",
        {
            "article": article,
            "form": form,
            "source": article.source_answer,
            "source_diff": selectors.source_diff(article)
            if article.needs_review == ReviewReason.SOURCE_CHANGED
            else [],
            "retire_form": RetireForm(),
        },
        status=400 if form.errors else 200,
    )


@editor_required
def article_list(request):
    product = _product_from(request)
    status = request.GET.get("status", "")
    query = (request.GET.get("q") or "").strip()[:200]
    page = Paginator(selectors.article_list(product=product, status=status, query=query), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "knowledge/article_list.html",
        {
            "page": page,
            "product": product,
            "products": Product.objects.order_by("name"),
            "status": status,
            "statuses": ArticleStatus.choices,
            "q": query,
        },
    )


@editor_required
def article_versions(request, pk):
    article = get_object_or_404(Article.objects.select_related("product", "source_answer"), pk=pk)
    versions = selectors.article_versions(article)
    by_number = {v.number: v for v in versions}
    try:
        new = int(request.GET.get("b") or article.version)
        old = int(request.GET.get("a") or new - 1)
    except ValueError:
        return render(request, "forum/error.html", {"message": _("Pick versions by their numbers.")}, status=400)
    if new not in by_number or (old not in by_number and old != 0):
        raise Http404(_("No such version."))
    diff = selectors.line_diff(
        selectors.version_text(by_number[old]) if old else "", selectors.version_text(by_number[new])
    )
    return render(
        request,
        "knowledge/article_versions.html",
        {
            "article": article,
            "versions": list(reversed(versions)),
            "old": old,
            "new": new,
            "diff": diff,
            "retire_form": RetireForm(),
        },
    )


@editor_required
@require_POST
def article_retire(request, pk):
    article = get_object_or_404(Article, pk=pk)
    form = RetireForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Please keep the reason under 300 characters."))
        services.article_retire(editor=request.user, article=article, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        return render(request, "forum/error.html", {"message": _messages_of(error)}, status=400)
    messages.success(request, _("The article was retired: the bot and exports no longer use it."))
    return redirect("knowledge:article_versions", pk=article.pk)


@editor_required
@require_POST
def article_reinstate(request, pk):
    article = get_object_or_404(Article, pk=pk)
    try:
        services.article_reinstate(editor=request.user, article=article)
    except ValidationError as error:
        return render(request, "forum/error.html", {"message": _messages_of(error)}, status=400)
    messages.success(request, _("The article was reinstated."))
    return redirect("knowledge:article_versions", pk=article.pk)


@editor_required
def misses(request):
    product = _product_from(request)
    show_resolved = request.GET.get("resolved") == "1"
    return render(
        request,
        "knowledge/misses.html",
        {
            "misses": selectors.bot_misses_for_product(product, limit=200, resolved=show_resolved),
            "product": product,
            "products": Product.objects.order_by("name"),
            "show_resolved": show_resolved,
        },
    )


@editor_required
def exports(request):
    form = ExportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            job = services.export_job_start(
                user=request.user,
                format=data["format"],
                product=data["product"],
                locale=data["locale"],
                since=data["since"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect(reverse("knowledge:exports") + f"?job={job.pk}")
    return render(
        request,
        "knowledge/exports.html",
        {"form": form, "jobs": selectors.export_history(), "highlight": request.GET.get("job", "")},
        status=400 if form.errors else 200,
    )


@editor_required
def export_status(request, pk):
    job = get_object_or_404(ExportJob.objects.select_related("requested_by", "product"), pk=pk)
    return render(request, "knowledge/_export_row.html", {"job": job}, status=200)


@editor_required
def export_download(request, pk):
    job, path = selectors.export_file(pk)
    module = exporters.FORMATS[job.format]
    response = FileResponse(open(path, "rb"), as_attachment=True, filename=path.name)  # noqa: SIM115
    response["Content-Type"] = module.CONTENT_TYPE
    return response


# --- Public pages ------------------------------------------------------------------------------
def public_index(request, slug=None):
    product = get_object_or_404(Product, slug=slug) if slug else None
    page = Paginator(selectors.public_articles(product=product), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "knowledge/public_index.html",
        {"page": page, "product": product, "products": Product.objects.order_by("name")},
    )


def article_public(request, pk, slug=None):
    try:
        article = selectors.public_article(pk)
    except Article.DoesNotExist:
        raise Http404(_("This article does not exist or has been retired.")) from None
    if slug != article.slug:
        return redirect(article.get_absolute_url(), permanent=True)
    services.article_record_view(article=article)
    source: Post | None = article.source_answer
    return render(
        request,
        "knowledge/article_public.html",
        {
            "article": article,
            "source": source if source and source.deleted_at is None else None,
            "contributors": selectors.source_contributors(article) if source else [],
        },
    )

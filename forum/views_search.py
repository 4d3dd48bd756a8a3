"""Search pages: the results page, its JSON twin, and the similar questions shown while asking.

Thin: read the request, call ``forum.search.service``, render. Whatever is typed gets results
or a message (bad syntax, common words only, an index that is down), never a 500.
"""

import functools

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from . import page_cache, receivers
from .forms import QuestionForm
from .models import Product
from .search import service


def _status_labels():
    return {"": _("All"), "answered": _("Answered"), "accepted": _("Accepted answer"), "unanswered": _("Unanswered")}


def _sort_labels():
    return {"relevance": _("Relevance"), "newest": _("Newest"), "score": _("Score")}


class BadFilter(ValueError):
    pass


def _filters(params, *, strict: bool) -> dict:
    """Product, tag, status and sort from the query string; unknown values are dropped (pages)
    or refused with a message (the JSON endpoint, whose callers should learn of their mistake)."""
    product = None
    slug = params.get("product", "").strip()
    if slug:
        product = Product.objects.filter(slug=slug[:60]).first()
        if product is None and strict:
            raise BadFilter(_("There is no product “%(slug)s”.") % {"slug": slug[:60]})
    status = params.get("status", "").strip()
    if status and status not in service.STATUSES:
        if strict:
            raise BadFilter(_("Status must be one of: %(choices)s.") % {"choices": ", ".join(service.STATUSES)})
        status = ""
    sort = params.get("sort", "relevance").strip() or "relevance"
    if sort not in service.SORTS:
        if strict:
            raise BadFilter(_("Sort must be one of: %(choices)s.") % {"choices": ", ".join(service.SORTS)})
        sort = "relevance"
    tag = params.get("tag", "").strip().lower()[:50] or None
    return {"product": product, "tag": tag, "status": status or None, "sort": sort}


@require_GET
# Readers without a session get a results page at most WENDAO_ANONYMOUS_PAGE_SECONDS old (new
# questions show a moment late, as the index itself follows the forum a moment late); a deleted,
# hidden or edited post retires every kept page at once (forum/receivers.py). A results page
# costs 40-50 ms of CPU (engine, highlighted snippets, rendering), a kept one about 2 ms.
@page_cache.for_anonymous(lambda: receivers.SEARCH_SCOPE)
def search(request):
    text = request.GET.get("q", "")
    filters = _filters(request.GET, strict=False)
    context = {
        "search_text": text[:200],
        "filters": filters,
        "products": Product.objects.order_by("name"),
        "status_labels": _status_labels(),
        "sort_labels": _sort_labels(),
        "results": None,
        "error": "",
    }
    if "q" in request.GET:
        try:
            context["results"] = service.search_questions(text=text, page=request.GET.get("page"), **filters)
        except service.SearchUnavailable:
            context["error"] = _("Search is unavailable right now. Please try again in a minute.")
            return render(request, "forum/search.html", context, status=503)
    return render(request, "forum/search.html", context)


@require_GET
def search_json(request):
    text = request.GET.get("q", "")
    try:
        filters = _filters(request.GET, strict=True)
    except BadFilter as error:
        return JsonResponse({"error": str(error)}, status=400)
    try:
        results = service.search_questions(text=text, page=request.GET.get("page"), **filters)
    except service.SearchUnavailable:
        return JsonResponse({"error": _("Search is unavailable right now. Please try again in a minute.")}, status=503)
    if results.query.is_empty:
        message = results.messages[-1] if results.query.text else _("Type something to search for.")
        return JsonResponse({"error": message, "query": results.query.text}, status=400)
    page = results.page
    return JsonResponse(
        {
            "query": results.query.text,
            "count": page.paginator.count,
            # True: "count" is an estimate (rounded), where an exact one would cost the engine
            # too much; "num_pages" is then estimated too, but a page past it is never empty.
            "count_estimated": results.estimated,
            "page": page.number,
            "num_pages": page.paginator.num_pages,
            "sort": filters["sort"],
            "matched_all_words": results.matched_all_words,
            "messages": results.messages,
            "results": [_question_json(request, question) for question in results.questions],
        },
        json_dumps_params={"ensure_ascii": False},
    )


def _question_json(request, question) -> dict:
    return {
        "id": question.pk,
        "title": question.title,
        "url": request.build_absolute_uri(question.get_absolute_url()),
        "product": question.product.slug,
        "tags": [tag.name for tag in question.tags.all()],
        "score": question.score,
        "answer_count": question.answer_count,
        "has_accepted_answer": question.has_accepted_answer,
        "created_at": question.created_at.isoformat(),
        # HTML: escaped text with the matched words in <mark>.
        "snippet": question.snippet,
    }


@require_GET
def similar(request):
    """The "similar questions" list of the ask page (an HTML fragment; similar.js fetches it)."""
    title = request.GET.get("title", "")[:300]
    product = None
    product_id = request.GET.get("product", "")
    if product_id.isdigit():
        product = Product.objects.filter(pk=int(product_id)).first()
    try:
        questions = service.similar_questions(title=title, product=product) if len(title.strip()) >= 3 else []
    except service.SearchUnavailable:
        questions = []
    return render(request, "forum/_similar_questions.html", {"similar": questions, "title": title})


def check_similar_first(ask_view):
    """Before a new question is saved, show the asker the questions like it once more.

    The first submit of a valid form with similar questions renders the form again with them
    and a "post anyway" button (a hidden ``similar_checked`` field); the second submit goes
    through. Works without JavaScript; similar.js only adds the list while typing.
    """

    @functools.wraps(ask_view)
    def wrapper(request, *args, **kwargs):
        if request.method == "POST" and request.user.is_authenticated and not request.POST.get("similar_checked"):
            form = QuestionForm(request.POST)
            if form.is_valid():
                try:
                    questions = service.similar_questions(
                        title=form.cleaned_data["title"],
                        body=form.cleaned_data["body"],
                        product=form.cleaned_data["product"],
                    )
                except service.SearchUnavailable:
                    questions = []
                if questions:
                    return render(request, "forum/ask.html", {"form": form, "similar": questions, "confirm": True})
        return ask_view(request, *args, **kwargs)

    return wrapper

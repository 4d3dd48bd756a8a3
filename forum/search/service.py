"""Searching questions and finding similar ones: the functions pages, the API and the
commands call. The engine answers with ids; the rows (and the snippets) come from the database,
so a question or answer deleted a moment ago is never shown, even before the index has caught up.
"""

import functools
import logging
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from haystack import connections
from haystack.inputs import Exact, Raw
from haystack.query import SearchQuerySet

from forum.models import Post, Product, Question, Tag

from . import query as q
from .documents import plain_text
from .highlight import mark_all, snippet, terms_of

logger = logging.getLogger(__name__)

SORTS = {"relevance": None, "newest": "-created_at", "score": "-votes"}
STATUSES = ("answered", "accepted", "unanswered")
PAGE_SIZE = 20
SIMILAR_LIMIT = 5


class SearchUnavailable(Exception):
    """The engine failed (a broken or missing index): the page says so instead of a 500."""


@dataclass
class SearchResults:
    query: q.CleanQuery
    page: Page | None = None
    questions: list[Post] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    matched_all_words: bool = True
    # The total (``page.paginator.count``) is an estimate, shown as "about N"; the pages and
    # whether a next one exists are exact all the same.
    estimated: bool = False


def _base(using: str = "default") -> SearchQuerySet:
    return SearchQuerySet(using=using).models(Post)


def _filtered(sqs: SearchQuerySet, *, product: Product | None, tag: str | None, status: str | None):
    if product is not None:
        sqs = sqs.filter(product_id=product.pk)
    if tag:
        sqs = sqs.filter(tags=Exact(tag))
    if status in STATUSES:
        sqs = sqs.filter(status=Exact(status))
    return sqs


def _run(sqs: SearchQuerySet, page_number, page_size: int, using: str = "default") -> tuple[Page, bool]:
    """One page of hits and whether its total is an estimate, in one engine query (two when
    the page asked for is past the end: the last page is shown instead)."""
    try:
        backend = connections[using].get_backend()
        if hasattr(backend, "document_frequencies"):  # Wendao's Whoosh backend
            fetch = functools.partial(_backend_page, backend, sqs)
        else:
            fetch = functools.partial(_haystack_page, sqs)
        number = _page_number(page_number)
        hits, count, estimated = fetch(number, page_size)
        paginator = Paginator(range(count), page_size)
        if number > paginator.num_pages:  # past the end: show the last page
            number = paginator.num_pages
            hits, count, estimated = fetch(number, page_size) if count else ([], 0, False)
            paginator = Paginator(range(count), page_size)
        return Page(hits, number, paginator), estimated
    except Exception as error:  # the engine's own errors come in many classes
        logger.exception("search failed")
        raise SearchUnavailable(str(error)) from error


def _haystack_page(sqs: SearchQuerySet, number: int, page_size: int) -> tuple[list, int, bool]:
    """(hits, total, False) through haystack, for any engine. Slices are whole pages ([20:40],
    never [20:23]): haystack maps a slice onto Whoosh's page numbers, and a short last slice
    would land on the wrong offset."""
    sqs = sqs._clone()
    hits = list(sqs[(number - 1) * page_size : number * page_size])
    return hits, sqs.count(), False  # the count is cached by the slice


def _backend_page(backend, sqs: SearchQuerySet, number: int, page_size: int) -> tuple[list, int, bool]:
    """(hits, total, whether the total is an estimate) from Wendao's Whoosh backend, which
    estimates the total where an exact one would read long posting lists (``backend._search``)
    and knows past-the-end pages' totals."""
    query = sqs.query._clone()
    query.set_limits((number - 1) * page_size, number * page_size)
    found = backend.search(query.build_query(), estimate_count=True, **query.build_params())
    return found["results"], found["hits"], found.get("hits_estimated", False)


def _page_number(value) -> int:
    try:
        return max(int(value), 1)
    except (TypeError, ValueError, OverflowError):
        return 1


def search_questions(
    *,
    text: str,
    product: Product | None = None,
    tag: str | None = None,
    status: str | None = None,
    sort: str = "relevance",
    page: int | str | None = 1,
    page_size: int = PAGE_SIZE,
    using: str = "default",
    load: bool = True,
) -> SearchResults:
    """One page of questions matching ``text``, best first (or newest, or highest score).

    Every word must match somewhere (title, tags, body, answers); when no question has them all,
    questions with any of them are shown instead, and the results say so.
    """
    query = q.clean_query(text)
    results = SearchResults(query=query)
    if query.truncated:
        results.messages.append(
            _("Your search was shortened to its first %(count)d characters.") % {"count": q.MAX_QUERY_CHARS}
        )
    if query.is_empty:
        if query.text:
            results.messages.append(_("Those words are too common to search for. Try more specific words."))
        return results
    sqs = _filtered(_base(using), product=product, tag=tag, status=status)
    if SORTS.get(sort):
        sqs = sqs.order_by(SORTS[sort])
    found, estimated = _run(sqs.filter(content=Raw(q.search_query_string(query))), page, page_size, using)
    if not found.paginator.count and len(query.words) + len(query.phrases) > 1:
        any_word = q.search_query_string(query, match_all=False, frequencies=_frequencies(using))
        found, estimated = _run(sqs.filter(content=Raw(any_word)), page, page_size, using)
        results.matched_all_words = False
        if found.paginator.count:
            results.messages.append(_("No question has all of your words; these have some of them."))
    results.page, results.estimated = found, estimated
    if load:  # off only in the benchmark, which times the engine alone
        results.questions = _load(found.object_list, terms=_highlight_terms(query))
    return results


def _highlight_terms(query: q.CleanQuery) -> set[str]:
    return terms_of(" ".join(query.words + [w for phrase in query.phrases for w in phrase]))


def _load(hits, *, terms: set[str] | None = None) -> list[Post]:
    """The visible questions behind the hits, in the hits' order, with snippets if asked."""
    ids = [int(hit.pk) for hit in hits]
    queryset = Question.objects.visible().filter(pk__in=ids).select_related("product", "author")
    queryset = queryset.prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
    if terms is not None:
        answers = Post.objects.visible().only("pk", "question_id", "body_html")
        queryset = queryset.prefetch_related(Prefetch("answers", queryset=answers, to_attr="visible_answers"))
    by_id = {question.pk: question for question in queryset}
    questions = [by_id[i] for i in ids if i in by_id]
    if terms is not None:
        for question in questions:
            question.snippet = _snippet_of(question, terms)
            question.title_html = mark_all(question.title, terms)
    return questions


def _snippet_of(question: Post, terms: set[str]) -> str:
    body = plain_text(question.body_html)
    marked = snippet(body, terms)
    if "<mark" in marked:
        return marked
    for answer in question.visible_answers:
        answer_snippet = snippet(plain_text(answer.body_html), terms, fallback_chars=0)
        if "<mark" in answer_snippet:
            return answer_snippet
    return marked


def similar_question_ids(
    *,
    title: str,
    body: str = "",
    product: Product | None = None,
    limit: int = SIMILAR_LIMIT,
    exclude: int | None = None,
    baseline: bool = False,
    using: str = "default",
) -> list[int]:
    """Ids of the questions most like one being asked, best first (none for an empty title)."""
    try:
        raw = (
            q.baseline_query_string(title, body)
            if baseline
            else q.similar_query_string(title, body, frequencies=_frequencies(using))
        )
        if not raw:
            return []
        sqs = _filtered(_base(using), product=product, tag=None, status=None).filter(content=Raw(raw))
        ids = _top_ids(sqs, limit + (1 if exclude is not None else 0), using)
    except Exception as error:
        logger.exception("similar-questions search failed")
        raise SearchUnavailable(str(error)) from error
    return [i for i in ids if i != exclude][:limit]


def _top_ids(sqs: SearchQuerySet, count: int, using: str) -> list[int]:
    """The ids of the best ``count`` hits. Wendao's Whoosh backend is asked not to count every
    match (a page of search results needs the total; five similar questions do not)."""
    backend = connections[using].get_backend()
    if not hasattr(backend, "document_frequencies"):
        return [int(hit.pk) for hit in sqs[:count]]
    query = sqs.query
    query.set_limits(0, count)
    found = backend.search(query.build_query(), exact_count=False, **query.build_params())
    return [int(hit.pk) for hit in found["results"]]


def _frequencies(using: str) -> q.Frequencies | None:
    """The index's document frequencies where the engine gives them (Whoosh, Wendao's backend);
    other engines get the unpruned query."""
    backend = connections[using].get_backend()
    if not hasattr(backend, "document_frequencies"):
        return None
    document_frequency, count = backend.document_frequencies()
    return q.Frequencies(document_frequency=document_frequency, document_count=count)


def similar_questions(*, title: str, body: str = "", product: Product | None = None, limit: int = SIMILAR_LIMIT):
    """Up to ``limit`` visible questions like the one being asked, with their answer status."""
    return _load([_Hit(i) for i in similar_question_ids(title=title, body=body, product=product, limit=limit)])


@dataclass
class _Hit:
    pk: int

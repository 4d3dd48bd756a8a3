"""Every read the knowledge pages, the API and the forum's hooks need, N+1-free."""

import datetime
import difflib
from dataclasses import dataclass
from pathlib import Path

from django.core.cache import cache
from django.db.models import Count, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from forum.models import Post, PostKind, Product, Tag

from . import conf
from .models import (
    Article,
    ArticleStatus,
    ArticleVersion,
    BotMiss,
    BotQuery,
    Candidate,
    CandidateStatus,
    ExportJob,
    ExportStatus,
    ReviewReason,
)

# Demand = question views + this much per duplicate question pointing at it + this much per bot
# query that looked for it: a duplicate or a bot query is a person who could not find the answer.
DEMAND_PER_DUPLICATE = 20
DEMAND_PER_BOT_QUERY = 10
QUEUE_SORTS = ("score", "demand", "newest")
# A renamed product slug is seen by the bot API within this many seconds.
PRODUCT_CACHE_SECONDS = 300


@dataclass
class QueueItem:
    """One line of the review queue: a candidate waiting, or an article that needs a look."""

    kind: str  # "candidate" or "article"
    obj: Candidate | Article
    product: Product
    title: str
    score: float
    demand: int
    reason: str
    since: datetime.datetime
    url: str


def _candidates(product: Product | None, status: str | None = CandidateStatus.PENDING) -> QuerySet[Candidate]:
    duplicates = (
        Post.objects.filter(duplicate_of=OuterRef("answer__question_id"), deleted_at__isnull=True)
        .order_by()
        .values("duplicate_of")
        .annotate(n=Count("pk"))
        .values("n")
    )
    bot = (
        BotMiss.objects.filter(candidate=OuterRef("pk"))
        .order_by()
        .values("candidate")
        .annotate(n=Sum("count"))
        .values("n")
    )
    candidates = (
        (Candidate.objects.filter(status=status) if status else Candidate.objects.all())
        .select_related("product", "answer__question", "answer__author")
        .annotate(
            duplicate_count=Coalesce(Subquery(duplicates, output_field=IntegerField()), 0),
            bot_demand=Coalesce(Subquery(bot, output_field=IntegerField()), 0),
        )
    )
    return candidates.filter(product=product) if product is not None else candidates


def _needs_review() -> Q:
    """Published articles the team should look at again: marked (source changed or deleted,
    expired) or past their "valid until" date before the daily sweep has marked them."""
    return Q(status=ArticleStatus.PUBLISHED) & (~Q(needs_review="") | Q(valid_until__lte=timezone.localdate()))


def _articles_needing_review(product: Product | None) -> QuerySet[Article]:
    articles = (
        Article.objects.filter(_needs_review())
        .select_related("product", "source_answer__question")
        .annotate(bot_demand=Count("bot_hits"))
    )
    return articles.filter(product=product) if product is not None else articles


def review_queue(*, product: Product | None = None, sort: str = "score") -> list[QueueItem]:
    """Candidates waiting for review and articles to re-review, in one list."""
    items = []
    for c in _candidates(product):
        question = c.answer.question
        items.append(
            QueueItem(
                kind="candidate",
                obj=c,
                product=c.product,
                title=question.title,
                score=c.answer.rank_score,
                demand=question.view_count
                + DEMAND_PER_DUPLICATE * c.duplicate_count
                + DEMAND_PER_BOT_QUERY * c.bot_demand,
                reason=c.get_reason_display(),
                since=c.created_at,
                url=reverse("knowledge:candidate_review", args=[c.pk]),
            )
        )
    for a in _articles_needing_review(product):
        reason = a.needs_review or ReviewReason.EXPIRED
        question = a.source_answer.question if a.source_answer_id else None
        items.append(
            QueueItem(
                kind="article",
                obj=a,
                product=a.product,
                title=a.title,
                score=a.authority,
                demand=a.view_count + DEMAND_PER_BOT_QUERY * a.bot_demand + (question.view_count if question else 0),
                reason=ReviewReason(reason).label,
                since=a.updated_at,
                url=reverse("knowledge:article_edit", args=[a.pk]),
            )
        )
    keys = {
        "score": lambda i: (-i.score, -i.demand, i.since),
        "demand": lambda i: (-i.demand, -i.score, i.since),
        "newest": lambda i: (-i.since.timestamp(),),
    }
    items.sort(key=keys.get(sort, keys["score"]))
    return items


def queue_counts() -> dict[int, int]:
    """Pending candidates per product id, for the product switcher."""
    return dict(
        Candidate.objects.filter(status=CandidateStatus.PENDING)
        .values_list("product_id")
        .annotate(n=Count("pk"))
        .values_list("product_id", "n")
    )


def candidate_rows(*, product: Product | None = None, status: str | None = CandidateStatus.PENDING):
    """Candidates with the signals the queue sorts by, computed by the database so that a list
    can be ordered (and cursor-paged) by them: the answer's ``rank_score`` and the ``demand``
    (question views, duplicates and bot queries, weighted as in ``review_queue``)."""
    from forum.models import Endorsement

    active = Endorsement.objects.filter(withdrawn_at__isnull=True).select_related("expert").order_by("created_at", "pk")
    return (
        _candidates(product, status)
        .select_related("reviewed_by", "article")
        .prefetch_related(Prefetch("answer__endorsements", queryset=active, to_attr="active_endorsement_list"))
        .annotate(
            answer_rank_score=F("answer__rank_score"),
            demand=F("answer__question__view_count")
            + DEMAND_PER_DUPLICATE * F("duplicate_count")
            + DEMAND_PER_BOT_QUERY * F("bot_demand"),
        )
    )


def candidate_for_review(candidate_id: int) -> Candidate:
    return (
        Candidate.objects.select_related("product", "answer__author", "answer__question__author", "reviewed_by")
        .prefetch_related(Prefetch("answer__question__tags", queryset=Tag.objects.order_by("name")))
        .get(pk=candidate_id)
    )


def source_thread(question: Post) -> list[Post]:
    """The question's visible answers, best first, with their authors (for the review screen)."""
    return list(
        Post.objects.filter(question=question, kind=PostKind.ANSWER, deleted_at__isnull=True)
        .select_related("author")
        .order_by("-is_accepted", "-rank_score", "-score", "pk")
    )


def candidate_prefill(candidate: Candidate) -> dict:
    """What the review form starts with: the customers' own words as phrasings."""
    question = candidate.answer.question
    phrasings = [question.title]
    phrasings += list(
        Post.objects.filter(duplicate_of=question, deleted_at__isnull=True)
        .order_by("pk")
        .values_list("title", flat=True)
    )
    phrasings += list(candidate.bot_misses.order_by("-count", "pk").values_list("text", flat=True)[:20])
    seen, alt = {question.title.strip().lower()}, []
    for text in phrasings[1:]:
        if text.strip().lower() not in seen:
            seen.add(text.strip().lower())
            alt.append(text)
    return {
        "title": question.title,
        "alt_questions": "\n".join(alt),
        "answer_markdown": candidate.answer.body,
        "product": candidate.product_id,
        "tags": " ".join(t.name for t in question.tags.all()),
        "locale": candidate.product.language,
    }


def article_prefill(article: Article) -> dict:
    return {
        "title": article.title,
        "alt_questions": "\n".join(article.alt_questions),
        "answer_markdown": article.answer_markdown,
        "product": article.product_id,
        "tags": " ".join(article.tags),
        "locale": article.locale,
        "valid_until": article.valid_until,
        "product_version": article.product_version,
    }


def article_for_edit(article_id: int) -> Article:
    return Article.objects.select_related("product", "source_answer__author", "source_answer__question").get(
        pk=article_id
    )


def article_list(
    *, product: Product | None = None, status: str = "", query: str = "", locale: str = "", needs_review: bool = False
) -> QuerySet[Article]:
    articles = Article.objects.select_related("product").defer("answer_html", "answer_text", "search_tokens")
    if product is not None:
        articles = articles.filter(product=product)
    if status in ArticleStatus.values:
        articles = articles.filter(status=status)
    if locale:
        articles = articles.filter(locale=locale)
    if needs_review:
        articles = articles.filter(_needs_review())
    if query:
        articles = articles.filter(Q(title__icontains=query) | Q(answer_markdown__icontains=query))
    return articles.order_by("-updated_at", "-pk")


def article_versions(article: Article) -> list[ArticleVersion]:
    return list(article_version_rows(article))


def article_version_rows(article: Article) -> QuerySet[ArticleVersion]:
    return ArticleVersion.objects.filter(article=article).select_related("editor").order_by("number")


def source_diff(article: Article) -> list[tuple[str, str]]:
    """What changed in the source answer since the article was written from it."""
    answer = article.source_answer
    if answer is None:
        return []
    revisions = {r.number: r.body for r in answer.revisions.filter(number__gte=article.source_revision)}
    if not revisions:
        return []
    old = revisions.get(article.source_revision, "")
    new = revisions[max(revisions)]
    return line_diff(old, new)


def line_diff(old: str, new: str) -> list[tuple[str, str]]:
    """``(op, line)`` pairs: op is "+" (added), "-" (removed) or " " (unchanged)."""
    result = []
    for line in difflib.ndiff(old.splitlines(), new.splitlines()):
        if not line.startswith("? "):
            result.append((line[0], line[2:]))
    return result


def version_text(version) -> str:
    """A version as one text, so that two versions can be compared line by line."""
    lines = [f"# {version.title}", ""]
    lines += [f"? {q}" for q in version.alt_questions]
    lines += [f"[{' '.join(version.tags)}] ({version.locale})"]
    if version.valid_until or version.product_version:
        lines.append(f"valid until: {version.valid_until or '-'} · version: {version.product_version or '-'}")
    return "\n".join(lines + ["", version.answer_markdown])


def public_article(article_id: int) -> Article:
    return Article.objects.select_related("product", "source_answer__author", "source_answer__question__author").get(
        pk=article_id, status=ArticleStatus.PUBLISHED
    )


def public_articles(*, product: Product | None = None, locale: str = "") -> QuerySet[Article]:
    articles = Article.objects.filter(status=ArticleStatus.PUBLISHED).select_related("product")
    if product is not None:
        articles = articles.filter(product=product)
    if locale:
        articles = articles.filter(locale=locale)
    return articles.only("pk", "title", "slug", "product__slug", "product__name", "locale", "updated_at").order_by(
        "title", "pk"
    )


def source_contributors(article: Article) -> list:
    """The people to credit on a public article: the answer's author and everyone who revised it,
    then the asker; each once, in that order."""
    if article.source_answer_id is None:
        return []
    answer = article.source_answer
    people = [answer.author]
    people += [r.author for r in answer.revisions.select_related("author").order_by("number")]
    people.append(answer.question.author)
    seen, result = set(), []
    for person in people:
        if person.pk not in seen:
            seen.add(person.pk)
            result.append(person)
    return result


def export_history(*, limit: int = 50) -> QuerySet[ExportJob]:
    return export_rows()[:limit]


def export_rows() -> QuerySet[ExportJob]:
    return ExportJob.objects.select_related("requested_by", "product").order_by("-created_at", "-pk")


def export_file(job_id: int) -> tuple[ExportJob, Path]:
    """A finished export and its file; ``Http404`` when there is no such finished export or its
    file is gone (the pages and the API say the same)."""
    from .tasks import export_dir

    job = ExportJob.objects.filter(pk=job_id, status=ExportStatus.DONE).first()
    if job is None:
        raise Http404
    path = export_dir() / Path(job.file_name).name
    if not job.file_name or not path.is_file():
        raise Http404(_("The export file is no longer there; run the export again."))
    return job, path


def answers_due_for_evaluation() -> QuerySet[Post]:
    """Accepted answers that pass the score rule but have no candidate yet (for the sweep)."""
    return Post.objects.filter(
        kind=PostKind.ANSWER,
        is_accepted=True,
        deleted_at__isnull=True,
        rank_score__gt=conf.get("CANDIDATE_MIN_RANK_SCORE"),
        effective_votes__gte=conf.get("CANDIDATE_MIN_EFFECTIVE_VOTES"),
        kb_candidate__isnull=True,
    ).order_by("pk")[:1000]


def product_by_slug(slug: str) -> Product | None:
    """The product for a slug, cached: the bot API looks it up on every question."""
    key = f"wendao:kb:product:{slug}"
    product = cache.get(key)
    if product is None:
        product = Product.objects.filter(slug=slug).only("pk", "slug", "name", "language").first()
        if product is not None:
            cache.set(key, product, PRODUCT_CACHE_SECONDS)
    return product


# --- Bot figures (also given to the forum through forum.hooks) --------------------------------
def bot_misses_for_product(product: Product | None, *, limit: int = 20, resolved: bool = False) -> QuerySet[BotMiss]:
    """A product's bot misses (``product=None``: the questions asked without a product)."""
    return bot_miss_rows(resolved=resolved).filter(product=product)[:limit]


def bot_miss_rows(*, product: Product | None = None, resolved: bool = False) -> QuerySet[BotMiss]:
    """Bot misses, most asked first: one product's, or every one when ``product`` is None."""
    misses = BotMiss.objects.filter(resolved_at__isnull=not resolved)
    if product is not None:
        misses = misses.filter(product=product)
    return misses.select_related("product", "resolved_by").order_by("-count", "-last_seen", "pk")


def _range(queryset, field: str, start, end):
    """Filter on ``field`` between two dates (inclusive) or datetimes (half-open)."""
    if isinstance(start, datetime.datetime) or isinstance(end, datetime.datetime):
        return queryset.filter(**{f"{field}__gte": start, f"{field}__lt": end})
    return queryset.filter(**{f"{field}__date__gte": start, f"{field}__date__lte": end})


def bot_query_stats(product: Product | None, start, end) -> dict:
    """Queries, hits (answered from an article), misses and the hit rate in a period."""
    queries = BotQuery.objects.all() if product is None else BotQuery.objects.filter(product=product)
    figures = _range(queries, "created_at", start, end).aggregate(
        queries=Count("pk"), misses=Count("pk", filter=Q(miss__isnull=False))
    )
    figures["hits"] = figures["queries"] - figures["misses"]
    figures["hit_rate"] = figures["hits"] / figures["queries"] if figures["queries"] else None
    return figures


def articles_published_count(product: Product | None, start, end) -> int:
    articles = Article.objects.all() if product is None else Article.objects.filter(product=product)
    return _range(articles, "published_at", start, end).count()


def bot_misses_hook(product: Product, limit: int = 20) -> list[dict]:
    """``forum.hooks`` "experts.bot_misses": the product's open misses, most asked first."""
    return [
        # No "url": the misses page is the knowledge team's, and experts answer in the forum.
        {"query": miss.text, "count": miss.count, "last_asked_at": miss.last_seen}
        for miss in bot_misses_for_product(product, limit=limit)
    ]


def knowledge_weekly(product_ids, start: datetime.date, end: datetime.date) -> dict[datetime.date, dict]:
    """``forum.hooks`` "analytics.knowledge_weekly": per week (keyed by Monday), articles
    published, bot queries and bot hits, for the products given."""
    weeks: dict[datetime.date, dict] = {}

    def week(day: datetime.date) -> dict:
        monday = day - datetime.timedelta(days=day.weekday())
        return weeks.setdefault(monday, {"articles_published": 0, "bot_queries": 0, "bot_hits": 0})

    articles = Article.objects.filter(product_id__in=list(product_ids))
    for published_at in _range(articles, "published_at", start, end).values_list("published_at", flat=True):
        week(timezone.localtime(published_at).date())["articles_published"] += 1
    queries = BotQuery.objects.filter(product_id__in=list(product_ids))
    for created_at, miss_id in _range(queries, "created_at", start, end).values_list("created_at", "miss_id"):
        figures = week(timezone.localtime(created_at).date())
        figures["bot_queries"] += 1
        figures["bot_hits"] += miss_id is None
    return weeks

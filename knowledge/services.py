"""Every write of the knowledge base, as keyword-only functions named ``<entity>_<action>``.

The knowledge pages, the API, the management commands, the receivers of forum signals and the
tests all call these. Editor-only actions check ``permissions.require_editor`` here, so no
entry point can skip it.
"""

import datetime
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from forum import validation
from forum.models import Endorsement, Post, PostKind, Product
from forum.rendering import clean_text, html_to_text, render_markdown

from . import bot_log, conf, promotion, retrieval
from .models import (
    Article,
    ArticleStatus,
    ArticleVersion,
    BotMiss,
    Candidate,
    CandidateStatus,
    ExportJob,
    ReviewReason,
)
from .permissions import require_editor

log = logging.getLogger(__name__)

MAX_PHRASINGS = 50
MISS_GROUP_SIMILARITY = 0.5
MISS_GROUP_WINDOW = 500


def _index_changed() -> None:
    # Now, so this process (and this transaction) sees the change at once; and again on commit,
    # so that no other process refreshes from the not-yet-committed rows and stops there.
    retrieval.bump_generation()
    transaction.on_commit(retrieval.bump_generation)


# --- Candidates ------------------------------------------------------------------------------
@transaction.atomic
def candidate_evaluate(*, answer: Post, allow_withdraw: bool = False) -> Candidate | None:
    """Create the answer's candidate if it qualifies (idempotent: one per answer).

    A withdrawn candidate that qualifies again is reopened. With ``allow_withdraw`` a pending
    candidate that no longer qualifies is withdrawn (endorsement withdrawn, answer deleted,
    acceptance taken back); votes alone never withdraw one, so a candidate does not flicker.
    """
    if answer.kind != PostKind.ANSWER:
        return None
    answer = Post.objects.get(pk=answer.pk)
    reason = promotion.reason_for(answer)
    candidate = Candidate.objects.select_for_update().filter(answer=answer).first()
    now = timezone.now()
    if candidate is None:
        if reason is None:
            return None
        try:
            with transaction.atomic():
                candidate = Candidate.objects.create(answer=answer, product_id=answer.product_id, reason=reason)
        except IntegrityError:
            # Another request created it first; one candidate per answer either way.
            return Candidate.objects.get(answer=answer)
        _link_misses_to_candidate(candidate, answer)
        return candidate
    if reason is not None and candidate.status == CandidateStatus.WITHDRAWN:
        candidate.status, candidate.reason, candidate.withdrawn_reason, candidate.updated_at = (
            CandidateStatus.PENDING,
            reason,
            "",
            now,
        )
        candidate.save(update_fields=["status", "reason", "withdrawn_reason", "updated_at"])
    elif reason is None and allow_withdraw and candidate.status == CandidateStatus.PENDING:
        candidate_withdraw(candidate=candidate, reason=_why_not(answer))
    return candidate


def _why_not(answer: Post) -> str:
    facts = promotion.facts_for(answer)
    if facts.deleted:
        return "answer deleted"
    if facts.open_flag:
        return "answer flagged"
    if not facts.expert_endorsed and not facts.accepted:
        return "endorsement withdrawn"
    return "no longer qualifies"


@transaction.atomic
def candidate_withdraw(*, candidate: Candidate, reason: str) -> Candidate:
    """Take a pending candidate out of the queue (before review only)."""
    updated = Candidate.objects.filter(pk=candidate.pk, status=CandidateStatus.PENDING).update(
        status=CandidateStatus.WITHDRAWN, withdrawn_reason=reason[:300], updated_at=timezone.now()
    )
    if not updated:
        raise ValidationError(_("Only a candidate waiting for review can be withdrawn."))
    candidate.refresh_from_db()
    return candidate


@transaction.atomic
def candidate_reject(*, editor, candidate: Candidate, reason: str) -> Candidate:
    require_editor(editor)
    reason = validation.clean_reason(reason)
    if not reason:
        raise ValidationError(_("Please say why the candidate is rejected."))
    updated = Candidate.objects.filter(pk=candidate.pk, status=CandidateStatus.PENDING).update(
        status=CandidateStatus.REJECTED,
        reject_reason=reason,
        reviewed_by=editor,
        reviewed_at=timezone.now(),
        updated_at=timezone.now(),
    )
    if not updated:
        raise ValidationError(_("This candidate has already been reviewed."))
    candidate.refresh_from_db()
    return candidate


def _link_misses_to_candidate(candidate: Candidate, answer: Post) -> None:
    """Point open bot misses that look like the candidate's question at it (queue demand)."""
    question = Post.objects.only("title").get(pk=answer.question_id)
    tokens = set(retrieval.tokenize(question.title))
    if not tokens:
        return
    misses = BotMiss.objects.filter(product_id=candidate.product_id, resolved_at__isnull=True, candidate=None)
    ids = [m.pk for m in misses.only("pk", "tokens")[:MISS_GROUP_WINDOW] if _covers(tokens, m.tokens)]
    if ids:
        BotMiss.objects.filter(pk__in=ids).update(candidate=candidate)


def _covers(title_tokens: set[str], miss_tokens: list[str]) -> bool:
    return retrieval.similarity(title_tokens, miss_tokens) >= MISS_GROUP_SIMILARITY


# --- Articles --------------------------------------------------------------------------------
def _clean_phrasings(title: str, phrasings) -> list[str]:
    if isinstance(phrasings, str):
        phrasings = phrasings.splitlines()
    result, seen = [], {title.strip().lower()}
    for phrasing in phrasings:
        if not isinstance(phrasing, str):
            raise ValidationError(_("Alternative phrasings must be text."))
        if "\x00" in phrasing:
            raise ValidationError(_("An alternative phrasing contains a null character."))
        text = " ".join(clean_text(phrasing).split())
        if not text or text.lower() in seen:
            continue
        if len(text) > 300:
            raise ValidationError(_("Keep each alternative phrasing under 300 characters."))
        seen.add(text.lower())
        result.append(text)
    if len(result) > MAX_PHRASINGS:
        raise ValidationError(_("Use at most %(limit)d alternative phrasings.") % {"limit": MAX_PHRASINGS})
    return result


def _clean_locale(locale: str) -> str:
    codes = [code for code, _name in settings.LANGUAGES]
    if locale not in codes:
        raise ValidationError(_("Unknown locale “%(locale)s”; use one of %(codes)s.") % {
            "locale": str(locale)[:20], "codes": ", ".join(codes)})  # fmt: skip
    return locale


def _clean_product_version(value: str) -> str:
    value = " ".join(clean_text(value or "").split())
    if len(value) > 50:
        raise ValidationError(_("Keep the product version under 50 characters."))
    return value


def _source_facts(answer: Post | None) -> tuple[int, list[str], float]:
    if answer is None:
        return 0, [], 0.0
    revision = answer.revisions.order_by("-number").values_list("number", flat=True).first() or 0
    endorsers = (
        Endorsement.objects.filter(answer=answer, withdrawn_at__isnull=True)
        .select_related("expert")
        .order_by("created_at", "pk")
    )
    return revision, [e.expert.name for e in endorsers], float(answer.rank_score)


@transaction.atomic
def article_publish(
    *,
    editor,
    title: str,
    answer_markdown: str,
    locale: str,
    candidate: Candidate | None = None,
    article: Article | None = None,
    product: Product | None = None,
    alt_questions=(),
    tags=(),
    valid_until: datetime.date | None = None,
    product_version: str = "",
    note: str = "",
) -> Article:
    """Publish a candidate as a new article, or a new version of an existing article.

    Every publish is a version. Publishing a candidate that is already published is refused, so a
    double-submitted form still makes one article (also enforced by ``one_article_per_answer``).
    """
    require_editor(editor)
    if (candidate is None) == (article is None):
        raise ValidationError(_("Publish either a candidate or an existing article."))
    title = validation.clean_title(title)
    answer_markdown = validation.clean_body(answer_markdown)
    alt_questions = _clean_phrasings(title, alt_questions)
    tags = validation.parse_tag_names(list(tags) if not isinstance(tags, str) else tags)
    locale = _clean_locale(locale)
    product_version = _clean_product_version(product_version)
    note = validation.clean_reason(note)
    now = timezone.now()
    if valid_until is not None and valid_until <= now.date():
        raise ValidationError(_("“Valid until” must be a date in the future."))

    if candidate is not None:
        candidate = Candidate.objects.select_for_update().select_related("answer").get(pk=candidate.pk)
        if candidate.status != CandidateStatus.PENDING:
            raise ValidationError(_("This candidate has already been reviewed; edit its article instead."))
        source = candidate.answer
        if source.deleted_at is not None:
            raise ValidationError(_("The source answer has been deleted."))
        if promotion.has_open_flag(source):
            raise ValidationError(_("The source answer has an open flag; wait until the experts handle it."))
        product = product or candidate.product
        article = Article(product=product, candidate=candidate, source_answer=source, published_at=now, version=0)
    else:
        # No select_related here: PostgreSQL cannot lock the nullable side of an outer join.
        article = Article.objects.select_for_update().get(pk=article.pk)
        source = article.source_answer
        product = product or article.product

    source_revision, endorsed_by, authority = _source_facts(source)
    html = render_markdown(answer_markdown)
    article.product = product
    article.version += 1
    article.title, article.alt_questions, article.answer_markdown = title, alt_questions, answer_markdown
    article.answer_html, article.answer_text = html, html_to_text(html)
    article.tags, article.locale, article.valid_until, article.product_version = (
        tags,
        locale,
        valid_until,
        product_version,
    )
    article.search_tokens = retrieval.article_tokens(article.phrasings)
    article.source_revision, article.endorsed_by, article.authority = source_revision, endorsed_by, authority
    article.needs_review, article.updated_at = ReviewReason.NONE, now
    if not article.slug or article.version == 1:
        article.slug = ""
    try:
        with transaction.atomic():
            article.save()
    except IntegrityError:
        raise ValidationError(_("This answer is already published as an article.")) from None
    ArticleVersion.objects.create(
        article=article,
        number=article.version,
        title=title,
        alt_questions=alt_questions,
        answer_markdown=answer_markdown,
        tags=tags,
        locale=locale,
        valid_until=valid_until,
        product_version=product_version,
        source_revision=source_revision,
        editor=editor,
        note=note,
        created_at=now,
    )
    if candidate is not None:
        Candidate.objects.filter(pk=candidate.pk).update(
            status=CandidateStatus.PUBLISHED, reviewed_by=editor, reviewed_at=now, updated_at=now
        )
    _index_changed()
    if article.status == ArticleStatus.PUBLISHED:
        _resolve_misses_later(article.product_id)
    return article


def _resolve_misses_later(product_id: int) -> None:
    from .tasks import resolve_bot_misses

    transaction.on_commit(lambda: resolve_bot_misses.delay(product_id))


@transaction.atomic
def article_retire(*, editor, article: Article, reason: str = "") -> Article:
    require_editor(editor)
    reason = validation.clean_reason(reason)
    now = timezone.now()
    updated = Article.objects.filter(pk=article.pk, status=ArticleStatus.PUBLISHED).update(
        status=ArticleStatus.RETIRED, retired_at=now, retired_by=editor, retire_reason=reason, updated_at=now
    )
    if not updated:
        raise ValidationError(_("This article is already retired."))
    _index_changed()
    article.refresh_from_db()
    return article


@transaction.atomic
def article_reinstate(*, editor, article: Article) -> Article:
    require_editor(editor)
    updated = Article.objects.filter(pk=article.pk, status=ArticleStatus.RETIRED).update(
        status=ArticleStatus.PUBLISHED, retired_at=None, retired_by=None, retire_reason="", updated_at=timezone.now()
    )
    if not updated:
        raise ValidationError(_("This article is not retired."))
    _index_changed()
    _resolve_misses_later(article.product_id)
    article.refresh_from_db()
    return article


def article_mark_for_review(*, answer: Post, reason: str) -> int:
    """Send the published articles made from ``answer`` back to the review queue.

    "source changed" only when the answer has a revision newer than the one the article was
    written from, so re-saving the same text does not nag the team.
    """
    articles = Article.objects.filter(source_answer_id=answer.pk)
    if reason == ReviewReason.SOURCE_CHANGED:
        latest = answer.revisions.order_by("-number").values_list("number", flat=True).first() or 0
        articles = articles.filter(source_revision__lt=latest)
    return articles.exclude(needs_review=reason).update(needs_review=reason)


def articles_flag_expired(*, today: datetime.date | None = None) -> int:
    """Articles whose "valid until" date has come go back to the queue for re-verification."""
    today = today or timezone.localdate()
    return (
        Article.objects.filter(status=ArticleStatus.PUBLISHED, valid_until__lte=today)
        .exclude(needs_review__in=[ReviewReason.EXPIRED, ReviewReason.SOURCE_DELETED])
        .update(needs_review=ReviewReason.EXPIRED)
    )


def article_record_view(*, article: Article) -> None:
    Article.objects.filter(pk=article.pk).update(view_count=F("view_count") + 1)


# --- The bot ---------------------------------------------------------------------------------
def bot_answer(*, query: str, product: Product | None = None, locale: str = "", limit: int = 3) -> dict:
    """Answer a bot's question from the published articles, and log the question (anonymised).

    Returns the hits (best first) as ``retrieval.Hit`` with their ``card`` (the article's answer
    as indexed: no database read), the top confidence and whether it counted as a miss.
    """
    query = " ".join(clean_text(query).split())
    if not query:
        raise ValidationError(_("Ask a question: the q parameter is empty."))
    if len(query) > 500:
        raise ValidationError(_("The question is too long (at most 500 characters)."))
    if locale:
        locale = _clean_locale(locale)
    hits = retrieval.INDEX.search(query, product_id=product.pk if product else None, locale=locale or None, limit=limit)
    confidence = hits[0].confidence if hits else 0.0
    is_miss = confidence < conf.get("BOT_MISS_THRESHOLD")
    bot_query_log(query=query, product=product, locale=locale, confidence=confidence,
                  article_id=hits[0].article_id if hits else None, is_miss=is_miss)  # fmt: skip
    return {"hits": hits, "confidence": confidence, "is_miss": is_miss}


def bot_query_log(
    *, query: str, product: Product | None, locale: str, confidence: float, article_id: int | None, is_miss: bool
) -> None:
    """Log one bot question, anonymised; a miss also joins (or starts) a miss group.

    In plain SQL (``knowledge.bot_log``, where the commit's WAL flush is skipped too): this runs
    on every bot question, and through the ORM the log cost more than the answer.
    """
    text = retrieval.anonymise(query)
    row = {
        "product_id": product.pk if product else None,
        "locale": locale,
        "text": text,
        "confidence": confidence,
        "created_at": timezone.now(),
    }
    if not is_miss:
        bot_log.query_insert(**row, article_id=article_id, miss_id=None)
        return
    tokens = set(retrieval.tokenize(text))
    group_id = _miss_group(tokens=tokens, text=text, product_id=row["product_id"])
    if group_id is not None:
        bot_log.query_insert(**row, article_id=None, miss_id=group_id, bump_group=True)
        return
    # A new group is rare once a product's usual misses have theirs: the ORM is fine here.
    with transaction.atomic():
        now = row["created_at"]
        group = BotMiss.objects.create(
            product=product, locale=locale, text=text, tokens=sorted(tokens), first_seen=now, last_seen=now
        )
        bot_log.query_insert(**row, article_id=None, miss_id=group.pk)


def _miss_group(*, tokens: set[str], text: str, product_id: int | None) -> int | None:
    """The open miss group of the product that a miss joins, if any: the most similar (token
    overlap, at least ``MISS_GROUP_SIMILARITY``) of the ``MISS_GROUP_WINDOW`` most recently seen
    groups, the most recent on a tie; a miss without tokens joins a group of the same text."""
    best, best_similarity = None, 0.0
    for group_id, group_tokens, group_text in bot_log.open_groups(product_id=product_id, limit=MISS_GROUP_WINDOW):
        score = retrieval.similarity(tokens, group_tokens) if tokens else float(group_text == text)
        if score > best_similarity:
            best, best_similarity = group_id, score
    return best if best is not None and best_similarity >= MISS_GROUP_SIMILARITY else None


def bot_misses_resolve(*, product_id: int | None) -> int:
    """Mark open misses of the product resolved when a published article now answers them."""
    threshold = conf.get("BOT_MISS_THRESHOLD")
    resolved = 0
    for miss in BotMiss.objects.filter(product_id=product_id, resolved_at__isnull=True).order_by("pk"):
        hits = retrieval.INDEX.search(miss.text, product_id=product_id, locale=miss.locale or None, limit=1)
        if hits and hits[0].confidence >= threshold:
            BotMiss.objects.filter(pk=miss.pk, resolved_at__isnull=True).update(
                resolved_at=timezone.now(), resolved_by_id=hits[0].article_id
            )
            resolved += 1
    return resolved


# --- Exports ---------------------------------------------------------------------------------
@transaction.atomic
def export_job_start(
    *, user, format: str, product: Product | None = None, locale: str = "", since: datetime.datetime | None = None
) -> ExportJob:
    """Record an export and queue the task that writes it (after the row is committed)."""
    from . import exporters
    from .tasks import export_run

    require_editor(user)
    if format not in exporters.FORMATS:
        raise ValidationError(_("Unknown export format “%(format)s”; use one of %(formats)s.") % {
            "format": str(format)[:40], "formats": ", ".join(exporters.FORMATS)})  # fmt: skip
    if locale:
        locale = _clean_locale(locale)
    job = ExportJob.objects.create(requested_by=user, format=format, product=product, locale=locale, since=since)
    transaction.on_commit(lambda: export_run.delay(job.pk))
    return job

"""The knowledge base's data: candidates, articles and their versions, bot queries and misses,
and the history of exports.

An answer becomes at most one ``Candidate`` (one row per answer, so promotion is idempotent); a
published candidate becomes one ``Article`` whose content is a series of ``ArticleVersion`` rows.
The article row carries a copy of its current version's content, so exports and the bot's index
read one table instead of joining to the latest version.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from forum.models import Post, Product


class CandidateStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for review")
    PUBLISHED = "published", _("Published")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class CandidateReason(models.TextChoices):
    ENDORSED = "endorsed", _("Endorsed by an expert")
    ACCEPTED = "accepted", _("Accepted and highly rated")


class Candidate(models.Model):
    """An answer the community and the experts trust, waiting for the knowledge team."""

    answer = models.OneToOneField(Post, on_delete=models.CASCADE, related_name="kb_candidate")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="kb_candidates")
    reason = models.CharField(_("reason"), max_length=20, choices=CandidateReason.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=CandidateStatus.choices, default=CandidateStatus.PENDING, db_index=True
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reject_reason = models.CharField(_("reason for rejecting"), max_length=300, blank=True)
    withdrawn_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["product", "status"])]

    def __str__(self) -> str:
        return f"Candidate {self.pk} (answer {self.answer_id})"


class ArticleStatus(models.TextChoices):
    PUBLISHED = "published", _("Published")
    RETIRED = "retired", _("Retired")


class ReviewReason(models.TextChoices):
    NONE = "", _("Up to date")
    SOURCE_CHANGED = "source_changed", _("Source changed")
    SOURCE_DELETED = "source_deleted", _("Source deleted")
    EXPIRED = "expired", _("Past its valid-until date")


class Article(models.Model):
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="kb_articles")
    candidate = models.OneToOneField(
        Candidate, on_delete=models.SET_NULL, null=True, blank=True, related_name="article"
    )
    source_answer = models.ForeignKey(
        Post, on_delete=models.SET_NULL, null=True, blank=True, related_name="kb_articles"
    )
    # The answer's revision number the current version was written from; a later revision of the
    # answer marks the article "source changed".
    source_revision = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=20, choices=ArticleStatus.choices, default=ArticleStatus.PUBLISHED)
    needs_review = models.CharField(max_length=20, choices=ReviewReason.choices, blank=True, default="")

    # A copy of the current version (see ArticleVersion), for one-table exports and indexing.
    version = models.PositiveIntegerField(default=1)
    title = models.CharField(_("title"), max_length=300)
    slug = models.SlugField(max_length=80, allow_unicode=True, blank=True)
    alt_questions = models.JSONField(_("alternative phrasings"), default=list, blank=True)
    answer_markdown = models.TextField(_("answer"))
    answer_html = models.TextField(blank=True)
    answer_text = models.TextField(blank=True)
    tags = models.JSONField(default=list, blank=True)
    locale = models.CharField(_("locale"), max_length=10, choices=settings.LANGUAGES)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    product_version = models.CharField(_("product version"), max_length=50, blank=True)
    # Space-separated retrieval tokens of the title and phrasings, computed once at publish so the
    # bot's in-process index can be rebuilt from one column without re-running the tokenizer.
    search_tokens = models.TextField(blank=True)

    endorsed_by = models.JSONField(default=list, blank=True)
    authority = models.FloatField(default=0.0)
    view_count = models.PositiveIntegerField(default=0)

    published_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)
    retired_at = models.DateTimeField(null=True, blank=True)
    retired_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    retire_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-updated_at", "-pk"]
        indexes = [
            models.Index(fields=["product", "status", "locale"]),
            models.Index(fields=["status", "updated_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source_answer"], condition=Q(source_answer__isnull=False), name="one_article_per_answer"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = (slugify(self.title, allow_unicode=True) or "article")[:80]
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("knowledge:article_public", args=[self.pk, self.slug or "article"])

    @property
    def is_published(self) -> bool:
        return self.status == ArticleStatus.PUBLISHED

    @property
    def phrasings(self) -> list[str]:
        """The canonical title first, then the alternative phrasings, without repeats."""
        seen, result = set(), []
        for text in [self.title, *self.alt_questions]:
            key = text.strip().lower()
            if key and key not in seen:
                seen.add(key)
                result.append(text.strip())
        return result


class ArticleVersion(models.Model):
    """One publish of an article: what it said, who published it, from which source revision."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=300)
    alt_questions = models.JSONField(default=list, blank=True)
    answer_markdown = models.TextField()
    tags = models.JSONField(default=list, blank=True)
    locale = models.CharField(max_length=10, choices=settings.LANGUAGES)
    valid_until = models.DateField(null=True, blank=True)
    product_version = models.CharField(max_length=50, blank=True)
    source_revision = models.PositiveIntegerField(default=0)
    editor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["article", "number"]
        constraints = [models.UniqueConstraint(fields=["article", "number"], name="article_version_unique")]

    def __str__(self) -> str:
        return f"{self.article_id} v{self.number}"


class BotMiss(models.Model):
    """A group of similar bot queries that the knowledge base could not answer well.

    Queries are grouped by token overlap (``knowledge.retrieval.similarity``); the group keeps
    the first wording as its representative and counts how often it was asked.
    """

    product = models.ForeignKey(Product, on_delete=models.CASCADE, null=True, blank=True, related_name="kb_misses")
    locale = models.CharField(max_length=10, blank=True)
    text = models.CharField(max_length=300)
    tokens = models.JSONField(default=list)
    count = models.PositiveIntegerField(default=1)
    first_seen = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now, db_index=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(Article, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # The pending candidate that looks like it would answer this miss (demand for the queue).
    candidate = models.ForeignKey(
        Candidate, on_delete=models.SET_NULL, null=True, blank=True, related_name="bot_misses"
    )

    class Meta:
        ordering = ["-count", "-last_seen"]
        indexes = [models.Index(fields=["product", "resolved_at", "-last_seen"])]

    def __str__(self) -> str:
        return self.text

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None


class BotQuery(models.Model):
    """One question asked of the bot answer API, anonymised: no user, no address, and digits,
    e-mail addresses and phone numbers in the text replaced (``knowledge.retrieval.anonymise``)."""

    product = models.ForeignKey(Product, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    locale = models.CharField(max_length=10, blank=True)
    text = models.CharField(max_length=300)
    confidence = models.FloatField()
    article = models.ForeignKey(Article, on_delete=models.SET_NULL, null=True, blank=True, related_name="bot_hits")
    miss = models.ForeignKey(BotMiss, on_delete=models.SET_NULL, null=True, blank=True, related_name="queries")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["product", "created_at"])]

    def __str__(self) -> str:
        return self.text

    @property
    def is_miss(self) -> bool:
        return self.miss_id is not None


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ExportJob(models.Model):
    """One export of the knowledge base: who asked for what, and the file it made."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    format = models.CharField(max_length=30)
    product = models.ForeignKey(Product, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    locale = models.CharField(max_length=10, blank=True)
    since = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    article_count = models.PositiveIntegerField(default=0)
    deleted_count = models.PositiveIntegerField(default=0)
    file_name = models.CharField(max_length=200, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Export {self.pk} ({self.format})"

    @property
    def is_finished(self) -> bool:
        return self.status in (ExportStatus.DONE, ExportStatus.FAILED)

"""The forum's data: products, people and their roles, posts, comments, votes and revisions.

Questions and answers share one ``Post`` table (as Stack Exchange does): votes, revisions,
comments and flags then point at one kind of row, and the authority index reads one table.
``Question`` and ``Answer`` are proxies that keep each kind's queries honest.
"""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .post_urls import PostUrls


class User(AbstractUser):
    """A person on the site. Everyone is a customer; other roles come from ``RoleAssignment``."""

    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    bio = models.TextField(_("about me"), blank=True, max_length=2000)
    preferred_language = models.CharField(
        _("preferred language"), max_length=10, blank=True, choices=settings.LANGUAGES
    )
    # Imported people keep where they came from so a second import finds them again.
    external_source = models.CharField(max_length=100, blank=True)
    external_id = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["external_source", "external_id"],
                condition=~Q(external_id=""),
                name="user_unique_external_id",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.display_name or self.username

    def get_absolute_url(self) -> str:
        return reverse("forum:profile", args=[self.pk])


class Product(models.Model):
    """A product space: the questions about one of the company's products."""

    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    language = models.CharField(_("main language"), max_length=10, choices=settings.LANGUAGES, default="en")
    # Set on products imported from a Stack Exchange dump; shown with the CC BY-SA notice.
    source_name = models.CharField(_("source"), max_length=200, blank=True)
    source_url = models.URLField(_("source URL"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("forum:product", args=[self.slug])


class Tag(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(_("name"), max_length=50)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["product", "name"], name="tag_unique_per_product")]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    EXPERT = "expert", _("Expert")
    KNOWLEDGE_EDITOR = "knowledge_editor", _("Knowledge editor")
    ADMIN = "admin", _("Administrator")


class RoleAssignment(models.Model):
    """Roles are data: an operator grants them in the admin, no deploy needed.

    An expert role is always for one product; the knowledge editor and admin roles are
    site-wide (product left empty).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, null=True, blank=True, related_name="role_assignments"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "product"], name="role_unique_per_product"),
            models.UniqueConstraint(
                fields=["user", "role"], condition=Q(product__isnull=True), name="role_unique_sitewide"
            ),
            models.CheckConstraint(
                condition=~Q(role="expert") | Q(product__isnull=False), name="expert_role_has_product"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}" + (f" · {self.product}" if self.product else "")


class PostKind(models.TextChoices):
    QUESTION = "q", _("Question")
    ANSWER = "a", _("Answer")


class PostQuerySet(models.QuerySet):
    def visible(self):
        # Hidden posts (enough flags, pending an expert's review) leave the lists like deleted ones.
        return self.filter(deleted_at__isnull=True, hidden_at__isnull=True)


class Post(models.Model):
    kind = models.CharField(max_length=1, choices=PostKind.choices)
    # No single-column indexes on these three: each leads a composite index in Meta, which serves
    # the same lookups, and every index costs every write (a full authority recompute rewrites
    # every post's rank; docs/authority.md).
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="posts", db_index=False)
    question = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="answers", db_index=False
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="posts", db_index=False)
    title = models.CharField(_("title"), max_length=300, blank=True)
    body = models.TextField(_("body"))
    # Sanitised HTML cached from ``body``; ``body_html_version`` is the renderer version that made
    # it, so a renderer upgrade can re-render stale rows (``manage.py rerender_posts``).
    body_html = models.TextField(blank=True)
    body_html_version = models.PositiveSmallIntegerField(default=0)
    tags = models.ManyToManyField(Tag, blank=True, related_name="posts")

    score = models.IntegerField(default=0)
    upvotes = models.PositiveIntegerField(default=0)
    downvotes = models.PositiveIntegerField(default=0)
    answer_count = models.PositiveIntegerField(default=0)
    comment_count = models.PositiveIntegerField(default=0)
    view_count = models.PositiveIntegerField(default=0)

    # The authority-weighted ranking score and the effective (weighted) vote count of an answer,
    # kept up to date by the authority index (forum/authority.py); answers are ordered by it.
    rank_score = models.FloatField(default=0.0)  # indexed with the question, below
    effective_votes = models.FloatField(default=0.0)
    # The inputs of ``rank_score`` that the authority index keeps beside it (forum/authority_store.py):
    # counted vote weights in thousandths of a vote, active expert endorsements, and the author's
    # authority (0-1000) frozen when the post was written, so a later vote elsewhere never
    # silently reorders this answer's page.
    weighted_up = models.BigIntegerField(default=0)
    weighted_down = models.BigIntegerField(default=0)
    endorsement_count = models.PositiveIntegerField(default=0)
    author_authority = models.PositiveSmallIntegerField(null=True, blank=True)

    is_accepted = models.BooleanField(default=False)
    accepted_at = models.DateTimeField(null=True, blank=True)
    has_accepted_answer = models.BooleanField(default=False)

    closed_at = models.DateTimeField(null=True, blank=True)
    closed_reason = models.CharField(max_length=200, blank=True)
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="duplicates"
    )

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(default=timezone.now, db_index=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Set when enough open flags pile up (forum/moderation.py); cleared when an expert reviews.
    hidden_at = models.DateTimeField(null=True, blank=True)
    # An expert stopped new comments (a heated thread); moderators may still comment.
    comments_locked_at = models.DateTimeField(null=True, blank=True)

    # Attribution for imported content (CC BY-SA requires site, author and licence).
    external_source = models.CharField(max_length=100, blank=True)
    external_id = models.CharField(max_length=64, blank=True)
    source_url = models.URLField(blank=True)
    source_author = models.CharField(max_length=200, blank=True)
    source_license = models.CharField(max_length=50, blank=True)

    objects = PostQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["product", "kind", "-last_activity_at"]),
            # Questions of a product by date: the analytics' weekly ranges and the "newest" sort.
            models.Index(fields=["product", "kind", "created_at"], name="post_product_kind_created"),
            # A question's answers. Deliberately not including rank_score: a question has tens of
            # answers, sorted by rank in memory in no time, while keeping the rank fields out of
            # every index lets PostgreSQL rewrite them in place (HOT updates, with the fillfactor
            # set in migration 0009) when the authority index recomputes every post.
            models.Index(fields=["question", "created_at"], name="post_question_created"),
            models.Index(fields=["author", "kind"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["question"], condition=Q(is_accepted=True), name="one_accepted_answer"),
            models.CheckConstraint(
                condition=(Q(kind="q") & Q(question__isnull=True)) | (Q(kind="a") & Q(question__isnull=False)),
                name="answer_has_question",
            ),
            models.CheckConstraint(condition=Q(kind="a") | ~Q(title=""), name="question_has_title"),
            models.UniqueConstraint(
                fields=["external_source", "external_id"],
                condition=~Q(external_id=""),
                name="post_unique_external_id",
            ),
        ]

    def __str__(self) -> str:
        return self.title or f"Answer #{self.pk}"

    def get_absolute_url(self) -> str:
        if self.is_question:
            return reverse("forum:question", args=[self.pk])
        return reverse("forum:question", args=[self.question_id]) + f"#answer-{self.pk}"

    @property
    def is_question(self) -> bool:
        return self.kind == PostKind.QUESTION

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    @property
    def comments_locked(self) -> bool:
        return self.comments_locked_at is not None

    @property
    def urls(self):
        """The post's action URLs for templates: ``{{ post.urls.edit }}`` (``forum.post_urls``)."""
        return PostUrls(self.pk)


class QuestionManager(models.Manager.from_queryset(PostQuerySet)):
    def get_queryset(self):
        return super().get_queryset().filter(kind=PostKind.QUESTION)


class AnswerManager(models.Manager.from_queryset(PostQuerySet)):
    def get_queryset(self):
        return super().get_queryset().filter(kind=PostKind.ANSWER)


class Question(Post):
    objects = QuestionManager()

    class Meta:
        proxy = True
        verbose_name = _("question")
        verbose_name_plural = _("questions")


class Answer(Post):
    objects = AnswerManager()

    class Meta:
        proxy = True
        verbose_name = _("answer")
        verbose_name_plural = _("answers")


class Comment(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="comments")
    body = models.TextField(_("comment"))
    body_html = models.TextField(blank=True)
    body_html_version = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)
    external_source = models.CharField(max_length=100, blank=True)
    external_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["external_source", "external_id"],
                condition=~Q(external_id=""),
                name="comment_unique_external_id",
            )
        ]

    def __str__(self) -> str:
        return self.body[:50]


class Vote(models.Model):
    """One person's vote on one post. ``voter`` is empty only for votes imported from a dump,
    where Stack Exchange withholds who voted."""

    UP = 1
    DOWN = -1

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="votes")
    voter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="votes"
    )
    value = models.SmallIntegerField(choices=[(UP, "+1"), (DOWN, "-1")])
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    external_source = models.CharField(max_length=100, blank=True)
    external_id = models.CharField(max_length=64, blank=True)
    # The authority index's inputs, fixed when the vote is cast (forum/authority_store.py): the
    # post's author and product (copied so the index sums votes without joining posts), and the
    # vote's weight in thousandths. ``voided_at`` marks votes reversed as serial voting.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    product = models.ForeignKey(Product, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    weight = models.PositiveIntegerField(null=True, blank=True)
    # The vote's UTC day as a date ordinal: the full recompute groups by it straight from an index.
    day = models.IntegerField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    reversal = models.ForeignKey("VoteReversal", on_delete=models.SET_NULL, null=True, blank=True, related_name="votes")

    class Meta:
        indexes = [
            models.Index(fields=["author", "product", "created_at"], name="vote_author_day"),
            models.Index(fields=["voter", "author", "created_at"], name="vote_pair_recent"),
            # Covering indexes for the full recompute's two grouped scans of every counted vote.
            models.Index(
                fields=["author", "product", "day", "value", "weight"],
                condition=Q(voided_at__isnull=True),
                name="vote_counted_by_author_day",
            ),
            models.Index(
                fields=["post", "value", "weight"], condition=Q(voided_at__isnull=True), name="vote_counted_by_post"
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["voter", "post"], name="one_vote_per_user_and_post"),
            models.CheckConstraint(condition=Q(value__in=[1, -1]), name="vote_value_is_one"),
            models.UniqueConstraint(
                fields=["external_source", "external_id"],
                condition=~Q(external_id=""),
                name="vote_unique_external_id",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.value:+d} on {self.post_id}"


class Revision(models.Model):
    """Every version of a post's text, the first one included: who, when, why."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=300, blank=True)
    body = models.TextField()
    tags = models.CharField(max_length=300, blank=True)
    reason = models.CharField(_("edit summary"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["post", "number"]
        constraints = [models.UniqueConstraint(fields=["post", "number"], name="revision_number_unique")]

    def __str__(self) -> str:
        return f"{self.post_id} r{self.number}"


class Endorsement(models.Model):
    """An expert of the product vouches for an answer ("Verified by ..."), separate from the
    asker's acceptance. Withdrawing keeps the row (``withdrawn_at``) so the history stays."""

    answer = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="endorsements")
    expert = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="endorsements")
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["answer", "expert"], condition=Q(withdrawn_at__isnull=True), name="one_active_endorsement"
            )
        ]

    def __str__(self) -> str:
        return f"{self.expert} endorses {self.answer_id}"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None


class ApiToken(models.Model):
    """A personal access token for the REST API, for integrations that cannot hold a session.

    Only a SHA-256 hash of the token is stored: the token is shown once, when it is made, and a
    leaked database does not leak working tokens. A fast hash is enough because tokens are 256
    random bits, not passwords a person chose. ``prefix`` (the first characters) lets a person
    tell their tokens apart on the tokens page.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=16)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Refreshed at most once a day (``forum.api.authentication``) so reads stay reads.
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.user} · {self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


# --- Moderation, limits and notifications (docs/experts.md) ---------------------------------


class FlagReason(models.TextChoices):
    SPAM = "spam", _("Spam")
    RUDE = "rude", _("Rude or abusive")
    WRONG = "wrong", _("Wrong or outdated")
    DUPLICATE = "duplicate", _("Duplicate")
    OTHER = "other", _("Something else")


class FlagStatus(models.TextChoices):
    OPEN = "open", _("Open")
    HELPFUL = "helpful", _("Helpful")
    DECLINED = "declined", _("Declined")


class Flag(models.Model):
    """A reader tells the product's experts that a post needs attention."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="flags")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="flags")
    reason = models.CharField(_("reason"), max_length=20, choices=FlagReason.choices)
    note = models.CharField(_("details"), max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=FlagStatus.choices, default=FlagStatus.OPEN, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["post", "reporter"], condition=Q(status="open"), name="one_open_flag_per_reporter"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} on {self.post_id}"

    @property
    def is_open(self) -> bool:
        return self.status == FlagStatus.OPEN


class ModerationAction(models.TextChoices):
    FLAG = "flag", _("flagged")
    HIDE = "hide", _("hidden after flags")
    FLAGS_UPHELD = "flags_upheld", _("flags upheld")
    FLAGS_DECLINED = "flags_declined", _("flags declined")
    CLOSE = "close", _("closed")
    REOPEN = "reopen", _("reopened")
    DUPLICATE = "duplicate", _("marked as duplicate")
    LOCK = "lock", _("comments locked")
    UNLOCK = "unlock", _("comments unlocked")
    EDIT = "edit", _("edited")
    ROLLBACK = "rollback", _("rolled back")
    DELETE = "delete", _("deleted")
    UNDELETE = "undelete", _("undeleted")
    ENDORSE = "endorse", _("endorsed")
    UNENDORSE = "unendorse", _("endorsement withdrawn")


class ModerationLog(models.Model):
    """Who did what to which post, when and why: the experts' shared memory.

    ``actor`` is empty for what the system did by itself (hiding a post after enough flags).
    """

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="moderation_log")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="moderation_log")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=20, choices=ModerationAction.choices)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    # Facts that differ per action: the duplicate's original, the revision rolled back to, ...
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["product", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.actor} {self.get_action_display()} {self.post_id}"


class NotificationKind(models.TextChoices):
    ANSWER = "answer", _("New answer to my question")
    COMMENT = "comment", _("New comment on my post")
    ACCEPTED = "accepted", _("My answer was accepted")
    ENDORSED = "endorsed", _("My answer was endorsed")
    MENTION = "mention", _("Someone mentioned me")
    FOLLOWED = "followed", _("New question where I follow")
    MODERATION = "moderation", _("An expert acted on my post")


class Notification(models.Model):
    """One line in someone's inbox. The text is composed when shown, in the reader's language."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="+")
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    # For moderation notices: what happened ("closed", "duplicate", "hidden" ...).
    detail = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # Claimed by the email task (or the digest) so that a notification is mailed at most once.
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationPreference(models.Model):
    """How a person wants to hear about things; a missing row means the defaults below."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email_enabled = models.BooleanField(_("send me email"), default=True)
    email_answer = models.BooleanField(_("answers to my questions"), default=True)
    email_comment = models.BooleanField(_("comments on my posts"), default=True)
    email_accepted = models.BooleanField(_("my answer accepted"), default=True)
    email_endorsed = models.BooleanField(_("my answer endorsed by an expert"), default=True)
    email_mention = models.BooleanField(_("@mentions"), default=True)
    email_followed = models.BooleanField(_("new questions where I follow"), default=False)
    email_moderation = models.BooleanField(_("expert actions on my posts"), default=True)
    daily_digest = models.BooleanField(_("a daily digest of everything unread"), default=False)
    last_digest_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"preferences of {self.user_id}"

    def wants_email(self, kind: str) -> bool:
        """An email for this one notification now? With the daily digest on, the digest replaces
        the single emails (Stack Exchange's "daily" inbox frequency)."""
        return self.email_enabled and not self.daily_digest and getattr(self, f"email_{kind}", False)


class Follow(models.Model):
    """Tell me about new questions in a product, or under one tag of it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="followers")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, null=True, blank=True, related_name="followers")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "product", "tag"], name="follow_unique"),
            models.UniqueConstraint(
                fields=["user", "product"], condition=Q(tag__isnull=True), name="follow_product_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.product_id}/{self.tag_id}"


class ActionCounter(models.Model):
    """How often a person did one limited action on one day (UTC), claimed atomically.

    ``forum.limits`` increments ``count`` with a conditional UPDATE (``count < limit``), so
    concurrent requests cannot push it past the limit; ``last_at`` enforces the minimum interval.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    action = models.CharField(max_length=20)
    day = models.DateField()
    count = models.PositiveIntegerField(default=0)
    last_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "action", "day"], name="action_counter_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.action} {self.day}: {self.count}"


class ProductAuthority(models.Model):
    """A user's authority in one product, kept by forum/authority_store.py.

    ``anchor`` is the sum of every contribution in hundredths of a point, each scaled to the
    epoch of ``forum.authority`` (``authority.points_on`` turns it into today's decayed points),
    so adding a vote is one ``UPDATE ... + delta`` and the sum never depends on event order.
    """

    # No index of its own on user: the unique (user, product) constraint's index leads with it.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="authorities", db_index=False
    )
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="authorities")
    anchor = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "product"], name="authority_unique_per_product")]
        verbose_name = _("authority")
        verbose_name_plural = _("authorities")

    def __str__(self) -> str:
        return f"{self.user_id} in {self.product_id}: {self.anchor}"


class ReversalKind(models.TextChoices):
    BURST = "burst", _("Burst: many votes from one voter on one author in a short time")
    RING = "ring", _("Ring: accounts voting for each other")


class VoteReversal(models.Model):
    """One case of serial voting found and reversed (forum/voting_fraud.py), for moderators."""

    kind = models.CharField(max_length=10, choices=ReversalKind.choices)
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    vote_count = models.PositiveIntegerField()
    first_vote_at = models.DateTimeField()
    last_vote_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("vote reversal")
        verbose_name_plural = _("vote reversals")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.voter_id} -> {self.author_id} ({self.vote_count})"

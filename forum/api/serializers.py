"""Explicit input and output serializers for the API.

Inputs list only what a client may set; everything else (score, author, acceptance,
endorsement, roles, timestamps, counters) is read-only because no input serializer has it, so a
client that sends ``{"score": 999}`` changes nothing. Outputs are plain ``Serializer`` classes
with every field named: nothing leaks by being added to a model later.
"""

import functools
from datetime import UTC

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from forum import authority_store, notifications, permissions, selectors
from forum.models import (
    FlagReason,
    FlagStatus,
    ModerationAction,
    NotificationKind,
    NotificationPreference,
    PostKind,
    Product,
    Role,
)
from forum.moderation import FLAG_OUTCOMES
from forum.search.service import SORTS as SEARCH_SORTS
from forum.search.service import STATUSES as SEARCH_STATUSES


class ExpertLookup:
    """Each product's expert ids, read once per request (a cache hit each) instead of per post."""

    def __init__(self):
        self._by_product: dict[int, frozenset[int]] = {}

    def __call__(self, product_id: int) -> frozenset[int]:
        if product_id not in self._by_product:
            self._by_product[product_id] = selectors.expert_ids(product_id)
        return self._by_product[product_id]


class Urls:
    """Absolute addresses of the site's pages for one request, by string formatting: calling
    ``reverse()`` for every row cost more than the rest of a list row together."""

    def __init__(self, request):
        self.base = request.build_absolute_uri("/")[:-1] if request is not None else ""
        self._user = self.base + _pattern("forum:profile")
        self._question = self.base + _pattern("forum:question")

    def user(self, pk: int) -> str:
        return self._user.format(pk)

    def question(self, pk: int) -> str:
        return self._question.format(pk)

    def answer(self, question_id: int, pk: int) -> str:
        return self._question.format(question_id) + f"#answer-{pk}"

    def of(self, obj) -> str:
        return self.base + obj.get_absolute_url()


@functools.cache
def _pattern(name: str) -> str:
    sentinel = "918273645"
    return reverse(name, args=[int(sentinel)]).replace(sentinel, "{}")


def _urls(context) -> Urls:
    if "urls" not in context:
        context["urls"] = Urls(context.get("request"))
    return context["urls"]


def _experts(context) -> ExpertLookup:
    if "experts" not in context:
        context["experts"] = ExpertLookup()
    return context["experts"]


def _dt(value) -> str | None:
    """A datetime in ISO 8601, in UTC with a ``Z`` (what API clients parse most easily)."""
    if value is None:
        return None
    # Rows come in UTC already (PostgreSQL's are read in UTC, SQLite's made aware in UTC):
    # converting each of a thread's 250 datetimes again was a fifth of this serializer's time.
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.isoformat()[:-6] + "Z"  # "+00:00", always, in UTC


def author_ref(user, *, product_id: int | None, context) -> dict:
    pk = user.pk  # a property on a model: read once (this runs for every post and comment)
    # A thread of 50 answers and 100 comments has some 60 people: each one's dict is built once
    # per request and shared (nothing changes these dicts after they are built).
    people = context.get("people")
    if people is None:
        people = context["people"] = {}
    found = people.get((pk, product_id))
    if found is not None:
        return found
    standing = context.get("authorities", {}).get(pk)
    found = people[pk, product_id] = {
        "id": pk,
        "username": user.username,
        "name": user.display_name or user.username,
        "role": "expert" if product_id is not None and pk in _experts(context)(product_id) else "customer",
        "authority": standing.index if standing is not None else None,
        "html_url": _urls(context).user(pk),
    }
    return found


# --- Output -------------------------------------------------------------------------------------
# The serializers below declare every field (the OpenAPI schema and the docs come from these
# declarations). The ones on hot paths (a question with 50 answers and their comments, a list
# page of 50) build their dict directly in ``to_representation`` instead of running DRF's
# per-field machinery, which cost most of the response time; ``tests/api/test_serializers.py``
# checks that each of them returns exactly the declared fields.


class UserRefSerializer(serializers.Serializer):
    """A person as shown next to a post."""

    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField()
    role = serializers.ChoiceField(
        choices=["customer", "expert"],
        help_text="“expert” when the person is an expert of the post's product (shown as “Official”).",
    )
    authority = serializers.IntegerField(
        allow_null=True,
        min_value=0,
        max_value=1000,
        help_text="The person's authority index (0–1000) in the post's product; null in lists, where it is "
        "not computed. Shown next to the role, never instead of it.",
    )
    html_url = serializers.URLField()


class ScoreBreakdownSerializer(serializers.Serializer):
    """Why an answer has its rank score ("why is this answer first"), as the page shows it."""

    author_index = serializers.IntegerField(help_text="The author's authority (0–1000) when the answer was posted.")
    author_is_expert = serializers.BooleanField()
    prior_mean = serializers.FloatField(help_text="How helpful the answer is guessed to be before any vote.")
    prior_votes = serializers.FloatField(help_text="How many votes that guess is worth.")
    up_weight = serializers.FloatField(help_text="Upvotes, weighted by the voters' authority.")
    down_weight = serializers.FloatField(help_text="Downvotes, weighted by the voters' authority.")
    wilson = serializers.FloatField(help_text="Lower bound of the helpfulness interval (prior and votes together).")
    accept_boost = serializers.FloatField(help_text="Added when the asker accepted the answer.")
    endorse_boost = serializers.FloatField(help_text="Added for experts' endorsements.")
    total = serializers.FloatField(help_text="wilson + accept_boost + endorse_boost.")
    max_score = serializers.FloatField(help_text="The highest total any answer can reach.")
    rank_score = serializers.FloatField(help_text="The stored score answers are ordered by.")
    effective_votes = serializers.FloatField()
    upvotes = serializers.IntegerField()
    downvotes = serializers.IntegerField()
    accepted = serializers.BooleanField()
    endorsements = serializers.IntegerField()


BREAKDOWN_FIELDS = tuple(ScoreBreakdownSerializer().fields)


def breakdown_dict(answer) -> dict:
    data = getattr(answer, "breakdown", None) or authority_store.answer_breakdown(answer)
    return {name: data[name] for name in BREAKDOWN_FIELDS}


class ActionsSerializer(serializers.Serializer):
    """What the requesting user may do with this post, from the same rule table as the pages."""

    edit = serializers.BooleanField()
    delete = serializers.BooleanField()
    undelete = serializers.BooleanField()
    vote = serializers.BooleanField()
    comment = serializers.BooleanField()
    answer = serializers.BooleanField(help_text="Questions only; false on answers.")
    accept = serializers.BooleanField(help_text="Answers only; false on questions.")
    endorse = serializers.BooleanField(help_text="Answers only; false on questions.")
    flag = serializers.BooleanField(help_text="Flag it for the product's experts to review.")
    moderate = serializers.BooleanField(
        help_text="Close, reopen, mark duplicates, lock comments, resolve flags: the product's experts."
    )


ACTION_RULES = {
    "edit": "post.edit",
    "delete": "post.delete",
    "undelete": "post.undelete",
    "vote": "post.vote",
    "comment": "comment.add",
    "flag": "post.flag",
    "moderate": "post.moderate",
}
NOTHING_ALLOWED = dict.fromkeys([*ACTION_RULES, "answer", "accept", "endorse"], False)


def actions(post, context) -> dict:
    user = context["request"].user
    if not user.is_authenticated:
        return dict(NOTHING_ALLOWED)
    can = {name: permissions.allowed(user, rule, post) for name, rule in ACTION_RULES.items()}
    is_question = post.kind == PostKind.QUESTION
    can["answer"] = is_question and permissions.allowed(user, "answer.post", post)
    can["accept"] = not is_question and permissions.allowed(user, "answer.accept", post)
    can["endorse"] = not is_question and permissions.allowed(user, "answer.endorse", post)
    return can


class HtmlUrlField(serializers.Field):
    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, obj):
        return _urls(self.context).of(obj)


HtmlUrlField = extend_schema_field(OpenApiTypes.URI)(HtmlUrlField)


class ProductSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    description = serializers.CharField()
    language = serializers.CharField()
    question_count = serializers.IntegerField(default=0)
    source_name = serializers.CharField(help_text="For products imported from elsewhere (CC BY-SA attribution).")
    source_url = serializers.CharField(allow_blank=True)
    html_url = HtmlUrlField()


class TagSerializer(serializers.Serializer):
    name = serializers.CharField()
    question_count = serializers.IntegerField()


class CommentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    post = serializers.IntegerField()
    author = UserRefSerializer()
    body = serializers.CharField(help_text="Markdown as written.")
    body_html = serializers.CharField(help_text="Sanitised HTML rendered from ``body``.")
    created_at = serializers.DateTimeField()

    def to_representation(self, comment):
        return comment_dict(comment, self.context)


def comment_dict(comment, context) -> dict:
    return {
        "id": comment.pk,
        "post": comment.post_id,
        "author": author_ref(comment.author, product_id=context.get("comment_product_id"), context=context),
        "body": comment.body,
        "body_html": comment.body_html,
        "created_at": _dt(comment.created_at),
    }


class EndorsementSerializer(serializers.Serializer):
    expert = UserRefSerializer()
    note = serializers.CharField()
    created_at = serializers.DateTimeField()

    def to_representation(self, endorsement):
        return endorsement_dict(endorsement, self.context)


def endorsement_dict(endorsement, context) -> dict:
    return {
        "expert": author_ref(endorsement.expert, product_id=context.get("comment_product_id"), context=context),
        "note": endorsement.note,
        "created_at": _dt(endorsement.created_at),
    }


class AnswerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    question = serializers.IntegerField()
    author = UserRefSerializer()
    body = serializers.CharField(help_text="Markdown as written.")
    body_html = serializers.CharField(help_text="Sanitised HTML rendered from ``body``.")
    score = serializers.IntegerField(help_text="Upvotes minus downvotes.")
    upvotes = serializers.IntegerField()
    downvotes = serializers.IntegerField()
    rank_score = serializers.FloatField(help_text="The authority-weighted score that orders answers.")
    effective_votes = serializers.FloatField(help_text="Votes weighted by the voters' authority.")
    is_accepted = serializers.BooleanField()
    accepted_at = serializers.DateTimeField(allow_null=True)
    endorsements = EndorsementSerializer(many=True)
    score_breakdown = ScoreBreakdownSerializer()
    comment_count = serializers.IntegerField()
    comments = CommentSerializer(many=True)
    created_at = serializers.DateTimeField()
    edited_at = serializers.DateTimeField(allow_null=True)
    is_deleted = serializers.BooleanField(help_text="Deleted posts are shown only to their author and moderators.")
    my_vote = serializers.IntegerField(help_text="Your vote on it: 1, -1, or 0 for none.")
    can = ActionsSerializer()
    html_url = serializers.URLField()

    def to_representation(self, answer):
        return answer_dict(answer, self.context)


def _endorsements(answer) -> list:
    # ``endorsement_list`` comes from the API's reads (forum.api.selectors); ``active_endorsements``
    # from the page's (authority_store.thread_context).
    found = getattr(answer, "endorsement_list", None)
    return found if found is not None else answer.active_endorsements


def answer_dict(answer, context) -> dict:
    pk = answer.pk  # a property on a model: read once
    return {
        "id": pk,
        "question": answer.question_id,
        "author": author_ref(answer.author, product_id=answer.product_id, context=context),
        "body": answer.body,
        "body_html": answer.body_html,
        "score": answer.score,
        "upvotes": answer.upvotes,
        "downvotes": answer.downvotes,
        "rank_score": answer.rank_score,
        "effective_votes": answer.effective_votes,
        "is_accepted": answer.is_accepted,
        "accepted_at": _dt(answer.accepted_at),
        "endorsements": [endorsement_dict(e, context) for e in _endorsements(answer)],
        "score_breakdown": breakdown_dict(answer),
        "comment_count": answer.comment_count,
        "comments": [comment_dict(c, context) for c in answer.comment_list],
        "created_at": _dt(answer.created_at),
        "edited_at": _dt(answer.edited_at),
        "is_deleted": answer.deleted_at is not None,
        "my_vote": context.get("my_votes", {}).get(pk, 0),
        "can": actions(answer, context),
        "html_url": _urls(context).answer(answer.question_id, pk),
    }


class QuestionListSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    product = serializers.SlugField()
    tags = serializers.ListField(child=serializers.CharField())
    author = UserRefSerializer()
    score = serializers.IntegerField()
    answer_count = serializers.IntegerField()
    comment_count = serializers.IntegerField()
    view_count = serializers.IntegerField()
    has_accepted_answer = serializers.BooleanField()
    is_closed = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    last_activity_at = serializers.DateTimeField()
    html_url = serializers.URLField()

    def to_representation(self, question):
        return question_list_dict(question, self.context)


def _product_slug(post) -> str:
    # The API's own reads annotate ``product_slug`` rather than load a Product per row.
    slug = getattr(post, "product_slug", None)
    return slug if slug is not None else post.product.slug


def question_list_dict(question, context) -> dict:
    return {
        "id": question.pk,
        "title": question.title,
        "product": _product_slug(question),
        "tags": question.tag_names if hasattr(question, "tag_names") else [t.name for t in question.tags.all()],
        "author": author_ref(question.author, product_id=question.product_id, context=context),
        "score": question.score,
        "answer_count": question.answer_count,
        "comment_count": question.comment_count,
        "view_count": question.view_count,
        "has_accepted_answer": question.has_accepted_answer,
        "is_closed": question.closed_at is not None,
        "created_at": _dt(question.created_at),
        "last_activity_at": _dt(question.last_activity_at),
        "html_url": _urls(context).question(question.pk),
    }


class SearchHitSerializer(QuestionListSerializer):
    snippet = serializers.CharField(help_text="HTML: escaped text with the matched words in <mark>.")

    def to_representation(self, question):
        return question_list_dict(question, self.context) | {"snippet": question.snippet}


class SearchResultSerializer(serializers.Serializer):
    query = serializers.CharField(help_text="The query as searched (cleaned).")
    count = serializers.IntegerField()
    page = serializers.IntegerField()
    num_pages = serializers.IntegerField()
    matched_all_words = serializers.BooleanField(
        help_text="False when no question had every word and questions with some of them are shown."
    )
    messages = serializers.ListField(child=serializers.CharField())
    results = SearchHitSerializer(many=True)


class QuestionDetailSerializer(QuestionListSerializer):
    body = serializers.CharField(help_text="Markdown as written.")
    body_html = serializers.CharField(help_text="Sanitised HTML rendered from ``body``.")
    upvotes = serializers.IntegerField()
    downvotes = serializers.IntegerField()
    edited_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    closed_reason = serializers.CharField()
    duplicate_of = serializers.IntegerField(allow_null=True)
    is_deleted = serializers.BooleanField()
    comments = CommentSerializer(many=True)
    answers = AnswerSerializer(many=True, help_text="Best first, as on the page.")
    my_vote = serializers.IntegerField(help_text="Your vote on it: 1, -1, or 0 for none.")
    can = ActionsSerializer()

    def to_representation(self, question):
        context = self.context
        return question_list_dict(question, context) | {
            "body": question.body,
            "body_html": question.body_html,
            "upvotes": question.upvotes,
            "downvotes": question.downvotes,
            "edited_at": _dt(question.edited_at),
            "closed_at": _dt(question.closed_at),
            "closed_reason": question.closed_reason,
            "duplicate_of": question.duplicate_of_id,
            "is_deleted": question.deleted_at is not None,
            "comments": [comment_dict(c, context) for c in question.comment_list],
            "answers": [answer_dict(a, context) for a in question.answer_list],
            "my_vote": context.get("my_votes", {}).get(question.pk, 0),
            "can": actions(question, context),
        }


class RevisionSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    author = serializers.SerializerMethodField()
    title = serializers.CharField()
    body = serializers.CharField()
    tags = serializers.SerializerMethodField()
    reason = serializers.CharField()
    created_at = serializers.DateTimeField()

    @extend_schema_field(UserRefSerializer)
    def get_author(self, revision) -> dict:
        return author_ref(revision.author, product_id=self.context.get("comment_product_id"), context=self.context)

    def get_tags(self, revision) -> list[str]:
        return revision.tags.split()


class VoteResultSerializer(serializers.Serializer):
    post = serializers.IntegerField(source="pk")
    score = serializers.IntegerField()
    upvotes = serializers.IntegerField()
    downvotes = serializers.IntegerField()
    my_vote = serializers.IntegerField()


class PostStateSerializer(serializers.Serializer):
    """A post's moderation state: what the answer to an expert's action (or a restore) shows."""

    id = serializers.IntegerField()
    kind = serializers.SerializerMethodField()
    is_deleted = serializers.BooleanField()
    is_hidden = serializers.SerializerMethodField(
        help_text="Hidden after enough open flags, until the product's experts resolve them."
    )
    closed_at = serializers.DateTimeField(allow_null=True, help_text="Questions only; null when open.")
    closed_reason = serializers.CharField(allow_blank=True)
    duplicate_of = serializers.IntegerField(
        source="duplicate_of_id", allow_null=True, help_text="The original question's id, for a duplicate."
    )
    comments_locked = serializers.SerializerMethodField()
    html_url = HtmlUrlField()

    @extend_schema_field(serializers.ChoiceField(choices=["question", "answer"]))
    def get_kind(self, post) -> str:
        return "question" if post.kind == PostKind.QUESTION else "answer"

    def get_is_hidden(self, post) -> bool:
        return post.hidden_at is not None

    def get_comments_locked(self, post) -> bool:
        return post.comments_locked_at is not None


class RoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)
    product = serializers.SlugField(source="product.slug", allow_null=True, default=None)


class ProfileStatsSerializer(serializers.Serializer):
    questions = serializers.IntegerField()
    answers = serializers.IntegerField()
    accepted = serializers.IntegerField(help_text="Answers of theirs that the asker accepted.")
    upvotes = serializers.IntegerField(help_text="Upvotes received.")
    downvotes = serializers.IntegerField(help_text="Downvotes received.")


class StandingSerializer(serializers.Serializer):
    """A person's authority in one product."""

    product = serializers.SlugField(source="product.slug")
    index = serializers.IntegerField(min_value=0, max_value=1000, help_text="Authority index, 0–1000.")
    points = serializers.FloatField(help_text="The earned points behind the index.")
    is_expert = serializers.BooleanField()


class ProfileSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField()
    bio = serializers.CharField()
    date_joined = serializers.DateTimeField()
    expert_of = serializers.ListField(
        child=serializers.SlugField(), help_text="Slugs of the products this person is an expert of."
    )
    stats = ProfileStatsSerializer()
    authority = StandingSerializer(
        many=True, source="standings", help_text="Authority per product (where they have some), best first."
    )
    html_url = HtmlUrlField()


class MeSerializer(ProfileSerializer):
    email = serializers.EmailField()
    preferred_language = serializers.CharField()
    roles = RoleSerializer(many=True, source="role_list")


# --- Input --------------------------------------------------------------------------------------
# Lengths and formats are checked by ``forum.validation`` inside the services (one rule, one
# place); these only say which fields exist and their JSON types. DRF's CharField already
# refuses NUL characters and lone surrogates, which no database should store.

# The same (code, name) pairs as the model field, so the schema has one language enum.
LANGUAGE_CHOICES = list(settings.LANGUAGES)


class QuestionInput(serializers.Serializer):
    product = serializers.SlugRelatedField(slug_field="slug", queryset=Product.objects.all())
    title = serializers.CharField(max_length=1000, trim_whitespace=False)
    body = serializers.CharField(max_length=100_000, trim_whitespace=False)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=100), max_length=50, required=False, default=list
    )


class QuestionEditInput(serializers.Serializer):
    title = serializers.CharField(max_length=1000, required=False, trim_whitespace=False)
    body = serializers.CharField(max_length=100_000, required=False, trim_whitespace=False)
    tags = serializers.ListField(child=serializers.CharField(max_length=100), max_length=50, required=False)
    reason = serializers.CharField(
        max_length=1000, required=False, allow_blank=True, default="", help_text=_("Edit summary.")
    )


class AnswerInput(serializers.Serializer):
    body = serializers.CharField(max_length=100_000, trim_whitespace=False)


class AnswerEditInput(serializers.Serializer):
    body = serializers.CharField(max_length=100_000, trim_whitespace=False)
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class CommentInput(serializers.Serializer):
    body = serializers.CharField(max_length=10_000, trim_whitespace=False)


class VoteInput(serializers.Serializer):
    value = serializers.ChoiceField(choices=[1, -1, 0], help_text="1 up, -1 down, 0 to take your vote back.")


class EndorseInput(serializers.Serializer):
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class SearchInput(serializers.Serializer):
    q = serializers.CharField(max_length=1000, help_text='Words to find, in Chinese or English; "quoted phrases".')
    product = serializers.SlugField(required=False, help_text="A product's slug.")
    tag = serializers.CharField(max_length=50, required=False)
    status = serializers.ChoiceField(choices=list(SEARCH_STATUSES), required=False)
    sort = serializers.ChoiceField(choices=list(SEARCH_SORTS), default="relevance")
    page = serializers.IntegerField(min_value=1, max_value=10_000, default=1)


class ProfileInput(serializers.Serializer):
    display_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    bio = serializers.CharField(max_length=2000, required=False, allow_blank=True, trim_whitespace=False)
    preferred_language = serializers.ChoiceField(choices=LANGUAGE_CHOICES, required=False, allow_blank=True)


# --- Flags, moderation and notifications ------------------------------------------------------
# Outputs first, then inputs. As above, an input names only what a client chooses (a reason, a
# note, an outcome); the reporter, the moderator, statuses and timestamps come from the request
# and the services.


class PostRefSerializer(serializers.Serializer):
    """A post as a moderation queue or an inbox shows it: enough to find and open it."""

    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=["question", "answer"])
    question = serializers.IntegerField(help_text="The question's id (the post's own id for a question).")
    title = serializers.CharField(help_text="The question's title.")
    is_deleted = serializers.BooleanField()
    is_hidden = serializers.BooleanField()
    html_url = serializers.URLField()

    def to_representation(self, post):
        return post_ref(post, self.context)


def post_ref(post, context) -> dict:
    is_question = post.kind == PostKind.QUESTION
    question_id = post.pk if is_question else post.question_id
    urls = _urls(context)
    return {
        "id": post.pk,
        "kind": "question" if is_question else "answer",
        "question": question_id,
        "title": post.title if is_question else post.question.title,
        "is_deleted": post.deleted_at is not None,
        "is_hidden": post.hidden_at is not None,
        "html_url": urls.question(post.pk) if is_question else urls.answer(question_id, post.pk),
    }


def _person(user, product_id, context) -> dict | None:
    return author_ref(user, product_id=product_id, context=context) if user is not None else None


class FlagSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    post = PostRefSerializer()
    reporter = UserRefSerializer()
    reason = serializers.ChoiceField(choices=FlagReason.choices)
    note = serializers.CharField(allow_blank=True)
    status = serializers.ChoiceField(choices=FlagStatus.choices)
    created_at = serializers.DateTimeField()
    resolved_at = serializers.DateTimeField(allow_null=True)
    resolved_by = UserRefSerializer(allow_null=True)

    def to_representation(self, flag):
        product_id = flag.post.product_id
        return {
            "id": flag.pk,
            "post": post_ref(flag.post, self.context),
            "reporter": _person(flag.reporter, product_id, self.context),
            "reason": flag.reason,
            "note": flag.note,
            "status": flag.status,
            "created_at": _dt(flag.created_at),
            "resolved_at": _dt(flag.resolved_at),
            "resolved_by": _person(flag.resolved_by, product_id, self.context),
        }


class FlagResolveResultSerializer(serializers.Serializer):
    resolved = serializers.IntegerField(help_text="How many open flags this resolved.")
    post = PostStateSerializer()


class ModerationLogSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    action = serializers.ChoiceField(choices=ModerationAction.choices)
    actor = UserRefSerializer(allow_null=True, help_text="Null when Wendao acted itself (hiding after flags).")
    post = PostRefSerializer()
    reason = serializers.CharField(allow_blank=True)
    details = serializers.DictField(help_text="What the action changed, e.g. the original of a duplicate.")
    created_at = serializers.DateTimeField()

    def to_representation(self, entry):
        return {
            "id": entry.pk,
            "action": entry.action,
            "actor": _person(entry.actor, entry.product_id, self.context),
            "post": post_ref(entry.post, self.context),
            "reason": entry.reason,
            "details": entry.details or {},
            "created_at": _dt(entry.created_at),
        }


class NotificationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=NotificationKind.choices)
    message = serializers.CharField(help_text="One sentence in the request's language, as the inbox shows it.")
    actor = UserRefSerializer(allow_null=True)
    post = PostRefSerializer()
    comment = serializers.IntegerField(
        allow_null=True, help_text="The comment's id, for a comment or a mention in one."
    )
    is_read = serializers.BooleanField()
    read_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()

    def to_representation(self, notification):
        post = notification.post
        return {
            "id": notification.pk,
            "kind": notification.kind,
            "message": notifications.message_for(notification),
            "actor": _person(notification.actor, post.product_id, self.context),
            "post": post_ref(post, self.context),
            "comment": notification.comment_id,
            "is_read": notification.read_at is not None,
            "read_at": _dt(notification.read_at),
            "created_at": _dt(notification.created_at),
        }


class UnreadCountSerializer(serializers.Serializer):
    unread = serializers.IntegerField(min_value=0)


class MarkedReadSerializer(serializers.Serializer):
    marked = serializers.IntegerField(min_value=0, help_text="How many notifications were unread until now.")
    unread = serializers.IntegerField(min_value=0)


# The fields people may change, as on the site's preferences page (forum.views_notifications).
PREFERENCE_FIELDS = (
    "email_enabled",
    "email_answer",
    "email_comment",
    "email_accepted",
    "email_endorsed",
    "email_mention",
    "email_followed",
    "email_moderation",
    "daily_digest",
)


def _preference_fields(*, required: bool) -> dict:
    model_fields = {f.name: f for f in NotificationPreference._meta.fields}
    return {
        name: serializers.BooleanField(required=required, help_text=model_fields[name].verbose_name)
        for name in PREFERENCE_FIELDS
    }


NotificationPreferencesSerializer = type(
    "NotificationPreferencesSerializer", (serializers.Serializer,), _preference_fields(required=True)
)
NotificationPreferencesInput = type(
    "NotificationPreferencesInput", (serializers.Serializer,), _preference_fields(required=False)
)


class FlagInput(serializers.Serializer):
    reason = serializers.ChoiceField(choices=FlagReason.choices, help_text="Why the post needs the experts' eyes.")
    note = serializers.CharField(
        max_length=1000, required=False, allow_blank=True, default="", help_text="Required when the reason is “other”."
    )


class FlagResolveInput(serializers.Serializer):
    outcome = serializers.ChoiceField(
        choices=list(FLAG_OUTCOMES),
        help_text="delete: the flags were right, delete the post (restorable); keep: the flags were right and "
        "the post was fixed; decline: the flags were wrong. Either way the post shows again.",
    )
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class ReasonInput(serializers.Serializer):
    reason = serializers.CharField(
        max_length=1000,
        required=False,
        allow_blank=True,
        default="",
        help_text="Shown in the product's moderation log; closing and locking require one.",
    )


class DeleteInput(serializers.Serializer):
    reason = serializers.CharField(
        max_length=1000,
        required=False,
        allow_blank=True,
        default="",
        help_text="Why the post is deleted: kept in the product's moderation log when an expert deletes.",
    )


class DuplicateInput(serializers.Serializer):
    original = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, help_text="The id of the question this one duplicates (same product)."
    )
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class RollbackInput(serializers.Serializer):
    revision = serializers.IntegerField(
        min_value=1, max_value=2**31 - 1, help_text="The number of the revision to restore (see the revisions list)."
    )
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class FlagListInput(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=FlagStatus.choices, default=FlagStatus.OPEN, help_text="Which flags: open (default), helpful, declined."
    )


class NotificationListInput(serializers.Serializer):
    unread = serializers.BooleanField(required=False, allow_null=True, default=None, help_text="true: unread only.")


class FollowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    product = serializers.SlugField(source="product.slug")
    tag = serializers.CharField(source="tag.name", allow_null=True, default=None, help_text="Null: the whole product.")
    created_at = serializers.DateTimeField()


class FollowInput(serializers.Serializer):
    product = serializers.SlugRelatedField(slug_field="slug", queryset=Product.objects.all())
    tag = serializers.CharField(
        max_length=50, required=False, allow_blank=True, default="", help_text="Leave out to follow the whole product."
    )

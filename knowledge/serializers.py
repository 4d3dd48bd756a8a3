"""Explicit input and output serializers of the knowledge base's API (``knowledge/api.py``).

As in ``forum/api/serializers.py``: inputs list only what a knowledge editor may set (the
article's content); status, versions, authors, reviewers, signals and timestamps are not inputs
anywhere, so a client that sends them changes nothing. Outputs name every field.
"""

from django.conf import settings
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from forum.models import Product

from .models import ArticleStatus, CandidateReason, CandidateStatus, ReviewReason

# Codes only, as the bot and export endpoints take them, so the schema has one locale enum.
LANGUAGE_CHOICES = [code for code, _name in settings.LANGUAGES]
EDITORIAL_HELP = "The workflow state; null unless you are a knowledge editor."


def _absolute(context, path: str) -> str:
    request = context.get("request")
    return request.build_absolute_uri(path) if request is not None else path


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.SerializerMethodField(help_text="The display name, or the username when there is none.")
    html_url = serializers.SerializerMethodField()

    def get_name(self, user) -> str:
        return user.display_name or user.username

    def get_html_url(self, user) -> str:
        return _absolute(self.context, reverse("forum:profile", args=[user.pk]))


# --- Articles -----------------------------------------------------------------------------------


class DiffLineSerializer(serializers.Serializer):
    op = serializers.ChoiceField(choices=["+", "-", " "], help_text="“+” added, “-” removed, “ ” unchanged.")
    text = serializers.CharField()


class EditorialSerializer(serializers.Serializer):
    """What only the knowledge team sees: the article's workflow state."""

    status = serializers.ChoiceField(choices=ArticleStatus.choices)
    needs_review = serializers.ChoiceField(
        choices=ReviewReason.choices,
        help_text="Why the article is back in the review queue: “source_changed” (its source answer has a newer "
        "revision; see source_diff), “source_deleted”, “expired”; empty when up to date. Publishing a new "
        "version clears it.",
    )
    source_answer = serializers.IntegerField(source="source_answer_id", allow_null=True)
    source_revision = serializers.IntegerField(help_text="The source answer's revision this version was written from.")
    candidate = serializers.IntegerField(source="candidate_id", allow_null=True)
    view_count = serializers.IntegerField(help_text="Views of the public page.")
    retired_at = serializers.DateTimeField(allow_null=True)
    retired_by = serializers.IntegerField(source="retired_by_id", allow_null=True)
    retire_reason = serializers.CharField()


class EditorialDetailSerializer(EditorialSerializer):
    source_diff = serializers.SerializerMethodField(
        help_text="When needs_review is “source_changed”: the source answer's changes since this article was "
        "written from it, line by line; empty otherwise.",
    )

    @extend_schema_field(DiffLineSerializer(many=True))
    def get_source_diff(self, article):
        return [{"op": op, "text": text} for op, text in self.context.get("source_diff", [])]


class ArticleListSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    version = serializers.IntegerField(help_text="The current version's number (1 for a new article).")
    title = serializers.CharField()
    slug = serializers.CharField()
    product = serializers.SlugField(source="product.slug")
    locale = serializers.ChoiceField(choices=LANGUAGE_CHOICES)
    tags = serializers.ListField(child=serializers.CharField())
    published_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    html_url = serializers.SerializerMethodField()
    editorial = serializers.SerializerMethodField(
        help_text="The workflow state; null unless you are a knowledge editor."
    )

    editorial_class = EditorialSerializer

    def get_html_url(self, article) -> str:
        return _absolute(self.context, article.get_absolute_url())

    @extend_schema_field(EditorialSerializer(allow_null=True))
    def get_editorial(self, article):
        if not self.context.get("is_editor"):
            return None
        return self.editorial_class(article, context=self.context).data


class ArticleSerializer(ArticleListSerializer):
    alt_questions = serializers.ListField(
        child=serializers.CharField(), help_text="Other ways customers ask the same question."
    )
    answer_markdown = serializers.CharField()
    answer_html = serializers.CharField(help_text="Sanitised HTML rendered from answer_markdown.")
    answer_text = serializers.CharField(help_text="Plain text, for bots that cannot show Markdown.")
    valid_until = serializers.DateField(allow_null=True)
    product_version = serializers.CharField()
    endorsed_by = serializers.ListField(child=serializers.CharField(), help_text="The experts who endorsed the source.")
    authority = serializers.FloatField(help_text="The source answer's rank score when this version was published.")
    source_url = serializers.SerializerMethodField(help_text="The source thread; null when there is none (any more).")
    contributors = serializers.SerializerMethodField(
        help_text="Whom to credit: the source answer's author, its editors and the asker."
    )
    editorial = serializers.SerializerMethodField(
        help_text="The workflow state; null unless you are a knowledge editor."
    )

    editorial_class = EditorialDetailSerializer

    def _source(self, article):
        source = article.source_answer if article.source_answer_id else None
        return source if source is not None and source.deleted_at is None else None

    def get_source_url(self, article) -> str | None:
        source = self._source(article)
        if source is None:
            return None
        return _absolute(self.context, reverse("forum:question", args=[source.question_id]) + f"#answer-{source.pk}")

    @extend_schema_field(PersonSerializer(many=True))
    def get_contributors(self, article):
        return PersonSerializer(self.context.get("contributors", []), many=True, context=self.context).data

    @extend_schema_field(EditorialDetailSerializer(allow_null=True))
    def get_editorial(self, article):
        return super().get_editorial(article)


class VersionSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    title = serializers.CharField()
    alt_questions = serializers.ListField(child=serializers.CharField())
    answer_markdown = serializers.CharField()
    tags = serializers.ListField(child=serializers.CharField())
    locale = serializers.ChoiceField(choices=LANGUAGE_CHOICES)
    valid_until = serializers.DateField(allow_null=True)
    product_version = serializers.CharField()
    source_revision = serializers.IntegerField()
    editor = PersonSerializer()
    note = serializers.CharField()
    created_at = serializers.DateTimeField()


class VersionDiffSerializer(serializers.Serializer):
    old = serializers.IntegerField(help_text="0 when comparing with nothing (the first version).")
    new = serializers.IntegerField()
    lines = DiffLineSerializer(many=True)


# --- Candidates -----------------------------------------------------------------------------


class CandidateEndorsementSerializer(serializers.Serializer):
    expert = PersonSerializer()
    note = serializers.CharField()
    created_at = serializers.DateTimeField()


class SignalsSerializer(serializers.Serializer):
    """Why the candidate is worth publishing, and how much it is asked for."""

    rank_score = serializers.FloatField(source="answer.rank_score", help_text="The answer's authority-weighted score.")
    effective_votes = serializers.FloatField(source="answer.effective_votes")
    score = serializers.IntegerField(source="answer.score", help_text="Upvotes minus downvotes.")
    is_accepted = serializers.BooleanField(source="answer.is_accepted")
    endorsements = serializers.IntegerField(source="endorsement_count")
    question_views = serializers.IntegerField(source="answer.question.view_count")
    duplicates = serializers.IntegerField(source="duplicate_count", help_text="Questions closed as its duplicates.")
    bot_queries = serializers.IntegerField(source="bot_demand", help_text="Bot questions it would have answered.")
    demand = serializers.IntegerField(help_text="question_views + 20 × duplicates + 10 × bot_queries.")


class CandidateQuestionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    html_url = serializers.SerializerMethodField()

    def get_html_url(self, question) -> str:
        return _absolute(self.context, reverse("forum:question", args=[question.pk]))


class CandidateAnswerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    author = PersonSerializer()
    body = serializers.CharField(help_text="Markdown as written.")
    created_at = serializers.DateTimeField()
    edited_at = serializers.DateTimeField(allow_null=True)
    is_deleted = serializers.SerializerMethodField()
    html_url = serializers.SerializerMethodField()

    def get_is_deleted(self, answer) -> bool:
        return answer.deleted_at is not None

    def get_html_url(self, answer) -> str:
        return _absolute(self.context, reverse("forum:question", args=[answer.question_id]) + f"#answer-{answer.pk}")


class CandidateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=CandidateStatus.choices)
    reason = serializers.ChoiceField(
        choices=CandidateReason.choices, help_text="Why it became a candidate: endorsed, or accepted and highly rated."
    )
    product = serializers.SlugField(source="product.slug")
    question = CandidateQuestionSerializer(source="answer.question")
    answer = CandidateAnswerSerializer()
    endorsements = CandidateEndorsementSerializer(many=True, source="answer.active_endorsement_list")
    signals = SignalsSerializer(source="*")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    reviewed_by = PersonSerializer(allow_null=True)
    reviewed_at = serializers.DateTimeField(allow_null=True)
    reject_reason = serializers.CharField()
    withdrawn_reason = serializers.CharField()
    article = serializers.SerializerMethodField(help_text="The article published from it, if any.")
    html_url = serializers.SerializerMethodField(help_text="The review screen on the site.")

    def to_representation(self, candidate):
        candidate.endorsement_count = len(candidate.answer.active_endorsement_list)
        return super().to_representation(candidate)

    def get_article(self, candidate) -> int | None:
        article = getattr(candidate, "article", None)
        return article.pk if article is not None else None

    def get_html_url(self, candidate) -> str:
        return _absolute(self.context, reverse("knowledge:candidate_review", args=[candidate.pk]))


class DraftSerializer(serializers.Serializer):
    """The article a publish makes when the request leaves fields out, as the review screen's form
    is prefilled: the question's title, its duplicates' titles and the bot queries linked to it as
    alternative phrasings, the answer's Markdown, the question's tags, the product's language."""

    title = serializers.CharField()
    alt_questions = serializers.ListField(child=serializers.CharField())
    answer_markdown = serializers.CharField()
    product = serializers.SlugField()
    tags = serializers.ListField(child=serializers.CharField())
    locale = serializers.CharField()


class ThreadAnswerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    author = PersonSerializer()
    body = serializers.CharField()
    score = serializers.IntegerField()
    rank_score = serializers.FloatField()
    is_accepted = serializers.BooleanField()


class CandidateDetailSerializer(CandidateSerializer):
    question_body = serializers.CharField(source="answer.question.body", help_text="The question, in Markdown.")
    thread = ThreadAnswerSerializer(
        many=True, source="thread_answers", help_text="The question's visible answers, best first (the source too)."
    )
    draft = DraftSerializer(source="draft_article")


# --- Bot misses and exports -----------------------------------------------------------------


class MissSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    product = serializers.SlugField(source="product.slug", allow_null=True, default=None)
    locale = serializers.CharField()
    text = serializers.CharField(help_text="The first wording of the question (anonymised).")
    count = serializers.IntegerField(help_text="How often it (or something like it) was asked.")
    first_seen = serializers.DateTimeField()
    last_seen = serializers.DateTimeField()
    resolved_at = serializers.DateTimeField(allow_null=True)
    resolved_by = serializers.IntegerField(
        source="resolved_by_id", allow_null=True, help_text="The article that now answers it."
    )
    candidate = serializers.IntegerField(source="candidate_id", allow_null=True)


# --- Input ----------------------------------------------------------------------------------
# Lengths and formats are checked by the services (``knowledge.services``, ``forum.validation``):
# one rule, one place; these only say which fields exist and their JSON types.


class ArticleInput(serializers.Serializer):
    """Every field is optional: what is left out keeps the prefilled draft's value (publishing a
    candidate) or the current version's (a new version of an article)."""

    title = serializers.CharField(max_length=1000, required=False, trim_whitespace=False)
    alt_questions = serializers.ListField(
        child=serializers.CharField(max_length=1000, allow_blank=True), max_length=200, required=False
    )
    answer_markdown = serializers.CharField(max_length=100_000, required=False, trim_whitespace=False)
    product = serializers.SlugRelatedField(slug_field="slug", queryset=Product.objects.all(), required=False)
    tags = serializers.ListField(child=serializers.CharField(max_length=100), max_length=50, required=False)
    locale = serializers.ChoiceField(choices=LANGUAGE_CHOICES, required=False)
    valid_until = serializers.DateField(
        required=False, allow_null=True, help_text="After this date the article comes back for re-verification."
    )
    product_version = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    note = serializers.CharField(
        max_length=1000, required=False, allow_blank=True, default="", help_text="A note for the version history."
    )


class RejectInput(serializers.Serializer):
    reason = serializers.CharField(max_length=1000, help_text="Why it is rejected (required).")


class RetireInput(serializers.Serializer):
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")

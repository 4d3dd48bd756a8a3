"""Explicit input and output serializers for the API.

Inputs list only what a client may set; everything else (score, author, acceptance,
endorsement, roles, timestamps, counters) is read-only because no input serializer has it, so a
client that sends ``{"score": 999}`` changes nothing. Outputs are plain ``Serializer`` classes
with every field named: nothing leaks by being added to a model later.
"""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from forum import permissions, selectors
from forum.models import PostKind, Product, Role


class ExpertLookup:
    """Each product's expert ids, read once per request (a cache hit each) instead of per post."""

    def __init__(self):
        self._by_product: dict[int, frozenset[int]] = {}

    def __call__(self, product_id: int) -> frozenset[int]:
        if product_id not in self._by_product:
            self._by_product[product_id] = selectors.expert_ids(product_id)
        return self._by_product[product_id]


def _absolute(context, path: str) -> str:
    request = context.get("request")
    return request.build_absolute_uri(path) if request is not None else path


def author_ref(user, *, product_id: int | None, context) -> dict:
    experts = context.get("experts") or ExpertLookup()
    return {
        "id": user.pk,
        "username": user.username,
        "name": user.name,
        "role": "expert" if product_id is not None and user.pk in experts(product_id) else "customer",
        "html_url": _absolute(context, user.get_absolute_url()),
    }


# --- Output -------------------------------------------------------------------------------------


class UserRefSerializer(serializers.Serializer):
    """A person as shown next to a post."""

    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField()
    role = serializers.ChoiceField(
        choices=["customer", "expert"],
        help_text="“expert” when the person is an expert of the post's product (shown as “Official”).",
    )
    html_url = serializers.URLField()


@extend_schema_field(UserRefSerializer)
class AuthorField(serializers.Field):
    """The post's author with the role badge for the post's product (reads ``source="*"``)."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, obj):
        return author_ref(obj.author, product_id=getattr(obj, "product_id", None), context=self.context)


@extend_schema_field(UserRefSerializer)
class CommentAuthorField(AuthorField):
    def to_representation(self, comment):
        product_id = self.context.get("comment_product_id")
        return author_ref(comment.author, product_id=product_id, context=self.context)


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


ACTION_RULES = {
    "edit": "post.edit",
    "delete": "post.delete",
    "undelete": "post.undelete",
    "vote": "post.vote",
    "comment": "comment.add",
}


@extend_schema_field(ActionsSerializer)
class ActionsField(serializers.Field):
    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, post):
        user = self.context["request"].user
        if not user.is_authenticated:
            return dict.fromkeys(ActionsSerializer().fields, False)
        can = {name: permissions.allowed(user, rule, post) for name, rule in ACTION_RULES.items()}
        is_question = post.kind == PostKind.QUESTION
        can["answer"] = is_question and permissions.allowed(user, "answer.post", post)
        can["accept"] = not is_question and permissions.allowed(user, "answer.accept", post)
        can["endorse"] = not is_question and permissions.allowed(user, "answer.endorse", post)
        return can


@extend_schema_field(OpenApiTypes.INT)
class MyVoteField(serializers.Field):
    """The requesting user's vote on the post: 1, -1, or 0 (none)."""

    def __init__(self, **kwargs):
        super().__init__(source="pk", read_only=True, **kwargs)

    def to_representation(self, pk):
        return self.context.get("my_votes", {}).get(pk, 0)


class HtmlUrlField(serializers.Field):
    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, obj):
        return _absolute(self.context, obj.get_absolute_url())


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
    post = serializers.IntegerField(source="post_id")
    author = CommentAuthorField()
    body = serializers.CharField(help_text="Markdown as written.")
    body_html = serializers.CharField(help_text="Sanitised HTML rendered from ``body``.")
    created_at = serializers.DateTimeField()


class EndorsementSerializer(serializers.Serializer):
    expert = serializers.SerializerMethodField()
    note = serializers.CharField()
    created_at = serializers.DateTimeField()

    @extend_schema_field(UserRefSerializer)
    def get_expert(self, endorsement) -> dict:
        return author_ref(endorsement.expert, product_id=self.context.get("comment_product_id"), context=self.context)


class _PostSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    author = AuthorField()
    body = serializers.CharField(help_text="Markdown as written.")
    body_html = serializers.CharField(help_text="Sanitised HTML rendered from ``body``.")
    score = serializers.IntegerField(help_text="Upvotes minus downvotes.")
    upvotes = serializers.IntegerField()
    downvotes = serializers.IntegerField()
    comment_count = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    edited_at = serializers.DateTimeField(allow_null=True)
    is_deleted = serializers.BooleanField(help_text="Deleted posts are shown only to their author and moderators.")
    html_url = HtmlUrlField()


class AnswerSerializer(_PostSerializer):
    question = serializers.IntegerField(source="question_id")
    rank_score = serializers.FloatField(help_text="The authority-weighted score that orders answers.")
    effective_votes = serializers.FloatField(help_text="Votes weighted by the voters' authority.")
    is_accepted = serializers.BooleanField()
    accepted_at = serializers.DateTimeField(allow_null=True)
    endorsements = EndorsementSerializer(many=True, source="endorsement_list")
    comments = CommentSerializer(many=True, source="comment_list")
    my_vote = MyVoteField()
    can = ActionsField()


class QuestionListSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    product = serializers.SlugField(source="product.slug")
    tags = serializers.SerializerMethodField()
    author = AuthorField()
    score = serializers.IntegerField()
    answer_count = serializers.IntegerField()
    comment_count = serializers.IntegerField()
    view_count = serializers.IntegerField()
    has_accepted_answer = serializers.BooleanField()
    is_closed = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    last_activity_at = serializers.DateTimeField()
    html_url = HtmlUrlField()

    def get_tags(self, question) -> list[str]:
        return [tag.name for tag in question.tags.all()]


class QuestionDetailSerializer(QuestionListSerializer):
    body = serializers.CharField(help_text="Markdown as written.")
    body_html = serializers.CharField(help_text="Sanitised HTML rendered from ``body``.")
    upvotes = serializers.IntegerField()
    downvotes = serializers.IntegerField()
    edited_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    closed_reason = serializers.CharField()
    duplicate_of = serializers.IntegerField(source="duplicate_of_id", allow_null=True)
    is_deleted = serializers.BooleanField()
    comments = CommentSerializer(many=True, source="comment_list")
    answers = AnswerSerializer(many=True, source="answer_list", help_text="Best first, as on the page.")
    my_vote = MyVoteField()
    can = ActionsField()


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
    id = serializers.IntegerField()
    kind = serializers.SerializerMethodField()
    is_deleted = serializers.BooleanField()
    html_url = HtmlUrlField()

    @extend_schema_field(serializers.ChoiceField(choices=["question", "answer"]))
    def get_kind(self, post) -> str:
        return "question" if post.kind == PostKind.QUESTION else "answer"


class RoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)
    product = serializers.SlugField(source="product.slug", allow_null=True, default=None)


class ProfileStatsSerializer(serializers.Serializer):
    questions = serializers.IntegerField()
    answers = serializers.IntegerField()
    accepted = serializers.IntegerField(help_text="Answers of theirs that the asker accepted.")
    upvotes = serializers.IntegerField(help_text="Upvotes received.")
    downvotes = serializers.IntegerField(help_text="Downvotes received.")


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
    html_url = HtmlUrlField()


class MeSerializer(ProfileSerializer):
    email = serializers.EmailField()
    preferred_language = serializers.CharField()
    roles = RoleSerializer(many=True, source="role_list")


# --- Input --------------------------------------------------------------------------------------
# Lengths and formats are checked by ``forum.validation`` inside the services (one rule, one
# place); these only say which fields exist and their JSON types. DRF's CharField already
# refuses NUL characters and lone surrogates, which no database should store.

LANGUAGE_CHOICES = [code for code, _name in settings.LANGUAGES]


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


class ProfileInput(serializers.Serializer):
    display_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    bio = serializers.CharField(max_length=2000, required=False, allow_blank=True, trim_whitespace=False)
    preferred_language = serializers.ChoiceField(choices=[""] + LANGUAGE_CHOICES, required=False, allow_blank=True)

"""``/api/v1/kb/``: the knowledge base's API, in the API's shared JSON error shape
(``forum.api.exceptions``, through DRF's exception handler setting).

The bot answer endpoint and published articles are public; candidates, drafts, new versions,
retiring, version history, bot misses and exports are the knowledge team's, checked by
``knowledge.permissions.refusal`` (the rule the ``/knowledge/`` pages use) and again inside each
service. Views are thin, as in ``forum/api/views.py``: an input serializer checks the JSON,
one service or selector does the work, an output serializer (``knowledge/serializers.py``)
shapes the answer.
"""

import re
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.urls import get_script_prefix, reverse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, permissions, serializers, status
from rest_framework.fields import DateTimeField
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from forum.api.pagination import Pagination
from forum.models import Product

from . import conf, exporters, selectors, services
from . import serializers as s
from .models import Article, ArticleStatus, ArticleVersion, BotMiss, Candidate, CandidateStatus, ExportJob, ReviewReason
from .permissions import refusal


class BotThrottle(AnonRateThrottle):
    """Anonymous bots get their own, larger budget (``KB_BOT_ANON_RATE``); a bot that signs in
    with a personal token is not throttled here."""

    scope = "kb_answer"

    def get_rate(self):
        return conf.get("BOT_ANON_RATE") or None

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        return super().allow_request(request, view)


class AnswerInput(serializers.Serializer):
    q = serializers.CharField(max_length=500, trim_whitespace=True)
    product = serializers.SlugField(required=False, allow_blank=True)
    locale = serializers.ChoiceField(choices=[code for code, _name in settings.LANGUAGES], required=False)
    limit = serializers.IntegerField(min_value=1, max_value=10, default=3)


class AnswerArticle(serializers.Serializer):
    """Documents the shape; ``BotAnswerApi`` builds these dicts directly for speed."""

    id = serializers.IntegerField()
    version = serializers.IntegerField()
    title = serializers.CharField()
    confidence = serializers.FloatField(help_text="How well the article matches the question, from 0 to 1.")
    answer_markdown = serializers.CharField()
    answer_text = serializers.CharField()
    url = serializers.URLField()
    product = serializers.CharField()
    locale = serializers.CharField()
    updated_at = serializers.DateTimeField()


class AnswerOutput(serializers.Serializer):
    query = serializers.CharField()
    confidence = serializers.FloatField(help_text="The best article's confidence; 0 when nothing matched.")
    answered = serializers.BooleanField(help_text="False when the confidence is below the bot-miss threshold.")
    articles = AnswerArticle(many=True)


LOCALE_CODES = frozenset(code for code, _name in settings.LANGUAGES)
_SLUG = re.compile(r"[-a-zA-Z0-9_]+\Z")
_LIMIT = re.compile(r"[0-9]{1,2}\Z")
_DATETIME = DateTimeField()


def _plain_text(text: str) -> bool:
    """No null character and no lone surrogate: what DRF's ``CharField`` validators refuse."""
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return "\x00" not in text


def answer_params(query_params) -> dict:
    """``AnswerInput``'s validated data. The bot API's input is checked on every question, and
    building and running the serializer cost more than the search; so the plainly valid input
    (nearly all) is checked here with the serializer's own rules, and anything else goes through
    the serializer, for its verdict and its error messages (tests/knowledge/test_bot_input.py
    compares the two)."""
    q, product = query_params.get("q"), query_params.get("product")
    locale, limit = query_params.get("locale"), query_params.get("limit")
    if q is not None:
        q = q.strip()
        if (
            0 < len(q) <= 500
            and _plain_text(q)
            and (not product or _SLUG.match(product))
            and (not locale or locale in LOCALE_CODES)
            and (not limit or (_LIMIT.match(limit) and 1 <= int(limit) <= 10))
        ):
            data = {"q": q}
            if product is not None:
                data["product"] = product
            if locale:
                data["locale"] = locale
            data["limit"] = int(limit) if limit else 3
            return data
    params = AnswerInput(data=query_params)
    params.is_valid(raise_exception=True)
    return params.validated_data


@lru_cache(maxsize=4096)
def _article_path(script_prefix: str, article_id: int, slug: str) -> str:
    # ``reverse`` costs about 25 µs; the same few articles answer most questions.
    return reverse("knowledge:article_public", args=[article_id, slug])


class BotAnswerApi(APIView):
    permission_classes = [permissions.AllowAny]
    throttle_classes = [BotThrottle]

    @extend_schema(
        parameters=[AnswerInput], responses=AnswerOutput, summary="Answer a question from the knowledge base"
    )
    def get(self, request):
        data = answer_params(request.query_params)
        product = None
        if data.get("product"):
            product = selectors.product_by_slug(data["product"])
            if product is None:
                raise Http404
        result = services.bot_answer(
            query=data["q"], product=product, locale=data.get("locale", ""), limit=data["limit"]
        )
        base = request.build_absolute_uri("/").rstrip("/")
        prefix = get_script_prefix()
        articles = [
            {
                "id": hit.card.article_id,
                "version": hit.card.version,
                "title": hit.card.title,
                "confidence": hit.confidence,
                "answer_markdown": hit.card.answer_markdown,
                "answer_text": hit.card.answer_text,
                "url": base + _article_path(prefix, hit.card.article_id, hit.card.slug),
                "product": hit.card.product,
                "locale": hit.card.locale,
                "updated_at": _DATETIME.to_representation(hit.card.updated_at),
            }
            for hit in result["hits"]
        ]
        body = {
            "query": data["q"],
            "confidence": result["confidence"],
            "answered": not result["is_miss"],
            "articles": articles,
        }
        return Response(body)


@extend_schema(exclude=True)
class BotAnswerSlashApi(BotAnswerApi):
    """``/api/v1/kb/answer/``: the same endpoint for clients that add a slash; documented once."""


class EditorOnly(permissions.BasePermission):
    def has_permission(self, request, view):
        reason = refusal(request.user)
        if reason:
            self.message = reason
        return reason is None


class ExportInput(serializers.Serializer):
    format = serializers.ChoiceField(choices=list(exporters.FORMATS))
    product = serializers.SlugField(required=False, allow_blank=True)
    locale = serializers.ChoiceField(choices=[code for code, _name in settings.LANGUAGES], required=False)
    since = serializers.DateTimeField(required=False, allow_null=True)


class ExportOutput(serializers.ModelSerializer):
    product = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    download_url = serializers.SerializerMethodField()
    status_url = serializers.SerializerMethodField()

    class Meta:
        model = ExportJob
        fields = [
            "id",
            "format",
            "product",
            "locale",
            "since",
            "status",
            "progress",
            "article_count",
            "deleted_count",
            "size",
            "sha256",
            "error",
            "created_at",
            "finished_at",
            "status_url",
            "download_url",
        ]

    def get_download_url(self, job) -> str | None:
        # The API's download (a personal token works there), not the page's (session only).
        if job.status != "done":
            return None
        return self.context["request"].build_absolute_uri(reverse("kb_api:export_download", args=[job.pk]))

    def get_status_url(self, job) -> str:
        return self.context["request"].build_absolute_uri(reverse("kb_api:export", args=[job.pk]))


class ExportCreateApi(generics.GenericAPIView):
    permission_classes = [EditorOnly]
    serializer_class = ExportOutput
    queryset = ExportJob.objects.none()

    @extend_schema(
        operation_id="kb_exports_list",
        summary="The export history: who exported what, newest first (knowledge editors)",
        responses=ExportOutput(many=True),
    )
    def get(self, request):
        page = self.paginate_queryset(selectors.export_rows())
        return self.get_paginated_response(ExportOutput(page, many=True, context={"request": request}).data)

    @extend_schema(
        operation_id="kb_exports_create",
        request=ExportInput,
        responses={202: ExportOutput},
        summary="Start an export of the knowledge base",
    )
    def post(self, request):
        params = ExportInput(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        product = get_object_or_404(Product, slug=data["product"]) if data.get("product") else None
        try:
            job = services.export_job_start(
                user=request.user,
                format=data["format"],
                product=product,
                locale=data.get("locale", ""),
                since=data.get("since"),
            )
        except ValidationError:
            raise
        job.refresh_from_db()
        return Response(ExportOutput(job, context={"request": request}).data, status=status.HTTP_202_ACCEPTED)


class ExportDetailApi(APIView):
    permission_classes = [EditorOnly]

    @extend_schema(responses=ExportOutput, summary="An export's progress and download link")
    def get(self, request, pk):
        job = get_object_or_404(ExportJob.objects.select_related("product"), pk=pk)
        return Response(ExportOutput(job, context={"request": request}).data)


class AnyAccept(DefaultContentNegotiation):
    """The file goes out whatever the client accepts; errors stay JSON (the only renderer)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


EXPORT_MEDIA_TYPES = sorted({module.CONTENT_TYPE.split(";")[0] for module in exporters.FORMATS.values()})


class ExportDownloadApi(APIView):
    permission_classes = [EditorOnly]
    content_negotiation_class = AnyAccept

    @extend_schema(
        operation_id="kb_exports_download",
        summary="Download a finished export's file (knowledge editors)",
        description="The media type depends on the format: JSON Lines, CSV, TSV, or a zip archive. "
        "404 while the export is not finished, or when its file has been removed.",
        responses={(200, media_type): OpenApiTypes.BINARY for media_type in EXPORT_MEDIA_TYPES},
    )
    def get(self, request, pk):
        job, path = selectors.export_file(pk)
        response = FileResponse(open(path, "rb"), as_attachment=True, filename=path.name)  # noqa: SIM115
        response["Content-Type"] = exporters.FORMATS[job.format].CONTENT_TYPE
        return response


# --- Shared pieces ------------------------------------------------------------------------------


def is_editor(user) -> bool:
    return refusal(user) is None


class EditorForWrites(EditorOnly):
    """Anyone may read; only the knowledge team may change (the same rule as ``EditorOnly``)."""

    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS or super().has_permission(request, view)


def _valid(serializer_class, data) -> dict:
    if not isinstance(data, dict):
        raise exceptions.ValidationError({"non_field_errors": [_("Send a JSON object.")]})
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _product(slug: str) -> Product | None:
    if not slug:
        return None
    product = Product.objects.filter(slug=slug).first()
    if product is None:
        raise exceptions.ValidationError({"product": [_("There is no such product.")]})
    return product


def _datetime(value: str):
    if parse_datetime(value) is None:
        raise ValueError(value)


class KnowledgePagination(Pagination):
    """Cursor pages whose first ordering field may be a number: a forged cursor with a position
    of the wrong type is a 404 ("invalid cursor"), as a garbled cursor is, never a crash."""

    POSITION_TYPES = {
        "updated_at": _datetime,
        "created_at": _datetime,
        "answer_rank_score": float,
        "demand": int,
        "number": int,
        "count": int,
    }

    def decode_cursor(self, request):
        cursor = super().decode_cursor(request)
        if cursor is not None and cursor.position is not None:
            check = self.POSITION_TYPES.get(self.ordering[0].lstrip("-"), str)
            try:
                check(cursor.position)
            except (TypeError, ValueError):
                raise exceptions.NotFound(self.invalid_cursor_message) from None
        return cursor


class ArticlePagination(KnowledgePagination):
    ordering = ("-updated_at", "-pk")


class VersionPagination(KnowledgePagination):
    ordering = ("number",)


class MissPagination(KnowledgePagination):
    ordering = ("-count", "-last_seen", "pk")


CANDIDATE_SORTS = {
    "score": ("-answer_rank_score", "-pk"),
    "demand": ("-demand", "-pk"),
    "newest": ("-created_at", "-pk"),
}


class CandidatePagination(KnowledgePagination):
    """Orders by the ``sort`` parameter, already validated by ``CandidateFilterInput``."""

    def get_ordering(self, request, queryset, view):
        return CANDIDATE_SORTS.get(request.query_params.get("sort") or "score", CANDIDATE_SORTS["score"])


# --- Articles -----------------------------------------------------------------------------------

ARTICLE_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The article's id.")
CANDIDATE_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The candidate's id.")
PUBLISH_FIELDS = ("title", "alt_questions", "answer_markdown", "tags", "locale", "valid_until", "product_version")
PUBLISH_DEFAULTS = {"valid_until": None, "product_version": ""}


def publish_kwargs(prefill: dict, data: dict, product: Product) -> dict:
    """The content to publish: each field as sent, else as prefilled on the site's form."""
    kwargs = {
        name: data[name] if name in data else prefill.get(name, PUBLISH_DEFAULTS.get(name)) for name in PUBLISH_FIELDS
    }
    return kwargs | {"product": data.get("product") or product, "note": data.get("note", "")}


def article_payload(request, article_id: int) -> dict:
    """An article as its public page shows it; for editors any article, with its workflow state."""
    editor = is_editor(request.user)
    try:
        article = selectors.article_for_edit(article_id) if editor else selectors.public_article(article_id)
    except Article.DoesNotExist:
        raise exceptions.NotFound(_("This article does not exist or has been retired.")) from None
    context = {
        "request": request,
        "is_editor": editor,
        "contributors": selectors.source_contributors(article) if article.source_answer_id else [],
    }
    if editor and article.needs_review == ReviewReason.SOURCE_CHANGED:
        context["source_diff"] = selectors.source_diff(article)
    return s.ArticleSerializer(article, context=context).data


def _article(pk: int) -> Article:
    return get_object_or_404(Article.objects.select_related("product"), pk=pk)


class ArticleFilterInput(serializers.Serializer):
    product = serializers.SlugField(required=False, allow_blank=True, help_text="A product's slug.")
    locale = serializers.ChoiceField(choices=s.LANGUAGE_CHOICES, required=False)
    q = serializers.CharField(max_length=200, required=False, help_text="Words in the title or the answer.")
    status = serializers.ChoiceField(
        choices=[*ArticleStatus.values, "any"],
        required=False,
        help_text="Knowledge editors only: “retired” or “any” (everyone else sees published articles).",
    )
    needs_review = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Knowledge editors only: the published articles back in the review queue (source changed "
        "or deleted, past “valid until”).",
    )


class ArticleListApi(generics.GenericAPIView):
    permission_classes = [permissions.AllowAny]
    serializer_class = s.ArticleListSerializer
    pagination_class = ArticlePagination
    queryset = Article.objects.none()

    @extend_schema(
        operation_id="kb_articles_list",
        summary="Published articles, most recently changed first (editors: any status, the review state)",
        parameters=[ArticleFilterInput],
        responses=s.ArticleListSerializer(many=True),
    )
    def get(self, request):
        data = _valid(ArticleFilterInput, request.query_params.dict())
        editor = is_editor(request.user)
        wanted = data.get("status", ArticleStatus.PUBLISHED)
        if not editor and (wanted != ArticleStatus.PUBLISHED or data["needs_review"]):
            self.permission_denied(request, refusal(request.user))
        articles = selectors.article_list(
            product=_product(data.get("product", "")),
            status="" if wanted == "any" else wanted,
            query=data.get("q", "").strip(),
            locale=data.get("locale", ""),
            needs_review=data["needs_review"],
        )
        page = self.paginate_queryset(articles)
        context = {"request": request, "is_editor": editor}
        return self.get_paginated_response(s.ArticleListSerializer(page, many=True, context=context).data)


@extend_schema(parameters=[ARTICLE_ID])
class ArticleDetailApi(APIView):
    permission_classes = [EditorForWrites]

    @extend_schema(
        operation_id="kb_articles_retrieve",
        summary="One published article with its attribution (editors: any article, with its review state)",
        responses=s.ArticleSerializer,
    )
    def get(self, request, pk):
        return Response(article_payload(request, pk))

    @extend_schema(
        operation_id="kb_articles_partial_update",
        summary="Publish a new version of an article (knowledge editors); fields left out stay as they are",
        request=s.ArticleInput,
        responses=s.ArticleSerializer,
    )
    def patch(self, request, pk):
        article = _article(pk)
        data = _valid(s.ArticleInput, request.data)
        kwargs = publish_kwargs(selectors.article_prefill(article), data, article.product)
        services.article_publish(editor=request.user, article=article, **kwargs)
        return Response(article_payload(request, pk))


@extend_schema(parameters=[ARTICLE_ID])
class ArticleRetireApi(APIView):
    permission_classes = [EditorOnly]

    @extend_schema(
        operation_id="kb_articles_retire",
        summary="Retire an article: the bot and exports stop using it at once (knowledge editors)",
        request=s.RetireInput,
        responses=s.ArticleSerializer,
    )
    def post(self, request, pk):
        data = _valid(s.RetireInput, request.data)
        services.article_retire(editor=request.user, article=_article(pk), reason=data["reason"])
        return Response(article_payload(request, pk))


@extend_schema(parameters=[ARTICLE_ID])
class ArticleReinstateApi(APIView):
    permission_classes = [EditorOnly]

    @extend_schema(
        operation_id="kb_articles_reinstate",
        summary="Bring a retired article back (knowledge editors)",
        request=None,
        responses=s.ArticleSerializer,
    )
    def post(self, request, pk):
        services.article_reinstate(editor=request.user, article=_article(pk))
        return Response(article_payload(request, pk))


@extend_schema(parameters=[ARTICLE_ID])
class ArticleVersionsApi(generics.GenericAPIView):
    permission_classes = [EditorOnly]
    serializer_class = s.VersionSerializer
    pagination_class = VersionPagination
    queryset = ArticleVersion.objects.none()

    @extend_schema(
        operation_id="kb_articles_versions_list",
        summary="Every version of an article, oldest first, with editor and note (knowledge editors)",
        responses=s.VersionSerializer(many=True),
    )
    def get(self, request, pk):
        page = self.paginate_queryset(selectors.article_version_rows(_article(pk)))
        return self.get_paginated_response(s.VersionSerializer(page, many=True, context={"request": request}).data)


class DiffInput(serializers.Serializer):
    a = serializers.IntegerField(
        min_value=0, max_value=2**31 - 1, required=False, help_text="The older version (default: b − 1; 0: none)."
    )
    b = serializers.IntegerField(
        min_value=1, max_value=2**31 - 1, required=False, help_text="The newer version (default: the current one)."
    )


@extend_schema(parameters=[ARTICLE_ID])
class ArticleDiffApi(APIView):
    permission_classes = [EditorOnly]

    @extend_schema(
        operation_id="kb_articles_diff",
        summary="What changed between two versions of an article, line by line (knowledge editors)",
        parameters=[DiffInput],
        responses=s.VersionDiffSerializer,
    )
    def get(self, request, pk):
        article = _article(pk)
        data = _valid(DiffInput, request.query_params.dict())
        new = data.get("b", article.version)
        old = data.get("a", new - 1)
        versions = {v.number: v for v in selectors.article_version_rows(article)}
        if new not in versions or (old not in versions and old != 0):
            raise exceptions.NotFound(_("No such version."))
        lines = selectors.line_diff(
            selectors.version_text(versions[old]) if old else "", selectors.version_text(versions[new])
        )
        return Response({"old": old, "new": new, "lines": [{"op": op, "text": text} for op, text in lines]})


# --- Candidates ---------------------------------------------------------------------------------


def candidate_payload(request, candidate_id: int) -> dict:
    """A candidate as its review screen shows it: signals, source thread and the prefilled draft."""
    try:
        candidate = selectors.candidate_rows(status=None).get(pk=candidate_id)
    except Candidate.DoesNotExist:
        raise exceptions.NotFound(_("No such candidate.")) from None
    prefill = selectors.candidate_prefill(candidate)
    candidate.draft_article = {
        "title": prefill["title"],
        "alt_questions": [line for line in prefill["alt_questions"].splitlines() if line.strip()],
        "answer_markdown": prefill["answer_markdown"],
        "product": candidate.product.slug,
        "tags": prefill["tags"].split(),
        "locale": prefill["locale"],
    }
    candidate.thread_answers = selectors.source_thread(candidate.answer.question)
    return s.CandidateDetailSerializer(candidate, context={"request": request}).data


class CandidateFilterInput(serializers.Serializer):
    product = serializers.SlugField(required=False, allow_blank=True, help_text="A product's slug.")
    status = serializers.ChoiceField(
        choices=[*CandidateStatus.values, "any"], default=CandidateStatus.PENDING, help_text="Default: pending."
    )
    sort = serializers.ChoiceField(
        choices=list(CANDIDATE_SORTS),
        default="score",
        help_text="score: the answer's rank score; demand: views, duplicates and bot queries; newest.",
    )


class CandidateListApi(generics.GenericAPIView):
    permission_classes = [EditorOnly]
    serializer_class = s.CandidateSerializer
    pagination_class = CandidatePagination
    queryset = Candidate.objects.none()

    @extend_schema(
        operation_id="kb_candidates_list",
        summary="Promotion candidates with their signals, per product (knowledge editors)",
        parameters=[CandidateFilterInput],
        responses=s.CandidateSerializer(many=True),
    )
    def get(self, request):
        data = _valid(CandidateFilterInput, request.query_params.dict())
        status_ = None if data["status"] == "any" else data["status"]
        rows = selectors.candidate_rows(product=_product(data.get("product", "")), status=status_)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(s.CandidateSerializer(page, many=True, context={"request": request}).data)


@extend_schema(parameters=[CANDIDATE_ID])
class CandidateDetailApi(APIView):
    permission_classes = [EditorOnly]

    @extend_schema(
        operation_id="kb_candidates_retrieve",
        summary="A candidate with its source thread and the prefilled draft article (knowledge editors)",
        responses=s.CandidateDetailSerializer,
    )
    def get(self, request, pk):
        return Response(candidate_payload(request, pk))


def _candidate(pk: int) -> Candidate:
    try:
        return selectors.candidate_for_review(pk)
    except Candidate.DoesNotExist:
        raise exceptions.NotFound(_("No such candidate.")) from None


@extend_schema(parameters=[CANDIDATE_ID])
class CandidatePublishApi(APIView):
    permission_classes = [EditorOnly]

    @extend_schema(
        operation_id="kb_candidates_publish",
        summary="Accept a candidate: publish its draft as a new article (knowledge editors)",
        description="Fields left out take the draft's values (see the candidate's `draft`), so an empty object "
        "publishes the draft as it is.",
        request=s.ArticleInput,
        responses={201: s.ArticleSerializer},
    )
    def post(self, request, pk):
        candidate = _candidate(pk)
        data = _valid(s.ArticleInput, request.data)
        kwargs = publish_kwargs(selectors.candidate_prefill(candidate), data, candidate.product)
        article = services.article_publish(editor=request.user, candidate=candidate, **kwargs)
        return Response(article_payload(request, article.pk), status=status.HTTP_201_CREATED)


@extend_schema(parameters=[CANDIDATE_ID])
class CandidateRejectApi(APIView):
    permission_classes = [EditorOnly]

    @extend_schema(
        operation_id="kb_candidates_reject",
        summary="Reject a candidate, saying why (knowledge editors)",
        request=s.RejectInput,
        responses=s.CandidateDetailSerializer,
    )
    def post(self, request, pk):
        candidate = _candidate(pk)
        data = _valid(s.RejectInput, request.data)
        services.candidate_reject(editor=request.user, candidate=candidate, reason=data["reason"])
        return Response(candidate_payload(request, pk))


# --- Bot misses ---------------------------------------------------------------------------------


class MissFilterInput(serializers.Serializer):
    product = serializers.SlugField(required=False, allow_blank=True, help_text="A product's slug; all when empty.")
    resolved = serializers.BooleanField(
        required=False, default=False, help_text="true: the misses an article now answers."
    )


class MissListApi(generics.GenericAPIView):
    permission_classes = [EditorOnly]
    serializer_class = s.MissSerializer
    pagination_class = MissPagination
    queryset = BotMiss.objects.none()

    @extend_schema(
        operation_id="kb_misses_list",
        summary="Questions the bot could not answer, most asked first (knowledge editors)",
        parameters=[MissFilterInput],
        responses=s.MissSerializer(many=True),
    )
    def get(self, request):
        data = _valid(MissFilterInput, request.query_params.dict())
        misses = selectors.bot_miss_rows(product=_product(data.get("product", "")), resolved=data["resolved"])
        page = self.paginate_queryset(misses)
        return self.get_paginated_response(s.MissSerializer(page, many=True).data)

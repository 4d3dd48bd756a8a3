"""``/api/v1/kb/``: the bot answer API and exports, in the API's shared JSON error shape
(``forum.api.exceptions``, through DRF's exception handler setting)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.fields import DateTimeField
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from forum.models import Product

from . import conf, exporters, selectors, services
from .models import ExportJob
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


class BotAnswerApi(APIView):
    permission_classes = [permissions.AllowAny]
    throttle_classes = [BotThrottle]

    @extend_schema(
        parameters=[AnswerInput], responses=AnswerOutput, summary="Answer a question from the knowledge base"
    )
    def get(self, request):
        params = AnswerInput(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        product = None
        if data.get("product"):
            product = selectors.product_by_slug(data["product"])
            if product is None:
                raise Http404
        result = services.bot_answer(
            query=data["q"], product=product, locale=data.get("locale", ""), limit=data["limit"]
        )
        base = request.build_absolute_uri("/").rstrip("/")
        articles = [
            {
                "id": hit.card.article_id,
                "version": hit.card.version,
                "title": hit.card.title,
                "confidence": hit.confidence,
                "answer_markdown": hit.card.answer_markdown,
                "answer_text": hit.card.answer_text,
                "url": base + reverse("knowledge:article_public", args=[hit.card.article_id, hit.card.slug]),
                "product": hit.card.product,
                "locale": hit.card.locale,
                "updated_at": DateTimeField().to_representation(hit.card.updated_at),
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
    product = serializers.SlugRelatedField(slug_field="slug", read_only=True)
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
        if job.status != "done":
            return None
        return self.context["request"].build_absolute_uri(reverse("knowledge:export_download", args=[job.pk]))

    def get_status_url(self, job) -> str:
        return self.context["request"].build_absolute_uri(reverse("kb_api:export", args=[job.pk]))


class ExportCreateApi(APIView):
    permission_classes = [EditorOnly]

    @extend_schema(request=ExportInput, responses={202: ExportOutput}, summary="Start an export of the knowledge base")
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

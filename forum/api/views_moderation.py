"""Flags and the experts' moderation actions over the API: thin views over ``forum.moderation``.

The same services as the expert pages (``forum.views_experts``) do the work and check the rules
of ``forum.permissions``: ``post.flag`` for flagging, ``post.moderate`` for closing, reopening,
duplicates, comment locks and resolving flags, ``post.rollback`` for rollbacks, and
``experts.workspace`` for a product's queues and log. Each action answers with the post's
moderation state as it now is.
"""

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from forum import moderation, permissions
from forum.models import Post, PostKind, Product

from . import selectors as api_selectors
from . import serializers as s
from .pagination import FlagPagination, Pagination
from .views import _context, _get, _valid

ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The post's id.")
QUESTION_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The question's id.")
SLUG = OpenApiParameter("slug", str, OpenApiParameter.PATH, description="The product's slug.")


def _post(pk: int) -> Post:
    return _get(api_selectors.post_for_action, pk=pk)


def _question(pk: int) -> Post:
    post = _post(pk)
    if post.kind != PostKind.QUESTION:
        raise Http404
    return post


def _state_data(request, pk: int) -> dict:
    """The post re-read after the action, so the answer shows every change the service made."""
    return s.PostStateSerializer(_post(pk), context=_context(request)).data


def _state(request, post: Post) -> Response:
    return Response(_state_data(request, post.pk))


def _workspace_product(request, slug: str) -> Product:
    product = _get(Product.objects, slug=slug)
    permissions.require(request.user, "experts.workspace", product)
    return product


# --- Flags ----------------------------------------------------------------------------------------


@extend_schema(tags=["flags"], parameters=[ID])
class PostFlagApi(APIView):
    @extend_schema(
        operation_id="posts_flag",
        summary="Flag a post for the product's experts (spam, rude, wrong, duplicate, other)",
        request=s.FlagInput,
        responses={201: s.FlagSerializer},
    )
    def post(self, request, pk):
        post = _post(pk)
        data = _valid(s.FlagInput, request)
        flag = moderation.post_flag(user=request.user, post=post, reason=data["reason"], note=data["note"])
        flag.post = _post(pk)  # re-read: this flag may have been the one that hid the post
        context = _context(request)
        return Response(s.FlagSerializer(flag, context=context).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["flags"], parameters=[ID])
class PostFlagsResolveApi(APIView):
    @extend_schema(
        operation_id="posts_flags_resolve",
        summary="Resolve every open flag on a post (the product's experts)",
        request=s.FlagResolveInput,
        responses=s.FlagResolveResultSerializer,
    )
    def post(self, request, pk):
        post = _post(pk)
        data = _valid(s.FlagResolveInput, request)
        resolved = moderation.flag_resolve(
            moderator=request.user, post=post, outcome=data["outcome"], reason=data["reason"]
        )
        return Response({"resolved": resolved, "post": _state_data(request, pk)})


@extend_schema(tags=["flags"], parameters=[SLUG])
class ProductFlagsApi(generics.GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = s.FlagSerializer
    pagination_class = FlagPagination
    queryset = Product.objects.none()

    @extend_schema(
        operation_id="products_flags_list",
        summary="The product's flags, oldest first: its review queue (the product's experts)",
        parameters=[s.FlagListInput],
        responses=s.FlagSerializer(many=True),
    )
    def get(self, request, slug):
        product = _workspace_product(request, slug)
        params = s.FlagListInput(data=request.query_params)
        params.is_valid(raise_exception=True)
        flags = api_selectors.product_flags(product, status=params.validated_data["status"])
        page = self.paginate_queryset(flags)
        return self.get_paginated_response(s.FlagSerializer(page, many=True, context=_context(request)).data)


@extend_schema(tags=["flags"], parameters=[SLUG])
class ModerationLogApi(generics.GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = s.ModerationLogSerializer
    pagination_class = Pagination
    queryset = Product.objects.none()

    @extend_schema(
        operation_id="products_moderation_log_list",
        summary="Who did what to the product's posts and why, newest first (the product's experts)",
        responses=s.ModerationLogSerializer(many=True),
    )
    def get(self, request, slug):
        product = _workspace_product(request, slug)
        page = self.paginate_queryset(moderation.moderation_log(product=product))
        return self.get_paginated_response(s.ModerationLogSerializer(page, many=True, context=_context(request)).data)


# --- Questions: close, reopen, duplicates ---------------------------------------------------------


@extend_schema(tags=["moderation"], parameters=[QUESTION_ID])
class QuestionCloseApi(APIView):
    @extend_schema(
        operation_id="questions_close",
        summary="Close a question to new answers, with a reason (the product's experts)",
        request=s.ReasonInput,
        responses=s.PostStateSerializer,
    )
    def post(self, request, pk):
        question = _question(pk)
        data = _valid(s.ReasonInput, request)
        moderation.question_close(moderator=request.user, question=question, reason=data["reason"])
        return _state(request, question)


@extend_schema(tags=["moderation"], parameters=[QUESTION_ID])
class QuestionReopenApi(APIView):
    @extend_schema(
        operation_id="questions_reopen",
        summary="Open a closed question again; a duplicate link goes with the closing (the product's experts)",
        request=s.ReasonInput,
        responses=s.PostStateSerializer,
    )
    def post(self, request, pk):
        question = _question(pk)
        data = _valid(s.ReasonInput, request)
        moderation.question_reopen(moderator=request.user, question=question, reason=data["reason"])
        return _state(request, question)


@extend_schema(tags=["moderation"], parameters=[QUESTION_ID])
class QuestionDuplicateApi(APIView):
    @extend_schema(
        operation_id="questions_mark_duplicate",
        summary="Close a question as a duplicate of another in the same product (the product's experts)",
        request=s.DuplicateInput,
        responses=s.PostStateSerializer,
    )
    def post(self, request, pk):
        question = _question(pk)
        data = _valid(s.DuplicateInput, request)
        original = Post.objects.filter(pk=data["original"]).first()
        if original is None:
            raise ValidationError({"original": [_("There is no question #%(id)s.") % {"id": data["original"]}]})
        moderation.question_mark_duplicate(
            moderator=request.user, question=question, original=original, reason=data["reason"]
        )
        return _state(request, question)


# --- Comments and revisions -----------------------------------------------------------------------


@extend_schema(tags=["moderation"], parameters=[ID])
class CommentsLockApi(APIView):
    @extend_schema(
        operation_id="posts_comments_lock",
        summary="Lock a post's comments, with a reason (the product's experts)",
        request=s.ReasonInput,
        responses=s.PostStateSerializer,
    )
    def post(self, request, pk):
        post = _post(pk)
        data = _valid(s.ReasonInput, request)
        moderation.comments_lock(moderator=request.user, post=post, reason=data["reason"])
        return _state(request, post)


@extend_schema(tags=["moderation"], parameters=[ID])
class CommentsUnlockApi(APIView):
    @extend_schema(
        operation_id="posts_comments_unlock",
        summary="Open a post's comments again (the product's experts)",
        request=s.ReasonInput,
        responses=s.PostStateSerializer,
    )
    def post(self, request, pk):
        post = _post(pk)
        data = _valid(s.ReasonInput, request)
        moderation.comments_unlock(moderator=request.user, post=post, reason=data["reason"])
        return _state(request, post)


@extend_schema(tags=["posts"], parameters=[ID])
class PostRollbackApi(APIView):
    @extend_schema(
        operation_id="posts_rollback",
        summary="Make an earlier revision current again, as a new revision (the author or the product's experts)",
        request=s.RollbackInput,
        responses={201: s.RevisionSerializer},
    )
    def post(self, request, pk):
        post = _post(pk)
        data = _valid(s.RollbackInput, request)
        # Who may roll back is checked first, so a stranger learns nothing about the history.
        permissions.require(request.user, "post.rollback", post)
        revision = post.revisions.filter(number=data["revision"]).first()
        if revision is None:
            message = _("This post has no revision %(number)d.") % {"number": data["revision"]}
            raise ValidationError({"revision": [message]})
        new_revision = moderation.post_rollback(user=request.user, post=post, revision=revision, reason=data["reason"])
        context = _context(request, product_id=post.product_id)
        return Response(s.RevisionSerializer(new_revision, context=context).data, status=status.HTTP_201_CREATED)

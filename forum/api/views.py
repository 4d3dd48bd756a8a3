"""The API's views: one small class per resource, each a thin layer over services and selectors.

Reading: a selector fetches (fixed number of queries), ``permissions.require`` checks visibility
with the same rule the page uses, an output serializer shapes the JSON. Writing: an input
serializer checks the JSON types, one service does the work and enforces the rules, and the
answer is the object as it now is. Services raise Django's ``ValidationError`` (400) and
``PermissionDenied`` (403); ``forum.api.exceptions`` turns them into the API's error shape.
"""

from django.http import Http404
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from forum import authority_store, page_cache, permissions, selectors, services
from forum.models import Post, PostKind, Product, RoleAssignment, User
from forum.search import service as search_service

from . import question_list
from . import selectors as api_selectors
from . import serializers as s
from .exceptions import ErrorSerializer, response_for
from .filters import QuestionFilter, names_a_filter, question_filters
from .pagination import CommentPagination, NamePagination, QuestionPagination, RevisionPagination

ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The post's id.")


def _get(queryset_or_fn, **lookup):
    try:
        return queryset_or_fn(**lookup) if callable(queryset_or_fn) else queryset_or_fn.get(**lookup)
    except (Post.DoesNotExist, Product.DoesNotExist, User.DoesNotExist):
        raise Http404 from None


def _context(request, *, product_id=None, my_votes=None) -> dict:
    return {
        "request": request,
        "experts": s.ExpertLookup(),
        "comment_product_id": product_id,
        "my_votes": my_votes or {},
    }


def question_payload(request, question_id: int) -> dict:
    """The question with its comments and answers (best first), as the question page shows it."""
    user = request.user
    question, answers, my_votes, memo = _get(api_selectors.question_and_answers, question_id=question_id, user=user)
    permissions.require(user, "post.view", question)
    moderator = permissions.is_moderator_of(user, question)
    if not moderator:
        answers = [answer for answer in answers if answer.deleted_at is None]
    context = _context(request, product_id=question.product_id, my_votes=my_votes)
    # Authorities and each answer's score breakdown, as the question page has them; the product's
    # experts are read once for both (a cache round trip each). What every reader gets is kept
    # with the thread, per answer set (a moderator's includes the deleted answers).
    experts = context["experts"](question.product_id)
    if memo is not None:
        memo = memo.setdefault(("answers shown", moderator), {})
    thread = authority_store.thread_context(question=question, answers=answers, user=user, experts=experts, memo=memo)
    question.answer_list = answers
    context["authorities"] = thread["authorities"]
    return s.QuestionDetailSerializer(question, context=context).data


def answer_payload(request, answer_id: int, *, new: bool = False) -> dict:
    """The answer as ``GET /answers/{id}/`` shows it. ``new``: it was created by this request,
    so it has no comments, endorsements or votes yet (three reads saved)."""
    answer, my_votes = _get(api_selectors.answer_detail, pk=answer_id, user=request.user, new=new)
    permissions.require(request.user, "post.view", answer)
    context = _context(request, product_id=answer.product_id, my_votes=my_votes)
    people = [answer.author_id, *(c.author_id for c in answer.comment_list)]
    context["authorities"] = authority_store.authorities_for(people, answer.product_id)
    return s.AnswerSerializer(answer, context=context).data


def _answer(pk: int) -> Post:
    post = _get(api_selectors.post_for_action, pk=pk)
    if post.kind != PostKind.ANSWER:
        raise Http404
    return post


# --- Products and tags --------------------------------------------------------------------------


@extend_schema(tags=["products"])
class ProductListApi(generics.GenericAPIView):
    serializer_class = s.ProductSerializer
    pagination_class = NamePagination
    queryset = Product.objects.none()

    @extend_schema(operation_id="products_list", summary="List products", responses=s.ProductSerializer(many=True))
    def get(self, request):
        page = self.paginate_queryset(selectors.products_with_counts())
        return self.get_paginated_response(s.ProductSerializer(page, many=True, context=_context(request)).data)


@extend_schema(tags=["products"])
class ProductDetailApi(APIView):
    @extend_schema(operation_id="products_retrieve", summary="One product", responses=s.ProductSerializer)
    def get(self, request, slug):
        product = _get(selectors.products_with_counts(), slug=slug)
        return Response(s.ProductSerializer(product, context=_context(request)).data)


@extend_schema(tags=["products"])
class TagListApi(generics.GenericAPIView):
    serializer_class = s.TagSerializer
    pagination_class = NamePagination
    queryset = Product.objects.none()

    @extend_schema(
        operation_id="products_tags_list",
        summary="A product's tags with their question counts",
        responses=s.TagSerializer(many=True),
    )
    def get(self, request, slug):
        product = _get(Product.objects, slug=slug)
        page = self.paginate_queryset(api_selectors.product_tags(product))
        return self.get_paginated_response(s.TagSerializer(page, many=True).data)


# --- Questions ------------------------------------------------------------------------------------


@extend_schema(tags=["questions"])
class QuestionListApi(generics.GenericAPIView):
    serializer_class = s.QuestionListSerializer
    pagination_class = QuestionPagination
    # For the OpenAPI schema's filter parameters only: _page validates the filters itself
    # (filters.question_filters) and question_list writes them in SQL.
    filter_backends = [DjangoFilterBackend]
    filterset_class = QuestionFilter

    def get_queryset(self):
        return api_selectors.question_rows()  # the schema's model, and question_list's fallback rows

    @extend_schema(
        operation_id="questions_list",
        summary="List questions (filters, cursor pages)",
        responses=s.QuestionListSerializer(many=True),
    )
    def get(self, request):
        # Anonymous clients share kept list pages for WENDAO_ANONYMOUS_PAGE_SECONDS, as the
        # site's product lists are (forum/page_cache.py).
        kept = page_cache.kept_json(request, None, lambda: self._page(request).data)
        return kept or self._page(request)

    def _page(self, request):
        # The page is read in plain SQL (forum/api/question_list.py); django-filter validates the
        # filters a request names (its 400s), which the SQL then applies.
        filters = question_list.filters_of(question_filters(request)) if names_a_filter(request) else ()
        page = self.paginate_queryset(question_list.Rows(filters=filters))
        return self.get_paginated_response(question_list.page_items(page, request))

    @extend_schema(
        operation_id="questions_create",
        summary="Ask a question",
        request=s.QuestionInput,
        responses={201: s.QuestionDetailSerializer},
    )
    def post(self, request):
        data = _valid(s.QuestionInput, request)
        question = services.question_ask(
            author=request.user, product=data["product"], title=data["title"], body=data["body"], tags=data["tags"]
        )
        return Response(question_payload(request, question.pk), status=status.HTTP_201_CREATED)


@extend_schema(tags=["questions"], parameters=[ID])
class QuestionDetailApi(APIView):
    @extend_schema(
        operation_id="questions_retrieve",
        summary="A question with its answers, best first",
        responses=s.QuestionDetailSerializer,
    )
    def get(self, request, pk):
        # Anonymous clients share one kept copy per question (forum/page_cache.py), retired at
        # once by any change to the thread, like the question page's.
        kept = page_cache.kept_json(request, f"question:{pk}", lambda: question_payload(request, pk))
        return kept or Response(question_payload(request, pk))

    @extend_schema(
        operation_id="questions_partial_update",
        summary="Edit a question (makes a revision)",
        request=s.QuestionEditInput,
        responses=s.QuestionDetailSerializer,
    )
    def patch(self, request, pk):
        question = _get(Post.objects.select_related("product"), pk=pk, kind=PostKind.QUESTION)
        data = _valid(s.QuestionEditInput, request)
        services.post_edit(
            editor=request.user,
            post=question,
            body=data.get("body", question.body),
            title=data.get("title"),
            tags=data.get("tags"),
            reason=data["reason"],
        )
        return Response(question_payload(request, pk))

    @extend_schema(
        operation_id="questions_destroy",
        summary="Delete a question (soft: experts can restore it)",
        parameters=[s.DeleteInput],
        responses={204: None},
    )
    def delete(self, request, pk):
        question = _get(Post.objects.select_related("product"), pk=pk, kind=PostKind.QUESTION)
        services.post_delete(user=request.user, post=question, reason=_delete_reason(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["questions"])
class SearchApi(APIView):
    @extend_schema(
        operation_id="search",
        summary="Search questions (title, tags, body and answers; Chinese is segmented)",
        parameters=[s.SearchInput],
        responses={200: s.SearchResultSerializer, 503: ErrorSerializer},
    )
    def get(self, request):
        params = s.SearchInput(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        product = None
        if data.get("product"):
            product = Product.objects.filter(slug=data["product"]).first()
            if product is None:
                raise ValidationError({"product": [_("There is no such product.")]})
        try:
            found = search_service.search_questions(
                text=data["q"],
                product=product,
                tag=(data.get("tag") or "").strip().lower() or None,
                status=data.get("status"),
                sort=data["sort"],
                page=data["page"],
            )
        except search_service.SearchUnavailable:
            return response_for(503, "search_unavailable", _("Search is unavailable right now; try again in a minute."))
        if found.query.is_empty:
            message = found.messages[-1] if found.messages else _("Type something to search for.")
            raise ValidationError({"q": [message]})
        body = {
            "query": found.query.text,
            "count": found.page.paginator.count,
            "page": found.page.number,
            "num_pages": found.page.paginator.num_pages,
            "matched_all_words": found.matched_all_words,
            "messages": found.messages,
            "results": s.SearchHitSerializer(found.questions, many=True, context=_context(request)).data,
        }
        return Response(body)


# --- Answers ------------------------------------------------------------------------------------


@extend_schema(tags=["answers"])
class AnswerCreateApi(APIView):
    @extend_schema(
        operation_id="questions_answers_create",
        summary="Answer a question",
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH, description="The question's id.")],
        request=s.AnswerInput,
        responses={201: s.AnswerSerializer},
    )
    def post(self, request, pk):
        question = _get(Post.objects, pk=pk, kind=PostKind.QUESTION)
        data = _valid(s.AnswerInput, request)
        answer = services.answer_post(author=request.user, question=question, body=data["body"])
        return Response(answer_payload(request, answer.pk, new=True), status=status.HTTP_201_CREATED)


@extend_schema(tags=["answers"], parameters=[ID])
class AnswerDetailApi(APIView):
    @extend_schema(operation_id="answers_retrieve", summary="One answer", responses=s.AnswerSerializer)
    def get(self, request, pk):
        return Response(answer_payload(request, pk))

    @extend_schema(
        operation_id="answers_partial_update",
        summary="Edit an answer (makes a revision)",
        request=s.AnswerEditInput,
        responses=s.AnswerSerializer,
    )
    def patch(self, request, pk):
        answer = _answer(pk)
        data = _valid(s.AnswerEditInput, request)
        services.post_edit(editor=request.user, post=answer, body=data["body"], reason=data["reason"])
        return Response(answer_payload(request, pk))

    @extend_schema(
        operation_id="answers_destroy",
        summary="Delete an answer (soft: experts can restore it)",
        parameters=[s.DeleteInput],
        responses={204: None},
    )
    def delete(self, request, pk):
        services.post_delete(user=request.user, post=_answer(pk), reason=_delete_reason(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["answers"], parameters=[ID])
class AnswerAcceptApi(APIView):
    @extend_schema(
        operation_id="answers_accept",
        summary="Accept an answer to your question (moves the mark from another answer)",
        request=None,
        responses=s.AnswerSerializer,
    )
    def post(self, request, pk):
        services.answer_accept(user=request.user, answer=_answer(pk))
        return Response(answer_payload(request, pk))

    @extend_schema(
        operation_id="answers_unaccept", summary="Take back your acceptance", responses={200: s.AnswerSerializer}
    )
    def delete(self, request, pk):
        services.answer_unaccept(user=request.user, answer=_answer(pk))
        return Response(answer_payload(request, pk))


@extend_schema(tags=["answers"], parameters=[ID])
class AnswerEndorsementApi(APIView):
    @extend_schema(
        operation_id="answers_endorse",
        summary="Endorse an answer (experts of the product)",
        request=s.EndorseInput,
        responses=s.AnswerSerializer,
    )
    def post(self, request, pk):
        answer = _answer(pk)
        data = _valid(s.EndorseInput, request)
        services.answer_endorse(expert=request.user, answer=answer, note=data["note"])
        return Response(answer_payload(request, pk))

    @extend_schema(
        operation_id="answers_endorsement_withdraw",
        summary="Withdraw your endorsement",
        responses={200: s.AnswerSerializer},
    )
    def delete(self, request, pk):
        services.endorsement_withdraw(expert=request.user, answer=_answer(pk))
        return Response(answer_payload(request, pk))


# --- Actions on any post ------------------------------------------------------------------------


@extend_schema(tags=["posts"], parameters=[ID])
class PostVoteApi(APIView):
    @extend_schema(
        operation_id="posts_vote",
        summary="Vote on a question or an answer (1, -1, or 0 to take it back)",
        request=s.VoteInput,
        responses=s.VoteResultSerializer,
    )
    def post(self, request, pk):
        post = _get(api_selectors.post_for_vote, pk=pk)
        data = _valid(s.VoteInput, request)
        # vote_cast puts the counters it wrote (from the row it locked) on ``post``: no re-read.
        services.vote_cast(voter=request.user, post=post, value=data["value"])
        post.my_vote = data["value"]
        return Response(s.VoteResultSerializer(post).data)


@extend_schema(tags=["posts"], parameters=[ID])
class PostCommentsApi(generics.GenericAPIView):
    serializer_class = s.CommentSerializer
    pagination_class = CommentPagination
    queryset = Post.objects.none()

    @extend_schema(
        operation_id="posts_comments_list",
        summary="A post's comments, oldest first",
        responses=s.CommentSerializer(many=True),
    )
    def get(self, request, pk):
        post = _get(api_selectors.post_for_action, pk=pk)
        permissions.require(request.user, "post.view", post)
        page = self.paginate_queryset(api_selectors.post_comments(post))
        context = _context(request, product_id=post.product_id)
        return self.get_paginated_response(s.CommentSerializer(page, many=True, context=context).data)

    @extend_schema(
        operation_id="posts_comments_create",
        summary="Comment on a question or an answer",
        request=s.CommentInput,
        responses={201: s.CommentSerializer},
    )
    def post(self, request, pk):
        post = _get(api_selectors.post_for_action, pk=pk)
        data = _valid(s.CommentInput, request)
        comment = services.comment_add(author=request.user, post=post, body=data["body"])
        context = _context(request, product_id=post.product_id)
        return Response(s.CommentSerializer(comment, context=context).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["posts"], parameters=[ID])
class PostRevisionsApi(generics.GenericAPIView):
    serializer_class = s.RevisionSerializer
    pagination_class = RevisionPagination
    queryset = Post.objects.none()

    @extend_schema(
        operation_id="posts_revisions_list",
        summary="Every version of a post's text, oldest first",
        responses=s.RevisionSerializer(many=True),
    )
    def get(self, request, pk):
        post = _get(api_selectors.post_for_action, pk=pk)
        permissions.require(request.user, "post.history", post)
        page = self.paginate_queryset(api_selectors.post_revisions(post))
        context = _context(request, product_id=post.product_id)
        return self.get_paginated_response(s.RevisionSerializer(page, many=True, context=context).data)


@extend_schema(tags=["posts"], parameters=[ID])
class PostUndeleteApi(APIView):
    @extend_schema(
        operation_id="posts_undelete",
        summary="Restore a deleted post, with an optional reason for the moderation log (experts of the product)",
        request=s.ReasonInput,
        responses=s.PostStateSerializer,
    )
    def post(self, request, pk):
        post = _get(api_selectors.post_for_action, pk=pk)
        data = _valid(s.ReasonInput, request)
        post = services.post_undelete(user=request.user, post=post, reason=data["reason"])
        return Response(s.PostStateSerializer(post, context=_context(request)).data)


# --- People -------------------------------------------------------------------------------------


def _profile(request, person, serializer_class):
    person.stats = selectors.user_profile_stats(person)
    roles = list(RoleAssignment.objects.filter(user=person).select_related("product").order_by("role", "product__slug"))
    person.expert_of = [r.product.slug for r in roles if r.product_id and r.role == "expert"]
    person.role_list = roles
    person.standings = authority_store.user_authorities(person)
    return serializer_class(person, context=_context(request)).data


@extend_schema(tags=["users"])
class UserDetailApi(APIView):
    @extend_schema(
        operation_id="users_retrieve",
        summary="A person's public profile",
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH, description="The user's id.")],
        responses=s.ProfileSerializer,
    )
    def get(self, request, pk):
        person = _get(User.objects, pk=pk, is_active=True)
        return Response(_profile(request, person, s.ProfileSerializer))


@extend_schema(tags=["users"])
class MeApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="me_retrieve", summary="Your own profile and roles", responses=s.MeSerializer)
    def get(self, request):
        return Response(_profile(request, request.user, s.MeSerializer))

    @extend_schema(
        operation_id="me_partial_update", summary="Edit your profile", request=s.ProfileInput, responses=s.MeSerializer
    )
    def patch(self, request):
        data = _valid(s.ProfileInput, request)
        user = services.user_profile_update(user=request.user, **data)
        return Response(_profile(request, user, s.MeSerializer))


def _delete_reason(request) -> str:
    """A reason for the moderation log travels in the query string: DELETE has no body."""
    params = s.DeleteInput(data=request.query_params)
    params.is_valid(raise_exception=True)
    return params.validated_data["reason"]


def _valid(serializer_class, request) -> dict:
    if not isinstance(request.data, dict):
        raise ValidationError({"non_field_errors": [_("Send a JSON object.")]})
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data

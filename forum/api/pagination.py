"""Cursor pagination: stable pages while new questions arrive, and no COUNT(*) per page."""

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination

from forum import selectors
from forum.models import Post

from . import question_list

API_SORTS = {name: selectors.QUESTION_SORTS[name] for name in ("active", "newest", "votes")}


class Pagination(CursorPagination):
    page_size = 20
    page_size_query_param = "page_size"
    page_size_query_description = _("How many results per page (1 to 100, default 20).")
    max_page_size = 100
    ordering = ("-created_at", "-pk")


class NamePagination(Pagination):
    ordering = ("name", "pk")


class QuestionPagination(Pagination):
    """Orders by the ``sort`` parameter (``active``, ``newest`` or ``votes``), already validated by
    the filter set; ``pk`` breaks ties so every question appears exactly once."""

    def get_ordering(self, request, queryset, view):
        return API_SORTS.get(request.query_params.get("sort") or "active", API_SORTS["active"])

    def decode_cursor(self, request):
        cursor = super().decode_cursor(request)
        if cursor is not None and cursor.position is not None:
            field = Post._meta.get_field(self.ordering[0].lstrip("-"))
            try:
                field.get_prep_value(cursor.position)
            except (TypeError, ValueError):
                # A number the API never wrote ("votes" order): the ORM's ValueError was a 500.
                # Malformed dates stay what they were, Django's ValidationError (a 400).
                raise NotFound(self.invalid_cursor_message) from None
        return cursor

    def _get_position_from_instance(self, instance, ordering):
        # The list's rows are tuples (``forum.api.question_list``, ``selectors.question_rows``).
        return question_list.position(instance, ordering[0].lstrip("-"))


class RevisionPagination(Pagination):
    ordering = ("number",)


class CommentPagination(Pagination):
    ordering = ("created_at", "pk")


class FlagPagination(Pagination):
    """A review queue: the longest-waiting flag first."""

    ordering = ("created_at", "pk")

"""Cursor pagination: stable pages while new questions arrive, and no COUNT(*) per page."""

from django.utils.translation import gettext_lazy as _
from rest_framework.pagination import CursorPagination

from forum import selectors

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


class RevisionPagination(Pagination):
    ordering = ("number",)


class CommentPagination(Pagination):
    ordering = ("created_at", "pk")


class FlagPagination(Pagination):
    """A review queue: the longest-waiting flag first."""

    ordering = ("created_at", "pk")

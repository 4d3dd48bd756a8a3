"""Operators' view of the knowledge base. Writes belong to the knowledge pages (they go through
``knowledge.services``), so the admin is read-only apart from what an operator must fix by hand."""

from django.contrib import admin

from .models import Article, ArticleVersion, BotMiss, BotQuery, Candidate, ExportJob


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Candidate)
class CandidateAdmin(ReadOnly):
    list_display = ["pk", "answer_id", "product", "reason", "status", "created_at", "reviewed_by"]
    list_filter = ["status", "reason", "product"]
    list_select_related = ["product", "reviewed_by"]


class VersionInline(admin.TabularInline):
    model = ArticleVersion
    fields = ["number", "title", "editor", "note", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Article)
class ArticleAdmin(ReadOnly):
    list_display = ["pk", "title", "product", "locale", "version", "status", "needs_review", "updated_at"]
    list_filter = ["status", "needs_review", "locale", "product"]
    list_select_related = ["product"]
    search_fields = ["title", "answer_markdown"]
    exclude = ["search_tokens", "answer_html"]
    inlines = [VersionInline]


@admin.register(BotMiss)
class BotMissAdmin(ReadOnly):
    list_display = ["text", "product", "count", "last_seen", "resolved_at"]
    list_filter = ["product"]
    list_select_related = ["product"]


@admin.register(BotQuery)
class BotQueryAdmin(ReadOnly):
    list_display = ["text", "product", "confidence", "article_id", "miss_id", "created_at"]
    list_filter = ["product"]
    list_select_related = ["product"]


@admin.register(ExportJob)
class ExportJobAdmin(ReadOnly):
    list_display = [
        "pk",
        "format",
        "product",
        "locale",
        "since",
        "status",
        "article_count",
        "requested_by",
        "created_at",
    ]
    list_filter = ["format", "status"]
    list_select_related = ["product", "requested_by"]

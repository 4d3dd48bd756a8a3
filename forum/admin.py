from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import Comment, Post, Product, Revision, RoleAssignment, Tag, User, Vote


class RoleInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    autocomplete_fields = ["product"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [RoleInline]
    list_display = ["username", "display_name", "email", "is_active", "date_joined"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("Wendao", {"fields": ("display_name", "bio", "preferred_language")}),
    )


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "language"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "product"]
    list_filter = ["product"]
    search_fields = ["name"]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "product", "created_at"]
    list_filter = ["role", "product"]
    autocomplete_fields = ["user", "product"]


class RevisionInline(admin.TabularInline):
    model = Revision
    extra = 0
    fields = ["number", "author", "reason", "created_at"]
    readonly_fields = fields
    can_delete = False


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "product", "author", "score", "created_at", "deleted_at"]
    list_filter = ["kind", "product"]
    search_fields = ["title", "body"]
    raw_id_fields = ["question", "author", "duplicate_of", "deleted_by"]
    readonly_fields = [
        "body_html",
        "body_html_version",
        "score",
        "upvotes",
        "downvotes",
        "answer_count",
        "comment_count",
    ]
    inlines = [RevisionInline]

    def has_delete_permission(self, request, obj=None):
        # Deletion is soft and goes through the site so it can be undone; the admin never hard-deletes.
        return False


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["__str__", "post", "author", "created_at"]
    raw_id_fields = ["post", "author"]


@admin.register(Vote)
class VoteAdmin(admin.ModelAdmin):
    list_display = ["post", "voter", "value", "created_at"]
    raw_id_fields = ["post", "voter"]

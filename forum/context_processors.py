from . import permissions


def site(request):
    user = request.user if hasattr(request, "user") else None
    return {
        "site_name": "Wendao",
        "is_knowledge_editor": bool(user and permissions.is_knowledge_editor(user)),
    }

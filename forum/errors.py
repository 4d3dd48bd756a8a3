"""Error pages that say what went wrong in the user's language."""

from django.shortcuts import render


def permission_denied(request, exception=None):
    message = str(exception) if exception and str(exception) else None
    return render(request, "forum/error.html", {"message": message, "status": 403}, status=403)


def not_found(request, exception=None):
    return render(request, "forum/error.html", {"status": 404}, status=404)


def bad_request(request, exception=None):
    return render(request, "forum/error.html", {"status": 400}, status=400)

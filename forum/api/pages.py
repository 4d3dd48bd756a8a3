"""The "API tokens" page: a signed-in person makes personal tokens (shown once) and revokes them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from .tokens import MAX_ACTIVE_TOKENS, token_create, token_revoke, user_tokens


@never_cache
@login_required
def tokens(request):
    new_token = None
    error = None
    if request.method == "POST":
        try:
            token, new_token = token_create(user=request.user, name=request.POST.get("name", ""))
        except ValidationError as exc:
            error = " ".join(exc.messages)
    return render(
        request,
        "forum/api_tokens.html",
        {
            "tokens": user_tokens(request.user),
            "new_token": new_token,
            "error": error,
            "name": request.POST.get("name", "") if error else "",
            "limit": MAX_ACTIVE_TOKENS,
        },
        status=400 if error else 200,
    )


@login_required
@require_POST
def token_revoke_view(request, pk):
    try:
        token = token_revoke(user=request.user, token_id=pk)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
    return redirect("forum:api_tokens")

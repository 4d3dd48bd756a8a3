"""The inbox, email preferences, follows and the unsubscribe link: thin views over
``forum.notifications``."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import notifications
from .models import Notification, NotificationPreference, Product, Tag
from .views import service_errors


class PreferenceForm(forms.ModelForm):
    class Meta:
        model = NotificationPreference
        fields = [
            "email_enabled",
            "email_answer",
            "email_comment",
            "email_accepted",
            "email_endorsed",
            "email_mention",
            "email_followed",
            "email_moderation",
            "daily_digest",
        ]
        help_texts = {
            "daily_digest": gettext_lazy("One email a day listing what is unread, instead of an email each time."),
        }


class FollowForm(forms.Form):
    product = forms.ModelChoiceField(label=gettext_lazy("Product"), queryset=Product.objects.all())
    tag = forms.CharField(
        label=gettext_lazy("Tag (optional)"),
        required=False,
        max_length=50,
        help_text=gettext_lazy("Leave empty to follow every new question in the product."),
    )

    def clean(self):
        data = super().clean()
        product, name = data.get("product"), (data.get("tag") or "").strip().lower()
        data["tag"] = None
        if product and name:
            data["tag"] = Tag.objects.filter(product=product, name=name).first()
            if data["tag"] is None:
                raise ValidationError(_("%(product)s has no tag “%(tag)s”.") % {"product": product.name, "tag": name})
        return data


@login_required
def inbox(request):
    page = Paginator(notifications.inbox(request.user), 30).get_page(request.GET.get("page"))
    for item in page:
        item.message = notifications.message_for(item)
    return render(request, "notifications/inbox.html", {"page": page})


@login_required
def open_notification(request, pk):
    notification = get_object_or_404(Notification.objects.select_related("post", "post__question"), pk=pk)
    notifications.notification_open(user=request.user, notification=notification)
    return redirect(notification.post.get_absolute_url())


@login_required
@require_POST
def mark_all_read(request):
    count = notifications.notifications_mark_all_read(user=request.user)
    messages.success(request, _("%(count)d notifications marked as read.") % {"count": count})
    return redirect("forum:notifications")


@login_required
def preferences(request):
    current = notifications.preferences_for(request.user)
    form = PreferenceForm(request.POST or None, instance=current, prefix="prefs")
    if request.method == "POST" and form.is_valid():
        notifications.preferences_update(user=request.user, **{name: form.cleaned_data[name] for name in form.fields})
        messages.success(request, _("Your notification settings were saved."))
        return redirect("forum:notification_preferences")
    follows = request.user.follows.select_related("product", "tag").order_by("product__name", "tag__name")
    return render(
        request,
        "notifications/preferences.html",
        {"form": form, "follow_form": FollowForm(prefix="follow"), "follows": follows},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
@service_errors
def follow_add(request):
    form = FollowForm(request.POST, prefix="follow")
    if not form.is_valid():
        raise ValidationError([error for errors in form.errors.values() for error in errors])
    notifications.follow_add(user=request.user, product=form.cleaned_data["product"], tag=form.cleaned_data["tag"])
    messages.success(request, _("You will hear about new questions there."))
    return redirect("forum:notification_preferences")


@login_required
@require_POST
@service_errors
def follow_remove(request, pk):
    notifications.follow_remove(user=request.user, follow_id=pk)
    messages.success(request, _("You no longer follow that."))
    return redirect("forum:notification_preferences")


@csrf_exempt  # the signed token is the credential; mail clients POST here without a session (RFC 8058)
@service_errors
def unsubscribe(request, token):
    """GET shows one button (link scanners must not unsubscribe anyone); POST unsubscribes."""
    user, kind = notifications.read_unsubscribe_token(token)
    if request.method == "POST":
        notifications.unsubscribe(token=token)
        return render(request, "notifications/unsubscribed.html", {"person": user, "kind": kind, "done": True})
    return render(request, "notifications/unsubscribed.html", {"person": user, "kind": kind, "done": False})

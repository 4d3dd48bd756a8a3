"""Telling people when something concerns them: the in-site inbox and email.

Receivers below turn the forum's signals into ``Notification`` rows: an answer or comment on my
post, my answer accepted or endorsed, an ``@mention``, a new question where I follow, an
expert's action on my post. Emails are sent by Celery tasks queued with
``transaction.on_commit`` (a rolled-back post never mails anyone), rendered in the recipient's
language, each with a one-click unsubscribe link carrying a signed token. People who chose the
daily digest get one email a day instead (``digests_send``, scheduled by django-celery-beat).
"""

import re
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q, QuerySet
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import signals
from .models import (
    Comment,
    Follow,
    Notification,
    NotificationKind,
    NotificationPreference,
    Post,
    Product,
    Tag,
    User,
)

# "@name" not preceded by a word character, "@" or "/" (so emails and URLs are no mentions).
MENTION_PATTERN = re.compile(r"(?<![\w@/])@([\w.+-]{2,150})")
# One post cannot page half the community.
MAX_MENTIONS = 10
UNSUBSCRIBE_SALT = "wendao.notifications.unsubscribe"
UNREAD_CACHE_SECONDS = 300
# A digest covers at most this far back, even for someone whose last digest is older.
DIGEST_WINDOW = timedelta(days=7)


# --- Creating notifications ------------------------------------------------------------------


def preferences_for(user) -> NotificationPreference:
    """The person's saved preferences, or the defaults (unsaved) when they never changed them."""
    try:
        return user.notification_preference
    except NotificationPreference.DoesNotExist:
        return NotificationPreference(user=user)


def unread_cache_key(user_id: int) -> str:
    return f"wendao:unread:{user_id}"


def unread_count(user) -> int:
    """For the header on every page: cached, and dropped whenever the inbox changes."""
    if not user.is_authenticated:
        return 0
    key = unread_cache_key(user.pk)
    count = cache.get(key)
    if count is None:
        count = Notification.objects.filter(recipient=user, read_at__isnull=True).count()
        cache.set(key, count, UNREAD_CACHE_SECONDS)
    return count


def _queue_email(notification: Notification) -> None:
    from .tasks import notification_send_email

    transaction.on_commit(lambda: notification_send_email.delay(notification.pk))


def notify(
    *, recipients, kind: str, post: Post, actor=None, comment: Comment | None = None, detail: str = ""
) -> list[Notification]:
    """Add one notification per recipient (never to the actor, never twice) and queue emails."""
    seen: set[int] = set()
    people = []
    for person in recipients:
        if person is None or person.pk in seen or not person.is_active or (actor and person.pk == actor.pk):
            continue
        seen.add(person.pk)
        people.append(person)
    if not people:
        return []
    created = Notification.objects.bulk_create(
        [
            Notification(recipient=person, kind=kind, actor=actor, post=post, comment=comment, detail=detail)
            for person in people
        ]
    )
    preferences = {p.user_id: p for p in NotificationPreference.objects.filter(user__in=people)}
    for person, notification in zip(people, created, strict=True):
        cache.delete(unread_cache_key(person.pk))
        wants = preferences.get(person.pk, NotificationPreference(user=person)).wants_email(kind)
        if wants and person.email:
            _queue_email(notification)
    return created


def mentioned_users(text: str, *, exclude: set[int] = frozenset()) -> list[User]:
    names = []
    for name in MENTION_PATTERN.findall(text or ""):
        name = name.rstrip(".")
        if name and name.lower() not in (n.lower() for n in names):
            names.append(name)
    if not names:
        return []
    query = Q()
    for name in names[:MAX_MENTIONS]:
        query |= Q(username__iexact=name)
    return [user for user in User.objects.filter(query, is_active=True) if user.pk not in exclude]


def _question_of(post: Post) -> Post:
    return post if post.is_question else post.question


def followers_of(question: Post) -> QuerySet[User]:
    """People who follow the question's product, or one of its tags."""
    tag_ids = list(question.tags.values_list("pk", flat=True))
    follows = Follow.objects.filter(product_id=question.product_id).filter(Q(tag__isnull=True) | Q(tag_id__in=tag_ids))
    return User.objects.filter(pk__in=follows.values("user_id"), is_active=True)


# --- Receivers: forum events become notifications ----------------------------------------------


@receiver(signals.post_created)
def _on_post_created(sender, post: Post, **kwargs):
    if post.external_id:  # imported history notifies nobody
        return
    author = post.author
    notified: set[int] = {post.author_id}
    if not post.is_question:
        question = post.question
        if question.author_id not in notified:
            notify(recipients=[question.author], kind=NotificationKind.ANSWER, post=post, actor=author)
            notified.add(question.author_id)
    mentioned = mentioned_users(post.body, exclude=notified)
    notify(recipients=mentioned, kind=NotificationKind.MENTION, post=post, actor=author)
    notified |= {user.pk for user in mentioned}
    if post.is_question:
        followers = [user for user in followers_of(post) if user.pk not in notified]
        notify(recipients=followers, kind=NotificationKind.FOLLOWED, post=post, actor=author)


@receiver(post_save, sender=Comment)
def _on_comment_created(sender, instance: Comment, created: bool, **kwargs):
    if not created or instance.external_id:
        return
    post = Post.objects.select_related("author", "question").get(pk=instance.post_id)
    notify(recipients=[post.author], kind=NotificationKind.COMMENT, post=post, actor=instance.author, comment=instance)
    mentioned = mentioned_users(instance.body, exclude={post.author_id, instance.author_id})
    notify(recipients=mentioned, kind=NotificationKind.MENTION, post=post, actor=instance.author, comment=instance)


@receiver(signals.answer_accepted)
def _on_answer_accepted(sender, answer: Post, **kwargs):
    question = Post.objects.select_related("author").get(pk=answer.question_id)
    notify(recipients=[answer.author], kind=NotificationKind.ACCEPTED, post=answer, actor=question.author)


@receiver(signals.answer_endorsed)
def _on_answer_endorsed(sender, endorsement, **kwargs):
    answer = endorsement.answer
    notify(recipients=[answer.author], kind=NotificationKind.ENDORSED, post=answer, actor=endorsement.expert)


@receiver(signals.question_closed)
def _on_question_closed(sender, question: Post, by, **kwargs):
    notify(recipients=[question.author], kind=NotificationKind.MODERATION, post=question, actor=by, detail="closed")


@receiver(signals.question_marked_duplicate)
def _on_duplicate(sender, question: Post, by, **kwargs):
    notify(recipients=[question.author], kind=NotificationKind.MODERATION, post=question, actor=by, detail="duplicate")


@receiver(signals.post_hidden)
def _on_hidden(sender, post: Post, **kwargs):
    notify(recipients=[post.author], kind=NotificationKind.MODERATION, post=post, detail="hidden")


# --- Reading -------------------------------------------------------------------------------


def inbox(user) -> QuerySet[Notification]:
    return (
        Notification.objects.filter(recipient=user)
        .select_related("actor", "post", "post__question", "post__product")
        .order_by("-created_at", "-pk")
    )


def message_for(notification: Notification) -> str:
    """One sentence in the active language ("Bob answered your question “...”")."""
    post = notification.post
    title = (post.title if post.is_question else post.question.title) if post else ""
    actor = notification.actor.name if notification.actor else _("Someone")
    values = {"actor": actor, "title": title}
    kind = notification.kind
    if kind == NotificationKind.ANSWER:
        return _("%(actor)s answered your question “%(title)s”.") % values
    if kind == NotificationKind.COMMENT:
        return _("%(actor)s commented on your post in “%(title)s”.") % values
    if kind == NotificationKind.ACCEPTED:
        return _("%(actor)s accepted your answer to “%(title)s”.") % values
    if kind == NotificationKind.ENDORSED:
        return _("%(actor)s, an expert, endorsed your answer to “%(title)s”.") % values
    if kind == NotificationKind.MENTION:
        return _("%(actor)s mentioned you in “%(title)s”.") % values
    if kind == NotificationKind.FOLLOWED:
        return _("New question where you follow: “%(title)s”.") % values
    details = {
        "closed": _("An expert closed your question “%(title)s”."),
        "duplicate": _("An expert marked your question “%(title)s” as a duplicate; the original has answers."),
        "hidden": _("Your post in “%(title)s” is hidden until the product's experts review the flags on it."),
    }
    return details.get(notification.detail, _("An expert acted on your post in “%(title)s”.")) % values


# --- Changing -------------------------------------------------------------------------------


def notification_open(*, user, notification: Notification) -> Notification:
    if notification.recipient_id != user.pk:
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(_("This notification is someone else's."))
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
        cache.delete(unread_cache_key(user.pk))
    return notification


def notifications_mark_all_read(*, user) -> int:
    count = Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())
    cache.delete(unread_cache_key(user.pk))
    return count


@transaction.atomic
def preferences_update(*, user, **values) -> NotificationPreference:
    fields = {f.name for f in NotificationPreference._meta.fields} - {"id", "user", "last_digest_at"}
    unknown = set(values) - fields
    if unknown:
        raise ValueError(f"unknown preference fields: {sorted(unknown)}")
    preference, _created = NotificationPreference.objects.get_or_create(user=user)
    for name, value in values.items():
        setattr(preference, name, bool(value))
    preference.save()
    return preference


@transaction.atomic
def follow_add(*, user, product: Product, tag: Tag | None = None) -> Follow:
    from django.core.exceptions import ValidationError

    if tag is not None and tag.product_id != product.pk:
        raise ValidationError(_("That tag belongs to another product."))
    follow, created = Follow.objects.get_or_create(user=user, product=product, tag=tag)
    if not created:
        raise ValidationError(_("You already follow this."))
    return follow


@transaction.atomic
def follow_remove(*, user, follow_id: int) -> None:
    from django.core.exceptions import ValidationError

    if not Follow.objects.filter(pk=follow_id, user=user).delete()[0]:
        raise ValidationError(_("You do not follow this."))


# --- Unsubscribe links ------------------------------------------------------------------------


def unsubscribe_token(user, kind: str = "all") -> str:
    """A signed, non-expiring token: an unsubscribe link must work however old the email."""
    return signing.dumps({"u": user.pk, "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_url(user, kind: str = "all") -> str:
    return settings.WENDAO_SITE_URL + reverse("forum:unsubscribe", args=[unsubscribe_token(user, kind)])


def read_unsubscribe_token(token: str) -> tuple[User, str]:
    """The person and what to stop; ``ValidationError`` for a forged or damaged token."""
    from django.core.exceptions import ValidationError

    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        user = User.objects.get(pk=data["u"])
        kind = data["k"]
    except (signing.BadSignature, KeyError, TypeError, User.DoesNotExist):
        raise ValidationError(
            _("This unsubscribe link is not valid. Change your email settings on your profile.")
        ) from None
    if kind not in {"all", "digest", *NotificationKind.values}:
        raise ValidationError(_("This unsubscribe link is not valid. Change your email settings on your profile."))
    return user, kind


@transaction.atomic
def unsubscribe(*, token: str) -> tuple[User, str]:
    user, kind = read_unsubscribe_token(token)
    if kind in ("all", "digest"):
        # The digest replaced the single emails, so stopping it must not start those again.
        preferences_update(user=user, email_enabled=False)
    else:
        preferences_update(user=user, **{f"email_{kind}": False})
    return user, kind


# --- Email ----------------------------------------------------------------------------------


def _language_of(user) -> str:
    return user.preferred_language or settings.LANGUAGE_CODE


def _send(*, user, subject: str, template: str, context: dict, unsubscribe_kind: str) -> None:
    link = unsubscribe_url(user, unsubscribe_kind)
    context = {
        **context,
        "user": user,
        "site_url": settings.WENDAO_SITE_URL,
        "unsubscribe_url": link,
        "unsubscribe_all_url": unsubscribe_url(user, "all"),
        "preferences_url": settings.WENDAO_SITE_URL + reverse("forum:notification_preferences"),
    }
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"notifications/{template}.txt", context),
        to=[user.email],
        # RFC 8058: mail clients show an "Unsubscribe" button that POSTs to the link, one click.
        headers={"List-Unsubscribe": f"<{link}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )
    message.attach_alternative(render_to_string(f"notifications/{template}.html", context), "text/html")
    message.send()


def email_notification(*, notification_id: int) -> bool:
    """Mail one notification, at most once: the row is claimed before sending and released if
    sending fails (the task retries)."""
    claimed = Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(emailed_at=timezone.now())
    if not claimed:
        return False
    notification = (
        Notification.objects.select_related("recipient", "actor", "post", "post__question", "post__product")
        .filter(pk=notification_id)
        .first()
    )
    recipient = notification.recipient
    if not (recipient.is_active and recipient.email and preferences_for(recipient).email_enabled):
        return False
    try:
        with translation.override(_language_of(recipient)):
            text = message_for(notification)
            _send(
                user=recipient,
                subject=_("[Wendao] %(message)s") % {"message": text},
                template="email_notification",
                context={
                    "notification": notification,
                    "message": text,
                    "url": settings.WENDAO_SITE_URL + notification.post.get_absolute_url(),
                    "kind_label": NotificationKind(notification.kind).label,
                },
                unsubscribe_kind=notification.kind,
            )
    except Exception:
        Notification.objects.filter(pk=notification_id).update(emailed_at=None)
        raise
    return True


def digest_due_user_ids(*, now=None) -> list[int]:
    """People who want a digest and have not had one in the last 20 hours."""
    now = now or timezone.now()
    due = NotificationPreference.objects.filter(daily_digest=True, email_enabled=True).filter(
        Q(last_digest_at__isnull=True) | Q(last_digest_at__lte=now - timedelta(hours=20))
    )
    return list(due.values_list("user_id", flat=True))


def email_digest(*, user_id: int, now=None) -> int:
    """Send one person's daily digest of unread, not yet mailed notifications; returns how many
    it listed. Claiming ``last_digest_at`` first makes a repeated task a no-op."""
    now = now or timezone.now()
    preference = NotificationPreference.objects.select_related("user").filter(user_id=user_id).first()
    if preference is None or not preference.daily_digest or not preference.email_enabled:
        return 0
    since = max(preference.last_digest_at or now - DIGEST_WINDOW, now - DIGEST_WINDOW)
    claimed = (
        NotificationPreference.objects.filter(pk=preference.pk)
        .filter(Q(last_digest_at__isnull=True) | Q(last_digest_at__lte=now - timedelta(hours=20)))
        .update(last_digest_at=now)
    )
    if not claimed:
        return 0
    user = preference.user
    items = list(
        inbox(user).filter(read_at__isnull=True, emailed_at__isnull=True, created_at__gt=since, created_at__lte=now)
    )
    if not items or not user.email or not user.is_active:
        return 0
    Notification.objects.filter(pk__in=[n.pk for n in items]).update(emailed_at=now)
    with translation.override(_language_of(user)):
        lines = [(message_for(n), settings.WENDAO_SITE_URL + n.post.get_absolute_url()) for n in items]
        _send(
            user=user,
            subject=_("[Wendao] Your daily digest: %(count)d new") % {"count": len(items)},
            template="email_digest",
            context={"lines": lines, "inbox_url": settings.WENDAO_SITE_URL + reverse("forum:notifications")},
            unsubscribe_kind="digest",
        )
    return len(items)


def context(request) -> dict:
    """Template context for the header: the unread count (read only when a template shows it)
    and which of the workspace links this person may follow."""
    from django.utils.functional import SimpleLazyObject

    from .permissions import expert_product_ids, is_admin, is_knowledge_editor

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "unread_notifications": SimpleLazyObject(lambda: unread_count(user)),
        "show_experts_link": SimpleLazyObject(lambda: is_admin(user) or bool(expert_product_ids(user))),
        "show_analytics_link": SimpleLazyObject(lambda: is_knowledge_editor(user) or bool(expert_product_ids(user))),
    }

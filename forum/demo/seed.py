"""Build the demo community from ``forum.demo.content`` through the forum's services.

Every question, answer, comment, vote, acceptance, edit and endorsement is made by the same
service a person's click would call, so counters, revisions, rendered HTML and signals are
exactly what real use produces. The one thing done by hand afterwards is the clock: services
stamp rows "now", and a demo where everything happened a second ago looks dead, so each thread
is moved back to its ``days_ago`` (posts, revisions, comments, votes, acceptances, endorsements),
and the authority index is then recomputed from the re-dated rows.
The daily posting limits are switched off while seeding (``limits.bypass``): the demo's people
write a month of activity in one go.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from forum import authority_store, limits, services
from forum.models import Comment, Endorsement, Post, Product, Revision, Role, RoleAssignment, Tag, User, Vote

from .content import DEMO_PASSWORD, PEOPLE, PRODUCTS, THREADS, DemoAnswer, Edit, Thread


@dataclass
class DemoSummary:
    people: list[tuple[str, str, str]] = field(default_factory=list)  # (username, role label, product)
    counts: dict[str, int] = field(default_factory=dict)


def is_loaded() -> bool:
    """The demo is there when its products are (``seed_demo --once`` then does nothing)."""
    return Product.objects.filter(slug__in=[product.slug for product in PRODUCTS]).exists()


def _people(now: datetime) -> dict[str, User]:
    # One hash for everyone: hashing the same password thirteen times would only cost seconds.
    password = make_password(DEMO_PASSWORD)
    users = {}
    for index, person in enumerate(PEOPLE):
        users[person.username] = User.objects.create(
            username=person.username,
            email=f"{person.username}@demo.wendao.example",
            password=password,
            display_name=person.display_name,
            bio=person.bio,
            preferred_language=person.language,
            # Accounts joined months ago: the authority index gives brand-new accounts' votes no weight.
            date_joined=now - timedelta(days=120 - index),
            is_staff=person.role == "admin",
            is_superuser=person.role == "admin",
        )
    return users


def _products(now: datetime) -> dict[str, Product]:
    products = {}
    for product in PRODUCTS:
        products[product.slug] = Product.objects.create(
            slug=product.slug,
            name=product.name,
            language=product.language,
            description=product.description,
            created_at=now - timedelta(days=180),
        )
        Tag.objects.bulk_create([Tag(product=products[product.slug], name=name) for name in product.tags])
    return products


def _roles(users: dict[str, User], products: dict[str, Product]) -> None:
    for person in PEOPLE:
        if person.role == "expert":
            RoleAssignment.objects.create(
                user=users[person.username], role=Role.EXPERT, product=products[person.product]
            )
        elif person.role in (Role.KNOWLEDGE_EDITOR, Role.ADMIN):
            RoleAssignment.objects.create(user=users[person.username], role=person.role)


class _Clock:
    """Hands out the moments of one thread, in order, and moves rows back to them."""

    def __init__(self, start: datetime, now: datetime):
        self.at, self.now = start, now

    def tick(self, minutes: int) -> datetime:
        self.at = min(self.at + timedelta(minutes=minutes), self.now - timedelta(minutes=1))
        return self.at


def _votes(post: Post, up, down, users, clock: _Clock) -> None:
    for value, names in ((Vote.UP, up), (Vote.DOWN, down)):
        for name in names:
            vote = services.vote_cast(voter=users[name], post=post, value=value)
            Vote.objects.filter(pk=vote.pk).update(created_at=clock.tick(47))


def _comments(post: Post, comments, users, clock: _Clock) -> None:
    for name, body in comments:
        comment = services.comment_add(author=users[name], post=post, body=body)
        Comment.objects.filter(pk=comment.pk).update(created_at=clock.tick(38))


def _edit(post: Post, edit: Edit, users, clock: _Clock) -> None:
    revision = services.post_edit(editor=users[edit.editor], post=post, body=edit.body, reason=edit.reason)
    when = clock.tick(95)
    Revision.objects.filter(pk=revision.pk).update(created_at=when)
    Post.objects.filter(pk=post.pk).update(edited_at=when, last_activity_at=when)


def _answer(question: Post, spec: DemoAnswer, users, clock: _Clock) -> None:
    answer = services.answer_post(author=users[spec.author], question=question, body=spec.body)
    when = clock.tick(140)
    Post.objects.filter(pk=answer.pk).update(created_at=when, last_activity_at=when)
    Revision.objects.filter(post=answer, number=1).update(created_at=when)
    answer.refresh_from_db()
    _comments(answer, spec.comments, users, clock)
    _votes(answer, spec.up, spec.down, users, clock)
    if spec.accepted:
        services.answer_accept(user=question.author, answer=answer)
        Post.objects.filter(pk=answer.pk).update(accepted_at=clock.tick(180))
    if spec.endorsed_by:
        endorsement = services.answer_endorse(expert=users[spec.endorsed_by], answer=answer, note=spec.endorse_note)
        Endorsement.objects.filter(pk=endorsement.pk).update(created_at=clock.tick(300))
    if spec.edit:
        _edit(answer, spec.edit, users, clock)


def _thread(thread: Thread, users, products, now: datetime) -> None:
    start = now - timedelta(days=thread.days_ago, hours=-9)
    clock = _Clock(start, now)
    question = services.question_ask(
        author=users[thread.asker],
        product=products[thread.product],
        title=thread.title,
        body=thread.body,
        tags=list(thread.tags),
    )
    Post.objects.filter(pk=question.pk).update(created_at=start, last_activity_at=start)
    Revision.objects.filter(post=question, number=1).update(created_at=start)
    question.refresh_from_db()
    _comments(question, thread.comments, users, clock)
    _votes(question, thread.up, thread.down, users, clock)
    for spec in thread.answers:
        _answer(question, spec, users, clock)
    if thread.edit:
        _edit(question, thread.edit, users, clock)
    # The question was last active when its latest answer or edit happened (as services keep it).
    moments = [start, *Post.objects.filter(question=question).values_list("last_activity_at", flat=True)]
    moments.append(Post.objects.values_list("edited_at", flat=True).get(pk=question.pk))
    Post.objects.filter(pk=question.pk).update(last_activity_at=max(m for m in moments if m))


def load(*, now: datetime | None = None) -> DemoSummary:
    """Create the whole demo (people, roles, products, tags, threads) in one transaction.

    The demo's activity notifies its people (the notices wait in their inboxes), but the emails
    to their made-up addresses are dropped: fifty of them would bury the logins that
    ``make run`` prints under the console email backend.
    """
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        return _load(now=now or timezone.now())


@transaction.atomic
def _load(*, now: datetime) -> DemoSummary:
    with limits.bypass():
        users = _people(now)
        products = _products(now)
        _roles(users, products)
        for thread in THREADS:
            _thread(thread, users, products, now)
        # The services kept the authority index up to date as of "now"; the rows have since moved
        # into the past, so rebuild it from them (what ``recompute_authority`` does nightly).
        for product in products.values():
            authority_store.recompute(product_id=product.pk)
    return summary()


def summary() -> DemoSummary:
    """The demo's logins and what it holds, for the command to print."""
    result = DemoSummary()
    role_labels = {
        "expert": Role.EXPERT.label,
        "knowledge_editor": Role.KNOWLEDGE_EDITOR.label,
        "admin": Role.ADMIN.label,
    }
    names = {product.slug: product.name for product in PRODUCTS}
    for person in PEOPLE:
        result.people.append((person.username, str(role_labels.get(person.role, "")), names.get(person.product, "")))
    posts = Post.objects.filter(product__slug__in=names)
    result.counts = {
        "products": len(names),
        "people": len(PEOPLE),
        "questions": posts.filter(kind="q").count(),
        "answers": posts.filter(kind="a").count(),
        "comments": Comment.objects.filter(post__in=posts).count(),
        "votes": Vote.objects.filter(post__in=posts).count(),
        "accepted answers": posts.filter(is_accepted=True).count(),
        "endorsements": Endorsement.objects.filter(answer__in=posts).count(),
        "edits": Revision.objects.filter(post__in=posts, number__gt=1).count(),
    }
    return result

"""Import a Stack Exchange data dump into a product.

Two halves, so that a bad dump is refused before anything is written:

* ``read_dump`` parses and checks every file (no database): XML well-formedness, the expected
  root and row elements, every attribute the import uses (ids are integers, dates are dates,
  questions have titles, no id twice). Any problem raises ``DumpError`` naming the file, line and
  row.
* ``import_dump`` writes the parsed dump into a product inside one transaction with bulk inserts.
  Every imported row keeps ``external_source = "stackexchange:<site>"`` and its Stack Exchange id
  in ``external_id``; rows a previous run brought in are skipped, so running it twice adds nothing.

Mapping decisions (see docs/import.md): up and down votes (VoteTypeId 2 and 3) become ``Vote``
rows without a voter (public dumps withhold it) dated on the vote's day, and a post's
``score``/``upvotes``/``downvotes`` are counted from those rows rather than copied from the
dump's ``Score``; bodies are HTML, converted to Markdown (``body``) and rendered again through
``forum.rendering`` (``body_html``), so imported text is sanitised like everything else.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from xml.parsers import expat

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from markdownify import markdownify

from forum import authority_store
from forum.models import Comment, Post, PostKind, Product, Revision, Tag, User, Vote
from forum.rendering import RENDERER_VERSION, clean_text, render_markdown

# Files of a dump: (file name, root element, required).
FILES = {
    "posts": ("Posts.xml", "posts", True),
    "users": ("Users.xml", "users", True),
    "votes": ("Votes.xml", "votes", True),
    "comments": ("Comments.xml", "comments", False),
    "postlinks": ("PostLinks.xml", "postlinks", False),
    "tags": ("Tags.xml", "tags", False),
}

# Stack Exchange's numeric codes that the import understands.
POST_TYPE_QUESTION = 1
POST_TYPE_ANSWER = 2
VOTE_ACCEPTED = 1
VOTE_UP = 2
VOTE_DOWN = 3
LINK_DUPLICATE = 3

GHOST_ID = "deleted-user"
BATCH_SIZE = 500
_CHUNK = 1 << 20


class NoProgress:
    """The progress-bar interface the importer uses (tqdm's ``update``/``close``), doing nothing."""

    def __init__(self, **kwargs):
        pass

    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


# Called like ``tqdm(total=..., desc=..., unit=...)``; the management command passes tqdm.
Progress = Callable[..., NoProgress]


class DumpError(Exception):
    """The dump cannot be imported; the message says which file, line and row, and why."""


# ---------------------------------------------------------------- parsed rows (plain data)


@dataclass(frozen=True)
class SEUser:
    id: str
    display_name: str
    created_at: datetime


@dataclass(frozen=True)
class SEPost:
    id: str
    kind: str  # PostKind value
    parent_id: str | None
    accepted_answer_id: str | None
    created_at: datetime
    last_activity_at: datetime
    last_edit_at: datetime | None
    closed_at: datetime | None
    title: str
    body_html: str
    tags: tuple[str, ...]
    owner_id: str | None
    owner_display_name: str
    license: str
    view_count: int


@dataclass(frozen=True)
class SEComment:
    id: str
    post_id: str
    user_id: str | None
    text: str
    created_at: datetime


@dataclass(frozen=True)
class SEVote:
    id: str
    post_id: str
    type: int
    created_at: datetime


@dataclass(frozen=True)
class SELink:
    post_id: str
    related_post_id: str
    type: int


@dataclass
class Dump:
    directory: Path
    site: str
    users: dict[str, SEUser]
    posts: dict[str, SEPost]  # only questions and answers, answers only when their question is here
    comments: list[SEComment]
    votes: list[SEVote]
    links: list[SELink]
    tag_names: list[str]
    # Rows read but not imported, by reason ("tag wiki posts", "votes on posts not in the dump", ...).
    skipped: Counter = field(default_factory=Counter)

    @property
    def source(self) -> str:
        return f"stackexchange:{self.site}"

    @property
    def site_name(self) -> str:
        """``conlang.meta.stackexchange.com`` -> "Conlang Meta Stack Exchange"."""
        if self.site.endswith(".stackexchange.com"):
            words = self.site.removesuffix(".stackexchange.com").split(".")
            return " ".join(word.capitalize() for word in words) + " Stack Exchange"
        return self.site

    @property
    def site_url(self) -> str:
        return f"https://{self.site}"

    def post_url(self, post: SEPost) -> str:
        return f"{self.site_url}/{'q' if post.kind == PostKind.QUESTION else 'a'}/{post.id}"

    def accepted_answers(self) -> dict[str, tuple[str, datetime]]:
        """Question id -> (accepted answer id, when it was accepted).

        The question's ``AcceptedAnswerId`` decides which answer; the acceptance vote
        (VoteTypeId 1) gives the date, or names the answer when the question does not. Without a
        vote the answer's own date stands in (acceptance cannot predate the answer).
        """
        vote_dates: dict[str, datetime] = {}
        for vote in self.votes:
            if vote.type == VOTE_ACCEPTED:
                vote_dates[vote.post_id] = max(vote.created_at, vote_dates.get(vote.post_id, vote.created_at))
        accepted: dict[str, tuple[str, datetime]] = {}
        for answer_id, when in sorted(vote_dates.items(), key=lambda item: item[1]):
            answer = self.posts.get(answer_id)
            if answer and answer.kind == PostKind.ANSWER and not self.posts[answer.parent_id].accepted_answer_id:
                accepted[answer.parent_id] = (answer_id, max(when, answer.created_at))
        for question in self.posts.values():
            answer = self.posts.get(question.accepted_answer_id or "")
            if answer and answer.kind == PostKind.ANSWER and answer.parent_id == question.id:
                # Vote dates are whole days: the acceptance can read as earlier than the answer.
                when = max(vote_dates.get(answer.id, answer.created_at), answer.created_at)
                accepted[question.id] = (answer.id, when)
        return accepted

    def duplicates(self) -> dict[str, str]:
        """Question id -> the question it duplicates (PostLinks LinkTypeId 3)."""
        questions = {pid for pid, post in self.posts.items() if post.kind == PostKind.QUESTION}
        return {
            link.post_id: link.related_post_id
            for link in self.links
            if link.type == LINK_DUPLICATE
            and link.post_id in questions
            and link.related_post_id in questions
            and link.post_id != link.related_post_id
        }


# ---------------------------------------------------------------- reading and checking


class _Row:
    """One ``<row>``'s attributes with the file and line, for messages that point at it."""

    __slots__ = ("attrs", "file", "line")

    def __init__(self, file: str, line: int, attrs: dict[str, str]):
        self.file, self.line, self.attrs = file, line, attrs

    def fail(self, message: str) -> DumpError:
        row_id = self.attrs.get("Id")
        where = _("%(file)s, line %(line)d") % {"file": self.file, "line": self.line}
        if row_id is not None:
            where += _(" (row Id=%(id)s)") % {"id": row_id[:20]}
        return DumpError(f"{where}: {message}")

    def text(self, name: str, default: str = "") -> str:
        return self.attrs.get(name, default)

    def integer(self, name: str, *, required: bool = True) -> int | None:
        value = self.attrs.get(name)
        if value is None or value == "":
            if required:
                raise self.fail(_("the required attribute %(name)s is missing.") % {"name": name})
            return None
        try:
            return int(value)
        except ValueError:
            raise self.fail(
                _("%(name)s must be a whole number, not “%(value)s”.") % {"name": name, "value": value[:40]}
            ) from None

    def ident(self, name: str, *, required: bool = True) -> str | None:
        number = self.integer(name, required=required)
        return None if number is None else str(number)

    def date(self, name: str, *, required: bool = True) -> datetime | None:
        value = self.attrs.get(name)
        if not value:
            if required:
                raise self.fail(_("the required attribute %(name)s is missing.") % {"name": name})
            return None
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise self.fail(
                _("%(name)s must be a date like 2021-04-27T15:06:44.553, not “%(value)s”.")
                % {"name": name, "value": value[:40]}
            ) from None
        # Dump dates are UTC without a zone.
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _read_rows(path: Path, root_name: str, advance: Callable[[int], None]) -> Iterator[_Row]:
    """Stream the ``<row>`` elements of one dump file, refusing anything that is not the format.

    pyexpat directly (rather than ElementTree) for line numbers in every message and to refuse
    DTDs: a dump never has one, and entity declarations are how XML bombs are built.
    """
    name = path.name
    rows: list[_Row] = []
    depth = 0

    def fail(message: str) -> DumpError:
        return DumpError(_("%(file)s, line %(line)d: %(message)s") % {
            "file": name, "line": parser.CurrentLineNumber, "message": message})  # fmt: skip

    def start(tag: str, attrs: dict[str, str]) -> None:
        nonlocal depth
        depth += 1
        if depth == 1 and tag != root_name:
            raise fail(_("expected a <%(root)s> document, found <%(tag)s>.") % {"root": root_name, "tag": tag[:40]})
        if depth == 2 and tag != "row":
            raise fail(_("expected <row> elements, found <%(tag)s>.") % {"tag": tag[:40]})
        if depth > 2:
            raise fail(_("<row> elements do not contain other elements."))
        if depth == 2:
            rows.append(_Row(name, parser.CurrentLineNumber, attrs))

    def end(tag: str) -> None:
        nonlocal depth
        depth -= 1

    def refuse_doctype(*args) -> None:
        raise fail(_("document type declarations are not allowed in a data dump."))

    parser = expat.ParserCreate("utf-8")
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.StartDoctypeDeclHandler = refuse_doctype
    parser.EntityDeclHandler = refuse_doctype
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                parser.Parse(chunk, False)
                advance(len(chunk))
                yield from rows
                rows.clear()
            parser.Parse(b"", True)
    except expat.ExpatError as error:
        raise DumpError(
            _("%(file)s is not well-formed XML (line %(line)d, column %(column)d): %(reason)s.")
            % {
                "file": name,
                "line": error.lineno,
                "column": error.offset + 1,
                "reason": expat.errors.messages[error.code],
            }
        ) from None
    except OSError as error:
        raise DumpError(_("%(file)s cannot be read: %(reason)s.") % {"file": name, "reason": error.strerror}) from None
    yield from rows


def _dump_files(directory: Path) -> dict[str, Path]:
    """The dump's files that are present; a missing required file is an error."""
    paths = {}
    for key, (file_name, _root, required) in FILES.items():
        path = directory / file_name
        if path.is_file():
            paths[key] = path
        elif required:
            raise DumpError(_("%(file)s is missing from %(dir)s.") % {"file": file_name, "dir": directory})
    return paths


_TAG_ANGLE = re.compile(r"<([^<>]+)>")


def parse_tags(value: str) -> tuple[str, ...]:
    """Stack Exchange wrote tags as ``<a><b>`` and, in newer dumps, as ``|a|b|``."""
    value = value.strip()
    if not value:
        return ()
    names = _TAG_ANGLE.findall(value) if value.startswith("<") else value.strip("|").split("|")
    return tuple(dict.fromkeys(name.strip().lower() for name in names if name.strip()))


def _unique(seen: set[str], row: _Row, row_id: str) -> None:
    if row_id in seen:
        raise row.fail(_("the Id %(id)s appears twice.") % {"id": row_id})
    seen.add(row_id)


def _read_users(rows: Iterable[_Row]) -> dict[str, SEUser]:
    users: dict[str, SEUser] = {}
    for row in rows:
        user_id = row.ident("Id")
        if user_id in users:
            raise row.fail(_("the Id %(id)s appears twice.") % {"id": user_id})
        name = " ".join(clean_text(row.text("DisplayName")).split())[:100] or f"user{user_id}"
        users[user_id] = SEUser(id=user_id, display_name=name, created_at=row.date("CreationDate"))
    return users


def _read_posts(rows: Iterable[_Row], skipped: Counter) -> dict[str, SEPost]:
    posts: dict[str, SEPost] = {}
    seen: set[str] = set()
    for row in rows:
        post_id = row.ident("Id")
        _unique(seen, row, post_id)
        post_type = row.integer("PostTypeId")
        if post_type not in (POST_TYPE_QUESTION, POST_TYPE_ANSWER):
            skipped[_("posts that are not questions or answers (tag wikis, nominations)")] += 1
            continue
        is_question = post_type == POST_TYPE_QUESTION
        title = " ".join(clean_text(row.text("Title")).split())
        if is_question and not title:
            raise row.fail(_("a question (PostTypeId 1) needs a Title."))
        parent_id = None if is_question else row.ident("ParentId")
        posts[post_id] = SEPost(
            id=post_id,
            kind=PostKind.QUESTION if is_question else PostKind.ANSWER,
            parent_id=parent_id,
            accepted_answer_id=row.ident("AcceptedAnswerId", required=False) if is_question else None,
            created_at=row.date("CreationDate"),
            last_activity_at=row.date("LastActivityDate", required=False) or row.date("CreationDate"),
            last_edit_at=row.date("LastEditDate", required=False),
            closed_at=row.date("ClosedDate", required=False) if is_question else None,
            title=title[:300],
            body_html=row.text("Body"),
            tags=parse_tags(row.text("Tags")) if is_question else (),
            owner_id=row.ident("OwnerUserId", required=False),
            owner_display_name=" ".join(clean_text(row.text("OwnerDisplayName")).split())[:200],
            license=row.text("ContentLicense", "CC BY-SA")[:50] or "CC BY-SA",
            view_count=max(0, row.integer("ViewCount", required=False) or 0),
        )
    # Answers whose question is not in the dump have nothing to hang from.
    for post_id in [pid for pid, post in posts.items() if post.kind == PostKind.ANSWER]:
        parent = posts.get(posts[post_id].parent_id)
        if parent is None or parent.kind != PostKind.QUESTION:
            del posts[post_id]
            skipped[_("answers whose question is not in the dump")] += 1
    return posts


def _read_comments(rows: Iterable[_Row] | None, posts: dict, skipped: Counter) -> list[SEComment]:
    comments: list[SEComment] = []
    seen: set[str] = set()
    for row in rows or ():
        comment_id = row.ident("Id")
        _unique(seen, row, comment_id)
        post_id = row.ident("PostId")
        text = clean_text(row.text("Text")).strip()
        created_at = row.date("CreationDate")
        user_id = row.ident("UserId", required=False)
        if post_id not in posts:
            skipped[_("comments on posts not in the dump")] += 1
            continue
        if not text:
            skipped[_("empty comments")] += 1
            continue
        comments.append(SEComment(id=comment_id, post_id=post_id, user_id=user_id, text=text, created_at=created_at))
    return comments


def _read_votes(rows: Iterable[_Row], posts: dict, skipped: Counter) -> list[SEVote]:
    votes: list[SEVote] = []
    seen: set[str] = set()
    for row in rows:
        vote_id = row.ident("Id")
        _unique(seen, row, vote_id)
        post_id = row.ident("PostId")
        vote_type = row.integer("VoteTypeId")
        created_at = row.date("CreationDate")
        if vote_type not in (VOTE_ACCEPTED, VOTE_UP, VOTE_DOWN):
            skipped[_("votes of other kinds (favourites, bounties, close votes)")] += 1
            continue
        if post_id not in posts:
            skipped[_("votes on posts not in the dump")] += 1
            continue
        votes.append(SEVote(id=vote_id, post_id=post_id, type=vote_type, created_at=created_at))
    return votes


def _read_links(rows: Iterable[_Row] | None) -> list[SELink]:
    return [
        SELink(post_id=row.ident("PostId"), related_post_id=row.ident("RelatedPostId"), type=row.integer("LinkTypeId"))
        for row in rows or ()
    ]


def _read_tag_names(rows: Iterable[_Row] | None) -> list[str]:
    names = []
    for row in rows or ():
        name = row.text("TagName").strip().lower()
        if not name:
            raise row.fail(_("the required attribute %(name)s is missing.") % {"name": "TagName"})
        names.append(name)
    return names


_LINK = re.compile(r"https?://([a-z0-9.-]+)/(?:questions|q|a)/(\d+)(?:/([\w-]+))?", re.IGNORECASE)


def detect_site(directory: Path, posts: dict[str, SEPost]) -> str:
    """The dump's host name, worked out from the posts themselves.

    Posts link to other posts of the same site, and such a link ends in the linked question's
    title as a slug: a link whose id is in this dump *and* whose slug matches that question's
    title points at this site (a meta site links to its main site too, so the host alone is not
    enough). Failing that, the host most often linked with ids of this dump; failing that, the
    folder name (``cardano`` -> ``cardano.stackexchange.com``).
    """
    titles = {pid: slugify(post.title)[:30] for pid, post in posts.items() if post.kind == PostKind.QUESTION}
    by_slug: Counter = Counter()
    by_id: Counter = Counter()
    for post in posts.values():
        for host, post_id, slug in _LINK.findall(post.body_html):
            host = host.lower()
            if post_id in posts:
                by_id[host] += 1
                if slug and post_id in titles and slug.lower()[:30] == titles[post_id]:
                    by_slug[host] += 1
    for votes in (by_slug, by_id):
        if votes:
            return votes.most_common(1)[0][0]
    # Only host-name characters from a folder name: it ends up in every post's source link.
    folder = re.sub(r"[^a-z0-9.-]+", "-", directory.resolve().name.lower()).strip(".-") or "unknown"
    return folder if "." in folder else f"{folder}.stackexchange.com"


_SITE = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$")


def read_dump(directory: str | Path, *, site: str | None = None, progress: Progress = NoProgress) -> Dump:
    """Parse and check a whole dump folder; raises ``DumpError`` on the first problem."""
    directory = Path(directory)
    if not directory.is_dir():
        raise DumpError(_("%(dir)s is not a folder.") % {"dir": directory})
    if site is not None:
        site = site.strip().lower().removeprefix("https://").removeprefix("http://").strip("/")
        if not _SITE.match(site):
            raise DumpError(_("“%(site)s” is not a host name like cardano.stackexchange.com.") % {"site": site[:80]})
    paths = _dump_files(directory)
    skipped: Counter = Counter()
    bar = progress(
        total=sum(path.stat().st_size for path in paths.values()), desc=_("Reading"), unit="B", unit_scale=True
    )

    def rows(key: str) -> Iterable[_Row] | None:
        return _read_rows(paths[key], FILES[key][1], bar.update) if key in paths else None

    try:
        users = _read_users(rows("users"))
        posts = _read_posts(rows("posts"), skipped)
        comments = _read_comments(rows("comments"), posts, skipped)
        votes = _read_votes(rows("votes"), posts, skipped)
        links = _read_links(rows("postlinks"))
        tag_names = _read_tag_names(rows("tags"))
    finally:
        bar.close()
    return Dump(
        directory=directory,
        site=site or detect_site(directory, posts),
        users=users,
        posts=posts,
        comments=comments,
        votes=votes,
        links=links,
        tag_names=tag_names,
        skipped=skipped,
    )


def html_to_markdown(fragment: str) -> str:
    """Stack Exchange's rendered HTML back to Markdown, the form Wendao keeps and edits."""
    markdown = markdownify(fragment, heading_style="ATX", bullets="-", newline_style="backslash")
    return clean_text(markdown).strip()


# ---------------------------------------------------------------- writing


@dataclass
class ImportResult:
    site: str
    product: Product
    created: Counter = field(default_factory=Counter)
    skipped: Counter = field(default_factory=Counter)

    @property
    def added_anything(self) -> bool:
        return any(self.created.values())


def _existing(model, source: str) -> dict[str, int]:
    return dict(model.objects.filter(external_source=source).values_list("external_id", "pk"))


def _bulk(model, objects: list, bar: NoProgress | None = None) -> None:
    for start in range(0, len(objects), BATCH_SIZE):
        model.objects.bulk_create(objects[start : start + BATCH_SIZE])
        if bar is not None:
            bar.update(len(objects[start : start + BATCH_SIZE]))


def _username(site: str, user_id: str) -> str:
    key = site.removesuffix(".stackexchange.com").replace(".", "-")
    return f"se-{key}-{user_id}"[:150]


def _get_product(dump: Dump, *, slug: str, name: str | None, language: str) -> Product:
    elsewhere = (
        Post.objects.filter(external_source=dump.source).exclude(product__slug=slug).values_list("product__slug")[:1]
    )
    if other := elsewhere.first():
        raise DumpError(
            _("%(site)s was already imported into the product “%(product)s”; import it there again.")
            % {"site": dump.site, "product": other[0]}
        )
    product, created = Product.objects.get_or_create(
        slug=slug,
        defaults={
            "name": name or dump.site_name,
            "language": language,
            "description": _("Questions and answers imported from %(site)s.") % {"site": dump.site_name},
            "source_name": dump.site_name,
            "source_url": dump.site_url,
        },
    )
    if not created and not product.source_name:
        product.source_name, product.source_url = dump.site_name, dump.site_url
        product.save(update_fields=["source_name", "source_url"])
    return product


def _import_users(dump: Dump, result: ImportResult, bar: NoProgress) -> dict[str, int]:
    existing = _existing(User, dump.source)
    new = [user for user in dump.users.values() if user.id not in existing]
    ghost_needed = GHOST_ID not in existing
    usernames = [_username(dump.site, u.id) for u in new] + ([_username(dump.site, GHOST_ID)] * ghost_needed)
    if taken := list(User.objects.filter(username__in=usernames).values_list("username", flat=True)[:3]):
        raise DumpError(
            _("These user names are taken by accounts that did not come from %(site)s: %(names)s.")
            % {"site": dump.site, "names": ", ".join(taken)}
        )
    # One unusable password for everyone: imported people sign in by resetting it (by email,
    # once an operator has attached one); hashing 4,000 random ones would only cost time.
    password = make_password(None)
    objects = [
        User(
            username=_username(dump.site, user.id),
            display_name=user.display_name,
            date_joined=user.created_at,
            password=password,
            external_source=dump.source,
            external_id=user.id,
        )
        for user in new
    ]
    if ghost_needed:
        # Posts whose author deleted their account hang from one ghost per site; the name they
        # posted under stays in the post's ``source_author``.
        objects.append(
            User(
                username=_username(dump.site, GHOST_ID),
                display_name=_("deleted user"),
                password=password,
                is_active=False,
                external_source=dump.source,
                external_id=GHOST_ID,
            )
        )
    _bulk(User, objects)
    bar.update(len(dump.users))
    result.created["users"] = len(objects)
    return _existing(User, dump.source)


def _import_tags(dump: Dump, product: Product, result: ImportResult) -> dict[str, int]:
    names = list(dict.fromkeys([*dump.tag_names, *(tag for post in dump.posts.values() for tag in post.tags)]))
    existing = set(Tag.objects.filter(product=product).values_list("name", flat=True))
    new = [Tag(product=product, name=name[:50]) for name in names if name[:50] not in existing]
    Tag.objects.bulk_create(new, batch_size=BATCH_SIZE)
    result.created["tags"] = len(new)
    return dict(Tag.objects.filter(product=product).values_list("name", "pk"))


def _post_object(dump: Dump, post: SEPost, *, product: Product, users: dict, accepted: dict, question_pk=None):
    owner = dump.users.get(post.owner_id or "")
    author_id = users[owner.id] if owner else users[GHOST_ID]
    source_author = owner.display_name if owner else (post.owner_display_name or _("deleted user"))
    body = html_to_markdown(post.body_html)
    acceptance = accepted.get(post.parent_id or "")
    is_accepted = acceptance is not None and acceptance[0] == post.id
    return Post(
        kind=post.kind,
        product=product,
        question_id=question_pk,
        author_id=author_id,
        title=post.title if post.kind == PostKind.QUESTION else "",
        body=body,
        body_html=render_markdown(body),
        body_html_version=RENDERER_VERSION,
        view_count=post.view_count,
        is_accepted=is_accepted,
        accepted_at=acceptance[1] if is_accepted else None,
        has_accepted_answer=post.id in accepted,
        closed_at=post.closed_at,
        created_at=post.created_at,
        last_activity_at=post.last_activity_at,
        external_source=dump.source,
        external_id=post.id,
        source_url=dump.post_url(post),
        source_author=source_author,
        source_license=post.license,
    )


def _import_posts(
    dump: Dump, product: Product, users: dict, tags: dict, result: ImportResult, bar: NoProgress
) -> dict[str, int]:
    existing = _existing(Post, dump.source)
    accepted = dump.accepted_answers()
    new = [post for post in dump.posts.values() if post.id not in existing]
    new_questions = [post for post in new if post.kind == PostKind.QUESTION]
    new_answers = [post for post in new if post.kind == PostKind.ANSWER]
    bar.update(len(dump.posts) - len(new))
    questions = []
    for post in new_questions:
        questions.append(_post_object(dump, post, product=product, users=users, accepted=accepted))
        bar.update()
    _bulk(Post, questions)
    # Answers need their question's primary key, known only once the questions are in.
    existing = _existing(Post, dump.source)
    answers = []
    for post in new_answers:
        answers.append(
            _post_object(
                dump, post, product=product, users=users, accepted=accepted, question_pk=existing[post.parent_id]
            )
        )
        bar.update()
    _bulk(Post, answers)
    result.created["questions"], result.created["answers"] = len(new_questions), len(new_answers)
    posts = _existing(Post, dump.source)

    through = Post.tags.through
    through.objects.bulk_create(
        [through(post_id=posts[post.id], tag_id=tags[name[:50]]) for post in new_questions for name in post.tags],
        batch_size=BATCH_SIZE,
    )
    # Revision 1 is the text as imported: the latest version on Stack Exchange.
    reason = _("Imported from %(site)s") % {"site": dump.site}
    revisions = [
        Revision(
            post_id=posts[obj.external_id],
            number=1,
            author_id=obj.author_id,
            title=obj.title,
            body=obj.body,
            tags=" ".join(dump.posts[obj.external_id].tags),
            reason=reason,
            created_at=dump.posts[obj.external_id].last_edit_at or obj.created_at,
        )
        for obj in (*questions, *answers)
    ]
    _bulk(Revision, revisions)

    duplicates = dump.duplicates()
    unlinked = Post.objects.filter(
        external_source=dump.source, external_id__in=list(duplicates), duplicate_of__isnull=True
    ).only("pk", "external_id")
    to_update = []
    for post in unlinked:
        post.duplicate_of_id = posts[duplicates[post.external_id]]
        to_update.append(post)
    Post.objects.bulk_update(to_update, ["duplicate_of"], batch_size=BATCH_SIZE)
    result.created["duplicate links"] = len(to_update)
    return posts


def _import_comments(dump: Dump, posts: dict, users: dict, result: ImportResult, bar: NoProgress) -> None:
    existing = _existing(Comment, dump.source)
    objects = []
    for comment in dump.comments:
        if comment.id in existing:
            continue
        objects.append(
            Comment(
                post_id=posts[comment.post_id],
                author_id=users.get(comment.user_id or "", users[GHOST_ID]),
                body=comment.text,
                body_html=render_markdown(comment.text),
                body_html_version=RENDERER_VERSION,
                created_at=comment.created_at,
                external_source=dump.source,
                external_id=comment.id,
            )
        )
    bar.update(len(dump.comments) - len(objects))
    _bulk(Comment, objects, bar)
    result.created["comments"] = len(objects)


def _import_votes(dump: Dump, posts: dict, product: Product, result: ImportResult, bar: NoProgress) -> None:
    existing = _existing(Vote, dump.source)
    authors = dict(Post.objects.filter(pk__in=posts.values()).values_list("pk", "author_id"))
    objects = [
        Vote(
            post_id=posts[vote.post_id],
            voter=None,
            # The authority index sums votes by author and product without joining posts.
            author_id=authors[posts[vote.post_id]],
            product=product,
            value=Vote.UP if vote.type == VOTE_UP else Vote.DOWN,
            created_at=vote.created_at,
            external_source=dump.source,
            external_id=vote.id,
        )
        for vote in dump.votes
        if vote.type in (VOTE_UP, VOTE_DOWN) and vote.id not in existing
    ]
    bar.update(len(dump.votes) - len(objects))
    _bulk(Vote, objects, bar)
    result.created["votes"] = len(objects)


def _count(queryset, column: str = "post"):
    """A correlated ``COUNT(*)`` usable inside an ``UPDATE``, 0 when there are no rows."""
    counted = queryset.values(column).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def recount(source: str) -> None:
    """Set the imported posts' counters from the rows they count, in one statement.

    Counting every row (imported or cast in Wendao later) keeps a re-import consistent with
    whatever happened since.
    """
    votes = Vote.objects.filter(post=OuterRef("pk"))
    up, down = _count(votes.filter(value=Vote.UP)), _count(votes.filter(value=Vote.DOWN))
    Post.objects.filter(external_source=source).update(
        upvotes=up,
        downvotes=down,
        score=up - down,
        comment_count=_count(Comment.objects.filter(post=OuterRef("pk"), deleted_at__isnull=True)),
        answer_count=_count(Post.objects.filter(question=OuterRef("pk"), deleted_at__isnull=True), "question"),
    )
    accepted = Post.objects.filter(question=OuterRef("pk"), is_accepted=True, deleted_at__isnull=True)
    Post.objects.filter(external_source=source, kind=PostKind.QUESTION).update(has_accepted_answer=Exists(accepted))


def import_dump(
    dump: Dump,
    *,
    product_slug: str,
    name: str | None = None,
    language: str = "en",
    progress: Progress = NoProgress,
) -> ImportResult:
    """Write a parsed dump into the product (created if needed); all or nothing.

    Text stored as data (the ghost's name, revision notes) is written in the product's language.
    """
    with transaction.atomic(), translation.override(language):
        product = _get_product(dump, slug=product_slug, name=name, language=language)
        result = ImportResult(site=dump.site, product=product, skipped=Counter(dump.skipped))
        total = len(dump.users) + len(dump.posts) + len(dump.comments) + len(dump.votes)
        bar = progress(total=total, desc=_("Importing"), unit=" rows")
        try:
            users = _import_users(dump, result, bar)
            tags = _import_tags(dump, product, result)
            posts = _import_posts(dump, product, users, tags, result, bar)
            _import_comments(dump, posts, users, result, bar)
            _import_votes(dump, posts, product, result, bar)
            if result.added_anything:
                recount(dump.source)
                # Imported votes carry no weight of their own (the voter is withheld); the full
                # recompute gives them the documented default and ranks the product's answers.
                authority_store.recompute(product_id=product.pk)
        finally:
            bar.close()
    return result

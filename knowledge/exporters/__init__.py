"""Export the knowledge base in the formats bot platforms import.

One module per format, each with ``write(stream, records, deletions, progress)`` writing bytes to
a binary stream. This package gathers the records (``collect``) and writes a file atomically
(``export_to_path``): into a temporary file beside the target, renamed over it only when
complete, so a failed export never leaves a partial file.

Exports are reproducible: the same data gives byte-identical files. Records are ordered by
article id, JSON keys are sorted, and zip entries carry a fixed timestamp and permissions.
"""

import contextlib
import datetime
import hashlib
import os
import tempfile
from pathlib import Path
from urllib.parse import quote

from django.db.models import Q
from django.urls import reverse
from django.utils.http import RFC3986_SUBDELIMS

from .. import conf
from ..models import Article, ArticleStatus
from . import azure_tsv, bedrock, dialogflow_csv, jsonl, markdown, rasa
from .base import Deletion, ExportResult, Progress, Record, iso

FORMATS = {
    "jsonl": jsonl,
    "dialogflow-csv": dialogflow_csv,
    "azure-tsv": azure_tsv,
    "rasa": rasa,
    "markdown": markdown,
    "bedrock": bedrock,
}


class ExportError(Exception):
    """Bad export parameters or an unwritable destination; the message is for the user."""


def collect(
    *, product=None, locale: str = "", since: datetime.datetime | None = None
) -> tuple[list[Record], list[Deletion]]:
    """The published articles to export (ordered by id), and with ``since`` the retirements."""
    articles = Article.objects.filter(status=ArticleStatus.PUBLISHED).order_by("pk")
    retired = Article.objects.filter(status=ArticleStatus.RETIRED).select_related("product").order_by("pk")
    if product is not None:
        articles, retired = articles.filter(product=product), retired.filter(product=product)
    if locale:
        articles, retired = articles.filter(locale=locale), retired.filter(locale=locale)
    deletions: list[Deletion] = []
    if since is not None:
        articles = articles.filter(Q(updated_at__gte=since) | Q(published_at__gte=since))
        deletions = [
            Deletion(id=a.pk, product=a.product.slug, locale=a.locale, deleted_at=iso(a.retired_at))
            for a in retired.filter(retired_at__gte=since).only("pk", "locale", "retired_at", "product__slug")
        ]
    url_for = _url_maker(conf.get("SITE_URL").rstrip("/"))
    fields = ["pk", "version", "title", "alt_questions", "answer_markdown", "answer_text", "product__slug"]
    fields += ["product__name", "tags", "locale", "authority", "endorsed_by", "published_at", "updated_at"]
    fields += ["valid_until", "product_version", "slug"]
    # Plain rows rather than model instances: an export reads every article, and building 10,000
    # model objects (and reversing 10,000 URLs) costs more than all the formatting.
    records = [
        Record(
            id=pk,
            version=version,
            title=title,
            alt_questions=list(alt),
            answer_markdown=markdown,
            answer_text=text,
            url=url_for(pk, slug),
            product=product_slug,
            product_name=product_name,
            tags=list(tags),
            locale=row_locale,
            authority=round(authority, 4),
            endorsed_by=list(endorsed_by),
            published_at=iso(published_at),
            updated_at=iso(updated_at),
            valid_until=valid_until.isoformat() if valid_until else None,
            product_version=product_version,
            slug=slug,
        )
        for (
            pk, version, title, alt, markdown, text, product_slug, product_name, tags, row_locale, authority,
            endorsed_by, published_at, updated_at, valid_until, product_version, slug,
        ) in articles.values_list(*fields).iterator(chunk_size=2000)
    ]  # fmt: skip
    return records, deletions


def _url_maker(base: str):
    """``Article.get_absolute_url`` without a ``reverse()`` per article: reverse once with
    placeholders, then fill in the id and the slug, quoted as ``reverse`` quotes it."""
    sentinel_id, sentinel_slug = 987654321, "wendao-slug-placeholder"
    pattern = reverse("knowledge:article_public", args=[sentinel_id, sentinel_slug])
    head, rest = pattern.split(str(sentinel_id), 1)
    middle, tail = rest.split(sentinel_slug, 1)

    def url_for(pk: int, slug: str) -> str:
        return f"{base}{head}{pk}{middle}{quote(slug or 'article', safe=RFC3986_SUBDELIMS + '/~:@')}{tail}"

    return url_for


def file_name(format: str, *, product=None, locale: str = "", since=None) -> str:
    module = FORMATS[format]
    parts = ["wendao-kb", product.slug if product else "all"]
    if locale:
        parts.append(locale)
    if since:
        parts.append("since-" + since.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ"))
    return "-".join(parts) + module.EXTENSION


def export_to_path(
    format: str,
    path: str | os.PathLike,
    *,
    product=None,
    locale: str = "",
    since: datetime.datetime | None = None,
    progress: Progress | None = None,
) -> ExportResult:
    """Write one export to ``path`` atomically. Raises ``ExportError`` with a readable message."""
    if format not in FORMATS:
        raise ExportError(f"Unknown format {format!r}; use one of: {', '.join(FORMATS)}.")
    target = Path(path)
    if target.is_dir():
        raise ExportError(f"{target} is a directory; give a file name to write.")
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise ExportError(f"Cannot write {target}: the directory {directory} does not exist.")
    if not os.access(directory, os.W_OK):
        raise ExportError(f"Cannot write {target}: the directory {directory} is not writable.")
    records, deletions = collect(product=product, locale=locale, since=since)
    module = FORMATS[format]
    try:
        handle, temp_name = tempfile.mkstemp(dir=directory, prefix=f".{target.name}.", suffix=".part")
    except OSError as error:
        raise ExportError(f"Cannot write {target}: {error.strerror}.") from None
    try:
        with os.fdopen(handle, "w+b") as stream:
            module.write(stream, records, deletions, progress)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temp_name, 0o644)
        os.replace(temp_name, target)
    except OSError as error:
        _remove_quietly(temp_name)
        raise ExportError(f"Cannot write {target}: {error.strerror or error}.") from None
    except BaseException:
        _remove_quietly(temp_name)
        raise
    digest = hashlib.sha256()
    with open(target, "rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return ExportResult(
        path=target,
        count=len(records),
        deleted=len(deletions) if module.SUPPORTS_DELETIONS else 0,
        size=target.stat().st_size,
        sha256=digest.hexdigest(),
    )


def _remove_quietly(name: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(name)

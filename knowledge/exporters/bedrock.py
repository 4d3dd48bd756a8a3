"""Amazon Bedrock knowledge bases: a zip of ``<id>-<slug>.md`` documents, each with its
``<id>-<slug>.md.metadata.json`` sidecar ``{"metadataAttributes": {...}}`` (Bedrock's limit for a
sidecar is 10 KB; long values are shortened to stay well under it). The document carries the
title and the alternative phrasings above the answer, so the retriever matches how people ask.
A zip of files cannot say that a file was deleted: sync a full export to drop retired articles.
"""

import json
import zipfile

from .base import counting, zip_entry

EXTENSION = ".zip"
CONTENT_TYPE = "application/zip"
SUPPORTS_DELETIONS = False
METADATA_LIMIT = 10 * 1024


def metadata(record) -> dict:
    attributes = {
        "article_id": record.id,
        "version": record.version,
        "title": record.title[:300],
        "product": record.product,
        "locale": record.locale,
        "tags": record.tags[:10],
        "url": record.url,
        "authority": record.authority,
        "updated_at": record.updated_at,
    }
    if record.valid_until:
        attributes["valid_until"] = record.valid_until
    if record.product_version:
        attributes["product_version"] = record.product_version
    return {"metadataAttributes": attributes}


def metadata_bytes(record) -> bytes:
    # Compact: json's fast C encoder is only used without ``indent``.
    data = json.dumps(metadata(record), ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    if len(data) >= METADATA_LIMIT:  # cannot happen with the limits above; refuse rather than be rejected
        raise ValueError(f"metadata of article {record.id} is {len(data)} bytes, over Bedrock's limit")
    return data


def document(record) -> str:
    lines = [f"# {record.title}", ""]
    if record.alt_questions:
        lines += ["Also asked as:", ""] + [f"- {q}" for q in record.alt_questions] + [""]
    lines += [record.answer_markdown.rstrip(), "", f"Source: {record.url}", ""]
    return "\n".join(lines)


def write(stream, records, deletions, progress=None) -> None:
    with zipfile.ZipFile(stream, "w") as archive:
        for record in counting(records, progress):
            name = f"{record.product}/{record.file_stem}.md"
            zip_entry(archive, name, document(record))
            zip_entry(archive, name + ".metadata.json", metadata_bytes(record))

"""A zip of Markdown articles, one ``<product>/<id>-<slug>.md`` each, with YAML front matter
(id, version, title, alternative phrasings, product, tags, locale, url, authority, endorsers,
dates), for static sites, wikis and document-based bots. A zip of files cannot say that a file
was deleted: import a full export to drop retired articles."""

import zipfile

from .base import counting, yaml_scalar, zip_entry

EXTENSION = ".zip"
CONTENT_TYPE = "application/zip"
SUPPORTS_DELETIONS = False


def front_matter(record) -> str:
    data = {
        "id": record.id,
        "version": record.version,
        "title": record.title,
        "alt_questions": record.alt_questions,
        "product": record.product,
        "tags": record.tags,
        "locale": record.locale,
        "url": record.url,
        "authority": record.authority,
        "endorsed_by": record.endorsed_by,
        "published_at": record.published_at,
        "updated_at": record.updated_at,
        "valid_until": record.valid_until,
    }
    if record.product_version:
        data["product_version"] = record.product_version
    return "".join(f"{key}: {yaml_scalar(value)}\n" for key, value in data.items())


def document(record) -> str:
    return f"---\n{front_matter(record)}---\n\n# {record.title}\n\n{record.answer_markdown.rstrip()}\n"


def write(stream, records, deletions, progress=None) -> None:
    with zipfile.ZipFile(stream, "w") as archive:
        for record in counting(records, progress):
            zip_entry(archive, f"{record.product}/{record.file_stem}.md", document(record))

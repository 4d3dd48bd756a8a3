"""Azure AI Language question answering (QnA) import: a tab-separated file with the header
``Question Answer Source Metadata SuggestedQuestions IsContextOnly Prompts QnaId``.

Every phrasing of an article is its own row with the same ``QnaId`` (the article id) and the same
Markdown answer, as Azure's own exports do. Metadata is ``key:value|key:value``; Azure forbids
``:`` and ``|`` inside keys and values, so those characters are replaced by spaces. Deletions
cannot be expressed in this format: import a full export to drop retired articles.
"""

import csv
import io
import re

from .base import counting

EXTENSION = ".tsv"
CONTENT_TYPE = "text/tab-separated-values; charset=utf-8"
SUPPORTS_DELETIONS = False
HEADER = ["Question", "Answer", "Source", "Metadata", "SuggestedQuestions", "IsContextOnly", "Prompts", "QnaId"]
_RESERVED = re.compile(r"[:|\t\r\n]+")


def _meta_value(value: str) -> str:
    return " ".join(_RESERVED.sub(" ", value).split())


def metadata(record) -> str:
    pairs = [("product", record.product), ("locale", record.locale), ("version", str(record.version))]
    if record.tags:
        pairs.append(("tags", ",".join(record.tags)))
    if record.product_version:
        pairs.append(("productversion", record.product_version))
    return "|".join(f"{key}:{_meta_value(value)}" for key, value in pairs if _meta_value(value))


def write(stream, records, deletions, progress=None) -> None:
    text = io.TextIOWrapper(stream, encoding="utf-8", newline="", write_through=True)
    writer = csv.writer(text, delimiter="\t", lineterminator="\r\n")
    writer.writerow(HEADER)
    for record in counting(records, progress):
        meta = metadata(record)
        for phrasing in record.phrasings:
            writer.writerow([phrasing, record.answer_markdown, record.url, meta, "[]", "false", "[]", record.id])
    text.flush()
    text.detach()

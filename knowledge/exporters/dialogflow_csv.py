"""Dialogflow's FAQ knowledge connector: a CSV of two columns, question then answer, no header.

One row per phrasing (the title and each alternative phrasing), all with the article's answer as
plain text, since Dialogflow shows the answer as text. Dialogflow cannot express deletions: an
incremental file only carries what changed; re-import a full export to drop retired articles.
"""

import csv
import io

from .base import counting

EXTENSION = ".csv"
CONTENT_TYPE = "text/csv; charset=utf-8"
SUPPORTS_DELETIONS = False


def write(stream, records, deletions, progress=None) -> None:
    text = io.TextIOWrapper(stream, encoding="utf-8", newline="", write_through=True)
    writer = csv.writer(text, lineterminator="\r\n")
    for record in counting(records, progress):
        for phrasing in record.phrasings:
            writer.writerow([phrasing, record.answer_text])
    text.flush()
    text.detach()

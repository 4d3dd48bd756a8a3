"""How well "similar questions" finds real duplicates, measured in a throwaway index.

Two sources: a Stack Exchange dump folder (a duplicate is a ``PostLinks.xml`` row with
LinkTypeId 3: PostId duplicates RelatedPostId), or a question-matching pairs file (CSV or TSV
with ``sentence1, sentence2, label`` columns, label 1 = the same question), the format of the
public Chinese and English question-matching corpora. Every distinct question goes into a
fresh Whoosh index in a temporary folder (never the site's own); each duplicate asks "similar
questions" with its own text, over every question but itself, and we score where its duplicate
comes back: recall@1, recall@5 and MRR@10, for Wendao's query and for a plain keyword baseline
(BM25 over the same words in one field, no boosts, no n-grams).
"""

import csv
import shutil
import tempfile
import uuid
import xml.etree.ElementTree as ET
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.utils import timezone
from haystack import connections
from haystack.constants import DJANGO_CT, DJANGO_ID, ID

from .documents import build_document, plain_text, status_of
from .service import similar_question_ids

ENGINE = "forum.search.backend.WendaoWhooshEngine"


class SourceError(ValueError):
    """The source is not a dump folder or a pairs file we can read (the message says why)."""


@dataclass
class Item:
    title: str
    body: str = ""
    tags: list[str] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)


@dataclass
class Corpus:
    items: dict[int, Item] = field(default_factory=dict)
    # (the asking question's id, the ids of its duplicates)
    queries: list[tuple[int, set[int]]] = field(default_factory=list)


def load_source(source: str | Path) -> Corpus:
    path = Path(source)
    if path.is_dir():
        return load_stackexchange(path)
    if path.is_file():
        return load_pairs(path)
    raise SourceError(f"{path} is neither a Stack Exchange dump folder nor a pairs file.")


def _rows(path: Path):
    try:
        for _event, element in ET.iterparse(path, events=("end",)):
            if element.tag == "row":
                yield element.attrib
                element.clear()
    except ET.ParseError as error:
        raise SourceError(f"{path.name} is not valid XML: {error}") from error


def load_stackexchange(folder: Path) -> Corpus:
    posts, links = folder / "Posts.xml", folder / "PostLinks.xml"
    if not posts.exists() or not links.exists():
        raise SourceError(f"{folder} needs Posts.xml and PostLinks.xml.")
    corpus = Corpus()
    answers: dict[int, list[str]] = defaultdict(list)
    for row in _rows(posts):
        if row.get("PostTypeId") == "1":
            tags = row.get("Tags", "").replace("|", " ").replace("<", " ").replace(">", " ").split()
            corpus.items[int(row["Id"])] = Item(row.get("Title", ""), plain_text(row.get("Body", "")), tags)
        elif row.get("PostTypeId") == "2" and row.get("ParentId"):
            answers[int(row["ParentId"])].append(plain_text(row.get("Body", "")))
    for question_id, texts in answers.items():
        if question_id in corpus.items:
            corpus.items[question_id].answers = texts
    duplicates: dict[int, set[int]] = defaultdict(set)
    for row in _rows(links):
        if row.get("LinkTypeId") == "3":
            duplicate, original = int(row["PostId"]), int(row["RelatedPostId"])
            if duplicate in corpus.items and original in corpus.items and duplicate != original:
                # Both ways, as pairs files are asked: being a duplicate is symmetric, and the
                # original, asked anew, should find the later duplicate just as well. It also
                # doubles the few duplicates a small dump has (cardano: 5 links, 10 queries).
                duplicates[duplicate].add(original)
                duplicates[original].add(duplicate)
    corpus.queries = sorted(duplicates.items())
    return corpus


def load_pairs(path: Path) -> Corpus:
    text = path.read_text(encoding="utf-8-sig")
    first_line = text.split("\n", 1)[0]
    # By the content, not the name: "pairs.tsv" files with commas are common.
    delimiter = "\t" if "\t" in first_line or ("," not in first_line and path.suffix.lower() == ".tsv") else ","
    rows = list(csv.reader(text.splitlines(), delimiter=delimiter))
    if rows and [c.strip().lower() for c in rows[0][:3]] == ["sentence1", "sentence2", "label"]:
        rows = rows[1:]
    corpus = Corpus()
    ids: dict[str, int] = {}

    def id_of(sentence: str) -> int:
        if sentence not in ids:
            ids[sentence] = len(ids) + 1
            corpus.items[ids[sentence]] = Item(sentence)
        return ids[sentence]

    same: dict[int, set[int]] = defaultdict(set)
    for number, row in enumerate(rows, start=1):
        if len(row) < 3 or not row[0].strip() or not row[1].strip():
            raise SourceError(f"{path.name}, row {number}: expected sentence1, sentence2, label.")
        first, second, label = id_of(row[0].strip()), id_of(row[1].strip()), row[2].strip()
        if label not in ("0", "1"):
            raise SourceError(f"{path.name}, row {number}: the label must be 0 or 1, not {label[:20]!r}.")
        if label == "1" and first != second:
            # The same question both ways: each sentence asks for the other.
            same[first].add(second)
            same[second].add(first)
    if not corpus.items:
        raise SourceError(f"{path.name} has no pairs.")
    corpus.queries = sorted(same.items())
    return corpus


@contextmanager
def throwaway_index():
    """A haystack connection to a new Whoosh index in a temporary folder, removed afterwards."""
    alias = f"evaluation-{uuid.uuid4().hex[:8]}"
    folder = tempfile.mkdtemp(prefix="wendao-evaluation-")
    connections.connections_info[alias] = {"ENGINE": ENGINE, "PATH": folder, "SILENTLY_FAIL": False}
    connections.ensure_defaults(alias)
    try:
        yield alias
    finally:
        connections.thread_local.connections.pop(alias, None)
        connections.connections_info.pop(alias, None)
        shutil.rmtree(folder, ignore_errors=True)


def index_corpus(corpus: Corpus, alias: str, *, batch: int = 2000) -> None:
    backend = connections[alias].get_backend()
    now = timezone.now()
    documents = []
    for item_id, item in corpus.items.items():
        document = build_document(title=item.title, body=item.body, tags=item.tags, answers=item.answers)
        document.update(
            {
                ID: f"forum.post.{item_id}",
                DJANGO_CT: "forum.post",
                DJANGO_ID: str(item_id),
                "status": status_of(answer_count=len(item.answers), has_accepted=False, closed=False),
                "product_id": 0,
                "votes": 0,
                "answer_count": len(item.answers),
                "created_at": now,
                "last_activity_at": now,
            }
        )
        documents.append(document)
        if len(documents) >= batch:
            backend.add_documents(documents)
            documents = []
    if documents:
        backend.add_documents(documents)


def _scores(rankings: list[tuple[list[int], set[int]]]) -> dict:
    n = len(rankings) or 1
    recall_1 = sum(len(set(ranked[:1]) & relevant) / len(relevant) for ranked, relevant in rankings) / n
    recall_5 = sum(len(set(ranked[:5]) & relevant) / len(relevant) for ranked, relevant in rankings) / n
    mrr = 0.0
    for ranked, relevant in rankings:
        for rank, item_id in enumerate(ranked[:10], start=1):
            if item_id in relevant:
                mrr += 1 / rank
                break
    return {"recall_at_1": round(recall_1, 4), "recall_at_5": round(recall_5, 4), "mrr_at_10": round(mrr / n, 4)}


def evaluate(corpus: Corpus, *, progress=None) -> dict:
    """Both methods' scores on every duplicate of ``corpus``, in a throwaway index."""
    with throwaway_index() as alias:
        index_corpus(corpus, alias)
        wendao, baseline = [], []
        for question_id, relevant in corpus.queries:
            item = corpus.items[question_id]
            for is_baseline, out in ((False, wendao), (True, baseline)):
                ranked = similar_question_ids(
                    title=item.title, body=item.body, limit=10, exclude=question_id, baseline=is_baseline, using=alias
                )
                out.append((ranked, relevant))
            if progress:
                progress()
    return {"wendao": _scores(wendao), "baseline": _scores(baseline), "queries": len(corpus.queries)}

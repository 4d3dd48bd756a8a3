import csv
import datetime
import io
import json
import os
import zipfile
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from knowledge import exporters, services
from knowledge.exporters import azure_tsv
from knowledge.models import Article

from .conftest import endorsed_candidate, publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def articles(product, erin, alice, bob, kate):
    first = publish(
        endorsed_candidate(product=product, expert=erin, asker=alice, answerer=bob),
        kate,
        alt_questions=["router factory reset", "重置路由器"],
        tags=["reset", "wifi"],
        product_version="2.1",
    )
    second = publish(
        endorsed_candidate(
            product=product,
            expert=erin,
            asker=alice,
            answerer=bob,
            title="Why is the Wi-Fi slow: tabs\tand | pipes?",
            body='Move it away from the microwave.\n\n- Channel 1, 6 or 11\n- "Quotes", commas; and\ttabs',
        ),
        kate,
        alt_questions=["slow wifi"],
        valid_until=timezone.localdate() + datetime.timedelta(days=30),
    )
    return [first, second]


def export(tmp_path, fmt, **kwargs) -> Path:
    path = tmp_path / f"out-{fmt}"
    call_command("export_kb", format=fmt, output=str(path), stdout=io.StringIO(), **kwargs)
    return path


def test_jsonl_has_every_field_a_rag_bot_needs(tmp_path, articles, erin):
    lines = export(tmp_path, "jsonl").read_text("utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["id"] for r in records] == [a.pk for a in articles]
    first = records[0]
    assert set(first) == {
        "id", "version", "title", "question", "alt_questions", "answer_markdown", "answer_text", "url", "product",
        "tags", "locale", "authority", "endorsed_by", "published_at", "updated_at", "valid_until",
    }  # fmt: skip
    assert first["alt_questions"] == ["router factory reset", "重置路由器"]
    assert first["endorsed_by"] == [erin.name]
    assert first["url"].startswith("http://127.0.0.1:8000/kb/") and first["product"] == "router"
    assert first["published_at"].endswith("Z") and first["valid_until"] is None
    assert records[1]["valid_until"] == articles[1].valid_until.isoformat()


def test_dialogflow_csv_is_two_columns_one_row_per_phrasing_no_header(tmp_path, articles):
    with open(export(tmp_path, "dialogflow-csv"), newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert all(len(row) == 2 for row in rows)
    assert rows[0] == ["How do I reset the router?", "Hold the reset button for ten seconds."]
    assert [r[0] for r in rows] == [
        "How do I reset the router?", "router factory reset", "重置路由器",
        "Why is the Wi-Fi slow: tabs and | pipes?", "slow wifi",
    ]  # fmt: skip
    assert '"Quotes", commas; and tabs' in rows[3][1]


def test_azure_tsv_has_the_import_header_and_valid_metadata(tmp_path, articles):
    with open(export(tmp_path, "azure-tsv"), newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    assert list(rows[0]) == azure_tsv.HEADER
    assert len(rows) == 5
    assert {r["QnaId"] for r in rows} == {str(a.pk) for a in articles}
    slow = [r for r in rows if r["QnaId"] == str(articles[1].pk)]
    assert slow[0]["Answer"] == articles[1].answer_markdown  # Markdown with newlines and tabs survives
    for row in rows:
        pairs = [pair.split(":") for pair in row["Metadata"].split("|")]
        assert all(len(pair) == 2 and all(pair) for pair in pairs)
        assert (row["SuggestedQuestions"], row["IsContextOnly"], row["Prompts"]) == ("[]", "false", "[]")
    assert "productversion:2.1" in rows[0]["Metadata"] and "tags:reset,wifi" in rows[0]["Metadata"]


def test_rasa_zip_has_retrieval_intents_responses_and_rules(tmp_path, articles):
    with zipfile.ZipFile(export(tmp_path, "rasa")) as archive:
        assert sorted(archive.namelist()) == ["data/nlu.yml", "data/rules.yml", "domain.yml"]
        nlu = yaml.safe_load(archive.read("data/nlu.yml"))
        domain = yaml.safe_load(archive.read("domain.yml"))
        rules = yaml.safe_load(archive.read("data/rules.yml"))
    intents = [item["intent"] for item in nlu["nlu"]]
    assert intents == [f"faq/router_{a.pk}" for a in articles]
    examples = nlu["nlu"][0]["examples"].splitlines()
    assert examples == ["- How do I reset the router?", "- router factory reset", "- 重置路由器"]
    response = domain["responses"][f"utter_faq/router_{articles[0].pk}"][0]["text"]
    assert response.startswith("Hold the reset button") and articles[0].get_absolute_url() in response
    assert domain["intents"] == ["faq"]
    assert rules["rules"][0]["steps"] == [{"intent": "faq"}, {"action": "utter_faq"}]


def test_markdown_zip_has_front_matter(tmp_path, articles):
    with zipfile.ZipFile(export(tmp_path, "markdown")) as archive:
        names = archive.namelist()
        text = archive.read(names[0]).decode("utf-8")
    assert names == [
        f"router/{articles[0].pk}-how-do-i-reset-the-router.md",
        f"router/{articles[1].pk}-why-is-the-wi-fi-slow-tabs-and-pipes.md",
    ]
    _, front, body = text.split("---\n", 2)
    meta = yaml.safe_load(front)
    assert meta["id"] == articles[0].pk and meta["alt_questions"] == ["router factory reset", "重置路由器"]
    assert meta["locale"] == "en" and meta["product_version"] == "2.1"
    assert body.strip().startswith("# How do I reset the router?")


def test_bedrock_zip_pairs_each_document_with_a_small_metadata_sidecar(tmp_path, articles):
    with zipfile.ZipFile(export(tmp_path, "bedrock")) as archive:
        names = archive.namelist()
        docs = [n for n in names if n.endswith(".md")]
        assert len(docs) == 2 and all(d + ".metadata.json" in names for d in docs)
        for doc in docs:
            raw = archive.read(doc + ".metadata.json")
            assert len(raw) < 10 * 1024
            attributes = json.loads(raw)["metadataAttributes"]
            assert attributes["product"] == "router" and isinstance(attributes["tags"], list)
        assert "Also asked as:" in archive.read(docs[0]).decode("utf-8")


@pytest.mark.parametrize("fmt", list(exporters.FORMATS))
def test_every_export_is_byte_reproducible(tmp_path, articles, fmt):
    first = export(tmp_path, fmt).read_bytes()
    (tmp_path / f"out-{fmt}").unlink()
    assert export(tmp_path, fmt).read_bytes() == first


def test_incremental_jsonl_has_changes_and_retirements_as_deletions(tmp_path, articles, kate):
    since = timezone.now()
    Article.objects.filter(pk=articles[0].pk).update(updated_at=since - datetime.timedelta(days=1))
    Article.objects.filter(pk=articles[0].pk).update(published_at=since - datetime.timedelta(days=1))
    Article.objects.filter(pk=articles[1].pk).update(updated_at=since - datetime.timedelta(days=1))
    Article.objects.filter(pk=articles[1].pk).update(published_at=since - datetime.timedelta(days=1))
    services.article_retire(editor=kate, article=articles[1], reason="Superseded")
    services.article_publish(
        editor=kate, article=articles[0], title="How do I reset the router?", answer_markdown="Hold it for 10 s.",
        locale="en",
    )  # fmt: skip
    lines = export(tmp_path, "jsonl", since=since.isoformat()).read_text("utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert [(r["id"], r.get("deleted", False)) for r in records] == [(articles[0].pk, False), (articles[1].pk, True)]
    assert records[0]["version"] == 2


def test_export_limits_by_product_and_locale(tmp_path, articles, other_product, frank, alice, bob, kate):
    zh = publish(
        endorsed_candidate(product=other_product, expert=frank, asker=alice, answerer=bob, title="相机怎么对焦？"),
        kate,
        locale="zh-hans",
    )
    [record] = [
        json.loads(line) for line in export(tmp_path, "jsonl", locale="zh-hans").read_text("utf-8").splitlines()
    ]
    assert record["url"] == "http://127.0.0.1:8000" + zh.get_absolute_url()  # the slug quoted as reverse() does
    ids = lambda path: [json.loads(line)["id"] for line in path.read_text("utf-8").splitlines()]  # noqa: E731
    assert len(ids(export(tmp_path, "jsonl"))) == 3
    assert ids(export(tmp_path, "jsonl", product="router")) == [a.pk for a in articles]
    assert len(ids(export(tmp_path, "jsonl", locale="zh-hans"))) == 1


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"format": "xml"}, "Unknown format 'xml'"),
        ({"format": "jsonl", "product": "nope"}, "Unknown product 'nope'"),
        ({"format": "jsonl", "locale": "fr"}, "Unknown locale 'fr'"),
        ({"format": "jsonl", "since": "last tuesday"}, "is not an ISO 8601 date"),
        ({"format": "jsonl", "since": "2025-13-45"}, "is not an ISO 8601 date"),
    ],
)
def test_bad_arguments_fail_clearly_and_write_nothing(tmp_path, articles, kwargs, message):
    output = tmp_path / "out"
    with pytest.raises(CommandError, match=message):
        call_command("export_kb", output=str(output), **kwargs)
    assert list(tmp_path.iterdir()) == []


def test_an_unwritable_path_fails_clearly_and_leaves_no_partial_file(tmp_path, articles):
    with pytest.raises(CommandError, match="does not exist"):
        call_command("export_kb", format="jsonl", output=str(tmp_path / "missing" / "out.jsonl"))
    with pytest.raises(CommandError, match="is a directory"):
        call_command("export_kb", format="jsonl", output=str(tmp_path))
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("running as a user who can write anywhere (root)")
        with pytest.raises(CommandError, match="not writable"):
            call_command("export_kb", format="jsonl", output=str(locked / "out.jsonl"))
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o700)


def test_a_failure_while_writing_keeps_the_previous_file_and_removes_the_temporary_one(tmp_path, articles, monkeypatch):
    target = tmp_path / "kb.jsonl"
    target.write_text("previous export\n")

    def explode(stream, records, deletions, progress=None):
        stream.write(b"half a file")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(exporters.FORMATS["jsonl"], "write", explode)
    with pytest.raises(CommandError, match="No space left on device"):
        call_command("export_kb", format="jsonl", output=str(target))
    assert target.read_text() == "previous export\n"
    assert [p.name for p in tmp_path.iterdir()] == ["kb.jsonl"]


def test_the_command_reports_what_it_wrote(tmp_path, articles):
    out = io.StringIO()
    call_command("export_kb", format="jsonl", output=str(tmp_path / "kb.jsonl"), stdout=out)
    assert out.getvalue().startswith("Wrote 2 articles to ")


NAUGHTY = json.loads((Path(__file__).resolve().parent.parent / "data" / "blns.json").read_text("utf-8"))
NAUGHTY += ["line\u2028separator", "bom\ufeffinside", "c1\x85control", "tab\tand\nnewline", "emoji 😀 and 中文"]


def _naughty_records():
    from knowledge.exporters.base import Record

    return [
        Record(
            id=i + 1,
            version=1,
            title=text or "(empty)",
            alt_questions=[text, f"{text} again"],
            answer_markdown=f"{text}\n\n  indented {text}\n",
            answer_text=text,
            url=f"https://x.test/kb/{i + 1}/",
            product="router",
            product_name="Router",
            tags=["a"],
            locale="en",
            authority=0.5,
            endorsed_by=[text],
            published_at="2025-01-01T00:00:00Z",
            updated_at="2025-01-01T00:00:00Z",
            valid_until=None,
            product_version=text[:50],
            slug="x",
        )  # fmt: skip
        for i, text in enumerate(NAUGHTY)
    ]


def test_naughty_strings_survive_every_format_as_its_consumer_reads_it():
    records = _naughty_records()

    def written(fmt) -> bytes:
        stream = io.BytesIO()
        exporters.FORMATS[fmt].write(stream, records, [], None)
        return stream.getvalue()

    lines = written("jsonl").decode("utf-8").split("\n")[:-1]
    assert [json.loads(line)["answer_markdown"] for line in lines] == [r.answer_markdown for r in records]
    rows = list(csv.reader(io.StringIO(written("dialogflow-csv").decode("utf-8"), newline="")))
    assert [row[0] for row in rows[::3]] == [r.title for r in records]
    assert all(len(row) == 2 for row in rows)
    rows = list(csv.DictReader(io.StringIO(written("azure-tsv").decode("utf-8"), newline=""), delimiter="\t"))
    assert [row["Answer"] for row in rows[::3]] == [r.answer_markdown for r in records]
    assert all(len(p.split(":")) == 2 for row in rows for p in row["Metadata"].split("|"))
    with zipfile.ZipFile(io.BytesIO(written("markdown"))) as archive:
        fronts = [yaml.safe_load(archive.read(n).decode("utf-8").split("---\n")[1]) for n in archive.namelist()]
    assert [f["alt_questions"] for f in fronts] == [r.alt_questions for r in records]
    assert [f["endorsed_by"] for f in fronts] == [r.endorsed_by for r in records]
    with zipfile.ZipFile(io.BytesIO(written("rasa"))) as archive:
        nlu = yaml.safe_load(archive.read("data/nlu.yml"))
        domain = yaml.safe_load(archive.read("domain.yml"))
    assert len(nlu["nlu"]) == len(records)
    texts = [domain["responses"][f"utter_faq/router_{r.id}"][0]["text"] for r in records]
    assert texts == [r.answer_markdown.rstrip() + f"\n\n{r.url}\n" for r in records]
    with zipfile.ZipFile(io.BytesIO(written("bedrock"))) as archive:
        metas = [json.loads(archive.read(n)) for n in archive.namelist() if n.endswith(".metadata.json")]
    assert [m["metadataAttributes"]["title"] for m in metas] == [r.title[:300] for r in records]

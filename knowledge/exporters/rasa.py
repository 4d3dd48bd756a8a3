"""Rasa (3.x) retrieval intents: a zip with ``data/nlu.yml`` (one retrieval intent
``faq/<key>`` per article, its phrasings as examples), ``domain.yml`` (the responses
``utter_faq/<key>``) and ``data/rules.yml`` (answer any ``faq`` intent with ``utter_faq``).
Deletions cannot be expressed: a Rasa model is trained from the full set, so export in full.
"""

import zipfile

import yaml

from .base import counting, zip_entry

EXTENSION = ".zip"
CONTENT_TYPE = "application/zip"
SUPPORTS_DELETIONS = False
RASA_VERSION = "3.1"
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Block(str):
    """A string YAML writes as a literal block (``|``), as Rasa's own files show examples."""


class _Dump(_Dumper):
    pass


_Dump.add_representer(
    _Block, lambda dumper, data: dumper.represent_scalar("tag:yaml.org,2002:str", str(data), style="|")
)


def intent_key(record) -> str:
    """``<product>_<id>``: ASCII, unique and stable across versions of an article."""
    return f"{record.product.replace('-', '_')}_{record.id}"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _dump(data) -> str:
    return yaml.dump(data, Dumper=_Dump, allow_unicode=True, sort_keys=False, default_flow_style=False, width=1000)


def write(stream, records, deletions, progress=None) -> None:
    nlu, responses = [], {}
    for record in counting(records, progress):
        key = intent_key(record)
        examples = "".join(f"- {_one_line(p)}\n" for p in record.phrasings)
        nlu.append({"intent": f"faq/{key}", "examples": _Block(examples)})
        text = record.answer_markdown.rstrip() + f"\n\n{record.url}"
        responses[f"utter_faq/{key}"] = [{"text": _Block(text + "\n")}]
    domain = {"version": RASA_VERSION, "intents": ["faq"], "responses": responses}
    rules = {
        "version": RASA_VERSION,
        "rules": [
            {"rule": "answer questions from the knowledge base", "steps": [{"intent": "faq"}, {"action": "utter_faq"}]}
        ],
    }
    with zipfile.ZipFile(stream, "w") as archive:
        zip_entry(archive, "data/nlu.yml", _dump({"version": RASA_VERSION, "nlu": nlu}))
        zip_entry(archive, "data/rules.yml", _dump(rules))
        zip_entry(archive, "domain.yml", _dump(domain))

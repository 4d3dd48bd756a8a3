"""Rasa (3.x) retrieval intents: a zip with ``data/nlu.yml`` (one retrieval intent
``faq/<key>`` per article, its phrasings as examples), ``domain.yml`` (the responses
``utter_faq/<key>``) and ``data/rules.yml`` (answer any ``faq`` intent with ``utter_faq``).
Deletions cannot be expressed: a Rasa model is trained from the full set, so export in full.
"""

import zipfile

from .base import YAML_UNSAFE, counting, yaml_scalar, zip_entry

EXTENSION = ".zip"
CONTENT_TYPE = "application/zip"
SUPPORTS_DELETIONS = False
RASA_VERSION = "3.1"


def intent_key(record) -> str:
    """``<product>_<id>``: ASCII, unique and stable across versions of an article."""
    return f"{record.product.replace('-', '_')}_{record.id}"


def _one_line(text: str) -> str:
    """One line with nothing a literal block could trip on (line separators, C1 controls)."""
    return " ".join(YAML_UNSAFE.sub(" ", text).split())


def write(stream, records, deletions, progress=None) -> None:
    # Written by hand rather than by PyYAML's emitter (see ``base.yaml_scalar``): examples as a
    # literal block, as Rasa's own files have them (each is one line, so the block is safe);
    # response texts as double-quoted scalars, which keep any Markdown exactly.
    nlu = [f'version: "{RASA_VERSION}"\n', "nlu:\n"]
    domain = [f'version: "{RASA_VERSION}"\n', "intents:\n- faq\n", "responses:\n"]
    for record in counting(records, progress):
        key = intent_key(record)
        nlu.append(f"- intent: faq/{key}\n  examples: |\n")
        nlu.extend(f"    - {_one_line(p)}\n" for p in record.phrasings)
        text = record.answer_markdown.rstrip() + f"\n\n{record.url}\n"
        domain.append(f"  utter_faq/{key}:\n  - text: {yaml_scalar(text)}\n")
    if len(domain) == 3:
        domain[-1] = "responses: {}\n"
    if len(nlu) == 2:
        nlu[-1] = "nlu: []\n"
    rules = (
        f'version: "{RASA_VERSION}"\n'
        "rules:\n"
        "- rule: answer questions from the knowledge base\n"
        "  steps:\n"
        "  - intent: faq\n"
        "  - action: utter_faq\n"
    )
    with zipfile.ZipFile(stream, "w") as archive:
        zip_entry(archive, "data/nlu.yml", "".join(nlu))
        zip_entry(archive, "data/rules.yml", rules)
        zip_entry(archive, "domain.yml", "".join(domain))

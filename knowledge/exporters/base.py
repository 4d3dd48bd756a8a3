"""What every exporter shares: the record shape, dates, progress and reproducible zip entries."""

import datetime
import json
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.text import slugify

Progress = Callable[[int, int], None]
PROGRESS_EVERY = 500
# Zip entries get this timestamp (the earliest a zip can say) so equal data gives equal bytes.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


@dataclass
class Record:
    id: int
    version: int
    title: str
    alt_questions: list[str]
    answer_markdown: str
    answer_text: str
    url: str
    product: str
    product_name: str
    tags: list[str]
    locale: str
    authority: float
    endorsed_by: list[str]
    published_at: str
    updated_at: str
    valid_until: str | None
    product_version: str
    slug: str

    @property
    def phrasings(self) -> list[str]:
        return [self.title, *self.alt_questions]

    @property
    def file_stem(self) -> str:
        """An ASCII, unique, stable file name part: the id, then the title's ASCII slug."""
        return f"{self.id}-{(slugify(self.title) or 'article')[:60].strip('-') or 'article'}"

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "version": self.version,
            "title": self.title,
            "question": self.title,
            "alt_questions": self.alt_questions,
            "answer_markdown": self.answer_markdown,
            "answer_text": self.answer_text,
            "url": self.url,
            "product": self.product,
            "tags": self.tags,
            "locale": self.locale,
            "authority": self.authority,
            "endorsed_by": self.endorsed_by,
            "published_at": self.published_at,
            "updated_at": self.updated_at,
            "valid_until": self.valid_until,
        }


@dataclass
class Deletion:
    id: int
    product: str
    locale: str
    deleted_at: str


@dataclass
class ExportResult:
    path: Path
    count: int
    deleted: int
    size: int
    sha256: str
    formats: list[str] = field(default_factory=list)


def iso(value: datetime.datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(datetime.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def counting(records: list, progress: Progress | None) -> Iterable:
    """Yield the records, reporting progress every few hundred."""
    total = len(records)
    for done, record in enumerate(records, start=1):
        yield record
        if progress and (done % PROGRESS_EVERY == 0 or done == total):
            progress(done, total)


def zip_entry(archive: zipfile.ZipFile, name: str, data: str | bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    # Level 1: a tenth of the time of the default level for many small text files, a few % larger.
    archive.writestr(info, data.encode("utf-8") if isinstance(data, str) else data, compresslevel=1)


# Characters a YAML parser would fold or refuse, in a literal block or in a double-quoted scalar
# where JSON leaves them raw: C0 and C1 controls and DEL, the Unicode line and paragraph separators, the BOM,
# non-characters and lone surrogates.
YAML_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]")


def yaml_scalar(value) -> str:
    """A YAML flow scalar for ``value`` (str, int, float, bool, None or a list of those).

    JSON is valid YAML, and writing it directly is ~50 times faster than PyYAML's emitter for
    the many small documents of an export; the tests load the result with ``yaml.safe_load``.
    """
    if value is None or isinstance(value, bool | int | float):
        return json.dumps(value)
    text = json.dumps(value, ensure_ascii=False)
    if text.isascii() and "\x7f" not in text:
        return text  # json already escaped every C0 control; nothing else here troubles YAML
    return YAML_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)

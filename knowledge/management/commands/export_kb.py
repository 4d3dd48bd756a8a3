"""Export the knowledge base for a bot platform.

    python manage.py export_kb --format jsonl [--product SLUG] [--locale L]
                               [--since ISO-DATETIME] --output PATH

Writes atomically (temporary file, then rename): a failure never leaves a partial file. Exits
non-zero with a clear message on an unknown format or product, a bad date, or a path that
cannot be written.
"""

import datetime
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from tqdm import tqdm

from forum.models import Product
from knowledge import exporters


def parse_since(value: str) -> datetime.datetime:
    """An ISO 8601 date or date-time; naive values are read in the site's time zone."""
    try:
        parsed = parse_datetime(value)
        if parsed is None and (day := parse_date(value)) is not None:
            parsed = datetime.datetime.combine(day, datetime.time())
    except ValueError:
        parsed = None
    if parsed is None:
        raise CommandError(f"--since {value!r} is not an ISO 8601 date or date-time (e.g. 2025-01-31T08:00:00Z).")
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


class Command(BaseCommand):
    help = "Export the published knowledge base in a bot platform's format."

    def add_arguments(self, parser):
        parser.add_argument("--format", required=True, help=f"one of: {', '.join(exporters.FORMATS)}")
        parser.add_argument("--product", default="", help="a product's slug (default: every product)")
        parser.add_argument("--locale", default="", help="only articles in this locale, e.g. en or zh-hans")
        parser.add_argument("--since", default="", help="incremental: what changed since this ISO date-time")
        parser.add_argument("--output", required=True, help="the file to write")

    def handle(self, *args, **options):
        fmt = options["format"]
        if fmt not in exporters.FORMATS:
            raise CommandError(f"Unknown format {fmt!r}; use one of: {', '.join(exporters.FORMATS)}.")
        product = None
        if options["product"]:
            product = Product.objects.filter(slug=options["product"]).first()
            if product is None:
                known = ", ".join(Product.objects.order_by("slug").values_list("slug", flat=True)[:20])
                raise CommandError(f"Unknown product {options['product']!r}; known products: {known or 'none'}.")
        locale = options["locale"]
        codes = [code for code, _name in settings.LANGUAGES]
        if locale and locale not in codes:
            raise CommandError(f"Unknown locale {locale!r}; use one of: {', '.join(codes)}.")
        since = parse_since(options["since"]) if options["since"] else None

        bar = tqdm(total=0, unit="article", disable=not sys.stderr.isatty() or options["verbosity"] < 1)

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        try:
            result = exporters.export_to_path(
                fmt, options["output"], product=product, locale=locale, since=since, progress=progress
            )
        except exporters.ExportError as error:
            raise CommandError(str(error)) from None
        finally:
            bar.close()
        deleted = f", {result.deleted} deletions" if result.deleted else ""
        self.stdout.write(
            f"Wrote {result.count} articles{deleted} to {result.path} ({result.size} bytes, sha256 {result.sha256})."
        )

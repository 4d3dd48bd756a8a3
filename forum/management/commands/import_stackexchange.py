import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.text import slugify
from tqdm import tqdm

from forum.importers.indexing import index_product
from forum.importers.stackexchange import DumpError, import_dump, read_dump


class Command(BaseCommand):
    help = (
        "Import a Stack Exchange data dump (Posts.xml, Users.xml, Votes.xml; Comments.xml, PostLinks.xml and "
        "Tags.xml where present) into a product. Running it again adds only what is new."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", help="the folder holding the dump's XML files")
        parser.add_argument("--product", required=True, help="slug of the product to import into (created if new)")
        parser.add_argument("--name", help="the product's name when it is created (default: the site's name)")
        parser.add_argument(
            "--language",
            default="en",
            choices=[code for code, _name in settings.LANGUAGES],
            help="the product's main language when it is created",
        )
        parser.add_argument("--site", help="the dump's host, e.g. cardano.stackexchange.com (default: worked out)")
        parser.add_argument("--no-index", action="store_true", help="leave the search index alone (rebuild it later)")

    def handle(self, *args, directory, product, name, language, site, no_index, verbosity, **options):
        if slugify(product) != product:
            raise CommandError(f"“{product}” is not a slug: use lower-case letters, digits and hyphens.")

        def progress(**kwargs):
            return tqdm(disable=verbosity == 0, leave=False, file=self.stderr, **kwargs)

        started = time.perf_counter()
        try:
            dump = read_dump(directory, site=site, progress=progress)
            read_seconds = time.perf_counter() - started
            result = import_dump(dump, product_slug=product, name=name, language=language, progress=progress)
        except DumpError as error:
            raise CommandError(f"{error} Nothing was imported.") from None
        seconds = time.perf_counter() - started
        indexed = self._index(result, progress) if result.added_anything and not no_index else None

        if verbosity == 0:
            return
        created = ", ".join(f"{count} {kind}" for kind, count in result.created.items())
        if result.added_anything:
            self.stdout.write(self.style.SUCCESS(f"Imported {dump.site} into “{result.product.slug}”: {created}."))
        else:
            self.stdout.write(f"Nothing new in {dump.site}: “{result.product.slug}” already has all of it.")
        for reason, count in sorted(result.skipped.items()):
            self.stdout.write(f"  not imported: {count} {reason}")
        self.stdout.write(f"  took {seconds:.1f} s (reading and checking {read_seconds:.1f} s)")
        if indexed is not None:
            self.stdout.write(f"  search index: {indexed} questions of “{result.product.slug}” written")

    def _index(self, result, progress) -> int | None:
        try:
            return index_product(result.product.pk, progress=progress)
        except Exception as error:  # any search failure: the import is committed already
            self.stderr.write(
                self.style.WARNING(
                    f"The import is saved, but the search index could not be updated ({error}). "
                    "Run `manage.py rebuild_index --noinput` when search is back."
                )
            )
            return None

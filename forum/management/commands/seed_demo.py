from importlib import import_module
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from forum.demo import seed
from forum.demo.content import DEMO_PASSWORD
from forum.importers.indexing import index_product
from forum.importers.stackexchange import DumpError, import_dump, read_dump
from forum.models import Post

CARDANO_SLUG = "cardano"


class Command(BaseCommand):
    help = (
        "Load the demo community: two products in Chinese and one in English, with customers, experts, a "
        "knowledge editor and an admin. With --once, do nothing if it is already there, and also import the "
        "cardano Stack Exchange dump from STACKEXCHANGE_DATA_DIR when that folder exists."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--once", action="store_true", help="skip what is already loaded instead of failing (used by make run)"
        )

    def handle(self, *args, once, verbosity, **options):
        if seed.is_loaded():
            if not once:
                raise CommandError(
                    "The demo is already loaded. Use --once to skip it, or start from an empty database."
                )
            if verbosity:
                self.stdout.write("The demo is already loaded.")
        else:
            summary = seed.load()
            if verbosity:
                counts = ", ".join(f"{count} {kind}" for kind, count in summary.counts.items())
                self.stdout.write(self.style.SUCCESS(f"Demo loaded: {counts}."))
        if once:
            self._import_cardano(verbosity)
        # The knowledge base publishes a few articles per demo product. Idempotent (products that
        # have articles are skipped), so it also completes a demo loaded before it existed.
        if apps.is_installed("knowledge"):
            import_module("knowledge.demo").publish_demo_articles(stdout=self.stdout if verbosity else None)
        if verbosity:
            # Last, so the logins are what `make run` leaves on the screen before the server starts.
            self._print_logins(seed.summary())

    def _import_cardano(self, verbosity: int) -> None:
        folder = Path(settings.WENDAO["STACKEXCHANGE_DATA_DIR"]) / CARDANO_SLUG
        if not folder.is_dir() or Post.objects.filter(product__slug=CARDANO_SLUG).exists():
            return

        def progress(**kwargs):
            return tqdm(disable=verbosity == 0, leave=False, file=self.stderr, **kwargs)

        try:
            dump = read_dump(folder, progress=progress)
            result = import_dump(dump, product_slug=CARDANO_SLUG, name="Cardano", progress=progress)
        except DumpError as error:
            # The demo itself is loaded; a broken dump must not stop `make run` from serving it.
            self.stderr.write(self.style.ERROR(f"Could not import {folder}: {error} Nothing was imported from it."))
            return
        if verbosity:
            created = ", ".join(f"{count} {kind}" for kind, count in result.created.items())
            self.stdout.write(self.style.SUCCESS(f"Imported {dump.site} as the product “{CARDANO_SLUG}”: {created}."))
        try:
            index_product(result.product.pk, progress=progress)
        except Exception as error:  # any search failure: the import is committed already
            self.stderr.write(
                self.style.WARNING(f"Search will not find {CARDANO_SLUG} until `manage.py rebuild_index`: {error}")
            )

    def _print_logins(self, summary: seed.DemoSummary) -> None:
        self.stdout.write(f"\nDemo logins (password for every account: {DEMO_PASSWORD})")
        width = max(len(username) for username, _role, _product in summary.people)
        for username, role, product in summary.people:
            label = role or "Customer"
            self.stdout.write(f"  {username:<{width}}  {label}{f' · {product}' if product else ''}")

"""Rebuild the authority index from the rows: ``manage.py recompute_authority [--product SLUG]``."""

import time

from django.core.management.base import BaseCommand, CommandError

from forum.authority_store import recompute
from forum.models import Product


class Command(BaseCommand):
    help = "Recompute every user's authority and every post's rank score from votes, acceptances and endorsements."

    def add_arguments(self, parser):
        parser.add_argument("--product", metavar="SLUG", help="only this product")

    def handle(self, *args, product=None, **options):
        product_id = None
        if product:
            found = Product.objects.filter(slug=product).values_list("pk", flat=True).first()
            if found is None:
                raise CommandError(f"No product with the slug {product!r}.")
            product_id = found
        started = time.perf_counter()
        result = recompute(product_id=product_id, progress=lambda step: self.stderr.write(f"… {step}"))
        self.stdout.write(
            f"Recomputed in {time.perf_counter() - started:.1f} s: {result['authorities']} authority rows and "
            f"{result['posts']} posts changed, {result['votes_filled']} imported votes linked to their authors."
        )

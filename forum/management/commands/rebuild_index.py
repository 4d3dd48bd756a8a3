"""Rebuild the search index from the database, with a progress bar.

Replaces haystack's command of the same name (forum is listed before haystack in
INSTALLED_APPS) and accepts its options, so scripts written for haystack keep working.
"""

from django.core.management.base import BaseCommand, CommandError
from haystack import connections
from tqdm import tqdm

from forum.search.indexing import index_batches, index_size


class Command(BaseCommand):
    help = "Empty the search index and index every visible question again (with a progress bar)."

    def add_arguments(self, parser):
        parser.add_argument("--noinput", "--no-input", action="store_false", dest="interactive", default=True)
        parser.add_argument("-b", "--batch-size", type=int, default=500, dest="batchsize")
        parser.add_argument("-u", "--using", default="default", help="the HAYSTACK_CONNECTIONS alias")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar (for logs)")

    def handle(self, *args, interactive=True, batchsize=500, using="default", no_progress=False, **options):
        if using not in connections.connections_info:
            raise CommandError(f"No search connection named {using!r}.")
        if batchsize < 1:
            raise CommandError("--batch-size must be at least 1.")
        if interactive:
            answer = input("This empties the search index and builds it again. Continue? [y/N] ")
            if answer.strip().lower() not in ("y", "yes"):
                self.stdout.write("Nothing changed.")
                return
        total = index_size(using)
        connections[using].get_backend().clear()
        with tqdm(total=total, unit="question", disable=no_progress, file=self.stderr) as bar:
            for written in index_batches(batch_size=batchsize, using=using):
                bar.update(written)
        self.stdout.write(self.style.SUCCESS(f"Indexed {total} questions."))

from django.core.management.base import BaseCommand
from tqdm import tqdm

from forum.models import Post
from forum.rendering import RENDERER_VERSION
from forum.tasks import post_rerender


class Command(BaseCommand):
    help = "Queue a re-render of every post whose cached HTML was made by an older renderer."

    def handle(self, *args, **options):
        stale = Post.objects.exclude(body_html_version=RENDERER_VERSION).values_list("pk", flat=True)
        count = 0
        for post_id in tqdm(stale.iterator(), total=stale.count(), disable=options["verbosity"] == 0):
            post_rerender.delay(post_id)
            count += 1
        self.stdout.write(self.style.SUCCESS(f"Queued {count} posts for re-rendering."))

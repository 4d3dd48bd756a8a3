"""Fill the English catalogue from its own msgids, so that it is complete like the Chinese one.

English is the source language: an English msgstr is the msgid itself (and, for plurals, the
msgid_plural). Writing it out keeps "every msgid translated" true for both catalogues, which the
catalogue test checks, and clears the fuzzy guesses makemessages makes when an English string
changes. ``make messages`` runs this after ``makemessages``.
"""

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Copy every msgid of the English catalogue into its msgstr."

    def add_arguments(self, parser):
        default = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES" / "django.po"
        parser.add_argument("po_file", nargs="?", default=str(default))

    def handle(self, *args, po_file: str, **options):
        catalogue = polib.pofile(po_file, wrapwidth=79)
        changed = 0
        for entry in catalogue:
            if entry.obsolete:
                continue
            if entry.msgid_plural:
                wanted = {0: entry.msgid, 1: entry.msgid_plural}
                if entry.msgstr_plural != wanted or entry.fuzzy:
                    entry.msgstr_plural = wanted
                    changed += 1
            elif entry.msgstr != entry.msgid or entry.fuzzy:
                entry.msgstr = entry.msgid
                changed += 1
            if entry.fuzzy:
                entry.flags.remove("fuzzy")
                entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
        catalogue.save()
        self.stdout.write(f"{po_file}: {changed} entries filled.")

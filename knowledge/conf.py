"""The knowledge base's tunable numbers, read from ``settings.KNOWLEDGE`` with safe defaults.

- ``CANDIDATE_MIN_RANK_SCORE``: an accepted answer's authority-weighted ``rank_score`` must be
  above this for it to become a candidate without an expert's endorsement.
- ``CANDIDATE_MIN_EFFECTIVE_VOTES``: ...and it must have at least this many effective votes, so
  one enthusiastic voter cannot promote an answer alone.
- ``BOT_MISS_THRESHOLD``: bot answers below this confidence are logged as misses.
- ``EXPORT_DIR``: where the export task writes its files.
- ``SITE_URL``: the absolute address put in exported article links.
- ``BOT_ANON_RATE``: how often one address may ask the bot answer API without a token
  (DRF rate syntax, e.g. "600/minute"; empty for no limit).
"""

from django.conf import settings

DEFAULTS = {
    "CANDIDATE_MIN_RANK_SCORE": 0.5,
    "CANDIDATE_MIN_EFFECTIVE_VOTES": 3.0,
    "BOT_MISS_THRESHOLD": 0.5,
    "EXPORT_DIR": "var/kb-exports",
    "SITE_URL": "http://127.0.0.1:8000",
    "BOT_ANON_RATE": "600/minute",
}


def get(name: str):
    return getattr(settings, "KNOWLEDGE", {}).get(name, DEFAULTS[name])

"""Production settings pass Django's deployment checklist and refuse to start without a key."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"DJANGO_DEBUG", "SECRET_KEY"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = _manage(
        "check", "--deploy", "--fail-level", "WARNING", DJANGO_DEBUG="0", SECRET_KEY=secrets.token_urlsafe(64)
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = _manage("check", DJANGO_DEBUG="0", SECRET_KEY="")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_example_env_names_every_setting_the_code_reads():
    example = (ROOT / "config" / "production.env.example").read_text()
    for name in [
        "DJANGO_DEBUG",
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "DATABASE_URL",
        "CELERY_BROKER_URL",
        "CACHE_URL",
        "WHOOSH_INDEX_PATH",
        "EMAIL_HOST",
        "CSRF_TRUSTED_ORIGINS",
        "SECURE_HSTS_SECONDS",
    ]:
        assert f"\n{name}=" in example or f"# {name}=" in example, name

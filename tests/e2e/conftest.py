"""Playwright driving Debian's Chromium against pytest-django's ``live_server``.

The browser is the system's ``/usr/bin/chromium`` (``make browser`` installs it from Debian);
Playwright never downloads one. Tests here are marked ``e2e`` and skipped when Chromium or the
``playwright`` package is missing, and in the PostgreSQL pass (they run once, on SQLite).
"""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("WENDAO_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
# Headless, and nothing that phones home: the run must work on a machine without Internet.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(config, items):
    reason = None
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        reason = f"{CHROMIUM} is missing (make browser installs Debian's chromium)"
    elif os.environ.get("DATABASE_URL", "").startswith("postgres"):
        reason = "end-to-end tests run once, in the SQLite pass"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "the playwright package is missing (pip install -e '.[test]')"
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="module")
def browser():
    # Playwright's sync API runs an event loop in this thread; Django would otherwise refuse the
    # ORM calls the tests make between browser steps. Module-scoped and restored afterwards, so
    # the flag never leaks into other tests (manage.py check --deploy rejects it, rightly).
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def new_page(browser, live_server):
    """``new_page()`` opens a fresh browser context (its own cookies: one person) on the live server.

    Every page records JavaScript dialogs, page errors and Content Security Policy violations, so
    a test can assert none happened.
    """
    contexts = []

    def make(locale: str = "en-US"):
        context = browser.new_context(base_url=live_server.url, locale=locale, viewport={"width": 1200, "height": 900})
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.dialogs = []
        page.errors = []

        def on_dialog(dialog):
            page.dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        # A script or style the Content Security Policy refused shows up as a console error.
        page.on(
            "console",
            lambda message: (
                page.errors.append(message.text)
                if message.type == "error" and "Content Security Policy" in message.text
                else None
            ),
        )
        return page

    yield make
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # From the top of the page, as a reader arriving sees it (a form post may leave it scrolled).
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)


def log_in(page, username: str, password: str = "correct horse battery staple") -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main form.post-form button.primary")
    page.wait_for_load_state()

"""End-to-end fixtures: one real server process per test session, Debian's Chromium driven by
Playwright (sync API), pages in French and Chinese, screenshots under ``test-output/e2e/``.

The server is ``jointdegree run`` (the development server; gunicorn is only an optional extra) in
a subprocess, on a free port of 127.0.0.1, against a fresh database of its own — a SQLite file in
a temporary folder, or a PostgreSQL database of its own when the suite runs with
``JOINTDEGREE_TEST_DATABASE=postgresql`` — migrated with ``jointdegree db upgrade`` and loaded
with ``jointdegree demo``, exactly as ``make run`` does.

Only the system browser is used (``/usr/bin/chromium``; never a downloaded one): when it is
missing the tests skip with the reason, and under ``CI=true`` they fail instead.
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po

from jointdegree.demo import DEMO_PASSWORD
from tests.support import pg_database, skip_or_fail

CHROMIUM = Path("/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[2]
OUTPUT = REPO / "test-output" / "e2e"
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
BACKEND = os.environ.get("JOINTDEGREE_TEST_DATABASE", "sqlite")
SERVER_START_TIMEOUT = 60  # seconds: migrations + demo + first answer
EXPECT_TIMEOUT = 10_000  # milliseconds: a real page of the served app, not a unit test


# -- languages ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Language:
    """One UI language: its code in the app, the browser's locale, and its message catalog (read
    from the .po file, so assertions use the exact strings a reader of that language sees)."""

    code: str  # the app's code, the value of the switcher's button
    browser_locale: str  # what the browser context sends as Accept-Language
    html_lang: str  # the <html lang> the app renders
    messages: dict[str, Any] = field(repr=False)

    def t(self, msgid: str, **values: Any) -> str:
        """The translation of ``msgid`` (formatted with ``values``), as gettext would give it."""
        text = self.messages.get(msgid) or msgid
        if isinstance(text, tuple):
            text = text[0]
        return text % values if values else text

    def tn(self, singular: str, plural: str, num: int, **values: Any) -> str:
        """The plural form for ``num`` (French: 0 and 1 singular; Chinese: one form)."""
        forms = self.messages.get(singular)
        if not isinstance(forms, tuple) or not any(forms):
            text = singular if num == 1 else plural
        elif len(forms) == 1:
            text = forms[0]
        else:
            text = forms[0] if num <= 1 else forms[1]
        return text % {"num": num, **values}


def _load_language(code: str, browser_locale: str, html_lang: str) -> Language:
    path = REPO / "translations" / code / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as fh:
        catalog = read_po(fh)
    messages: dict[str, Any] = {}
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        messages[key] = message.string
    return Language(code, browser_locale, html_lang, messages)


LANGUAGES = {"fr": ("fr", "fr-FR", "fr"), "zh": ("zh_Hans", "zh-CN", "zh-Hans")}
_loaded: dict[str, Language] = {}


def language(key: str) -> Language:
    if key not in _loaded:
        _loaded[key] = _load_language(*LANGUAGES[key])
    return _loaded[key]


@pytest.fixture(params=sorted(LANGUAGES))
def lang(request: pytest.FixtureRequest) -> Language:
    """Run the test once in French and once in Chinese."""
    return language(request.param)


# -- the served app -------------------------------------------------------------------------------

@dataclass
class Server:
    url: str
    log: Path
    demo_output: str

    def verification_code(self, status: str = "valid") -> str:
        """A verification code the demo printed ("MD3T-GRGC-JSB5 (valid)")."""
        found = re.search(rf"([0-9A-Z]{{4}}-[0-9A-Z]{{4}}-[0-9A-Z]{{4}}) \({status}\)",
                          self.demo_output)
        assert found, self.demo_output
        return found.group(1)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _cli() -> list[str]:
    """The ``jointdegree`` command of the interpreter running the tests."""
    beside = Path(sys.executable).with_name("jointdegree")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("jointdegree")
    if found is None:
        pytest.fail("the `jointdegree` command is not installed (pip install -e .)")
    return [found]


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server stopped (exit {process.returncode}):\n"
                        f"{log.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(url + "/login", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    pytest.fail(f"the server did not answer on {url} within {SERVER_START_TIMEOUT} s:\n"
                f"{log.read_text(errors='replace')[-3000:]}")


@pytest.fixture(scope="session")
def chromium() -> Path:
    if not (CHROMIUM.exists() and os.access(CHROMIUM, os.X_OK)):
        skip_or_fail(f"{CHROMIUM} is missing (apt-get install chromium); the end-to-end tests "
                     "use the system browser only")
    return CHROMIUM


@pytest.fixture(scope="session")
def server(chromium: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The app served by a real process on 127.0.0.1, with the demo loaded."""
    folder = tmp_path_factory.mktemp("e2e-server")
    with contextlib.ExitStack() as stack:
        if BACKEND == "postgresql":
            database_url = stack.enter_context(pg_database("jd_e2e", migrated=False))
        else:
            database_url = f"sqlite:///{folder / 'jointdegree.sqlite3'}"
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        env = {**os.environ,
               "JOINTDEGREE_DATABASE_URL": database_url,
               "JOINTDEGREE_SECRET_KEY": "e2e-secret-key-not-for-production",
               "JOINTDEGREE_KEYS_DIR": str(folder / "keys"),
               "JOINTDEGREE_BASE_URL": url,
               "PYTHONUNBUFFERED": "1"}
        for name in ("FLASK_DEBUG", "FLASK_RUN_PORT", "FLASK_RUN_HOST", "FLASK_APP",
                     "JOINTDEGREE_SMTP_HOST"):
            env.pop(name, None)
        cli = _cli()
        for step in (["db", "upgrade"], ["demo"]):
            done = subprocess.run([*cli, *step], env=env, cwd=REPO, capture_output=True,
                                  text=True, timeout=300, check=False)
            if done.returncode != 0:
                pytest.fail(f"`jointdegree {' '.join(step)}` failed:\n{done.stdout}\n"
                            f"{done.stderr}")
        demo_output = done.stdout
        log = folder / "server.log"
        with log.open("wb") as out:
            process = subprocess.Popen(  # our own child, stopped below by its handle
                [*cli, "run", "--host", "127.0.0.1", "--port", str(port), "--no-debug",
                 "--no-reload", "--with-threads"],
                env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT)
        try:
            _wait_until_up(url, process, log)
            yield Server(url=url, log=log, demo_output=demo_output)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


# -- the browser ----------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser(chromium: Path) -> Iterator[Any]:
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=EXPECT_TIMEOUT)
    with sync_playwright() as playwright:
        try:
            launched = playwright.chromium.launch(
                executable_path=str(chromium), headless=True, args=["--no-sandbox"])
        except Exception as exc:  # a broken system browser is a missing one
            skip_or_fail(f"{chromium} does not start under Playwright: {exc}")
        try:
            yield launched
        finally:
            launched.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def output_path(name: str, suffix: str = "") -> Path:
    """``test-output/e2e/<test name><suffix>.png``, the name made safe for any file system."""
    safe = re.sub(r"[^A-Za-z0-9_.\[\]-]+", "-", name)
    OUTPUT.mkdir(parents=True, exist_ok=True)
    return OUTPUT / f"{safe}{suffix}.png"


_SIGNED_IN: dict[tuple[str, str, str], Any] = {}


@dataclass
class Browsing:
    """Opens browser contexts for one test and watches every page they open: a server error
    (5xx) or an uncaught script error fails the test; on failure every open page is captured."""

    browser: Any
    server: Server
    test_name: str
    contexts: list[Any] = field(default_factory=list)
    server_errors: list[str] = field(default_factory=list)
    script_errors: list[str] = field(default_factory=list)

    def new_page(self, lang: Language | None = None, *, bypass_csp: bool = False,
                 storage_state: Any = None) -> Any:
        context = self.browser.new_context(
            base_url=self.server.url,
            locale=lang.browser_locale if lang else "en-GB",
            timezone_id="Europe/Paris",
            viewport={"width": 1280, "height": 900},
            bypass_csp=bypass_csp,
            storage_state=storage_state)
        context.set_default_timeout(EXPECT_TIMEOUT)
        self.contexts.append(context)
        page = context.new_page()
        page.on("response", self._on_response)
        page.on("pageerror", lambda error: self.script_errors.append(str(error)))
        return page

    def page_as(self, lang: Language, email: str | None, *, bypass_csp: bool = False) -> Any:
        """A page logged in as ``email`` (None: anonymous). The login itself is done once per
        user and language in the session; later contexts reuse its cookies."""
        if email is None:
            return self.new_page(lang, bypass_csp=bypass_csp)
        key = (self.server.url, email, lang.code)
        state = _SIGNED_IN.get(key)
        page = self.new_page(lang, bypass_csp=bypass_csp, storage_state=state)
        if state is None:
            log_in(page, lang, email)
            _SIGNED_IN[key] = page.context.storage_state()
        return page

    def _on_response(self, response: Any) -> None:
        if response.status >= 500:
            self.server_errors.append(f"{response.status} {response.request.method} "
                                      f"{response.url}")

    def screenshot(self, page: Any, suffix: str = "") -> Path:
        path = output_path(self.test_name, suffix)
        page.screenshot(path=str(path), full_page=True)
        return path

    def close(self, failed: bool) -> None:
        for number, context in enumerate(self.contexts):
            if failed:
                for index, page in enumerate(context.pages):
                    # Best effort: the failure itself is reported anyway.
                    with contextlib.suppress(Exception):
                        page.screenshot(path=str(output_path(
                            self.test_name, f"-failure-{number}-{index}")), full_page=True)
            context.close()


@pytest.fixture
def browsing(browser: Any, server: Server, request: pytest.FixtureRequest) -> Iterator[Browsing]:
    session = Browsing(browser, server, request.node.name)
    safe = output_path(request.node.name).stem
    for stale in OUTPUT.glob(glob.escape(safe) + "-failure-*.png"):
        stale.unlink()
    yield session
    call = getattr(request.node, "report_call", None)
    session.close(failed=bool(call and call.failed))
    problems = []
    if session.server_errors:
        problems.append("server errors: " + "; ".join(session.server_errors)
                        + "\n--- server log ---\n" + server.log_tail())
    if session.script_errors:
        problems.append("script errors: " + "; ".join(session.script_errors))
    if problems and call is not None and call.passed:
        pytest.fail("\n".join(problems), pytrace=False)


@pytest.fixture(scope="session")
def axe_script() -> Path:
    """axe-core from tests/e2e/node_modules (``npm ci --prefix tests/e2e``)."""
    if not AXE.exists():
        skip_or_fail(f"{AXE.relative_to(REPO)} is missing: run `npm ci --prefix tests/e2e` "
                     "to install axe-core")
    return AXE


# -- steps the journeys share ---------------------------------------------------------------------

def choose_language(page: Any, lang: Language) -> None:
    """Pick ``lang`` with the header's switcher (saved on the account when logged in), unless the
    page is already in it; then check the page says so."""
    from playwright.sync_api import expect

    button = page.locator(f'form.lang-switch button[value="{lang.code}"]')
    if button.get_attribute("aria-pressed") != "true":
        with page.expect_navigation():
            button.click()
    expect(page.locator("html")).to_have_attribute("lang", lang.html_lang)
    expect(button).to_have_attribute("aria-pressed", "true")


def log_in(page: Any, lang: Language, email: str) -> None:
    """Log in through the login page, which an anonymous visitor gets in the browser's language
    (Accept-Language), then make sure the pages are in ``lang`` whatever the account saved."""
    from playwright.sync_api import expect

    page.goto("/login")
    expect(page.locator("h1")).to_have_text(lang.t("Log in"))
    page.get_by_label(lang.t("E-mail"), exact=True).fill(email)
    page.get_by_label(lang.t("Password"), exact=True).fill(DEMO_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name=lang.t("Log in"), exact=True).click()
    expect(page.locator("form.lang-switch")).to_be_visible()
    expect(page.locator('form[action="/logout"]')).to_be_visible()
    choose_language(page, lang)
    expect(page.get_by_role("button", name=lang.t("Log out"), exact=True)).to_be_visible()


def open_student(page: Any, email: str) -> str:
    """A registrar finds a student with the search of the students page; returns its URL."""
    from playwright.sync_api import expect

    page.goto("/students")
    search = page.locator("#q")
    search.fill(email)
    with page.expect_navigation():
        search.press("Enter")
    links = page.locator("main table a[href^='/students/']")
    expect(links).to_have_count(1)
    with page.expect_navigation():
        links.first.click()
    expect(page.locator("main")).to_contain_text(email)
    return page.url


def open_partnership_page(page: Any) -> str:
    """The demo's double degree, from the list of double degrees; returns its URL."""
    page.goto("/partnerships")
    link = page.locator("main a[href^='/partnerships/']").filter(
        has_text=re.compile(r"NICE-HAIKOU-CS"))
    with page.expect_navigation():
        link.first.click()
    assert re.search(r"/partnerships/\d+$", page.url), page.url
    return page.url

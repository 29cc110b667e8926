"""Real-browser tests: Debian's Chromium, driven by Playwright, against the portal served by a real
server process (gunicorn) on a fresh database loaded with the demo data.

These tests commit real data through the server, so they do not use the rolled-back transaction
of tests/conftest.py: `db_transaction` is overridden below with a no-op of the same name.

Without Chromium every test here is skipped with the reason "Chromium not installed: apt-get
install chromium"; with PORTAL_REQUIRE_BROWSER=1 (CI) a missing Chromium fails instead.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.databases import fresh_database

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
DEMO_PASSWORD = "demo-287g-portal"
SKIP_REASON = "Chromium not installed: apt-get install chromium"
SKIP_NOTE = "REAL-BROWSER TESTS NOT RUN"
CHROMIUM_ARGS = [
    "--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]

# Lines printed in the terminal summary (crawl counts, screenshot paths, timings).
REPORT: list[str] = []


def report(line: str) -> None:
    REPORT.append(line)
    print(line)


def pytest_terminal_summary(terminalreporter):
    if REPORT:
        terminalreporter.section("browser tests")
        for line in REPORT:
            terminalreporter.write_line(line)


def require_browser() -> bool:
    return os.environ.get("PORTAL_REQUIRE_BROWSER", "") not in ("", "0")


@pytest.fixture(autouse=True)
def db_transaction():
    """No rollback here: the server process commits for real into its own database."""
    yield None


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    path = shutil.which("chromium")
    problem = None
    if path is None:
        problem = SKIP_REASON
    else:
        try:
            import axe_playwright_python  # noqa: F401
            import playwright.sync_api  # noqa: F401
        except ImportError as exc:  # pragma: no cover - the test extra installs both
            problem = f"Playwright or axe-playwright-python missing ({exc}): pip install -e '.[test]'"
    if problem:
        if not any(SKIP_NOTE in line for line in REPORT):
            report(f"{SKIP_NOTE}: {problem}")
        if require_browser():
            pytest.fail(f"PORTAL_REQUIRE_BROWSER=1 but {problem}", pytrace=False)
        pytest.skip(problem)
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare_database(env: dict) -> None:
    """`flask db upgrade` and `flask seed-demo` on env's DATABASE_URL, in one subprocess (tests/browser/server.py)."""
    result = subprocess.run(
        [sys.executable, "-m", "tests.browser.server"],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    if result.returncode != 0:
        raise RuntimeError(f"migrating and seeding the server's database failed:\n{result.stdout}\n{result.stderr}")


def wait_for_health(url: str, process: subprocess.Popen, log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited ({process.returncode}):\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the server did not answer /healthz within {timeout}s:\n{log.read_text()}")


@pytest.fixture(scope="session")
def live_server(chromium_executable, tmp_path_factory):
    """Base URL of the portal served by gunicorn on a fresh, migrated, demo-seeded database."""
    folder = tmp_path_factory.mktemp("browser-server")
    with fresh_database(folder) as url:
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "PORTAL_ENV": "development",
            "SECRET_KEY": os.environ.get("SECRET_KEY") or "browser-tests-secret-key-0123456789abcdef",
            "FLASK_DEBUG": "0",
        }
        prepare_database(env)
        port = free_port()
        log = folder / "server.log"
        with log.open("w") as log_file:
            process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
                 "--threads", "4", "--access-logfile", "-", "tests.browser.server:app"],
                cwd=PROJECT_ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT,
            )
            base = f"http://127.0.0.1:{port}"
            try:
                wait_for_health(base, process, log)
                yield base
            finally:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        if "Traceback" in log.read_text():
            report(f"server log with a traceback: {log}")


@pytest.fixture(scope="session")
def playwright_instance(chromium_executable):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_instance, chromium_executable):
    browser = playwright_instance.chromium.launch(executable_path=chromium_executable, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def new_context(browser, live_server):
    """Factory of fresh browser contexts (own cookies) on the live server; closed after the test."""
    contexts = []

    def make(javascript: bool = True, **options):
        options.setdefault("viewport", {"width": 1280, "height": 900})
        context = browser.new_context(base_url=live_server, java_script_enabled=javascript, **options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context):
    return new_context().new_page()


def sign_in(page, email: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the form, as a person would; ends on the role's landing page."""
    page.goto("/login")
    page.get_by_label("Email address", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert "/login" not in page.url, f"sign-in as {email} failed: {page.locator('main').inner_text()}"


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    report(f"screenshot: {path.relative_to(PROJECT_ROOT)}")
    return path

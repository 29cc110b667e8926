"""axe-core (WCAG 2.0/2.1 A and AA) on every page each role can reach, and on every form's error state.

A crawler signs in as each demo role (and browses anonymously), follows every same-origin link it
finds breadth-first with GET only (the roles are crawled by a few browsers at once, see THREADS),
and on each HTML page runs axe plus a few structural checks axe does not make (one h1, a title
naming the page, skip link and main landmark, captions and scoped headers on tables, no horizontal
scrolling at 320 px). Every POST form with fields is then submitted empty, and its error state
checked the same way, plus: an error summary that links to existing fields and (with JavaScript)
has the focus.

What is not visited, and why:
- sign-out: it is a POST form (never a link) and would end the crawl's session; button-only forms
  (sign out, mark complete, create a set-password link) have no error state and change data, so
  they are not submitted;
- links outside the app (other origins, mailto:) and /static/ files: not our pages;
- responses that are not HTML (/healthz answers JSON; CSV, GIFT, Moodle XML, PDF and ZIP
  downloads): axe checks HTML pages only; they are listed in the summary;
- forms that cannot fail when sent empty (no required field: a select with no blank choice, an
  optional comment) are not submitted: sent empty they would act (move an officer, file a renewal),
  and they have no error state to check;
- URLs differing only by ids beyond the first PER_PATTERN of each pattern (e.g. the 4th user's
  page): same template, same markup; the crawl stops at MAX_PAGES per role.
No page reachable from a link is otherwise excluded.
"""
from __future__ import annotations

import re
import threading
import time
from collections import Counter, deque
from urllib.parse import urldefrag, urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.browser.conftest import CHROMIUM_ARGS, report, sign_in

pytestmark = pytest.mark.browser

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
MAX_PAGES = 150
PER_PATTERN = 2
NEVER_FOLLOW = re.compile(r"/(logout|sign-?out)\b|^/static/")

ROLES = {
    "public": None,
    "officer": "officer@example.com",
    "instructor": "instructor@example.com",
    "coordinator": "coordinator@example.com",
    "admin": "admin@example.com",
}
LANDING = {"public": "/login", "officer": "/dashboard", "instructor": "/teach/", "coordinator": "/agency/", "admin": "/admin/"}
# Crawling threads, each with its own browser, and the roles each crawls in turn. The admin's crawl
# is the biggest, so two threads share its queue; more threads than cores only add overhead.
THREADS = [["admin"], ["admin"], ["public", "officer", "instructor", "coordinator"]]
# Pages no link leads to but people land on: errors, an expired link, the health check.
EXTRA_START = {
    "public": ["/", "/healthz", "/no-such-page", "/set-password/not-a-valid-token"],
    "officer": ["/no-such-page", "/admin/"],  # 404 and 403 inside the signed-in layout
    "instructor": ["/no-such-page", "/admin/"],
    "coordinator": ["/no-such-page", "/admin/"],
    "admin": ["/no-such-page", "/agency/",
              # The certificate list's filters are a GET form the crawl does not submit: an agency
              # name (its matches), one agency by id (its checkbox) and an id that is no agency.
              "/admin/certificates/?agency=county", "/admin/certificates/?agency_id=1",
              "/admin/certificates/?agency_id=no-such-agency"],
}

STRUCTURE_JS = """
() => {
  const problems = [];
  const h1s = document.querySelectorAll('h1');
  if (h1s.length !== 1) problems.push(`${h1s.length} h1 elements`);
  const name = document.title.split(' | ')[0].trim();
  if (!name) problems.push(`title does not name the page: "${document.title}"`);
  const skip = document.querySelector('a.usa-skipnav[href="#main-content"]');
  if (!skip || !document.getElementById('main-content')) problems.push('no skip link to #main-content');
  if (document.querySelectorAll('main').length !== 1) problems.push('not exactly one main landmark');
  document.querySelectorAll('table').forEach((t, i) => {
    if (!t.querySelector('caption') && !t.closest('.portal-lesson-body')) problems.push(`table ${i + 1} has no caption`);
    t.querySelectorAll('th').forEach(th => {
      if (!['col', 'row', 'colgroup', 'rowgroup'].includes(th.getAttribute('scope')))
        problems.push(`table ${i + 1}: th "${th.textContent.trim()}" has no scope`);
    });
  });
  document.querySelectorAll('progress').forEach(p => {
    if (!p.getAttribute('aria-label') && !p.getAttribute('aria-labelledby') && !p.labels.length)
      problems.push('progress without a label');
  });
  return problems;
}
"""

# axe-core is loaded into every document of the crawl's contexts by an init script (see `work`),
# rather than sent over Playwright's pipe, half a megabyte, before each of the few hundred checks.
RUN_AXE_JS = "options => axe.run(document, options)"

OVERFLOW_JS = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"

CLEAR_FORM_JS = """
form => {
  for (const el of form.elements) {
    if (['hidden', 'submit', 'button', 'reset'].includes(el.type) || el.tagName === 'BUTTON') continue;
    if (el.type === 'checkbox' || el.type === 'radio') el.checked = false;
    else if (el.tagName === 'SELECT') { if ([...el.options].some(o => o.value === '')) el.value = ''; }
    else el.value = '';
  }
}
"""

FORMS_JS = """
() => [...document.querySelectorAll('form')].map((f, index) => ({
  index,
  method: (f.getAttribute('method') || 'get').toLowerCase(),
  action: new URL(f.getAttribute('action') || '', location.href).href,
  // Only a form that cannot be sent empty has an error state to show: one with a required field
  // or a list of checkboxes. Others (a select without a blank, optional notes) would just act.
  can_fail_empty: [...f.elements].some(e => e.required && !['hidden', 'submit', 'button'].includes(e.type))
    || f.querySelectorAll('input[type=checkbox]').length > 1,
}))
"""

ERROR_STATE_JS = """
() => {
  const problems = [];
  const summary = document.querySelector('[data-error-summary]');
  if (!summary) return ['no error summary after submitting the form empty'];
  if (summary.id !== 'error-summary') {
    // A form handled by redirect-after-post reports its errors in a flash alert; it is focused
    // like a summary but has no fields on the new page to link to.
    return document.title.startsWith('Error: ') ? [] : [`title does not start with "Error: ": ${document.title}`];
  }
  const links = summary.querySelectorAll('a[href^="#"]');
  if (!links.length) problems.push('error summary has no links to the fields');
  links.forEach(a => {
    if (!document.getElementById(a.getAttribute('href').slice(1)))
      problems.push(`error summary link ${a.getAttribute('href')} leads nowhere`);
  });
  if (!document.title.startsWith('Error: ')) problems.push(`title does not start with "Error: ": ${document.title}`);
  return problems;
}
"""


def pattern(url: str) -> str:
    parts = urlsplit(url)
    path = re.sub(r"/\d+(?=/|$)", "/<id>", parts.path)
    keys = sorted({kv.split("=")[0] for kv in parts.query.split("&") if kv})  # values ignored
    return path + ("?" + "&".join(keys) if keys else "")


def followable(url: str, origin: str) -> bool:
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}" != origin:
        return False
    return not NEVER_FOLLOW.search(parts.path)


def format_violations(url: str, violations: list[dict]) -> list[str]:
    lines = []
    for v in violations:
        for node in v["nodes"][:5]:
            lines.append(f"{url}: [{v['id']}] {v['help']} -> {node['target']} {node['html'][:160]}")
    return lines


class RoleCrawl:
    """The shared state of one role's crawl: a breadth-first queue handed out to its workers."""

    def __init__(self, role: str, origin: str):
        self.role = role
        self.origin = origin
        self.lock = threading.Lock()
        self.queue: deque = deque()
        self.in_flight = 0
        self.seen: set[str] = set()
        self.patterns: Counter = Counter()
        self.forms_done: set[str] = set()
        self.layouts_checked: set[str] = set()
        self.problems: list[str] = []
        self.pages: list[str] = []
        self.not_html: list[str] = []
        self.forms: list[str] = []
        self.seconds = 0.0

    def enqueue(self, url: str) -> None:
        url = urldefrag(url if url.startswith("http") else self.origin + url).url
        with self.lock:
            if url in self.seen or not followable(url, self.origin):
                return
            key = pattern(url)
            if self.patterns[key] >= PER_PATTERN:
                return
            self.seen.add(url)
            self.patterns[key] += 1
            self.queue.append(url)

    def take(self) -> str | None:
        """The next URL; "" to wait for other workers' links; None when the crawl is over."""
        with self.lock:
            if self.queue and len(self.pages) + self.in_flight < MAX_PAGES:
                self.in_flight += 1
                return self.queue.popleft()
            return "" if self.in_flight else None

    def finished(self) -> None:
        with self.lock:
            self.in_flight -= 1

    def first_time(self, collection: set, key: str) -> bool:
        with self.lock:
            if key in collection:
                return False
            collection.add(key)
            return True

    def add(self, attribute: str, items: list) -> None:
        with self.lock:
            getattr(self, attribute).extend(items)


class Worker:
    """One browser page signed in as the role, taking URLs from the role's queue."""

    def __init__(self, crawl: RoleCrawl, page):
        self.crawl = crawl
        self.page = page
        self.origin = crawl.origin

    def run(self) -> None:
        while True:
            url = self.crawl.take()
            if url is None:
                return
            if not url:
                time.sleep(0.05)
                continue
            try:
                self.visit(url)
            except Exception as exc:  # a timeout or crash is a finding, not a reason to stop
                self.crawl.add("problems", [f"{url[len(self.origin):]}: {type(exc).__name__}: {exc}"])
            finally:
                self.crawl.finished()

    def check_page(self, label: str, layout_key: str) -> None:
        result = self.page.evaluate(RUN_AXE_JS, {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]})
        problems = format_violations(label, result["violations"])
        problems += [f"{label}: {p}" for p in self.page.evaluate(STRUCTURE_JS)]
        if self.crawl.first_time(self.crawl.layouts_checked, layout_key):
            # 320 px once per URL pattern: same template, same layout.
            size = self.page.viewport_size
            self.page.set_viewport_size({"width": 320, "height": 640})
            overflow = self.page.evaluate(OVERFLOW_JS)
            if overflow > 0:
                problems.append(f"{label}: scrolls sideways by {overflow}px at 320px wide")
            self.page.set_viewport_size(size)
        self.crawl.add("problems", problems)

    def visit(self, url: str) -> None:
        path = url[len(self.origin):]
        try:
            response = self.page.goto(url, wait_until="domcontentloaded")
        except PlaywrightError as exc:
            if "Download is starting" not in str(exc):
                raise
            self.crawl.add("not_html", [path + " (download)"])
            return
        if response.status >= 500:
            self.crawl.add("problems", [f"{path}: HTTP {response.status}"])
        if "text/html" not in response.headers.get("content-type", ""):
            self.crawl.add("not_html", [path])
            return
        self.crawl.add("pages", [path])
        self.page.wait_for_load_state("load")  # the styles decide contrast and overflow
        self.check_page(path, layout_key=pattern(url))
        for link in self.page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
            self.crawl.enqueue(link)
        for form in self.page.evaluate(FORMS_JS):
            if form["method"] != "post" or not form["can_fail_empty"]:
                continue
            if self.crawl.first_time(self.crawl.forms_done, pattern(form["action"])):
                self.submit_empty(url, form["index"])

    def submit_empty(self, url: str, index: int) -> None:
        page = self.page
        if page.url != url:
            page.goto(url, wait_until="domcontentloaded")
        form = page.locator("form").nth(index)
        form.evaluate(CLEAR_FORM_JS)
        buttons = form.locator("button[type=submit][name=submit], input[type=submit][name=submit]")
        if not buttons.count():
            buttons = form.locator("button[type=submit], input[type=submit]")
        label = f"{url[len(self.origin):]} (form {index + 1} submitted empty)"
        try:
            with page.expect_navigation(wait_until="domcontentloaded", timeout=10_000):
                buttons.first.click()
        except PlaywrightError:
            self.crawl.add("problems", [f"{label}: did not submit (browser validation? forms take novalidate)"])
            return
        self.crawl.add("forms", [label])
        problems = [f"{label}: {p}" for p in page.evaluate(ERROR_STATE_JS)]
        # The focus is judged once the page has loaded: with a #fragment in the URL Chromium may
        # move it after DOMContentLoaded, and static/js/portal.js puts it back at `load`.
        page.wait_for_load_state("load")
        if not page.evaluate("() => !!(document.activeElement && document.activeElement.hasAttribute('data-error-summary'))"):
            problems.append(f"{label}: the error summary does not have the focus")
        self.crawl.add("problems", problems)
        self.check_page(label, layout_key="form " + pattern(url))


def work(crawls: list[RoleCrawl], chromium: str) -> None:
    """A worker thread: its own Playwright and browser (the sync API is one-per-thread), crawling
    as each of its roles in turn, in a fresh context signed in as that role."""
    from axe_playwright_python.base import AXE_SCRIPT
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            for crawl in crawls:
                context = browser.new_context(base_url=crawl.origin, viewport={"width": 1280, "height": 900})
                context.set_default_timeout(30_000)
                context.add_init_script(AXE_SCRIPT)
                try:
                    page = context.new_page()
                    if ROLES[crawl.role]:
                        sign_in(page, ROLES[crawl.role])
                    Worker(crawl, page).run()
                except Exception as exc:
                    crawl.add("problems", [f"a worker for {crawl.role} stopped: {type(exc).__name__}: {exc}"])
                finally:
                    context.close()
        finally:
            browser.close()


@pytest.fixture(scope="module")
def crawls(live_server, chromium_executable) -> dict[str, RoleCrawl]:
    """Every role's crawl, THREADS at once, each thread with its own browser."""
    results = {role: RoleCrawl(role, live_server) for role in ROLES}
    for role, crawl in results.items():
        for url in [LANDING[role], *EXTRA_START[role]]:
            crawl.enqueue(url)
    started = time.monotonic()
    threads = [
        threading.Thread(
            target=work, args=([results[role] for role in roles], chromium_executable), name="crawl-" + "+".join(roles)
        )
        for roles in THREADS
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    report(f"axe crawl, {len(THREADS)} browsers at once: {time.monotonic() - started:.1f}s")
    return results


@pytest.mark.parametrize("role", list(ROLES))
def test_every_reachable_page_has_no_accessibility_violations(role, crawls):
    crawl = crawls[role]
    report(
        f"axe crawl as {role}: {len(crawl.pages)} pages ({len(crawl.patterns)} URL patterns), "
        f"{len(crawl.forms)} forms in their error state, {len(crawl.not_html)} non-HTML responses "
        f"({', '.join(crawl.not_html) or 'none'}), {len(crawl.problems)} problems"
    )
    assert crawl.pages, "the crawler reached no page: " + "\n".join(crawl.problems)
    assert not crawl.problems, "\n".join(sorted(crawl.problems))

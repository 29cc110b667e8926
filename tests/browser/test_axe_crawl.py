"""axe-core (WCAG 2.0/2.1 A and AA) on every page each role can reach, and on every form's error state.

A crawler signs in as each demo role (and browses anonymously), follows every same-origin link it
finds breadth-first with GET only, and on each HTML page runs axe plus a few structural checks
axe does not make (one h1, a title naming the page, skip link and main landmark, captions and
scoped headers on tables, no horizontal scrolling at 320 px). Every POST form with fields is then
submitted empty, and its error state checked the same way, plus: an error summary that links to
existing fields and (with JavaScript) has the focus.

What is not visited, and why:
- sign-out: it is a POST form (never a link) and would end the crawl's session; button-only forms
  (sign out, mark complete, create a set-password link) have no error state and change data, so
  they are not submitted;
- links outside the app (other origins, mailto:) and /static/ files: not our pages;
- responses that are not HTML (/healthz answers JSON; later, PDFs and ZIPs): axe checks HTML
  pages only; their status is still checked (< 500);
- URLs differing only by ids beyond the first PER_PATTERN of each pattern (e.g. the 4th user's
  page): same template, same markup; the crawl stops at MAX_PAGES per role.
No page reachable from a link is otherwise excluded.
"""
from __future__ import annotations

import re
import time
from collections import Counter, deque
from urllib.parse import urldefrag, urlsplit

import pytest

from tests.browser.conftest import report, sign_in

pytestmark = pytest.mark.browser

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
MAX_PAGES = 150
PER_PATTERN = 3
NEVER_FOLLOW = re.compile(r"/(logout|sign-?out)\b|^/static/")

ROLES = {
    "public": None,
    "officer": "officer@example.com",
    "instructor": "instructor@example.com",
    "coordinator": "coordinator@example.com",
    "admin": "admin@example.com",
}
# Pages no link leads to but people land on: errors, an expired link, the health check.
EXTRA_START = {
    "public": ["/", "/healthz", "/no-such-page", "/set-password/not-a-valid-token"],
    "officer": ["/no-such-page", "/admin/"],  # 404 and 403 inside the signed-in layout
    "instructor": ["/no-such-page", "/admin/"],
    "coordinator": ["/no-such-page", "/admin/"],
    "admin": ["/no-such-page", "/agency/"],
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
      if (!['col', 'row', 'colgroup', 'rowgroup'].includes(th.getAttribute('scope'))) problems.push(`table ${i + 1}: th "${th.textContent.trim()}" has no scope`);
    });
  });
  document.querySelectorAll('progress').forEach(p => {
    if (!p.getAttribute('aria-label') && !p.getAttribute('aria-labelledby') && !p.labels.length) problems.push('progress without a label');
  });
  return problems;
}
"""

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
  action: f.action,
  fields: [...f.elements].filter(e => !['hidden', 'submit', 'button', 'reset'].includes(e.type) && e.tagName !== 'BUTTON').length,
}))
"""

ERROR_STATE_JS = """
() => {
  const problems = [];
  const summary = document.getElementById('error-summary');
  if (!summary) return ['no error summary after submitting the form empty'];
  const links = summary.querySelectorAll('a[href^="#"]');
  if (!links.length) problems.push('error summary has no links to the fields');
  links.forEach(a => { if (!document.getElementById(a.getAttribute('href').slice(1))) problems.push(`error summary link ${a.getAttribute('href')} leads nowhere`); });
  if (!document.title.startsWith('Error: ')) problems.push(`title does not start with "Error: ": ${document.title}`);
  return problems;
}
"""


def pattern(url: str) -> str:
    parts = urlsplit(url)
    path = re.sub(r"/\d+(?=/|$)", "/<id>", parts.path)
    keys = sorted({kv.split("=")[0] for kv in parts.query.split("&") if kv})
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


class Crawl:
    def __init__(self, page, origin: str, javascript: bool = True):
        from axe_playwright_python.sync_playwright import Axe

        self.page = page
        self.origin = origin
        self.axe = Axe()
        self.problems: list[str] = []
        self.pages: list[str] = []
        self.not_html: list[str] = []
        self.forms: list[str] = []
        self.patterns: Counter = Counter()
        self.seen: set[str] = set()
        self.layouts_checked: set[str] = set()

    def check_page(self, label: str, layout_key: str | None = None) -> None:
        result = self.axe.run(self.page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]})
        self.problems += format_violations(label, result.response["violations"])
        self.problems += [f"{label}: {p}" for p in self.page.evaluate(STRUCTURE_JS)]
        if layout_key is None or layout_key in self.layouts_checked:
            return  # the 320 px check once per URL pattern: same template, same layout
        self.layouts_checked.add(layout_key)
        size = self.page.viewport_size
        self.page.set_viewport_size({"width": 320, "height": 640})
        overflow = self.page.evaluate(OVERFLOW_JS)
        if overflow > 0:
            self.problems.append(f"{label}: scrolls sideways by {overflow}px at 320px wide")
        self.page.set_viewport_size(size)

    def enqueue(self, queue: deque, url: str) -> None:
        url = urldefrag(url).url
        if url in self.seen or not followable(url, self.origin):
            return
        key = pattern(url)
        if self.patterns[key] >= PER_PATTERN:
            return
        self.seen.add(url)
        self.patterns[key] += 1
        queue.append(url)

    def run(self, start: list[str]) -> None:
        queue: deque = deque()
        for url in start:
            self.enqueue(queue, url if url.startswith("http") else self.origin + url)
        forms_done: set[str] = set()
        while queue and len(self.pages) < MAX_PAGES:
            url = queue.popleft()
            response = self.page.goto(url, wait_until="domcontentloaded")
            path = url[len(self.origin):]
            if response.status >= 500:
                self.problems.append(f"{path}: HTTP {response.status}")
            if "text/html" not in response.headers.get("content-type", ""):
                self.not_html.append(path)
                continue
            self.pages.append(path)
            self.check_page(path, layout_key=pattern(url))
            for link in self.page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
                self.enqueue(queue, link)
            for form in self.page.evaluate(FORMS_JS):
                key = pattern(form["action"])
                if form["method"] != "post" or not form["fields"] or key in forms_done:
                    continue
                forms_done.add(key)
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
        with page.expect_navigation(wait_until="domcontentloaded"):
            buttons.first.click()
        label = f"{url[len(self.origin):]} (form {index + 1} submitted empty)"
        self.forms.append(label)
        self.problems += [f"{label}: {p}" for p in page.evaluate(ERROR_STATE_JS)]
        if page.evaluate("() => document.activeElement && document.activeElement.id") != "error-summary":
            self.problems.append(f"{label}: the error summary does not have the focus")
        self.check_page(label, layout_key="form " + pattern(url))


@pytest.mark.parametrize("role", list(ROLES))
def test_every_reachable_page_has_no_accessibility_violations(role, page, live_server):
    started = time.monotonic()
    email = ROLES[role]
    start = list(EXTRA_START[role])
    if email:
        sign_in(page, email)
        start.insert(0, page.url)
    else:
        start.insert(0, "/login")
    crawl = Crawl(page, live_server)
    crawl.run(start)
    report(
        f"axe crawl as {role}: {len(crawl.pages)} pages ({len(crawl.patterns)} URL patterns), "
        f"{len(crawl.forms)} forms in their error state, {len(crawl.not_html)} non-HTML responses "
        f"({', '.join(crawl.not_html) or 'none'}), {len(crawl.problems)} problems, {time.monotonic() - started:.1f}s"
    )
    assert crawl.pages, "the crawler reached no page"
    assert not crawl.problems, "\n".join(crawl.problems)

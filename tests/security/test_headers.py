"""Item 5: security headers, a CSP without inline script or style, no inline script/style in pages,
HSTS only over TLS. Every rule of the URL map, as every identity, is checked with `header_problems`
and the inline checker by the walk in test_url_map_walk.py; error pages and static files here."""
from portal.auth.roles import Role
from tests.security.support import parse_page

REQUIRED = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": None,
    "Permissions-Policy": None,
    "Content-Security-Policy": None,
}


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def header_problems(response) -> list[str]:
    problems = []
    for name, value in REQUIRED.items():
        if name not in response.headers:
            problems.append(f"no {name}")
        elif value and response.headers[name] != value:
            problems.append(f"{name}: {response.headers[name]}")
    csp = csp_directives(response.headers.get("Content-Security-Policy", ""))
    if csp.get("frame-ancestors") != ["'none'"]:
        problems.append("CSP frame-ancestors is not 'none'")
    for directive in ("script-src", "style-src", "default-src"):
        sources = csp.get(directive) or csp.get("default-src") or []
        if not sources:
            problems.append(f"CSP has no {directive}")
        bad = [s for s in sources if s in ("'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:")
               or s.startswith("'nonce-") or s.startswith("'sha")]
        if bad:
            problems.append(f"CSP {directive} allows {bad}")
    if csp.get("object-src") != ["'none'"]:
        problems.append("CSP object-src is not 'none'")
    if "Strict-Transport-Security" in response.headers:
        problems.append("HSTS sent over plain HTTP")
    return problems


def test_error_pages_and_static_files_send_the_headers_too(client):
    for response in (client.get("/no/such/page"), client.get("/logout"),
                     client.post("/healthz"), client.get("/static/css/portal.css")):
        assert header_problems(response) == [], response.status_code
        if response.mimetype == "text/html":
            assert parse_page(response.data).inline_problems == []


def test_hsts_only_over_tls(client, make, ids):
    secure = client.get("/login", base_url="https://portal.test")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")
    assert int(secure.headers["Strict-Transport-Security"].split("=")[1].split(";")[0]) >= 31536000
    assert "Strict-Transport-Security" not in client.get("/login").headers
    admin = ids.client(Role.ADMIN)
    assert "Strict-Transport-Security" in admin.get("/admin/", base_url="https://portal.test").headers


def test_the_inline_checker_catches_what_it_should():
    page = parse_page(b'<p style="color:red">x</p><script>alert(1)</script><style>p{}</style>'
                      b'<a href="javascript:alert(1)" onclick="x()">y</a><script src="/static/x.js"></script>')
    assert len(page.inline_problems) == 5

"""Markdown to safe HTML: Markdown renders, nh3 (ammonia) keeps only harmless tags and URLs."""
import re
from functools import lru_cache

import markdown as md
import nh3
from markupsafe import Markup

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "dl", "dt", "em", "h2", "h3", "h4",
    "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre", "strong", "sub", "sup", "table", "tbody",
    "td", "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title"},
    "th": {"scope"},
}


@lru_cache(maxsize=512)
def render_markdown(text: str) -> Markup:
    # Cached by the text itself (a pure function of it): a lesson's body is rendered once per
    # worker, not on every view of the lesson page, where it was a tenth of the request's time.
    html = md.markdown(text or "", extensions=["tables", "sane_lists", "fenced_code"], output_format="html")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(scope_headers(clean))  # noqa: S704 - sanitized by nh3 just above


def scope_headers(html: str) -> str:
    """Markdown tables put their header cells in <thead>: say they head columns (WCAG 1.3.1)."""
    return re.sub(
        r"<thead>(.*?)</thead>",
        lambda m: "<thead>" + m.group(1).replace("<th>", '<th scope="col">') + "</thead>",
        html,
        flags=re.S,
    )

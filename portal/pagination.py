from flask import request

from portal.extensions import db

PER_PAGE = 25


def paginate(select, per_page: int = PER_PAGE):
    """A page of results from ?page=N; nonsense page numbers fall back to the nearest page."""
    try:
        number = min(max(1, int(request.args.get("page", 1))), 1_000_000)
    except (TypeError, ValueError):
        number = 1
    page = db.paginate(select, page=number, per_page=per_page, error_out=False)
    if number > 1 and not page.items and page.pages:
        page = db.paginate(select, page=page.pages, per_page=per_page, error_out=False)
    return page

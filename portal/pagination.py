import sqlalchemy as sa
from flask import request
from flask_sqlalchemy.pagination import SelectPagination

from portal.extensions import db

PER_PAGE = 25


class KeyCountPagination(SelectPagination):
    """Counts the rows through the first selected column (an entity's primary key) only. The
    stock count wraps the whole SELECT, every column included, deferred ones too: for the
    certificate lists that meant naming each certificate's stored PDF."""

    def _query_count(self) -> int:
        select = self._query_args["select"].order_by(None)
        keys = select.with_only_columns(select.selected_columns[0], maintain_column_froms=True).subquery()
        return self._query_args["session"].execute(sa.select(sa.func.count()).select_from(keys)).scalar()


def _page(select, number: int, per_page: int) -> KeyCountPagination:
    return KeyCountPagination(select=select, session=db.session(), page=number, per_page=per_page, error_out=False)


def page_number(raw: str | int | None, last: int = 1_000_000) -> int:
    """The page a user asked for (`raw`, as typed, e.g. ?page=N): 1 for a missing or nonsense
    number, at most `last`."""
    try:
        number = int(raw or 1)
    except ValueError:
        number = 1
    return min(max(1, number), last)


def paginate(select, per_page: int = PER_PAGE, number: int | None = None, param: str = "page"):
    """A page of results from ?page=N (or page `number`; `param` names the query parameter when a
    page has two lists); nonsense page numbers fall back to the nearest page."""
    number = page_number(request.args.get(param) if number is None else number)
    page = _page(select, number, per_page)
    if number > 1 and not page.items and page.pages:
        page = _page(select, page.pages, per_page)
    return page

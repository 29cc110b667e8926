"""Sortable table columns: the one reader of `?sort=KEY&dir=asc|desc` and the orderings it gives.

A view names its sortable columns and a default; `requested_sort` reads the URL (an unknown key or
direction falls back to the default, never an error). The view then orders its SQL query with
`Sort.order_by` or its list of rows with `Sort.apply`; the template draws the headers with
`sort_header` of `templates/sorting.html` (a link per column, `aria-sort` on the sorted one)."""
from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import request, url_for
from sqlalchemy.orm import QueryableAttribute

T = TypeVar("T")
Column = sa.ColumnElement[Any] | QueryableAttribute[Any]
ASCENDING, DESCENDING = "asc", "desc"


@dataclass(frozen=True)
class Sort:
    key: str
    descending: bool = False
    chosen: bool = False  # asked for in the URL (not the default): links to other pages keep it

    @property
    def url_args(self) -> dict[str, str]:
        """?sort and ?dir for links that keep the order (pagination, filters); none for the default."""
        return {"sort": self.key, "dir": self.direction} if self.chosen else {}

    @property
    def direction(self) -> str:
        return DESCENDING if self.descending else ASCENDING

    def aria(self, key: str) -> str | None:
        """The `aria-sort` value of column `key`: set on the sorted column only."""
        if key != self.key:
            return None
        return "descending" if self.descending else "ascending"

    def next_direction(self, key: str) -> str:
        """Where a click on column `key` leads: the other direction if it is sorted, else ascending."""
        return DESCENDING if key == self.key and not self.descending else ASCENDING

    def href(self, key: str, anchor: str | None = None, **kept: Any) -> str:
        """This page's address sorted by column `key` (next_direction), with the page's own URL
        arguments `kept` (its search, its filter: the values the view read, not the raw ones);
        no page number: a new order starts at page 1."""
        values = {**kept, **(request.view_args or {}), "sort": key, "dir": self.next_direction(key)}
        return url_for(request.endpoint or "", _anchor=anchor, **values)

    def order_by(self, columns: Mapping[str, Sequence[Column]], tiebreak: Sequence[Column] = ()) -> list[Column]:
        """ORDER BY terms: the sorted column's expressions in the chosen direction, then `tiebreak`
        ascending (so equal rows keep a fixed order across pages)."""
        terms = [c.desc() if self.descending else c.asc() for c in columns[self.key]]
        return [*terms, *tiebreak]

    def apply(self, rows: Iterable[T], keys: Mapping[str, Callable[[T], Any]]) -> list[T]:
        """`rows` (already in their default order) sorted by the chosen column; ties keep that order
        in both directions (Python's sort is stable, `reverse` included)."""
        return sorted(rows, key=keys[self.key], reverse=self.descending)


def requested_sort(keys: Collection[str], default: str, default_descending: bool = False) -> Sort:
    """The sort asked for in the URL, if `keys` has its column; else the default."""
    key = request.args.get("sort", "")
    if key not in keys:
        return Sort(default, default_descending)
    return Sort(key, request.args.get("dir") == DESCENDING, chosen=True)

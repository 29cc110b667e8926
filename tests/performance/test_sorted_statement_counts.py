"""The sorted orders of the roster, the gradebook and the coordinator's officer table run the same
number of SQL statements with three times the rows (the order is worked out in one query or on the
rows already loaded, never a query per row), and no more than the default order does."""
import pytest

from tests.performance.test_statement_counts import (  # noqa: F401 - the world's fixtures
    GROWTH,
    grow,
    seeded_small_world,
    signed_in,
    small_world,
    statements,
)

SORTED_PAGES = {
    "roster by progress": ("instructor", lambda w: f"/teach/classes/{w.training_class.id}", "?sort=progress&dir=desc"),
    "roster by agency": ("instructor", lambda w: f"/teach/classes/{w.training_class.id}", "?sort=agency"),
    "roster by week": ("instructor", lambda w: f"/teach/classes/{w.training_class.id}", "?sort=week2&dir=desc"),
    "admin class page by status": ("admin", lambda w: f"/admin/classes/{w.training_class.id}", "?sort=status"),
    "gradebook by exam": ("instructor", lambda w: f"/teach/classes/{w.training_class.id}/gradebook",
                          lambda w: f"?sort=exam{w.final.id}&dir=desc"),
    "gradebook by status": ("instructor", lambda w: f"/teach/classes/{w.training_class.id}/gradebook", "?sort=status"),
    "agency officers by status": ("coordinator", lambda w: "/agency/", "?sort=status&dir=desc"),
    "agency officers by class": ("coordinator", lambda w: "/agency/", "?sort=class"),
    "agency officers by progress": ("coordinator", lambda w: "/agency/", "?sort=progress&dir=desc"),
}


@pytest.mark.parametrize("page", SORTED_PAGES)
def test_sorted_statement_count_does_not_grow_nor_exceed_the_default(app, db_transaction, page, small_world):  # noqa: F811
    role, url_of, query = SORTED_PAGES[page]
    world = small_world
    client = signed_in(app, getattr(world, role))
    url = url_of(world)
    sorted_url = url + (query(world) if callable(query) else query)
    client.get(url)  # the first request after signing in also does one-off bookkeeping
    default = statements(db_transaction, client, url)
    before = statements(db_transaction, client, sorted_url)
    grow(world, GROWTH)
    after = statements(db_transaction, client, sorted_url)
    assert before == default, f"{page}: {before} statements sorted, {default} in the default order"
    assert after == before, f"{page}: {before} statements at first, {after} with {world.units} units of data"

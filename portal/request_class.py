"""The portal's request: parameters arrive without NUL characters.

PostgreSQL refuses NUL in text, so a NUL typed into any search box or form field would otherwise
reach the database and fail there (a 500 on PostgreSQL only). Dropping it here, where query
strings and form bodies are parsed, covers every view at once.
"""
from flask import Request
from werkzeug.datastructures import ImmutableMultiDict, iter_multi_items


def _without_nul(value):
    return value.replace("\x00", "") if isinstance(value, str) else value


class NulFreeMultiDict(ImmutableMultiDict):
    def __init__(self, mapping=None):
        if mapping is not None:
            mapping = [(_without_nul(k), _without_nul(v)) for k, v in iter_multi_items(mapping)]
        super().__init__(mapping)


class PortalRequest(Request):
    parameter_storage_class = NulFreeMultiDict

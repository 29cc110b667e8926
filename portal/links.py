"""Absolute links that outlive the request: printed on certificates, encoded in QR codes, written
into credentials, mailed. They are built from the configured address, never from the request's
`Host` header (a client chooses that header, and a reissue or a mailed link would carry it).

PORTAL_BASE_URL when set (production must set it, or SERVER_NAME); else SERVER_NAME with the
preferred scheme; else, in demo mode only, the local `make run` address.
"""
from __future__ import annotations

import os
from urllib.parse import urlsplit

from flask import current_app

from portal.config import is_absolute_http_url


class BaseUrlNotConfigured(ValueError):
    pass


def base_url() -> str:
    config = current_app.config
    base = (config.get("PORTAL_BASE_URL") or "").strip()
    if base:
        if not is_absolute_http_url(base):  # create_app refuses this; the app's config may change later
            raise BaseUrlNotConfigured(f"PORTAL_BASE_URL is not an absolute http(s) URL: {base!r}")
        return base
    if config.get("SERVER_NAME"):
        root = (config.get("APPLICATION_ROOT") or "/").rstrip("/")
        return f"{config.get('PREFERRED_URL_SCHEME') or 'http'}://{config['SERVER_NAME']}{root}"
    if config.get("DEMO_MODE"):
        return f"http://127.0.0.1:{os.environ.get('PORT', '5000')}"
    raise BaseUrlNotConfigured("Set PORTAL_BASE_URL (e.g. https://training.example.gov).")


def external_url(endpoint: str, **values) -> str:
    """The absolute URL of `endpoint` at the configured address."""
    parts = urlsplit(base_url())
    adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme)
    return adapter.build(endpoint, values, force_external=True)

"""Where Sedia's web app is reached: SEDIA_PUBLIC_URL, or where `make run` serves it."""

from __future__ import annotations

import os
from typing import Mapping, Optional

DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"


def public_url(environ: Optional[Mapping[str, str]] = None) -> str:
    """The web app's address without a trailing slash: plan links start with it, the
    widget's socket accepts its origin, and the dashboard's cookie and form rules use it."""
    environ = os.environ if environ is None else environ
    return (environ.get("SEDIA_PUBLIC_URL") or DEFAULT_PUBLIC_URL).rstrip("/")

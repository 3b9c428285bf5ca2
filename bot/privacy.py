"""Privacy rules shared by everything that shows numbers about groups (PDPA 2010)."""
from __future__ import annotations

import os

DEFAULT_MIN_GROUP_SIZE = 5


def min_group_size() -> int:
    """The smallest group whose numbers may be shown: SEDIA_MIN_GROUP_SIZE, 5 by default."""
    raw = os.environ.get("SEDIA_MIN_GROUP_SIZE", "").strip()
    value = int(raw) if raw else DEFAULT_MIN_GROUP_SIZE
    if value < 2:
        raise ValueError("SEDIA_MIN_GROUP_SIZE must be at least 2: a group of one is a person")
    return value


def may_show(group_size: int) -> bool:
    """True when a group is large enough for its numbers to be shown."""
    return group_size >= min_group_size()

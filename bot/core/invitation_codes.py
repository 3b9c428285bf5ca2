"""The form of an invitation code (issue 19): three groups of four letters and digits,
from an alphabet with no 0/O or 1/I/L to confuse when read aloud or typed on a phone."""

from __future__ import annotations

import re
import secrets

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
GROUPS = 3
GROUP_LENGTH = 4
_CODE = re.compile(rf"^[{ALPHABET}]{{{GROUP_LENGTH}}}(-[{ALPHABET}]{{{GROUP_LENGTH}}}){{{GROUPS - 1}}}$")


def normalise_code(code: str) -> str:
    """A code as typed ("abcd efgh-jkmn") in its canonical form ("ABCD-EFGH-JKMN")."""
    letters = "".join(c for c in (code or "").upper() if c.isalnum())
    return "-".join(letters[i : i + GROUP_LENGTH] for i in range(0, len(letters), GROUP_LENGTH))


def looks_like_code(text: str) -> bool:
    """True when `text`, normalised, has the form of an invitation code."""
    return bool(_CODE.match(normalise_code(text)))


def new_code() -> str:
    """A fresh random code (60 bits of chance)."""
    return normalise_code("".join(secrets.choice(ALPHABET) for _ in range(GROUPS * GROUP_LENGTH)))

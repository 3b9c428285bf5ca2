"""Replacing one method of Rasa's, pinned to the exact source it replaces.

Sedia works around two upstream inefficiencies of rasa 3.6.21 by replacing a method each
(`bot.rasa_glue.validation`, `bot.rasa_glue.action_call`; `bot.rasa_glue.workarounds` installs both).
A replacement is installed only while Rasa's method still has the source it was written
for, and a unit test fails when Rasa's method changes, so an upgrade cannot silently
keep a replacement of code that no longer exists.
"""

from __future__ import annotations

import hashlib
import inspect
import logging
from dataclasses import dataclass, field
from typing import Any, Callable

logger = logging.getLogger(__name__)


def source_sha256(function: Callable[..., Any]) -> str:
    """The SHA-256 of a function's source text."""
    return hashlib.sha256(inspect.getsource(function).encode("utf-8")).hexdigest()


@dataclass
class PinnedMethod:
    """A replacement for `owner.name`, written for the source with hash `expected_sha256`."""

    owner: type
    name: str
    expected_sha256: str
    replacement: Callable[..., Any]
    original: Callable[..., Any] = field(init=False)

    def __post_init__(self) -> None:
        self.original = getattr(self.owner, self.name)

    def matches_rasa(self) -> bool:
        """True when Rasa's method is still the one the replacement was written for."""
        return source_sha256(self.original) == self.expected_sha256

    def is_installed(self) -> bool:
        """True when the replacement is in place."""
        return getattr(self.owner, self.name) is self.replacement

    def install(self) -> bool:
        """Put the replacement in place, unless Rasa's method has changed."""
        if self.is_installed():
            return True
        if not self.matches_rasa():
            logger.warning(
                "Rasa's %s.%s is not the rasa 3.6.21 method Sedia replaces; keeping Rasa's own.",
                self.owner.__name__,
                self.name,
            )
            return False
        setattr(self.owner, self.name, self.replacement)
        return True

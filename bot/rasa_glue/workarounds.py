"""Installs Sedia's workarounds for rasa 3.6.21 inefficiencies in the process that imports it.

Rasa loads Sedia's tracker store (endpoints.yml) and its NLU components (config.yml);
both import this module, so every Rasa server runs with the workarounds whatever way it
was started. See `bot.rasa_glue.validation`, `bot.rasa_glue.action_call`, `bot.rasa_glue.tracker_errors`
and `bot.rasa_glue.action_failures`.
"""

from __future__ import annotations

from typing import Tuple

from bot.rasa_glue.action_call import ACTION_CALL
from bot.rasa_glue.action_failures import RUN
from bot.rasa_glue.pinned import PinnedMethod
from bot.rasa_glue.tracker_errors import RETRIEVE, SAVE
from bot.rasa_glue.validation import VALIDATION

WORKAROUNDS: Tuple[PinnedMethod, ...] = (VALIDATION, ACTION_CALL, RETRIEVE, SAVE, RUN)


def install() -> bool:
    """Install every workaround whose Rasa method is unchanged; True when all are in."""
    return all([workaround.install() for workaround in WORKAROUNDS])


install()

"""A tracker store that fails says so, instead of starting the conversation over.

Rasa 3.6.21 wraps every tracker store in `FailSafeTrackerStore`. When the database is
away, its `retrieve` answers None, so Rasa starts a *new* conversation for the user (the
interview they were in is forgotten for that turn, and the answer they gave lands in a
blank tracker), and its `save` writes to an in-memory store that no other server sees.
Either way the user's answer is lost without a word. Sedia's replacements let the error
through instead: the turn fails, the channel tells the user to try again shortly
(`bot/channels/`), and the retry, once the database is back, finds the conversation
where it was. Both are pinned to the methods they replace (`bot.rasa_glue.pinned`).
"""

from __future__ import annotations

import logging
from typing import Optional, Text

from rasa.core.tracker_store import FailSafeTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker

from bot.rasa_glue.pinned import PinnedMethod

logger = logging.getLogger(__name__)


async def retrieve_or_fail(self: FailSafeTrackerStore, sender_id: Text) -> Optional[DialogueStateTracker]:
    """The primary store's tracker; its error is raised, not turned into a new conversation."""
    try:
        return await self._tracker_store.retrieve(sender_id)
    except Exception:
        logger.error("The tracker store could not be read; this turn fails and the user is asked to try again")
        raise


async def save_or_fail(self: FailSafeTrackerStore, tracker: DialogueStateTracker) -> None:
    """Save to the primary store; its error is raised, not hidden in process memory."""
    try:
        await self._tracker_store.save(tracker)
    except Exception:
        logger.error("The tracker store could not be written; this turn fails and the user is asked to try again")
        raise


# SHA-256 of the sources of FailSafeTrackerStore.retrieve and .save in rasa 3.6.21.
RETRIEVE = PinnedMethod(
    FailSafeTrackerStore,
    "retrieve",
    "35d77318b0cc79771af3c667bc8c34cd5a56e494eaa8c4d713fd754b9d00d276",
    retrieve_or_fail,
)
SAVE = PinnedMethod(
    FailSafeTrackerStore,
    "save",
    "8426dc08f58d71102f7c031ade8a26b0b1458c8bae162be7b091d288699a5e9b",
    save_or_fail,
)

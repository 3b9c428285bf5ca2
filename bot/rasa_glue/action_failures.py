"""When the action server cannot be reached, the user hears it and the question stays.

Rasa 3.6.21 runs a custom action with `RemoteAction.run`; when the action server is down,
restarting or answering 5xx, that raises, and Rasa's processor logs the error, drops the
action's events and carries on, so the user's answer vanishes without a reply. Sedia's
replacement turns such a failure into one message in the conversation's language,
"please try again in a moment", and, for a form's validation, takes back the answer it
could not validate: it is not stored, and the form asks the same question again. Once
the action server is back, the user's next answer is taken as usual. A rejection (`ActionExecutionRejection`, the
form's own "not this slot") is Rasa's to handle and passes through. It is pinned to the
method it wraps (`bot.rasa_glue.pinned`).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, List

from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.shared.core.events import BotUttered, Event, SlotSet
from rasa.shared.exceptions import RasaException

from bot.core.language import conversation_language
from bot.core.messages import message
from bot.rasa_glue.pinned import PinnedMethod

if TYPE_CHECKING:
    from rasa.core.channels.channel import OutputChannel
    from rasa.core.nlg import NaturalLanguageGenerator
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)


def unavailable_reply(tracker: "DialogueStateTracker") -> BotUttered:
    """The "try again in a moment" message, in the conversation's language."""
    return BotUttered(message("channel.try_again", conversation_language(tracker)))


async def run_or_say_unavailable(
    self: RemoteAction,
    output_channel: "OutputChannel",
    nlg: "NaturalLanguageGenerator",
    tracker: "DialogueStateTracker",
    domain: "Domain",
) -> List[Event]:
    """Rasa's RemoteAction.run; when the action server fails, a "try again" message instead."""
    try:
        return await RUN.original(self, output_channel, nlg, tracker, domain)
    except ActionExecutionRejection:
        raise
    except RasaException as error:
        logger.error("The action server could not run %s (%s); the user is asked to try again", self.name(), error)
        events: List[Event] = [unavailable_reply(tracker)]
        requested = tracker.get_slot("requested_slot")
        if self.name().startswith("validate_") and requested:
            # A form keeps every candidate its validation did not answer for: without this,
            # the unvalidated (and unstored) answer would fill the slot and the form move on.
            events.append(SlotSet(requested, None))
        return events


# SHA-256 of the source of RemoteAction.run in rasa 3.6.21.
RUN = PinnedMethod(
    RemoteAction,
    "run",
    "ccabf6f1160d527a157fad5bd285ce69e8221b1bcad23f8a61499b4360a1c17e",
    run_or_say_unavailable,
)

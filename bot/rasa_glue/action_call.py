"""Send the action server the current turn's events, not the whole conversation.

Rasa 3.6.21's `RemoteAction._action_call_format` serialises every event of the session
into each action call, so a call near the end of an interview carried some 350 events
(about 120 kB of JSON) that Rasa encoded and the action server decoded, turn after turn.
Sedia's actions read the slots, the latest message, the active form and the latest
action, which the tracker state carries whatever the events, and of the events only
those since the latest user message: its input channel, and the slot candidates a form
validation finds at the end. The replacement sends the same state with just those
events, so the payload no longer grows with the conversation. It is pinned to the method
it replaces (`bot.rasa_glue.pinned`); the domain is sent exactly as Rasa would.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Text

import rasa
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event, UserUttered
from rasa.shared.core.trackers import EventVerbosity

from bot.rasa_glue.action_secret import sign_action_endpoint
from bot.rasa_glue.pinned import PinnedMethod

if TYPE_CHECKING:
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker


def events_of_this_turn(events: List[Event]) -> List[Event]:
    """The events from the latest user message on (all of them before any)."""
    for index in range(len(events) - 1, -1, -1):
        if isinstance(events[index], UserUttered):
            return events[index:]
    return events


def action_call_format(self: RemoteAction, tracker: "DialogueStateTracker", domain: "Domain") -> Dict[Text, Any]:
    """Rasa's action call, with the tracker's events since the latest user message.

    It also makes sure the endpoint sends the action server's secret: this runs before
    every call, and Rasa's own endpoint file cannot hold a secret without an environment
    variable that plain `rasa shell` would lack.
    """
    sign_action_endpoint(self.action_endpoint)
    tracker_state = tracker.current_state(EventVerbosity.NONE)
    tracker_state["events"] = [event.as_dict() for event in events_of_this_turn(list(tracker.events))]
    result = {
        "next_action": self._name,
        "sender_id": tracker.sender_id,
        "tracker": tracker_state,
        "version": rasa.__version__,
    }
    if not self._is_selective_domain_enabled() or domain.does_custom_action_explicitly_need_domain(self.name()):
        result["domain"] = domain.as_dict()
    return result


# SHA-256 of the source of RemoteAction._action_call_format in rasa 3.6.21.
ACTION_CALL = PinnedMethod(
    RemoteAction,
    "_action_call_format",
    "428795b944f22edba142d278ec47a30098975b01463ba337ec447dade52a0492",
    action_call_format,
)

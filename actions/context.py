"""What every action needs to know about the current turn, read once from the tracker."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker

from bot.config.identity import respondent_id
from bot.core.instrument import load_instrument
from bot.core.language import conversation_language, language_chosen_by
from bot.service.assessments import Assessment, Person, assessment_for

CONSENT_GIVEN = "given"
CONSENT_DECLINED = "declined"


@dataclass
class Turn:
    """The latest user message and the conversation facts the actions share."""

    tracker: Tracker
    text: str = ""
    intent: Optional[str] = None
    confidence: float = 0.0
    entities: List[Dict[str, Any]] = field(default_factory=list)
    ranking: List[Dict[str, Any]] = field(default_factory=list)
    _assessment: Optional[Assessment] = field(default=None, repr=False)

    @classmethod
    def of(cls, tracker: Tracker) -> "Turn":
        """Read the latest user message from the tracker."""
        latest = tracker.latest_message or {}
        intent = latest.get("intent") or {}
        return cls(
            tracker=tracker,
            text=latest.get("text") or "",
            intent=intent.get("name"),
            confidence=float(intent.get("confidence") or 0.0),
            entities=list(latest.get("entities") or []),
            ranking=list(latest.get("intent_ranking") or []),
        )

    @property
    def language(self) -> str:
        """The conversation language (slot `language`), English by default."""
        return conversation_language(self.tracker)

    @property
    def channel(self) -> str:
        """The input channel the latest message came from, stored as a label."""
        return self.tracker.get_latest_input_channel() or "unknown"

    @property
    def respondent(self) -> str:
        """The pseudonymous respondent id; the raw sender id is never stored."""
        return respondent_id(self.channel, self.tracker.sender_id)

    @property
    def person(self) -> Person:
        """Who is answering, as the assessment service knows them."""
        return Person(self.respondent, self.channel)

    @property
    def assessment(self) -> Assessment:
        """This person's assessment: in the database with consent on record, else in the
        slots. Consent is looked up once per turn."""
        if self._assessment is None:
            self._assessment = assessment_for(self.person, self.item_slots(), load_instrument())
        return self._assessment

    def consent_given(self) -> None:
        """Consent was just recorded: the rest of the turn keeps answers in the database."""
        self._assessment = None

    def slot(self, name: str) -> Any:
        """A slot's current value."""
        return self.tracker.get_slot(name)

    def item_slots(self) -> Dict[str, Any]:
        """The answers held in the instrument's item slots, by item id."""
        return {item.id: self.slot(item.id) for item in load_instrument().items}

    def entity_values(self, entity: str) -> List[str]:
        """Values of one entity type in the latest message."""
        return [str(e.get("value")) for e in self.entities if e.get("entity") == entity]

    @property
    def from_button(self) -> bool:
        """True when the message is a button's payload (`/intent{...}`), which Rasa reads
        without the NLU's classifiers."""
        return self.text.startswith("/")

    @property
    def language_chosen(self) -> Optional[str]:
        """The language this message asked for, as the NLU pipeline already decided it."""
        return language_chosen_by(self.entities, self.intent, self.from_button)

    def consent(self) -> Optional[bool]:
        """True if consent is on record, False if declined in this conversation, else None."""
        if self.assessment.consented:
            return True
        if self.slot("consent") == CONSENT_DECLINED:
            return False
        return None

    @property
    def from_user(self) -> bool:
        """True when this action answers the user's message directly (not after a form)."""
        return self.tracker.latest_action_name == "action_listen"

    @property
    def user_intent(self) -> Optional[str]:
        """The intent that triggered this action, or None when it follows a form."""
        return self.intent if self.from_user else None

    @property
    def requested_slot(self) -> Optional[str]:
        """The slot the active form is asking for."""
        return self.tracker.get_slot("requested_slot")

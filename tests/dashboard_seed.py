"""Known respondents for the dashboard tests, written straight into the answers database,
and conversations written through Rasa's own SQL tracker store."""

from __future__ import annotations

import asyncio
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Dict, List, Optional

from bot.config.identity import respondent_id
from bot.core.instrument import load_instrument
from bot.storage.db import session_scope
from bot.storage.models import Answer, Assessment, Profile, Respondent

INSTRUMENT = load_instrument()
NOW = datetime(2026, 11, 15, 9, 0, tzinfo=timezone.utc)
HTML_ATTACK = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@dataclass
class Person:
    """One respondent with one assessment; every statement gets `value` unless overridden."""

    institution: str
    faculty: str
    role: str = "programme_coordinator"
    zone: str = "central"
    value: Optional[int] = 3
    values: Dict[str, Optional[int]] = field(default_factory=dict)
    completed: bool = True
    when: datetime = NOW
    open_answer: Optional[str] = None
    sender: str = field(default_factory=lambda: f"seed-{uuid.uuid4().hex[:12]}")
    channel: str = "rest"

    @property
    def respondent(self) -> str:
        return respondent_id(self.channel, self.sender)


def seed(people: List[Person]) -> None:
    """Store every person, their profile, their assessment and its answers (a person
    already stored gets another assessment)."""
    with session_scope() as session:
        for person in people:
            rid = person.respondent
            profile = {
                "institution": person.institution,
                "faculty": person.faculty,
                "role": person.role,
                "zone": person.zone,
            }
            if session.get(Respondent, rid) is None:  # a person seeded again takes the interview again
                session.add(Respondent(id=rid, channel=person.channel, consent_at=person.when, created_at=person.when))
                session.flush()
                session.add(Profile(respondent_id=rid, updated_at=person.when, **profile))
            assessment = uuid.uuid4().hex
            session.add(
                Assessment(
                    id=assessment,
                    respondent_id=rid,
                    status="completed" if person.completed else "started",
                    channel=person.channel,
                    instrument_version=INSTRUMENT.version,
                    started_at=person.when,
                    updated_at=person.when,
                    completed_at=person.when + timedelta(minutes=10) if person.completed else None,
                    **profile,
                )
            )
            session.flush()
            for item in INSTRUMENT.items:
                if item.is_open:
                    value, text = None, person.open_answer or f"Open answer on {item.theme_id}."
                else:
                    value, text = person.values.get(item.id, person.value), None
                session.add(
                    Answer(
                        assessment_id=assessment,
                        theme=item.theme_id,
                        item=item.id,
                        value=value,
                        text=text,
                        language="en",
                        channel=person.channel,
                        answered_at=person.when,
                    )
                )


def seed_conversation(
    url: str,
    sender: str,
    messages: List[str],
    intents: Optional[List[str]] = None,
    channel: str = "rest",
    institution: Optional[str] = None,
) -> None:
    """A conversation saved by Sedia's tracker store, as Rasa saves it: the user's
    messages, Sedia's replies, and the profile's institution when given. The person must
    have consent on record (`seed`), or nothing is stored."""
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.rasa_glue.tracker_store import ConsentAwareTrackerStore

    store = ConsentAwareTrackerStore(Domain.empty(), host=url)
    tracker = DialogueStateTracker(sender, [])
    start = NOW.timestamp()
    for n, text in enumerate(messages):
        intent = (intents or [])[n] if intents and n < len(intents) else "greet"
        ranking = [{"name": intent, "confidence": 0.4}, {"name": "ask_mqa", "confidence": 0.31}]
        tracker.update(
            UserUttered(
                text,
                {"name": intent, "confidence": 0.4},
                parse_data={
                    "intent": {"name": intent, "confidence": 0.4},
                    "intent_ranking": ranking,
                    "text": text,
                    "entities": [],
                },
                input_channel=channel,
                timestamp=start + 10 * n,
            )
        )
        tracker.update(
            ActionExecuted(
                "action_explain_input" if intent == "nlu_fallback" else "utter_greet", timestamp=start + 10 * n + 1
            )
        )
        tracker.update(BotUttered(f"Reply to: {text}", timestamp=start + 10 * n + 2))
        if n == 0 and institution:
            tracker.update(SlotSet("institution", institution, timestamp=start + 10 * n + 3))
    # A thread of its own: Playwright's sync API keeps an event loop running in this one.
    saver = threading.Thread(target=lambda: asyncio.run(store.save(tracker)))
    saver.start()
    saver.join()
    store.engine.dispose()

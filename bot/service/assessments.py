"""The life of one person's assessment: consent, profile, start or resume, record an
answer, pause, finish, the plan's inputs, and erasure.

Where it is kept depends on consent, and that fork is decided here once, in
`assessment_for`: someone with consent on record gets a `DatabaseAssessment` (the
database holds their profile, assessments, answers and plans); anyone else gets a
`SlotAssessment`, which keeps the answers in the conversation's own slots and writes
nothing. Both answer the same `Assessment` interface, so the Rasa actions make one call
per turn and never open a database session themselves.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import Enum
from typing import Dict, List, Mapping, Optional, Protocol, Tuple

from bot.core import interview
from bot.core.answers import answered_in_slots, scale_values, slot_value
from bot.core.institution_list import InstitutionList, keep_to_list
from bot.core.instrument import Instrument, Item
from bot.core.plan import ActionPlan, Comparison, build_plan, render_markdown
from bot.core.profile import PROFILE_FIELDS
from bot.service import releases, reports
from bot.storage import institution_list as listed_institutions
from bot.storage import repository
from bot.storage.db import session_scope
from bot.storage.plans import SavedPlan, save_plan

Slots = Dict[str, Optional[str]]  # item id -> the answer as its slot holds it
Profile = Dict[str, Optional[str]]


@dataclass(frozen=True)
class Person:
    """Who is answering: their pseudonymous respondent id and the channel they use."""

    respondent: str
    channel: str


@dataclass(frozen=True)
class Opened:
    """An assessment started or resumed: its answers so far, and whether it is new."""

    values: Slots
    is_new: bool


@dataclass(frozen=True)
class Finished:
    """The answers to summarise, and whether the assessment is complete."""

    values: Slots
    complete: bool


class Paused(Enum):
    """What "stop for now" did."""

    STORED = "stored"  # the open assessment is marked paused in the database
    PRIVATE = "private"  # answers are only in this conversation; nothing to mark
    NOTHING = "nothing"  # no answers yet


@dataclass(frozen=True)
class PlanDraft:
    """The plan for the current (or latest completed) answers as Markdown (None when
    nothing is scored yet), and its private link when it was kept."""

    markdown: Optional[str]
    saved: Optional[SavedPlan] = None


class Assessment(Protocol):
    """One person's assessment, wherever it is kept."""

    consented: bool

    def stored_profile(self) -> Profile:
        """The profile on record (every field None when nothing is stored)."""

    def save_profile(self, profile: Mapping[str, Optional[str]]) -> None:
        """Keep the profile (and copy it into the open assessment)."""

    def open(self, fresh_start: bool) -> Opened:
        """Resume the open assessment or start one; `fresh_start` when the user asked to start."""

    def record(self, item: Item, value: Optional[int], text: Optional[str], language: str) -> None:
        """Keep one answer the moment it is given."""

    def pause(self) -> Paused:
        """Stop for now."""

    def finish(self) -> Finished:
        """The answers to summarise; a complete assessment is marked completed."""

    def draft_plan(self, language: str) -> PlanDraft:
        """Build the plan, with comparisons where groups are big enough, and keep it."""

    def erase(self) -> Dict[str, int]:
        """Delete everything stored; how many rows of each kind went."""


def consent_on_record(person: Person) -> bool:
    """True when this person gave consent (the only question asked of the database
    before choosing where the assessment lives)."""
    with session_scope() as session:
        return repository.has_consent(session, person.respondent)


def record_consent(person: Person) -> None:
    """Keep the moment consent was given; a repeat keeps the first."""
    with session_scope() as session:
        repository.record_consent(session, person.respondent, person.channel)


def assessment_for(person: Person, slots: Slots, instrument: Instrument) -> Assessment:
    """The person's assessment: in the database with consent on record, else in `slots`."""
    if consent_on_record(person):
        return DatabaseAssessment(person, instrument)
    return SlotAssessment(slots, instrument)


def is_finished(values: Slots, instrument: Instrument, completed_before: bool) -> bool:
    """Complete when every question is answered, or when it was completed before: an
    assessment finished under an older instrument was never asked the items added since
    (migration 0005)."""
    return completed_before or interview.is_complete(answered_in_slots(values, instrument), instrument)


class SlotAssessment:
    """No consent: the answers live in the conversation's slots only, and nothing is written."""

    consented = False

    def __init__(self, slots: Slots, instrument: Instrument) -> None:
        self.slots = dict(slots)
        self.instrument = instrument

    def stored_profile(self) -> Profile:
        """Nothing is stored without consent."""
        return {field: None for field in PROFILE_FIELDS}

    def save_profile(self, profile: Mapping[str, Optional[str]]) -> None:
        """Nothing is stored without consent."""

    def open(self, fresh_start: bool) -> Opened:
        """The answers in slots; a new start after a complete one begins again."""
        values = self.slots
        if fresh_start and interview.is_complete(answered_in_slots(values, self.instrument), self.instrument):
            return Opened({}, True)
        return Opened(values, not any(v is not None for v in values.values()))

    def record(self, item: Item, value: Optional[int], text: Optional[str], language: str) -> None:
        """The slot the form sets keeps the answer; nothing else does."""

    def pause(self) -> Paused:
        """Nothing to mark: the answers stay in this conversation."""
        return Paused.PRIVATE if answered_in_slots(self.slots, self.instrument) else Paused.NOTHING

    def finish(self) -> Finished:
        """The answers in slots."""
        return Finished(self.slots, is_finished(self.slots, self.instrument, False))

    def draft_plan(self, language: str) -> PlanDraft:
        """A plan without comparisons, never kept."""
        return PlanDraft(
            _markdown(build_plan(scale_values(self.slots, self.instrument), self.instrument), self.instrument, language)
        )

    def erase(self) -> Dict[str, int]:
        """Nothing was stored."""
        return {"respondents": 0, "answers": 0, "assessments": 0, "plans": 0}


class DatabaseAssessment:
    """Consent on record: the database holds the profile, assessments, answers and plans."""

    consented = True

    def __init__(self, person: Person, instrument: Instrument) -> None:
        self.person = person
        self.instrument = instrument

    def stored_profile(self) -> Profile:
        """The profile on record."""
        with session_scope() as session:
            return repository.get_profile(session, self.person.respondent)

    def save_profile(self, profile: Mapping[str, Optional[str]]) -> None:
        """Keep the profile, and copy it into the open assessment."""
        with session_scope() as session:
            repository.save_profile(session, self.person.respondent, profile)

    def open(self, fresh_start: bool) -> Opened:
        """Resume the open assessment (a paused one is started again) or start a new one."""
        with session_scope() as session:
            assessment = repository.current_assessment(session, self.person.respondent)
            is_new = assessment is None
            if assessment is None:
                assessment = self._started(session)
            elif assessment.status == "paused":
                repository.set_status(session, assessment.id, "started")
            return Opened(self._slots(session, assessment.id), is_new)

    def record(self, item: Item, value: Optional[int], text: Optional[str], language: str) -> None:
        """Store the answer in the open assessment (started if there is none)."""
        with session_scope() as session:
            assessment = self._started(session)
            repository.record_answer(
                session, assessment.id, item.theme_id, item.id, value, text, language, self.person.channel
            )

    def pause(self) -> Paused:
        """Mark the open assessment paused."""
        with session_scope() as session:
            assessment = repository.current_assessment(session, self.person.respondent)
            if assessment is None:
                return Paused.NOTHING
            repository.set_status(session, assessment.id, "paused")
            return Paused.STORED

    def finish(self) -> Finished:
        """The open assessment's answers, or the latest completed one's; marked completed
        when every question is answered."""
        with session_scope() as session:
            assessment = self._current_or_latest(session)
            if assessment is None:
                return Finished({}, is_finished({}, self.instrument, False))
            values = self._slots(session, assessment.id)
            completed_before = assessment.status == "completed"
            complete = is_finished(values, self.instrument, completed_before)
            if complete and not completed_before:
                repository.set_status(session, assessment.id, "completed")
            return Finished(values, complete)

    def draft_plan(self, language: str) -> PlanDraft:
        """The plan with comparisons to the person's faculty and institution, kept with
        its assessment behind a new private link."""
        with session_scope() as session:
            assessment = self._current_or_latest(session)
            if assessment is None:
                return PlanDraft(None)
            values = scale_values(self._slots(session, assessment.id), self.instrument)
            profile = {field: getattr(assessment, field) for field in ("institution", "faculty")}
            plan = build_plan(values, self.instrument, self._comparisons(session, profile))
            markdown = _markdown(plan, self.instrument, language)
            if markdown is None:
                return PlanDraft(None)
            return PlanDraft(markdown, save_plan(session, assessment.id, language, markdown))

    def erase(self) -> Dict[str, int]:
        """Delete the respondent and everything stored about them."""
        with session_scope() as session:
            return repository.erase_respondent(session, self.person.respondent)

    def _started(self, session):
        # The open assessment, or a new one with a copy of the profile.
        return repository.start_assessment(
            session, self.person.respondent, self.person.channel, self.instrument.version
        )

    def _current_or_latest(self, session):
        # The open assessment, else the latest completed one (a finished interview's summary and plan).
        return repository.current_assessment(session, self.person.respondent) or repository.latest_completed(
            session, self.person.respondent
        )

    def _slots(self, session, assessment_id: str) -> Slots:
        stored = repository.answers_for(session, assessment_id)
        known = {item.id for item in self.instrument.items}
        return {
            item_id: slot_value(self.instrument.item(item_id).is_open, answer.value, answer.text)
            for item_id, answer in stored.items()
            if item_id in known
        }

    @staticmethod
    def _comparisons(session, profile: Mapping[str, Optional[str]]) -> List[Comparison]:
        # The published release, not the answers live: asking again after one more person
        # answered must not show what that person changed.
        release = releases.latest(session)
        if release is None:
            return []
        return reports.plan_comparisons(release, profile.get("institution"), profile.get("faculty"))


def _markdown(plan: Optional[ActionPlan], instrument: Instrument, language: str) -> Optional[str]:
    return None if plan is None else render_markdown(plan, instrument, language)


# The managed list changes rarely, and is read on every turn that touches the profile: a
# process reads it at most once a minute, so an administrator's change shows within one.
LIST_READ_EVERY = 60.0


@dataclass
class _ListRead:
    at: Optional[float] = None
    found: InstitutionList = field(default_factory=InstitutionList)


_list_read = _ListRead()


def institution_list() -> InstitutionList:
    """The managed list of institutions and faculties, as of at most a minute ago."""
    now = time.monotonic()
    if _list_read.at is None or now - _list_read.at > LIST_READ_EVERY:
        with session_scope() as session:
            _list_read.found = listed_institutions.current(session)
        _list_read.at = now
    return _list_read.found


def forget_institution_list() -> None:
    """Read the list afresh on next use (after a change in this process, or in tests)."""
    _list_read.at = None


def keep_profile_to_list(profile: Mapping[str, Optional[str]]) -> Tuple[Profile, List[Tuple[str, str]]]:
    """The profile with its institution and faculty as the managed list has them, and what
    the list turned into "Other" (bot/core/institution_list.py)."""
    return keep_to_list(profile, institution_list())

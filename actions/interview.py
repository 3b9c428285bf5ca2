"""Actions that drive the interview: choose the next step, pause, and summarise."""

from __future__ import annotations

from typing import Any, Dict, FrozenSet, List, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.context import CONSENT_GIVEN, Turn
from actions.plan import deliver_plan
from bot.core import interview
from bot.core.answers import answered_in_slots, scale_values
from bot.core.instrument import Instrument, Theme, load_instrument
from bot.core.messages import message
from bot.core.profile import PROFILE_FIELDS, facts_from_entities, is_complete, label_of, profile_this_turn
from bot.core.scoring import score_answers
from bot.core.summary import render_summary
from bot.nlp.gazetteer import load_gazetteer
from bot.rasa_glue.domain import EDIT_PROFILE_STEP, PROFILE_FORM, STEP_SLOT
from bot.service.assessments import Paused, keep_profile_to_list

PROFILE_INTENTS = ("update_profile", "inform_profile")
FRESH_START_INTENTS = ("start_assessment", "continue_assessment")


def profile_text(profile: Dict[str, Optional[str]], instrument: Instrument, language: str) -> str:
    """A profile as one line for the user."""
    return ", ".join(label_of(f, profile.get(f), instrument, language) for f in PROFILE_FIELDS)


def _item_slot_events(values: Dict[str, Optional[str]], instrument: Instrument) -> List[EventType]:
    return [SlotSet(item.id, values.get(item.id)) for item in instrument.items]


def only_changes(events: List[EventType], tracker: Tracker) -> List[EventType]:
    """The events without slot settings that would leave a slot as it is.

    Every event stays in the conversation for good, and Rasa replays the whole session for
    each prediction and stores and sends it to the action server; restoring 40 slots to the
    values they already hold made the session grow by 40 events at each step. The step
    itself is always set, since the form rules follow it.
    """
    return [
        event
        for event in events
        if not (
            event.get("event") == "slot"
            and event.get("name") != STEP_SLOT
            and tracker.get_slot(event.get("name")) == event.get("value")
        )
    ]


def introduce_theme(dispatcher: CollectingDispatcher, theme: Theme, answered: FrozenSet[str], language: str) -> None:
    """Introduce a theme before its form asks the first question, unless it was begun."""
    if not any(item.id in answered for item in theme.items):
        dispatcher.utter_message(text=f"**{theme.name.get(language)}**. {theme.intro.get(language)}")


class ActionNextStep(Action):
    """Decide what comes next (consent, profile, a theme form or the summary) and say so."""

    def name(self) -> str:
        return "action_next_step"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        turn = Turn.of(tracker)
        instrument = load_instrument()
        if turn.slot(STEP_SLOT) == "paused" and not turn.from_user:
            # A form's validation just paused the interview; wait for the user.
            return [SlotSet(STEP_SLOT, "paused")]
        # A form's validation ended the form because the user asked to change the profile.
        edit_asked = turn.slot(STEP_SLOT) == EDIT_PROFILE_STEP and not turn.from_user
        consent = turn.consent()
        events: List[EventType] = []
        chosen = self._focus(turn) if turn.user_intent == "start_assessment" else None
        if chosen in instrument.theme_ids:
            # Kept through consent and the profile, which come first for a new user.
            events.append(SlotSet("focus_theme", chosen))
        if consent:
            events.append(SlotSet("consent", CONSENT_GIVEN))
        profile, profile_edit, profile_events, unlisted = self._profile(turn, consent, edit_asked)
        events += profile_events
        for field, given in unlisted:
            dispatcher.utter_message(text=message(f"profile.unlisted.{field}", turn.language, name=given))

        if consent is None:
            step = interview.CONSENT
        elif consent is False and profile_edit:
            dispatcher.utter_message(response="utter_no_profile_private")
            events.append(SlotSet("profile_edit", False))
            step = "idle"
        elif consent and not is_complete(profile):
            if not profile_edit and not any(profile.values()):
                dispatcher.utter_message(response="utter_profile_intro")
            step = interview.PROFILE
        elif consent and profile_edit:
            turn.assessment.save_profile(profile)
            text = profile_text(profile, instrument, turn.language)
            dispatcher.utter_message(response="utter_profile_saved", profile_text=text)
            events.append(SlotSet("profile_edit", False))
            step = "idle"
        else:
            if consent and tracker.latest_action_name == PROFILE_FORM:
                # Show what was understood, since one sentence can fill the whole profile.
                text = profile_text(profile, instrument, turn.language)
                dispatcher.utter_message(response="utter_profile_saved", profile_text=text)
            step, interview_events = self._interview_step(dispatcher, turn, consent, profile, instrument)
            events += interview_events
        events.append(SlotSet(STEP_SLOT, step))
        return only_changes(events, tracker)

    @staticmethod
    def _profile(turn: Turn, consent: Optional[bool], edit_asked: bool = False):
        """The profile to use now, whether it is being edited, the slot events, and the
        names the managed list turned into "Other"."""
        stored = turn.assessment.stored_profile()
        profile, editing = profile_this_turn(
            turn.user_intent,
            edit_asked,
            bool(turn.slot("profile_edit")),
            {f: turn.slot(f) for f in PROFILE_FIELDS},
            stored,
            facts_from_entities(turn.entities, load_gazetteer()),
        )
        profile, unlisted = keep_profile_to_list(profile)
        events: List[EventType] = [SlotSet(f, profile.get(f)) for f in PROFILE_FIELDS]
        events.append(SlotSet("profile_edit", editing))
        if consent and is_complete(profile) and profile != stored and not editing:
            turn.assessment.save_profile(profile)
        return profile, editing, events, unlisted

    @staticmethod
    def _focus(turn: Turn) -> Optional[str]:
        chosen = turn.entity_values("theme")
        if turn.user_intent == "start_assessment":
            return chosen[0] if chosen else None
        if turn.user_intent == "continue_assessment":
            return None
        return turn.slot("focus_theme")

    def _interview_step(self, dispatcher, turn: Turn, consent: bool, profile, instrument: Instrument):
        """Load or start the assessment, restore its answers into slots, pick the theme."""
        events: List[EventType] = []
        focus = self._focus(turn)
        if focus not in instrument.theme_ids:
            focus = None
        events.append(SlotSet("focus_theme", focus))
        total = len(instrument.items)
        opened = turn.assessment.open(fresh_start=turn.user_intent == "start_assessment")
        values, is_new = opened.values, opened.is_new
        events += _item_slot_events(values, instrument)
        answered = answered_in_slots(values, instrument)
        state = interview.InterviewState(consent=consent, profile_complete=True, answered=answered, focus_theme=focus)
        step = interview.next_step(state, instrument)
        if (
            consent
            and turn.tracker.latest_action_name != PROFILE_FORM
            and (is_new or turn.user_intent == "start_assessment")
        ):
            text = profile_text(profile, instrument, turn.language)
            dispatcher.utter_message(response="utter_profile_reused", profile_text=text)
        if is_new and step != interview.SUMMARY:
            dispatcher.utter_message(response="utter_new_assessment", total=total)
        elif turn.user_intent in FRESH_START_INTENTS and answered:
            dispatcher.utter_message(response="utter_resuming", answered=len(answered), total=total)
        if step in instrument.theme_ids:
            introduce_theme(dispatcher, instrument.theme(step), answered, turn.language)
        return step, events


class ActionSummary(Action):
    """Score the answers, show the readiness profile, and close a finished assessment."""

    def name(self) -> str:
        return "action_summary"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        turn = Turn.of(tracker)
        instrument = load_instrument()
        consent = turn.consent()
        finished = turn.assessment.finish()
        values, complete = finished.values, finished.complete
        profile = score_answers(scale_values(values, instrument), instrument)
        dispatcher.utter_message(
            text=render_summary(profile, instrument, turn.language, complete),
            json_message={
                "sedia_summary": {
                    "index": profile.index,
                    "complete": complete,
                    "themes": [
                        {"theme": t.theme_id, "score": t.score, "level": t.level.id if t.level else None}
                        for t in profile.themes
                    ],
                }
            },
        )
        if not consent:
            dispatcher.utter_message(text=message("summary.private", turn.language))
        if complete:
            deliver_plan(turn, dispatcher)
            dispatcher.utter_message(response="utter_assessment_done")
        else:
            dispatcher.utter_message(text=message("summary.continue_hint", turn.language))
        # interview_step stays "summary": the rule that ran this action expects it.
        return [SlotSet("focus_theme", None)]


def pause_assessment(turn: Turn, dispatcher: CollectingDispatcher) -> bool:
    """Pause the open assessment and tell the user; False when there was nothing to pause."""
    paused = turn.assessment.pause()
    if paused is Paused.STORED:
        dispatcher.utter_message(response="utter_paused")
    elif paused is Paused.PRIVATE:
        dispatcher.utter_message(response="utter_paused_private")
    return paused is not Paused.NOTHING


class ActionPauseAssessment(Action):
    """Pause outside a form ("stop", "later")."""

    def name(self) -> str:
        return "action_pause_assessment"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        if not pause_assessment(Turn.of(tracker), dispatcher):
            dispatcher.utter_message(response="utter_nothing_to_pause")
        return []

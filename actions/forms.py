"""Form glue: validate each answer with bot/. The forms ask their questions with the
utter_ask_<slot> responses generated from the instrument (bot/rasa_glue/domain.py).

Every answer is parsed by bot.core.answers / bot.core.profile and written as soon as it is given.
Anything that is not an answer (an MQA question, "help", "why?", "stop", "change my
profile", "delete my data", "show my plan", another language, an empty or unreadable
message) gets its reply, and the form asks the same question again, or ends when the
command ends the interview (a pause, a profile edit, an erasure).
"""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.context import CONSENT_DECLINED, CONSENT_GIVEN, Turn
from actions.guidance import utter_mqa_answer
from actions.interview import pause_assessment
from actions.language import confirm_switch
from actions.plan import deliver_plan
from actions.privacy import erase_and_report
from bot.core.answers import (
    parse_open_answer,
    parse_scale_answer,
    parse_yes_no,
    scale_button_item,
    slot_value,
)
from bot.core.commands import is_guarded, names_command
from bot.core.form_cues import is_digression_intent, is_sure
from bot.core.form_cues import is_pause as _is_pause
from bot.core.form_cues import looks_like_command as _looks_like_command
from bot.core.form_cues import looks_like_digression as _looks_like_digression
from bot.core.input_checks import explain_problem, find_problem
from bot.core.instrument import Item, Wording, load_instrument
from bot.core.language import detect_language
from bot.core.messages import message
from bot.core.profile import facts_from_entities, parse_profile_field
from bot.guidance.mqa_topics import mqa_question_topic
from bot.nlp.gazetteer import load_gazetteer
from bot.rasa_glue.domain import CONSENT_FORM, EDIT_PROFILE_STEP, PROFILE_FORM, STEP_SLOT
from bot.service.assessments import record_consent

FORGET_PENDING = "forget_pending"


def is_pause(turn: Turn) -> bool:
    """True when the user asks to stop for now (bot/core/form_cues.yml)."""
    return _is_pause(turn.text, turn.intent, turn.confidence)


def looks_like_digression(turn: Turn) -> bool:
    """True when a free-text reply is more likely a question to Sedia than an answer."""
    return _looks_like_digression(turn.text, turn.intent, turn.confidence)


def looks_like_command(turn: Turn) -> bool:
    """True when a short reply is a command to Sedia rather than a typed name."""
    return _looks_like_command(turn.text, turn.intent, turn.confidence)


@dataclass(frozen=True)
class Reply:
    """A reply given either as instrument wording or as a domain response."""

    wording: Optional[Wording] = None
    response: Optional[str] = None

    def send(self, dispatcher: CollectingDispatcher, language: str) -> None:
        """Send the reply in the conversation language."""
        if self.response:
            dispatcher.utter_message(response=self.response)
        else:
            dispatcher.utter_message(text=self.wording.get(language))


def reply_to_non_answer(
    turn: Turn, dispatcher: CollectingDispatcher, slot: str, why: Reply, hint: Reply
) -> Dict[Text, Any]:
    """Answer whatever the user said instead of an answer; the form then asks again."""
    language = turn.language
    if is_pause(turn):
        if not pause_assessment(turn, dispatcher):
            dispatcher.utter_message(response="utter_paused_private")
        return {slot: None, "requested_slot": None, STEP_SLOT: "paused"}
    # An MQA question the NLU read as something else is still answered as one.
    asks_mqa = turn.intent == "ask_mqa" or (
        not is_digression_intent(turn.intent) and mqa_question_topic(turn.text) is not None
    )
    if asks_mqa:
        utter_mqa_answer(dispatcher, turn)
        return {slot: None}
    if is_guarded(turn.intent):
        # These change what is stored or end the form: the NLU must be sure and the words
        # must say it; a stray word read as "forget me" gets the hint like any non-answer.
        if is_sure(turn.confidence) and names_command(turn.intent, turn.text):
            if turn.intent == "forget_me":
                return ask_to_confirm_erasure(turn, dispatcher, slot)
            # The form ends; action_next_step starts the profile edit, then the user continues.
            return {slot: None, "requested_slot": None, STEP_SLOT: EDIT_PROFILE_STEP}
    elif is_digression_intent(turn.intent):
        if turn.intent == "ask_why":
            why.send(dispatcher, language)
        elif turn.intent == "bot_challenge":
            dispatcher.utter_message(response="utter_iamabot")
        elif turn.intent == "show_plan":
            deliver_plan(turn, dispatcher)
        else:
            dispatcher.utter_message(response="utter_help_in_form")
        return {slot: None}
    problem = find_problem(turn.text)
    if problem is not None:
        dispatcher.utter_message(text=explain_problem(problem, turn.text, language))
    hint.send(dispatcher, language)
    return {slot: None}


def ask_to_confirm_erasure(turn: Turn, dispatcher: CollectingDispatcher, slot: str) -> Dict[Text, Any]:
    """ "Delete my data" inside a form: ask to confirm, or say there is nothing stored."""
    if not turn.consent():
        dispatcher.utter_message(response="utter_nothing_to_forget")
        return {slot: None}
    dispatcher.utter_message(response="utter_confirm_forget")
    return {slot: None, FORGET_PENDING: True}


def answer_to_erasure_question(turn: Turn, dispatcher: CollectingDispatcher, slot: str) -> Optional[Dict[Text, Any]]:
    """The yes or no after "delete my data" inside a form; None when nothing was asked or
    the message is neither (then it is read as usual, perhaps as an answer)."""
    if not turn.slot(FORGET_PENDING):
        return None
    said = parse_yes_no(turn.text, turn.intent)
    if said is None:
        return None  # InstrumentFormValidation.get_validation_events clears the question.
    if said is False:
        dispatcher.utter_message(response="utter_forget_cancelled")
        return {slot: None, FORGET_PENDING: False}
    cleared = {event["name"]: event["value"] for event in erase_and_report(turn, dispatcher)}
    # Nothing is left to ask about: the form ends and the interview waits for the user.
    return {**cleared, slot: None, FORGET_PENDING: False, "requested_slot": None, STEP_SLOT: "paused"}


def switched_language(turn: Turn, dispatcher: CollectingDispatcher, slot: str) -> Optional[Dict[Text, Any]]:
    """When the message asks for another language, confirm it; the form asks again in it."""
    if turn.language_chosen is None:
        return None
    # The NLU pipeline decided it, and the `language` slot's mapping set the slot before
    # this validation ran; only the confirmation is left.
    confirm_switch(turn, dispatcher)
    return {slot: None}


def reply_before_reading(turn: Turn, dispatcher: CollectingDispatcher, slot: str) -> Optional[Dict[Text, Any]]:
    """What a message gets before it is read as an answer: the yes or no to a pending
    "delete my data?" question, or a switch of language; None when it is neither."""
    erasure = answer_to_erasure_question(turn, dispatcher, slot)
    if erasure is not None:
        return erasure
    return switched_language(turn, dispatcher, slot)


def _is_prefilled(turn: Turn, slot: str) -> bool:
    # Slots restored from the database are validated again when a form starts; only
    # the slot the form is asking for carries a new answer.
    return turn.requested_slot != slot


def _store_answer(turn: Turn, item: Item, value: Optional[int], text: Optional[str]) -> None:
    # Kept in the database with consent; otherwise the slot the form sets is all there is.
    turn.assessment.record(item, value, text, answer_language(turn))


def answer_language(turn: Turn) -> str:
    """The language an answer was given in: its own words tell, else the conversation's."""
    return detect_language(turn.text) or turn.language


class InstrumentFormValidation(FormValidationAction, metaclass=ABCMeta):
    """A form validation that knows its form's slots from the instrument, not the domain.

    Rasa sends the whole domain (about 70 kB of JSON) with every call to an action that
    needs it; these actions do not (domain/*.yml marks them `send_domain: false`).
    """

    form_slots: Tuple[str, ...] = ()

    @abstractmethod
    def name(self) -> Text:
        """validate_<form>, set by each subclass."""

    def domain_slots(self, domain: DomainDict) -> List[Text]:
        """The slots this form fills, in asking order."""
        return list(self.form_slots)

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Validate as usual; a pending "delete my data?" question lasts one message only."""
        events = await super().get_validation_events(dispatcher, tracker, domain)
        return self._end_pending_erasure(tracker, events)

    @staticmethod
    def _end_pending_erasure(tracker: Tracker, events: List[EventType]) -> List[EventType]:
        answered = any(e.get("event") == "slot" and e.get("name") == FORGET_PENDING for e in events)
        if tracker.get_slot(FORGET_PENDING) and not answered:
            events.append(SlotSet(FORGET_PENDING, False))
        return events


# ----- consent ------------------------------------------------------------------------
class ValidateConsentForm(InstrumentFormValidation):
    """Record consent the moment it is given; a "no" means nothing is ever stored."""

    form_slots = ("consent",)

    def name(self) -> Text:
        return f"validate_{CONSENT_FORM}"

    def validate_consent(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict
    ) -> Dict[Text, Any]:
        """Read a yes or a no."""
        turn = Turn.of(tracker)
        if _is_prefilled(turn, "consent"):
            return {"consent": value}
        owed = reply_before_reading(turn, dispatcher, "consent")
        if owed is not None:
            return owed
        said = parse_yes_no(turn.text, turn.intent)
        if said is True:
            record_consent(turn.person)
            turn.consent_given()
            dispatcher.utter_message(response="utter_consent_given")
            return {"consent": CONSENT_GIVEN}
        if said is False:
            dispatcher.utter_message(response="utter_consent_declined")
            return {"consent": CONSENT_DECLINED}
        return reply_to_non_answer(
            turn,
            dispatcher,
            "consent",
            Reply(response="utter_why_consent"),
            Reply(response="utter_consent_hint"),
        )


# ----- profile ------------------------------------------------------------------------
class ValidateProfileForm(InstrumentFormValidation):
    """Profile answers: canonical values from the gazetteer; other facts in the same
    message fill the other profile questions too."""

    form_slots = load_instrument().profile.field_ids

    def name(self) -> Text:
        return f"validate_{PROFILE_FORM}"

    def _validate_field(self, field: str, value: Any, dispatcher, tracker) -> Dict[Text, Any]:
        turn = Turn.of(tracker)
        if _is_prefilled(turn, field):
            return {field: value}
        owed = reply_before_reading(turn, dispatcher, field)
        if owed is not None:
            return owed
        instrument, gazetteer = load_instrument(), load_gazetteer()
        facts = facts_from_entities(turn.entities, gazetteer)
        spec = instrument.profile.field(field)
        why, hint = Reply(response="utter_why_profile"), Reply(wording=spec.hint)
        if not facts and (looks_like_digression(turn) or looks_like_command(turn) or is_pause(turn)):
            return reply_to_non_answer(turn, dispatcher, field, why, hint)
        parsed = parse_profile_field(field, turn.text, turn.entities, instrument, gazetteer)
        if parsed is None:
            return reply_to_non_answer(turn, dispatcher, field, why, hint)
        result: Dict[Text, Any] = {field: parsed}
        for other, fact in facts.items():
            if other != field and not tracker.get_slot(other):
                result[other] = fact
        return result

    def validate_institution(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        """Institution: a known name or acronym, or a plausible typed name."""
        return self._validate_field("institution", value, dispatcher, tracker)

    def validate_faculty(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        """Faculty: a known field, or a plausible typed name."""
        return self._validate_field("faculty", value, dispatcher, tracker)

    def validate_role(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        """Role: one of the instrument's roles."""
        return self._validate_field("role", value, dispatcher, tracker)

    def validate_zone(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        """Zone: one of the instrument's zones, or a state or town in it."""
        return self._validate_field("zone", value, dispatcher, tracker)


# ----- theme questions ---------------------------------------------------------------------
class ThemeFormValidation(InstrumentFormValidation):
    """The questions of one theme's form: `validate_item` reads and stores each answer.

    Rasa SDK looks for a `validate_<slot>` method per slot; a theme's slots are its items,
    so this class validates them all through `validate_item`. Each theme's subclass
    (`THEME_FORM_VALIDATIONS`, below) only names its theme.
    """

    @property
    @abstractmethod
    def theme_id(self) -> str:
        """The theme whose form this validates."""

    def name(self) -> Text:
        return f"validate_{load_instrument().theme(self.theme_id).form_name}"

    def domain_slots(self, domain: DomainDict) -> List[Text]:
        """The theme's items, in asking order."""
        return [item.id for item in load_instrument().theme(self.theme_id).items]

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Validate the answers this message filled, as Rasa SDK would with one
        `validate_<item>` method each, and end a pending "delete my data?" question."""
        instrument = load_instrument()
        own = set(self.domain_slots(domain))
        slots: Dict[Text, Any] = {k: v for k, v in tracker.slots_to_validate().items() if k in own}
        for slot_name, value in list(slots.items()):
            validated = self.validate_item(instrument.item(slot_name), value, dispatcher, tracker)
            slots.update(validated)
            # Later validations in the same message see this one's slots, as in Rasa SDK.
            tracker.slots.update(validated)
        events: List[EventType] = [SlotSet(slot, value) for slot, value in slots.items()]
        return self._end_pending_erasure(tracker, events)

    def validate_item(
        self, item: Item, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> Dict[Text, Any]:
        """Read and store the answer to `item`, or reply to what was said instead."""
        instrument = load_instrument()
        turn = Turn.of(tracker)
        if _is_prefilled(turn, item.id):
            return {item.id: value}
        owed = reply_before_reading(turn, dispatcher, item.id)
        if owed is not None:
            return owed
        why = Reply(wording=item.why)
        if item.is_open:
            hint = Reply(wording=instrument.open_rules.hint)
            if looks_like_digression(turn) or is_pause(turn):
                return reply_to_non_answer(turn, dispatcher, item.id, why, hint)
            answer = parse_open_answer(turn.text, instrument.open_rules)
            if answer is None:
                return reply_to_non_answer(turn, dispatcher, item.id, why, hint)
            _store_answer(turn, item, None, answer.text)
            return {item.id: slot_value(True, None, answer.text)}
        pressed_for = scale_button_item(turn.text)
        if pressed_for is not None and pressed_for != item.id:
            return answer_for_another_item(turn, dispatcher, item, pressed_for)
        scale_answer = parse_scale_answer(turn.text, instrument)
        if scale_answer is None:
            return reply_to_non_answer(turn, dispatcher, item.id, why, Reply(wording=instrument.scale.hint))
        _store_answer(turn, item, scale_answer.value, None)
        return {item.id: scale_answer.slot_value}


def answer_for_another_item(
    turn: Turn, dispatcher: CollectingDispatcher, asked: Item, pressed_for: str
) -> Dict[Text, Any]:
    """A scale button pressed under another statement than the one being asked (an old
    message, a retry, buttons from before a restart): it answers its own statement while
    that is still unanswered, and never the current one. The form then asks again."""
    instrument = load_instrument()
    language = turn.language
    answer = parse_scale_answer(turn.text, instrument)
    try:
        other = instrument.item(pressed_for)
    except KeyError:
        other = None
    if other is None or other.is_open or answer is None:
        dispatcher.utter_message(text=message("scale_button.unknown", language))
        return {asked.id: None}
    if turn.slot(other.id) is not None:
        dispatcher.utter_message(text=message("scale_button.answered_already", language))
        return {asked.id: None}
    _store_answer(turn, other, answer.value, None)
    place = instrument.progress_mark(other, language)
    dispatcher.utter_message(text=message("scale_button.recorded_other", language, place=place))
    return {asked.id: None, other.id: answer.slot_value}


# Rasa SDK registers every concrete Action subclass it can find, so creating them is enough.
THEME_FORM_VALIDATIONS = tuple(
    type(f"Validate{theme.id.title()}Form", (ThemeFormValidation,), {"theme_id": theme.id})
    for theme in load_instrument().themes
)

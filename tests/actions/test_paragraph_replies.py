"""A long message that raised two themes is answered on both; an unclear one gets a
question back with the two likeliest themes as buttons (issue 18). English and Malay."""

import asyncio

import pytest
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet
from rasa.shared.core.trackers import DialogueStateTracker

from bot.core.instrument import load_instrument
from tests.actions.test_form_validation import run_action, tracker

INSTRUMENT = load_instrument()
# About training mostly, and time from management: the way coordinators write.
PARAGRAPH = {
    "en": (
        "Lecturers here are willing, but they simply have no time for any of it. Everything comes on top "
        "of the normal workload. If management could reduce some teaching load, they could attend training."
    ),
    "ms": (
        "Pensyarah di sini sebenarnya mahu, tapi memang tak ada masa langsung. Semua ditambah atas beban "
        "kerja biasa. Kalau pengurusan boleh kurangkan beban mengajar, barulah mereka boleh pergi latihan."
    ),
}
TWO_THEMES = [("theme_training", 0.62), ("theme_institutional", 0.31), ("theme_quality", 0.04)]
UNCLEAR = [("nlu_fallback", 0.5), ("theme_institutional", 0.41), ("theme_training", 0.38), ("theme_quality", 0.1)]


def _rendered(sent: dict, language: str) -> dict:
    """A response the action sent, as the Rasa server renders it: its values fill the text
    and the buttons."""
    domain = Domain.load("domain.yml")
    track = DialogueStateTracker.from_events("tester", [SlotSet("language", language)], domain.slots)
    values = {k: v for k, v in sent.items() if k not in ("response", "text", "buttons", "template")}
    nlg = TemplatedNaturalLanguageGenerator(domain.responses)
    return asyncio.run(nlg.generate(sent["response"], track, "rest", **values))


def _names(*theme_ids, language):
    return [INSTRUMENT.theme(t).name.get(language) for t in theme_ids]


@pytest.mark.parametrize("language", ["en", "ms"])
def test_two_themes_get_guidance_on_the_first_and_an_offer_of_both(sqlite_url, language):
    slots, messages = run_action(
        "action_theme_guidance",
        tracker(PARAGRAPH[language], "theme_training", {"language": language}, ranking=TWO_THEMES),
    )
    assert slots["focus_theme"] == "training"
    offer = messages[-1]
    assert offer["response"] == "utter_two_themes_offer"
    training, institutional = _names("training", "institutional", language=language)
    assert offer["theme_name"] == training and offer["second_theme_name"] == institutional
    rendered = _rendered(offer, language)
    assert institutional in rendered["text"]
    payloads = [b["payload"] for b in rendered["buttons"]]
    assert payloads == ["/affirm", '/start_assessment{"theme": "institutional"}', "/deny"]
    # The guidance before the offer is the first theme's.
    assert messages[0]["text"].startswith(
        run_action("action_theme_guidance", tracker("we need training", "theme_training", {"language": language}))[1][
            0
        ]["text"][:40]
    )


@pytest.mark.parametrize("language", ["en", "ms"])
def test_a_short_message_or_a_weak_second_theme_gets_the_one_theme_offer(sqlite_url, language):
    weak = [("theme_training", 0.85), ("theme_institutional", 0.1)]
    for text, ranking in (("lecturers have no time for training", TWO_THEMES), (PARAGRAPH[language], weak)):
        _, messages = run_action(
            "action_theme_guidance", tracker(text, "theme_training", {"language": language}, ranking=ranking)
        )
        assert messages[-1]["response"] == "utter_theme_offer"


@pytest.mark.parametrize("language", ["en", "ms"])
def test_an_unclear_paragraph_gets_the_two_likeliest_themes_as_buttons(sqlite_url, language):
    _, messages = run_action(
        "action_explain_input",
        tracker(PARAGRAPH[language], "nlu_fallback", {"language": language}, ranking=UNCLEAR),
    )
    assert [m["response"] for m in messages] == ["utter_which_theme"]
    ask = messages[0]
    rendered = _rendered(ask, language)
    institutional, training = _names("institutional", "training", language=language)
    assert [b["title"] for b in rendered["buttons"]] == [institutional, training]
    assert [b["payload"] for b in rendered["buttons"]] == ["/theme_institutional", "/theme_training"]


def test_a_short_unclear_message_still_gets_what_sedia_can_do(sqlite_url):
    _, messages = run_action("action_explain_input", tracker("hmm not sure lah", "nlu_fallback", ranking=UNCLEAR))
    assert [m["response"] for m in messages] == ["utter_default"]


@pytest.mark.parametrize(
    "language, text", [("en", "ok that's all from me, thank you"), ("ms", "ok terima kasih, jumpa")]
)
def test_a_farewell_split_between_goodbye_and_thanks_gets_a_closing_not_a_fallback(sqlite_url, language, text):
    split = [("nlu_fallback", 0.75), ("thanks", 0.6), ("goodbye", 0.3)]
    _, messages = run_action(
        "action_explain_input", tracker(text, "nlu_fallback", {"language": language}, ranking=split)
    )
    assert [m["response"] for m in messages] == ["utter_thanks"]


def test_the_second_themes_button_keeps_its_theme_through_consent_and_the_profile(sqlite_url):
    # A new user: consent comes first, then the profile, then the chosen theme's questions.
    payload = '/start_assessment{"theme": "institutional"}'
    slots, _ = run_action("action_next_step", tracker(payload, "start_assessment", {"focus_theme": "training"}))
    assert slots["focus_theme"] == "institutional" and slots["interview_step"] == "consent"

"""An MQA question whose topic is unclear gets the two likeliest topics as buttons, not "I
don't know"; pressing one answers that topic; a natural phrasing is answered (issue 18).
English and Malay."""

import pytest

from bot.guidance.mqa import answer, load_knowledge
from bot.guidance.mqa_topics import choose_topic
from tests.actions.test_form_validation import run_action, tracker

KNOWLEDGE = load_knowledge()
UNCLEAR = {
    "en": "how long does it take for MQA to endorse a micro-credential?",
    "ms": "berapa lama MQA ambil masa untuk luluskan kursus pendek?",
}
NATURAL = {
    "en": "what should be in place before we offer a micro-credential, MQA wise?",
    "ms": "apa yang perlu ada sebelum kami tawarkan mikro-kredensial dari segi MQA?",
}


@pytest.mark.parametrize("language", ["en", "ms"])
def test_an_unclear_topic_is_offered_as_two_buttons(sqlite_url, language):
    slots, messages = run_action("action_answer_mqa", tracker(UNCLEAR[language], "ask_mqa", {"language": language}))
    assert slots["mqa_topic"] == "unknown"
    (offer,) = messages
    first, second = choose_topic(UNCLEAR[language]).likeliest_two
    assert [b["title"] for b in offer["buttons"]] == [
        KNOWLEDGE.topics[first].name.get(language),
        KNOWLEDGE.topics[second].name.get(language),
    ]
    assert [b["payload"] for b in offer["buttons"]] == [
        f'/ask_mqa{{"mqa_topic": "{first}"}}',
        f'/ask_mqa{{"mqa_topic": "{second}"}}',
    ]
    # Honest about anything else, with MQA's guideline index.
    assert KNOWLEDGE.index_url in offer["text"]
    assert ("don't know" in offer["text"]) if language == "en" else ("Agensi Kelayakan Malaysia (MQA)" in offer["text"])


@pytest.mark.parametrize("language", ["en", "ms"])
def test_a_topic_button_answers_that_topic(sqlite_url, language):
    payload = '/ask_mqa{"mqa_topic": "accreditation"}'
    slots, messages = run_action("action_answer_mqa", tracker(payload, "ask_mqa", {"language": language}))
    assert slots["mqa_topic"] == "accreditation"
    assert messages[0]["text"] == answer("accreditation", language)


@pytest.mark.parametrize("language", ["en", "ms"])
def test_a_natural_phrasing_gets_its_topics_answer(sqlite_url, language):
    slots, messages = run_action("action_answer_mqa", tracker(NATURAL[language], "ask_mqa", {"language": language}))
    assert slots["mqa_topic"] == "qa_checklist"
    assert messages[0]["text"] == answer("qa_checklist", language)


def test_a_natural_mqa_question_read_as_a_theme_still_gets_the_mqa_answer(sqlite_url):
    slots, messages = run_action("action_theme_guidance", tracker(NATURAL["en"], "theme_quality"))
    assert messages[0]["text"] == answer("qa_checklist", "en")

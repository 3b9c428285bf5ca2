"""MQA answers and the action plan over REST, with the real servers, database and web app."""

from __future__ import annotations

import re
import urllib.error
import urllib.request

from bot.core.plan import build_plan
from bot.guidance.mqa import answer, load_knowledge
from tests.e2e.interviews import INSTRUMENT, answer_all, pressing

KNOWLEDGE = load_knowledge()


def body_of(reply_text: str) -> str:
    return reply_text.rsplit("\n", 1)[0]


def test_mqa_questions_in_both_languages_with_a_follow_up(sedia):
    english, malay = sedia.chat(), sedia.chat()
    for chat, question, topic, language in [
        (english, "what counts as a micro-credential?", "definition", "en"),
        (english, "how many learning hours make one credit?", "credit", "en"),
        (english, "and for APEL?", "apel", "en"),
        (malay, "adakah lencana digital dikira sebagai mikro-kredensial?", "badges", "ms"),
        (malay, "bagaimana proses akreditasi mikro-kredensial?", "accreditation", "ms"),
        (malay, "dan untuk APEL?", "apel", "ms"),
    ]:
        chat.say(question)
        assert answer(topic, language) in chat.joined(), (question, chat.texts)
        assert chat.texts[-1].rsplit("\n", 1)[1].startswith({"en": "Source:", "ms": "Sumber:"}[language])


def test_a_question_outside_the_knowledge_base_gets_an_honest_answer(sedia):
    chat = sedia.chat()
    chat.say("how much does MQA charge to evaluate a micro-credential?")
    assert "I don't know that one" in chat.joined() and KNOWLEDGE.index_url in chat.joined()


NATURAL_MQA = {
    "en": "what should be in place before we offer a micro-credential, MQA wise?",
    "ms": "apa yang perlu ada sebelum kami tawarkan mikro-kredensial dari segi MQA?",
}
UNCLEAR_MQA = {
    "en": "how long does it take for MQA to endorse a micro-credential?",
    "ms": "berapa lama MQA ambil masa untuk luluskan kursus pendek?",
}


def test_mqa_questions_asked_naturally_are_answered_and_an_unclear_one_offers_two_topics(sedia):
    for language in ("en", "ms"):
        chat = sedia.chat()
        chat.say(NATURAL_MQA[language])
        assert answer("qa_checklist", language) in chat.joined(), chat.texts
        chat.say(UNCLEAR_MQA[language])
        offer = chat.last[-1]
        names = {t.name.get(language): t.id for t in KNOWLEDGE.topics.values() if t.name}
        assert len(offer.buttons) == 2 and all(b["title"] in names for b in offer.buttons), chat.texts
        assert KNOWLEDGE.index_url in offer.text
        # Pressing a topic answers that topic.
        chosen = offer.buttons[1]["title"]
        chat.press(chosen)
        assert answer(names[chosen], language) in chat.joined(), chat.texts


def test_an_mqa_question_inside_the_interview_then_the_same_question(sedia):
    chat = sedia.chat()
    chat.say("start assessment")
    chat.press("Yes, I agree")
    chat.say("lecturer at UPM, Faculty of Educational Studies")
    first = chat.current_item()
    chat.say("is there a checklist before submission to MQA?")
    assert body_of(answer("qa_checklist", "en")) in chat.joined()
    assert chat.current_item() == first and sedia.db.answers(chat.sender) == []


def fetch(url: str):
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read().decode("utf-8"), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8"), dict(error.headers)


def test_a_finished_interview_ends_with_a_plan_in_chat_and_at_a_private_link(sedia):
    chat = sedia.chat()
    chat.say("start assessment")
    chat.press("Yes, I agree")
    chat.say("programme coordinator at USM, School of Educational Studies, Penang")

    sent = answer_all(chat, pressing("en"))
    plan = build_plan(sent, INSTRUMENT)
    text = chat.joined()
    assert "# Your micro-credential action plan" in text
    # The plan's gaps are the user's lowest themes, in order, with their actions.
    headings = re.findall(r"^## \d\. (.+?):", text, flags=re.MULTILINE)
    assert headings == [INSTRUMENT.theme(g.theme.theme_id).name.get("en") for g in plan.gaps]
    for gap in plan.gaps:
        for action in gap.actions:
            assert action.text.get("en") in text
    [document] = [r.custom["sedia_document"] for r in chat.last if r.custom and "sedia_document" in r.custom]
    link = document["url"]
    assert link.startswith(f"http://127.0.0.1:{sedia.stack.web_port}/plan/")
    status, page, headers = fetch(link)
    assert status == 200 and headers["Cache-Control"] == "no-store"
    assert "<h1>Your micro-credential action plan</h1>" in page
    assert f"<h2>1. {INSTRUMENT.theme(plan.gaps[0].theme.theme_id).name.get('en')}" in page
    # What MQA requires and good practice from elsewhere are apart on the printable page too.
    assert page.index("<h3>What MQA requires</h3>") < page.index(
        "<h3>Good practice from elsewhere (not MQA rules)</h3>"
    )
    status, markdown, _ = fetch(document["markdown_url"])
    assert status == 200 and markdown.startswith("# Your micro-credential action plan")
    # Stored with the assessment; a guessed link finds nothing.
    [row] = sedia.db.rows(
        "SELECT p.markdown FROM plans p JOIN assessments a ON a.id = p.assessment_id WHERE a.respondent_id = :r",
        r=sedia.db.respondent(chat.sender),
    )
    assert row["markdown"] == markdown
    # Channels that send files (Telegram) get the same plan in the message itself.
    assert (document["markdown"], document["language"]) == (markdown, "en")
    assert fetch(link[:-2] + "xx")[0] == 404
    # "show my plan" later, after switching to Malay: the same plan in Malay, a new link.
    chat.say("cakap BM")
    chat.say("tunjukkan pelan saya")
    assert "# Pelan tindakan mikro-kredensial anda" in chat.joined()
    [again] = [r.custom["sedia_document"] for r in chat.last if r.custom and "sedia_document" in r.custom]
    assert again["url"] != link and fetch(again["url"])[0] == 200


def test_a_user_who_declined_gets_the_plan_in_chat_only(sedia):
    chat = sedia.chat()
    chat.say("start assessment")
    chat.press("No, store nothing")
    plans_before = sedia.db.rows("SELECT COUNT(*) AS n FROM plans")[0]["n"]
    for item in INSTRUMENT.theme("conceptualisation").items:
        chat.say("2" if not item.is_open else "skip")
    # Asked in the middle of the interview: the plan so far, then the same question again.
    question = chat.current_item()
    chat.say("show my plan")
    assert "# Your micro-credential action plan" in chat.joined()
    assert "exists only in this chat" in chat.joined()
    assert chat.current_item() == question
    assert not any(r.custom and "sedia_document" in r.custom for r in chat.last)
    assert sedia.db.rows("SELECT COUNT(*) AS n FROM plans")[0]["n"] == plans_before


def test_every_topic_is_answered_for_three_phrasings_in_each_language(sedia):
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))
    from test_mqa_knowledge import QUESTIONS

    wrong = []
    for language in ("en", "ms"):
        chat = sedia.chat()
        for topic, phrasings in QUESTIONS.items():
            for question in phrasings[language]:
                chat.say(question)
                if answer(topic, language) not in chat.joined():
                    wrong.append((language, question, chat.texts))
    assert wrong == []


# ----- long messages, farewells (issue 18) ----------------------------------------------
THEME_NAMES = {t.id: t.name for t in INSTRUMENT.themes}
# Mostly training, with a request to management for the lecturers' time: the reply names
# both themes.
TWO_THEMES = {
    "en": (
        "Our lecturers need hands-on training on designing online courses, because most of them never "
        "learned instructional design and the workshops so far were too short to build any real skill. "
        "The management should also give them time for it and recognise the work."
    ),
    "ms": (
        "Pensyarah kami perlukan latihan amali reka bentuk kursus dalam talian, sebab ramai tak pernah "
        "belajar reka bentuk instruksional dan bengkel setakat ni terlalu pendek untuk bina kemahiran "
        "sebenar. Pengurusan pula patut beri mereka masa untuk itu dan iktiraf kerja ni."
    ),
}
# Split evenly between the platform and the quality of the materials: Sedia asks.
UNCLEAR = {
    "en": (
        "Two things worry me equally. Our LMS server keeps crashing and the studio equipment is very old. "
        "At the same time our modules are not interactive and the assessments are weak, not at "
        "accreditation level yet."
    ),
    "ms": (
        "Dua perkara sama-sama merisaukan saya. Pelayan LMS kami selalu tergendala dan peralatan studio "
        "dah sangat lama. Pada masa yang sama modul kami tak interaktif dan penilaian lemah, belum tahap "
        "akreditasi."
    ),
}
GOODBYE = {
    "en": "Goodbye, and good luck with your micro-credentials.",
    "ms": "Selamat tinggal, dan semoga berjaya dengan mikro-kredensial anda.",
}
THANKS = {"en": "You're welcome.", "ms": "Sama-sama."}
FAREWELLS = {
    "en": [
        "bye for now",
        "I'm done for today",
        "ok that's all from me, thank you",
        "thanks, see you next time",
        "alright I have to go now, bye",
        "thank you so much, very helpful",
        "cheers, talk to you later",
        "good night and thanks",
    ],
    "ms": [
        "nanti jumpa lagi",
        "terima kasih, itu sahaja",
        "saya nak gerak dulu ye",
        "jumpa lagi esok",
        "terima kasih banyak, sangat membantu",
        "ok itu je buat masa ni",
        "bye, terima kasih ye",
        "selamat malam, terima kasih",
    ],
}
GREETING = {"en": "hello", "ms": "selamat pagi"}


def test_a_long_message_on_two_themes_gets_guidance_on_one_and_an_offer_of_both(sedia):
    for language, text in TWO_THEMES.items():
        chat = sedia.chat()
        chat.say(text)
        training, institutional = THEME_NAMES["training"].get(language), THEME_NAMES["institutional"].get(language)
        offer = chat.last[-1]
        assert institutional in offer.text, (language, chat.texts)
        assert [b["title"] for b in offer.buttons][:2] == [
            {"en": f"{training} questions", "ms": f"Soalan {training}"}[language],
            {"en": f"{institutional} questions", "ms": f"Soalan {institutional}"}[language],
        ]
        # The second button starts the second theme's questions.
        chat.press(offer.buttons[1]["title"])
        chat.press({"en": "Yes, I agree", "ms": "Ya, saya setuju"}[language])
        chat.say(
            {
                "en": "lecturer at UPM, Faculty of Educational Studies",
                "ms": "pensyarah di UPM, Fakulti Pengajian Pendidikan",
            }[language]
        )
        assert chat.current_item().theme_id == "institutional", chat.texts


def test_an_unclear_long_message_gets_a_question_with_the_two_likeliest_themes(sedia):
    for language, text in UNCLEAR.items():
        chat = sedia.chat()
        chat.say(text)
        infrastructure, quality = THEME_NAMES["infrastructure"].get(language), THEME_NAMES["quality"].get(language)
        assert len(chat.last) == 1, chat.texts
        assert {b["title"] for b in chat.last[0].buttons} == {infrastructure, quality}, chat.texts
        assert {"en": "Is this mostly about", "ms": "Adakah ini lebih kepada"}[language] in chat.joined()
        # Choosing one gets that theme's guidance and the offer of its questions.
        chat.press(quality)
        assert quality in chat.last[-1].text and chat.last[-1].buttons[0]["payload"] == "/affirm"


def test_farewells_and_thanks_are_never_read_as_a_request(sedia):
    for language, farewells in FAREWELLS.items():
        for farewell in farewells:
            chat = sedia.chat()
            chat.say(GREETING[language])
            chat.say(farewell)
            said = chat.joined()
            assert said.startswith(GOODBYE[language]) or said.startswith(THANKS[language]), (farewell, chat.texts)

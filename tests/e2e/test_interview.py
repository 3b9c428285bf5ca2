"""Complete interviews over the REST channel against the real servers and database."""

from __future__ import annotations

from bot.core.instrument import Item
from bot.core.scoring import score_answers
from tests.e2e.interviews import (
    INSTRUMENT,
    answer_all,
    assert_stored,
    assert_summary_matches,
    pressing,
    typing,
)

press_scale = pressing("en")
type_scale = typing(lambda item: "en")


UPM_PROFILE = {
    "institution": "Universiti Putra Malaysia",
    "faculty": "Faculty of Educational Studies",
    "role": "programme_coordinator",
    "zone": "central",
}


def test_interview_answered_with_buttons(sedia):
    chat = sedia.chat()
    chat.say("hello")
    assert "Sedia" in chat.joined()
    chat.press("Start the readiness assessment")
    assert "May I store your answers?" in chat.joined()
    chat.press("Yes, I agree")
    assert "Which university" in chat.joined()
    # An institution the gazetteer does not know is kept as typed, and its zone is asked.
    chat.say("kolej komuniti selayang")
    chat.say("Faculty of Educational Studies")
    chat.press("Programme coordinator")
    chat.press("Central")
    assert (
        "Your profile: Kolej Komuniti Selayang, Faculty of Educational Studies, Programme coordinator, Central"
        in chat.joined()
    )
    sent = answer_all(chat, press_scale)
    assert_summary_matches(chat, sent)
    assert_stored(sedia, chat, sent, {**UPM_PROFILE, "institution": "Kolej Komuniti Selayang"})
    # The next assessment reuses the stored profile instead of asking again.
    chat.say("start assessment")
    assert "I'm using your saved profile (Kolej Komuniti Selayang" in chat.joined()
    assert chat.current_item() == INSTRUMENT.items[0]
    assert [a["status"] for a in sedia.db.assessments(chat.sender)] == ["completed", "started"]


def test_interview_answered_by_typing_with_digressions(sedia):
    chat = sedia.chat()
    chat.say("I want to take the readiness assessment")
    chat.say("yes")
    chat.say("I coordinate the MEd programme at UPM's education faculty, Serdang")
    assert (
        "Your profile: Universiti Putra Malaysia, Faculty of Education, Programme coordinator, Central" in chat.joined()
    )

    def digress(chat, item: Item) -> None:
        position = INSTRUMENT.items.index(item) + 1
        stored_before = len(sedia.db.answers(chat.sender))
        if position == 3:
            chat.say("what does MQA say about micro-credentials?")
            assert "Source: MQA" in chat.joined()
        elif position == 4:
            chat.say("why do you ask this?")
            assert item.why.get("en") in chat.joined()
        elif position == 5:
            chat.say("banana")
            assert INSTRUMENT.scale.hint.get("en") in chat.joined()
        elif position == 8:
            chat.say("help")
            assert 'say "stop" to pause' in chat.joined()
        elif position == 9:
            chat.say("I don't really agree")
            assert INSTRUMENT.scale.hint.get("en") in chat.joined()
        else:
            return
        # The same question comes back and nothing was stored for it.
        assert chat.current_item() == item, chat.texts
        assert len(sedia.db.answers(chat.sender)) == stored_before

    sent = answer_all(chat, type_scale, before=digress)
    assert_summary_matches(chat, sent)
    assert_stored(sedia, chat, sent, {**UPM_PROFILE, "faculty": "Faculty of Education"})


def test_declined_consent_stores_nothing_but_still_scores(sedia):
    counts_before = sedia.db.rows("SELECT (SELECT COUNT(*) FROM respondents) AS r, (SELECT COUNT(*) FROM answers) AS a")
    chat = sedia.chat()
    chat.say("start assessment")
    chat.press("No, store nothing")
    assert "I won't store anything" in chat.joined()
    assert chat.current_item() == INSTRUMENT.items[0], "no profile questions without consent"
    sent = answer_all(chat, type_scale)
    expected = score_answers(sent, INSTRUMENT)
    assert chat.summary()["index"] == expected.index
    assert "exists only in this chat" in chat.joined()
    assert (
        sedia.db.rows("SELECT COUNT(*) AS n FROM respondents WHERE id = :r", r=sedia.db.respondent(chat.sender))[0]["n"]
        == 0
    )
    counts_after = sedia.db.rows("SELECT (SELECT COUNT(*) FROM respondents) AS r, (SELECT COUNT(*) FROM answers) AS a")
    assert counts_after == counts_before
    chat.say("change my profile")
    assert "keep no profile" in chat.joined()


def test_theme_in_free_text_gives_guidance_and_offers_its_questions(sedia):
    chat = sedia.chat()
    chat.say("our lecturers have no time to learn the LMS")
    text = chat.joined()
    assert "instructional designers" in text and "Training and development questions" in text
    chat.press("Yes, ask me")
    chat.press("Yes, I agree")
    chat.say("senior lecturer at Universiti Malaya, Faculty of Education")
    training = INSTRUMENT.theme("training")
    assert chat.current_item() == training.items[0]
    # Its place in the theme, not in the whole instrument (it used to say "(7/33)").
    assert any(t.startswith(f"(Training and development, 1 of {len(training.items)}) ") for t in chat.texts)
    for _item in training.scale_items:
        chat.say("4")
    chat.say("Lecturers have no time.")
    summary = chat.summary()
    assert summary is not None and summary["complete"] is False
    scores = {t["theme"]: t["score"] for t in summary["themes"]}
    assert scores["training"] == 4.0 and scores["quality"] is None
    assert "continue" in chat.joined()
    assert len(sedia.db.answers(chat.sender)) == len(training.items)
    chat.say("continue")
    assert chat.current_item() == INSTRUMENT.items[0]


def test_forget_me_erases_everything(sedia):
    chat = sedia.chat()
    chat.say("start assessment")
    chat.press("Yes, I agree")
    chat.say("I coordinate the MEd programme at UPM's education faculty, Serdang")
    chat.say("4")
    chat.say("2")
    assert len(sedia.db.answers(chat.sender)) == 2
    chat.say("stop")
    chat.say("delete my data")
    assert "cannot be undone" in chat.joined()
    chat.press("No, keep it")
    assert len(sedia.db.answers(chat.sender)) == 2
    chat.say("delete my data")
    chat.press("Yes, delete my data")
    assert "deleted 2 answers, 1 assessment, 0 action plans and your profile" in chat.joined()
    assert_nothing_kept(sedia, chat)


def assert_nothing_kept(sedia, chat) -> None:
    """No row of the chat's user is left in any table."""
    rid = sedia.db.respondent(chat.sender)
    for table, column in (("respondents", "id"), ("profiles", "respondent_id"), ("assessments", "respondent_id")):
        assert sedia.db.rows(f"SELECT COUNT(*) AS n FROM {table} WHERE {column} = :r", r=rid)[0]["n"] == 0
    assert sedia.db.answers(chat.sender) == []


def test_delete_my_data_and_change_my_profile_work_in_the_middle_of_a_theme(sedia):
    # Inside a form these used to get "Please answer with a number ..." (issue 16).
    chat = sedia.chat()
    chat.say("start assessment")
    chat.press("Yes, I agree")
    chat.say("I coordinate the MEd programme at UPM's education faculty, Serdang")
    chat.say("4")
    chat.say("change my profile")
    assert chat.current_item() is None and "Which university" in chat.joined(), chat.texts
    chat.say("I am a senior lecturer at Universiti Malaya, Faculty of Education, Kuala Lumpur")
    chat.say("continue")
    assert chat.current_item() == INSTRUMENT.items[1], chat.texts
    chat.say("2")
    chat.say("delete my data")
    assert "cannot be undone" in chat.joined() and "Please answer with a number" not in chat.joined()
    chat.say("yes")
    assert "I deleted 2 answers, 1 assessment, 0 action plans and your profile" in chat.joined(), chat.texts
    assert chat.current_item() is None
    assert_nothing_kept(sedia, chat)


def test_padam_data_saya_in_the_middle_of_a_theme_can_be_cancelled(sedia):
    chat = sedia.chat()
    chat.say("saya nak mula penilaian")
    chat.say("ya, saya setuju")
    chat.say("saya penyelaras program di Fakulti Pengajian Pendidikan, UPM Serdang")
    assert chat.current_item() == INSTRUMENT.items[0], chat.texts
    chat.say("4")
    chat.say("padam data saya")
    assert "tidak boleh dibatalkan" in chat.joined(), chat.texts
    chat.press("Tidak, simpan")
    assert "Tiada apa yang dipadam" in chat.joined() and chat.current_item() == INSTRUMENT.items[1], chat.texts
    assert len(sedia.db.answers(chat.sender)) == 1


# What one turn may cost in action-server calls. Each call costs the Rasa server a tracker
# serialisation and a response validation, so these budgets guard Sedia's speed with a
# count that a busy machine cannot make flaky. Lower them when a change saves calls.
CALLS_PER_ANSWER = 1  # the form's validation; the next question is a response
CALLS_PER_THEME_CHANGE = 4  # validation, next step, and the next form's two validations at activation
CALLS_TO_START = 10  # the consent and profile turns, before the first question
# Each statement costs one call and each theme change three more, whatever the instrument
# holds (58 for version 1's 33 questions, 61 for version 2's 36).
CALLS_PER_INTERVIEW = (
    CALLS_TO_START
    + len(INSTRUMENT.items) * CALLS_PER_ANSWER
    + len(INSTRUMENT.themes) * (CALLS_PER_THEME_CHANGE - CALLS_PER_ANSWER)
)
# The most a call may carry (Rasa 3.6 itself sends every event of the session and the
# whole domain: some 640 events and 200 kB by the end of an interview).
EVENTS_PER_CALL = 40
BYTES_PER_CALL = 20_000


def test_action_server_calls_per_turn(sedia):
    chat = sedia.chat()
    per_turn = []

    def counted(send, *args):
        before = len(sedia.action_calls.calls(chat.sender))
        send(*args)
        per_turn.append([c.action for c in sedia.action_calls.calls(chat.sender)[before:]])
        return per_turn[-1]

    assert counted(chat.say, "hello") == [], "a greeting is a response, with no call"
    counted(chat.press, "Start the readiness assessment")
    counted(chat.press, "Yes, I agree")
    counted(chat.say, "I coordinate the MEd programme at UPM's education faculty, Serdang")
    answered = 0
    while chat.summary() is None:
        item = chat.current_item()
        assert item is not None, chat.texts
        calls = counted(chat.say, f"my answer on {item.id}") if item.is_open else counted(press_scale, chat, item, 4)
        answered += 1
        last_of_theme = item.id == INSTRUMENT.theme(item.theme_id).items[-1].id
        if last_of_theme:
            assert len(calls) <= CALLS_PER_THEME_CHANGE, (item.id, calls)
        else:
            assert calls == [f"validate_{INSTRUMENT.theme(item.theme_id).form_name}"], (item.id, calls)
    assert answered == len(INSTRUMENT.items)
    assert len(sedia.db.answers(chat.sender)) == len(INSTRUMENT.items)
    total = sum(len(calls) for calls in per_turn)
    print(f"action-server calls per turn: {per_turn}; total {total} for {len(per_turn)} turns")
    assert total <= CALLS_PER_INTERVIEW, per_turn
    # A call carries the turn's events, not the whole conversation (bot/rasa_glue/action_call.py),
    # and no domain (the form validations know their slots), so its size does not grow
    # with the interview.
    calls = sedia.action_calls.calls(chat.sender)
    biggest = max(calls, key=lambda c: c.request_bytes)
    print(f"largest call: {biggest}; the last: {calls[-1]}")
    assert max(c.events_sent for c in calls) <= EVENTS_PER_CALL, biggest
    assert biggest.request_bytes <= BYTES_PER_CALL, biggest

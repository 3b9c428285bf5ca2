"""Interviews in Bahasa Melayu, and language switches, over REST with the real servers."""

from __future__ import annotations

from bot.core.instrument import Item
from bot.core.messages import message
from tests.e2e.interviews import INSTRUMENT, finish_and_check, pressing, typing

MALAY = lambda item: "ms"  # noqa: E731 - every answer of these interviews is in Malay


def test_whole_interview_typed_in_malay(sedia):
    chat = sedia.chat()
    chat.say("selamat pagi")
    assert "Hai, saya Sedia" in chat.joined()
    chat.say("saya nak mula penilaian")
    assert "Bolehkah saya simpan jawapan anda?" in chat.joined()
    chat.say("ya, saya setuju")
    assert "Terima kasih. Saya akan menyimpan jawapan anda" in chat.joined()
    assert "Di universiti atau institusi manakah anda bertugas?" in chat.joined()
    chat.say("saya penyelaras program di Fakulti Pengajian Pendidikan, UPM Serdang")
    assert (
        "Profil anda: Universiti Putra Malaysia, Faculty of Educational Studies, Penyelaras program, Tengah"
        in chat.joined()
    )

    finish_and_check(
        sedia,
        chat,
        typing(MALAY),
        {
            "institution": "Universiti Putra Malaysia",
            "faculty": "Faculty of Educational Studies",
            "role": "programme_coordinator",
            "zone": "central",
        },
        language=MALAY,
        summary_language="ms",
    )
    assert "Profil kesediaan mikro-kredensial anda" in chat.joined()


def test_whole_interview_in_malay_with_buttons(sedia):
    chat = sedia.chat()
    chat.say("hello")
    chat.press("Bahasa Melayu")
    assert message("language.switched", "ms") in chat.joined()
    chat.press("Mulakan penilaian kesediaan")
    chat.press("Ya, saya setuju")
    # An institution the gazetteer does not know: its zone is asked with buttons.
    chat.say("Kolej Komuniti Kuala Langat")
    assert "Anda di fakulti, pusat pengajian atau pusat yang mana?" in chat.joined()
    chat.say("Fakulti Kejuruteraan")
    assert "Apakah peranan anda?" in chat.joined()
    chat.press("Pensyarah kanan")
    assert "Kampus anda di zon mana?" in chat.joined()
    chat.press("Tengah")
    assert "Profil anda: Kolej Komuniti Kuala Langat, Faculty of Engineering, Pensyarah kanan, Tengah" in chat.joined()

    finish_and_check(
        sedia,
        chat,
        pressing("ms"),
        {
            "institution": "Kolej Komuniti Kuala Langat",
            "faculty": "Faculty of Engineering",
            "role": "senior_lecturer",
            "zone": "central",
        },
        language=MALAY,
        summary_language="ms",
    )


def test_switching_language_in_the_middle_keeps_every_answer(sedia):
    chat = sedia.chat()
    chat.say("start assessment")
    chat.press("Yes, I agree")
    chat.say("senior lecturer at USM, School of Educational Studies, Penang")
    items = INSTRUMENT.items
    switch_to_malay, back_to_english = items[3], items[20]

    def switch(chat, item: Item) -> None:
        if item not in (switch_to_malay, back_to_english):
            return
        stored_before = len(sedia.db.answers(chat.sender))
        request, language = ("cakap Bahasa Melayu", "ms") if item == switch_to_malay else ("English please", "en")
        chat.say(request)
        # The switch is confirmed and the same question is asked again in the new language.
        assert chat.texts[0] == message("language.switched", language)
        assert chat.current_item() == item
        assert item.text.get(language) in chat.joined()
        assert len(sedia.db.answers(chat.sender)) == stored_before

    def language(item: Item) -> str:
        position = items.index(item)
        return "ms" if items.index(switch_to_malay) <= position < items.index(back_to_english) else "en"

    def asked_in(item: Item) -> str:
        # Each question is checked before `switch` runs, in the language it was first asked
        # in; `switch` checks the wording after the switch.
        return {switch_to_malay.id: "en", back_to_english.id: "ms"}.get(item.id, language(item))

    # Typed digits and "neutral" read the same in both languages; they are stored with the
    # conversation's language.
    finish_and_check(
        sedia,
        chat,
        typing(language),
        {
            "institution": "Universiti Sains Malaysia",
            "faculty": "School of Educational Studies",
            "role": "senior_lecturer",
            "zone": "north",
        },
        language=language,
        before=switch,
        asked_in=asked_in,
    )


def test_bad_input_in_a_malay_interview_is_explained_in_malay_and_never_stored(sedia):
    chat = sedia.chat()
    chat.say("hai")
    chat.say("mula penilaian")
    chat.say("ya")
    chat.say("pensyarah di UiTM Shah Alam, Fakulti Pendidikan")
    first = INSTRUMENT.items[0]
    assert chat.current_item() == first and first.text.get("ms") in chat.joined()
    for bad, expected in [
        ("", message("input.empty", "ms")),
        ("😀😀🎉", message("input.no_words", "ms")),
        ("வணக்கம்", message("input.other_script", "ms")),
        ("z" * 20000, "Mesej itu terlalu panjang"),
        ("pisang goreng", ""),
        ("tak berapa setuju sangat", ""),
    ]:
        chat.say(bad)
        assert expected in chat.joined()
        if "terlalu panjang" not in expected:  # that one the channel answers, before the form
            assert INSTRUMENT.scale.hint.get("ms") in chat.joined()
            assert chat.current_item() == first
        assert sedia.db.answers(chat.sender) == []
    chat.say("sangat setuju")
    [row] = sedia.db.answers(chat.sender)
    assert (row["item"], row["value"], row["language"]) == (first.id, 5, "ms")

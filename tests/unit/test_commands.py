"""A command that changes stored data is acted on only when its words (or a button) say so."""

import pytest

from bot.core.commands import is_guarded, names_command


@pytest.mark.parametrize(
    "intent, text",
    [
        ("forget_me", "delete my data"),
        ("forget_me", "please erase everything you hold about me"),
        ("forget_me", "padam data saya"),
        ("forget_me", "tolong hapuskan maklumat saya"),
        ("forget_me", "/forget_me"),
        ("update_profile", "change my profile"),
        ("update_profile", "tukar profil saya"),
        ("update_profile", "my faculty is wrong"),
        ("update_profile", "/update_profile"),
    ],
)
def test_the_words_name_the_command(intent, text):
    assert names_command(intent, text)


@pytest.mark.parametrize(
    "intent, text",
    [
        ("forget_me", "banana"),
        ("forget_me", "pisang goreng"),
        ("forget_me", "/update_profile"),
        ("update_profile", "banana"),
        ("update_profile", ""),
    ],
)
def test_stray_words_do_not(intent, text):
    assert not names_command(intent, text)


def test_only_commands_that_change_stored_data_are_guarded():
    assert is_guarded("forget_me") and is_guarded("update_profile")
    assert not is_guarded("help") and not is_guarded(None)
    assert not names_command("help", "help")

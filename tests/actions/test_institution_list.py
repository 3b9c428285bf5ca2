"""The managed list of institutions and faculties (issue 19): a profile's names are the
list's, and anything else is recorded, and said to be recorded, as "Other"."""

import asyncio
import subprocess

import pytest
from rasa_sdk.executor import CollectingDispatcher

from bot.core.institution_list import OTHER, InstitutionList, keep_to_list
from bot.service.assessments import forget_institution_list
from bot.storage import institution_list, repository
from bot.storage.db import session_scope
from tests.actions.test_form_validation import DOMAIN, EXECUTOR, consent, tracker
from tests.conftest import run_bot

UPM = "Universiti Putra Malaysia"
EDUCATION = "Faculty of Educational Studies"


@pytest.fixture
def listed(sqlite_url):
    with session_scope() as session:
        institution_list.add(session, UPM, [EDUCATION, "Faculty of Engineering"])
        institution_list.add(session, "Universiti Malaya")  # no faculty list kept
    forget_institution_list()
    yield
    forget_institution_list()


def next_step(sender: str, institution: str, faculty: str, language: str = "en"):
    profile = {"institution": institution, "faculty": faculty, "role": "programme_coordinator", "zone": "central"}
    track = tracker("ok", "affirm", slots={"consent": "given", "language": language, **profile}, sender=sender)
    dispatcher = CollectingDispatcher()
    events = asyncio.run(EXECUTOR.actions["action_next_step"](dispatcher, track, DOMAIN))
    # Only changed slots come back as events: the rest keep what the tracker had.
    slots = {**profile, **{e["name"]: e["value"] for e in events if e["event"] == "slot"}}
    return slots, [m.get("text") or "" for m in dispatcher.messages]


def stored_profile(rid: str) -> dict:
    with session_scope() as session:
        return repository.get_profile(session, rid)


def test_names_not_on_the_list_are_recorded_as_other_and_the_person_is_told(listed):
    rid = consent("newcomer")
    slots, said = next_step("newcomer", "Kolej Komuniti Selayang", "Unit Latihan")
    assert slots["institution"] == OTHER and slots["faculty"] == OTHER
    assert any('"Kolej Komuniti Selayang" is not on the list of institutions' in text for text in said)
    assert stored_profile(rid)["institution"] == OTHER and stored_profile(rid)["faculty"] == OTHER
    # Said once: the next turn finds "Other" already.
    _, said_again = next_step("newcomer", OTHER, OTHER)
    assert not any("is not on the list" in text for text in said_again)


def test_listed_names_are_matched_and_an_unlisted_faculty_is_other(listed):
    consent("upm")
    slots, said = next_step("upm", "universiti  putra malaysia", "faculty of educational studies")
    assert (slots["institution"], slots["faculty"]) == (UPM, EDUCATION)
    assert not any("is not on the list" in text for text in said)
    consent("farmer")
    slots, said = next_step("farmer", UPM, "Faculty of Farming", language="ms")
    assert (slots["institution"], slots["faculty"]) == (UPM, OTHER)
    assert any('"Faculty of Farming" tiada dalam senarai fakulti' in text for text in said)
    # An institution on the list with no faculty list keeps the faculty as given.
    consent("um")
    slots, _ = next_step("um", "Universiti Malaya", "Faculty of Farming")
    assert (slots["institution"], slots["faculty"]) == ("Universiti Malaya", "Faculty of Farming")


def test_with_no_list_kept_names_are_taken_as_given(sqlite_url):
    forget_institution_list()
    consent("anyone")
    slots, said = next_step("anyone", "Kolej Komuniti Selayang", "Unit Latihan")
    assert (slots["institution"], slots["faculty"]) == ("Kolej Komuniti Selayang", "Unit Latihan")
    assert not any("is not on the list" in text for text in said)


def test_keep_to_list_reports_what_it_turned_into_other():
    kept = InstitutionList({UPM: frozenset({EDUCATION})})
    profile, unlisted = keep_to_list({"institution": "UiTM", "faculty": "Law", "role": "x"}, kept)
    assert profile == {"institution": OTHER, "faculty": OTHER, "role": "x"}
    assert unlisted == [("institution", "UiTM"), ("faculty", "Law")]
    assert keep_to_list({"institution": None, "faculty": None}, kept) == ({"institution": None, "faculty": None}, [])


def _cli(*args: str) -> subprocess.CompletedProcess:
    return run_bot("institutions", *args)


def test_the_list_is_kept_from_the_command_line(sqlite_url):
    assert "no managed list" in _cli("list").stdout
    added = _cli("add", UPM, "--faculty", EDUCATION, "--faculty", "Faculty of Engineering")
    assert added.returncode == 0 and f"listed {UPM}" in added.stdout
    assert f"{UPM}: Faculty of Educational Studies; Faculty of Engineering" in _cli("list").stdout
    assert f"removed {UPM}: Faculty of Engineering" in _cli("remove", UPM, "--faculty", "Faculty of Engineering").stdout
    assert f"{UPM}: Faculty of Educational Studies\n" in _cli("list").stdout
    refused = _cli("add", "other")
    assert refused.returncode == 2 and "cannot be listed" in refused.stderr
    assert f"removed {UPM}" in _cli("remove", UPM).stdout
    assert "no managed list" in _cli("list").stdout

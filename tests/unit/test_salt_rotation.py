"""Rotating the id salt re-keys every stored pseudonym, so returning people stay
themselves, their conversation stays theirs and erasure still finds them (issue 19)."""

from __future__ import annotations

import os
import subprocess
from typing import Dict

import pytest
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import func, select

from bot.config import identity
from bot.config.shared_secrets import ID_SALT, secret_file
from bot.service import salt_rotation
from bot.service.salt_guard import SaltProblem, check_id_salt
from bot.storage import repository
from bot.storage.conversations import (
    ConversationFilter,
    Visible,
    dispose_tracker_engines,
    find_conversation,
    list_conversations,
)
from bot.storage.db import session_scope
from bot.storage.models import Answer, Assessment, AuditEntry, Profile, Respondent, utcnow
from tests.conftest import run_bot
from tests.unit.test_conversation_index import _save, _store, _turn

TELEGRAM_USER = 424242  # the raw Telegram id: known to the channel, never stored
WIDGET_SESSION = "w-5f1c2a9e"  # an anonymous widget session id: the client's own


def _person_with_a_conversation(tracker_url: str, channel: str, sender: str, institution: str) -> str:
    respondent = identity.respondent_id(channel, sender)
    with session_scope() as session:
        repository.record_consent(session, respondent, channel)
        repository.save_profile(session, respondent, {"institution": institution, "role": "coordinator"})
        session.add(Assessment(id=respondent[:32], respondent_id=respondent, channel=channel, instrument_version=2))
        session.flush()
        session.add(Answer(assessment_id=respondent[:32], theme="training", item="trn_1", value=4, channel=channel))
    tracker = DialogueStateTracker(sender, [])
    _turn(tracker, "hello", "greet", utcnow().timestamp(), channel=channel)
    _save(_store(tracker_url), tracker)
    return respondent


@pytest.fixture
def stored(database_url, data_dir) -> Dict[str, str]:
    """A Telegram user and a widget user, each with answers and a conversation, and one
    respondent whose conversation is gone."""
    tracker_url = f"sqlite:///{data_dir / 'conversations.db'}"
    check_id_salt()
    telegram_sender = identity.pseudonymous_sender("telegram", TELEGRAM_USER)
    people = {
        "telegram_sender": telegram_sender,
        "telegram": _person_with_a_conversation(tracker_url, "telegram", telegram_sender, "Universiti Malaya"),
        "widget": _person_with_a_conversation(tracker_url, "socketio", WIDGET_SESSION, "UiTM"),
        "tracker_url": tracker_url,
    }
    with session_scope() as session:
        repository.record_consent(session, "no-conversation-left", "rest")
    yield people
    dispose_tracker_engines()


def _rotate(*extra: str, environ: Dict[str, str] = None) -> subprocess.CompletedProcess:
    return run_bot("salt", "rotate", *extra, env=environ)


def _senders_shown(tracker_url: str) -> set:
    _, rows = list_conversations(ConversationFilter(), Visible(everything=True))
    return {row.pseudonym for row in rows}


def _count(model, *where) -> int:
    with session_scope() as session:
        return session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def test_rotation_rekeys_every_stored_pseudonym_and_people_stay_themselves(stored):
    old_salt = secret_file(ID_SALT).read_text().strip()
    shown_before = _senders_shown(stored["tracker_url"])

    done = _rotate()
    assert done.returncode == 0, done.stderr
    assert "conversations re-keyed: 2 (1 Telegram or portal sender(s))" in done.stdout
    assert "respondents re-keyed: 2" in done.stdout
    assert "respondents with no stored conversation: 1" in done.stdout

    identity.forget_loaded_keyring()
    dispose_tracker_engines()
    keyring = secret_file(ID_SALT).read_text().split()
    assert keyring[0] == old_salt and len(keyring) == 2
    assert oct(secret_file(ID_SALT).stat().st_mode & 0o777) == "0o600"
    check_id_salt()  # servers start with the new keyring

    # The same Telegram user now has a new sender and respondent id, which hold their data.
    sender = identity.pseudonymous_sender("telegram", TELEGRAM_USER)
    assert sender != stored["telegram_sender"]
    telegram = identity.respondent_id("telegram", sender)
    widget = identity.respondent_id("socketio", WIDGET_SESSION)
    assert {telegram, widget}.isdisjoint({stored["telegram"], stored["widget"]})
    with session_scope() as session:
        assert repository.has_consent(session, telegram) and repository.has_consent(session, widget)
        assert session.get(Profile, telegram).institution == "Universiti Malaya"
    assert _count(Assessment, Assessment.respondent_id == telegram) == 1
    assert _count(Respondent, Respondent.id.in_([stored["telegram"], stored["widget"]])) == 0
    assert _count(Respondent, Respondent.id == "no-conversation-left") == 1

    # Their conversations moved with them, under new pseudonyms.
    shown_after = _senders_shown(stored["tracker_url"])
    assert shown_after == {identity.conversation_pseudonym(sender), identity.conversation_pseudonym(WIDGET_SESSION)}
    assert shown_after.isdisjoint(shown_before)
    found = find_conversation(identity.conversation_pseudonym(sender), Visible(everything=True))
    assert found is not None and found.user_messages == 1

    # The old salt alone no longer links the Telegram id to anything stored.
    assert identity.sender_for((old_salt.encode(),), "telegram", TELEGRAM_USER) == stored["telegram_sender"]
    assert stored["telegram_sender"] != sender

    # Erasure still finds everything.
    with session_scope() as session:
        counts = repository.erase_respondent(session, telegram)
    assert counts["respondents"] == 1 and counts["answers"] == 1
    with session_scope() as session:
        assert session.execute(select(AuditEntry.action)).scalars().all() == ["rotate id salt"]


def test_a_server_with_the_old_salt_refuses_to_start_after_a_rotation(stored, monkeypatch):
    old_salt = secret_file(ID_SALT).read_text().strip()
    assert _rotate().returncode == 0
    monkeypatch.setenv(ID_SALT[0], old_salt)
    identity.forget_loaded_keyring()
    with pytest.raises(SaltProblem, match="salt rotate"):
        check_id_salt()


def test_a_salt_from_the_environment_needs_a_file_for_the_new_keyring(stored, tmp_path):
    salt = secret_file(ID_SALT).read_text().strip()
    environ = {**os.environ, ID_SALT[0]: salt}
    refused = _rotate(environ=environ)
    assert refused.returncode == 2 and "--keyring-out" in refused.stderr
    assert _count(Respondent, Respondent.id == stored["telegram"]) == 1  # nothing changed

    out = tmp_path / "new-keyring"
    done = _rotate("--keyring-out", str(out), environ=environ)
    assert done.returncode == 0, done.stderr
    assert f"Put its text in {ID_SALT[0]}" in done.stdout
    assert out.read_text().split()[0] == salt and len(out.read_text().split()) == 2
    assert secret_file(ID_SALT).read_text().strip() == salt  # the unused file is left alone


def test_a_failure_in_the_answers_database_puts_the_conversations_back(stored, monkeypatch):
    keyring_before = secret_file(ID_SALT).read_text()
    shown_before = _senders_shown(stored["tracker_url"])

    def broken(session, respondents):
        raise RuntimeError("the answers database went away")

    monkeypatch.setattr(salt_rotation, "rekey_answers", broken)
    with pytest.raises(RuntimeError, match="went away"):
        salt_rotation.rotate_id_salt()
    identity.forget_loaded_keyring()
    assert secret_file(ID_SALT).read_text() == keyring_before
    assert not list(secret_file(ID_SALT).parent.glob(".*rotating"))
    assert _senders_shown(stored["tracker_url"]) == shown_before
    check_id_salt()
    with session_scope() as session:
        assert repository.has_consent(session, stored["telegram"])

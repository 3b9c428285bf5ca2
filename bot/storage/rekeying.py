"""Re-keying the stored pseudonyms from one id-salt keyring to the next (issue 19).

Two stores hold pseudonyms: the conversation store (Rasa's `events` and the conversation
index, keyed by sender) and the answers database (respondents, and the profiles and
assessments that point at them). The senders are re-keyed by wrapping their hash once
more; the ids derived from a sender are computed afresh from the new sender. The
conversation index, which pairs each sender with its respondent id, is what links a
stored respondent to the sender it came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.config.identity import (
    PSEUDONYMOUS_SENDER,
    Keyring,
    conversation_for,
    respondent_for,
    rewrap_sender_hash,
)
from bot.storage import conversation_index as index
from bot.storage.conversations import events, has_conversations
from bot.storage.models import Assessment, Profile, Respondent, SignIn


@dataclass
class ConversationRekeying:
    """What re-keying the conversation store changed, and what the answers need from it."""

    senders: Dict[str, str] = field(default_factory=dict)  # old sender -> new sender, changed ones only
    conversations: int = 0
    respondents: Dict[str, str] = field(default_factory=dict)  # old respondent id -> new


def new_sender(keyring: Keyring, sender_id: str) -> str:
    """The sender id under `keyring` (whose newest salt was just added) of a stored sender:
    a pseudonym made here is wrapped once more; a client's own session id stays."""
    found = PSEUDONYMOUS_SENDER.match(sender_id)
    if found is None:
        return sender_id
    channel, digest = found.groups()
    return f"{channel}-{rewrap_sender_hash(keyring[-1], digest)}"


def rekey_conversation_store(engine: Engine, old: Keyring, new: Keyring) -> ConversationRekeying:
    """Re-key every conversation's sender, pseudonym and respondent id, in one transaction."""
    done = ConversationRekeying()
    if not has_conversations(engine):
        return done
    table = index.conversation_index
    with engine.begin() as connection:
        rows = connection.execute(select(table.c.sender_id, table.c.channel)).all()
        changes = []
        for sender, channel in rows:
            moved = new_sender(new, sender)
            change = _index_change(new, channel, sender, moved)
            done.respondents[respondent_for(old, channel, sender)] = change["respondent"]
            changes.append(change)
            if moved != sender:
                done.senders[sender] = moved
        _rewrite_index(connection, changes)
        _rename_senders(connection, done.senders)
        done.conversations = len(rows)
    return done


def restore_conversation_senders(engine: Engine, old: Keyring, rekeyed: ConversationRekeying) -> None:
    """Undo `rekey_conversation_store` (when the answers could not be re-keyed after it)."""
    back = {moved: sender for sender, moved in rekeyed.senders.items()}
    table = index.conversation_index
    with engine.begin() as connection:
        rows = connection.execute(select(table.c.sender_id, table.c.channel)).all()
        changes = [_index_change(old, channel, sender, back.get(sender, sender)) for sender, channel in rows]
        _rewrite_index(connection, changes)
        _rename_senders(connection, back)


def _index_change(keyring: Keyring, channel: str, sender: str, moved: str) -> Dict[str, str]:
    # One conversation's row as `_rewrite_index` takes it: found by its "old" sender, given
    # its new sender and the pseudonym and respondent id derived from it under `keyring`.
    return {
        "old": sender,
        "sender": moved,
        "conversation": conversation_for(keyring, moved),
        "respondent": respondent_for(keyring, channel, moved),
    }


def _rewrite_index(connection, changes: List[Dict[str, str]]) -> None:
    table = index.conversation_index
    if changes:
        connection.execute(
            update(table)
            .where(table.c.sender_id == bindparam("old"))
            .values(
                sender_id=bindparam("sender"),
                conversation_id=bindparam("conversation"),
                respondent_id=bindparam("respondent"),
            ),
            changes,
        )


def _rename_senders(connection, renames: Dict[str, str]) -> None:
    if renames:
        connection.execute(
            update(events).where(events.c.sender_id == bindparam("old")).values(sender_id=bindparam("new")),
            [{"old": old, "new": new} for old, new in renames.items()],
        )


@dataclass
class AnswersRekeying:
    """How many respondents got their new id, and how many had no conversation to link them."""

    respondents: int = 0
    unlinked: int = 0


def rekey_answers(session: Session, respondents: Dict[str, str]) -> AnswersRekeying:
    """Move every respondent found in `respondents` (old id -> new id) to its new id, with
    their profile, assessments and sign-in, in the caller's transaction."""
    done = AnswersRekeying()
    stored = session.execute(
        select(Respondent.id, Respondent.channel, Respondent.consent_at, Respondent.created_at)
    ).all()
    for person in stored:
        moved: Optional[str] = respondents.get(person.id)
        if moved is None:
            done.unlinked += 1
            continue
        if moved == person.id:
            continue
        # The id is the primary key the profile and assessments point at: add the new row,
        # repoint them, then drop the old one, so the foreign keys hold at every step.
        session.execute(
            insert(Respondent).values(
                id=moved, channel=person.channel, consent_at=person.consent_at, created_at=person.created_at
            )
        )
        session.execute(update(Profile).where(Profile.respondent_id == person.id).values(respondent_id=moved))
        session.execute(update(Assessment).where(Assessment.respondent_id == person.id).values(respondent_id=moved))
        session.execute(update(SignIn).where(SignIn.respondent_id == person.id).values(respondent_id=moved))
        session.execute(delete(Respondent).where(Respondent.id == person.id))
        done.respondents += 1
    return done

"""Institutions that count only signed-in respondents (issue 19): invitation codes, the
sign-ins they make, the condition every aggregate applies, and the command line."""

from __future__ import annotations

import subprocess
from datetime import timedelta

from sqlalchemy import func, select

from bot.config.identity import respondent_id
from bot.core.invitation_codes import looks_like_code, normalise_code
from bot.service.retention import purge
from bot.service.sign_ins import Redemption, record_portal_sign_in, redeem_invitation
from bot.storage import repository, sign_ins
from bot.storage.db import session_scope
from bot.storage.models import Invitation, SignIn, utcnow
from bot.storage.readiness_queries import EVERYONE, LiveStats, Scope
from bot.storage.rekeying import rekey_answers
from tests.conftest import run_bot
from tests.dashboard_seed import Person, seed

UTM = "Universiti Teknologi Malaysia"


def _codes(count: int = 1, days: int = 30, institution: str = UTM, now=None):
    with session_scope() as session:
        return sign_ins.issue_invitations(session, institution, count, days, now=now)


def _consented(sender: str) -> str:
    with session_scope() as session:
        repository.record_consent(session, respondent_id("telegram", sender), "telegram")
    return respondent_id("telegram", sender)


def test_codes_are_readable_one_use_and_stored_only_as_hashes(database_url):
    codes = _codes(3)
    assert len(set(codes)) == 3 and all(looks_like_code(c) for c in codes)
    with session_scope() as session:
        stored = session.execute(select(Invitation.code_hash)).scalars().all()
    assert not set(codes) & set(stored)

    person = _consented("t-1")
    typed = codes[0].lower().replace("-", " ")  # as someone types it on a phone
    assert redeem_invitation("telegram", "t-1", typed) == (Redemption.SIGNED_IN, UTM)
    with session_scope() as session:
        assert sign_ins.signed_in_for(session, person) == UTM
    _consented("t-2")
    assert redeem_invitation("telegram", "t-2", codes[0]) == (Redemption.UNKNOWN, None)  # used
    assert redeem_invitation("telegram", "t-2", "ABCD-EFGH-JKMN") == (Redemption.UNKNOWN, None)
    assert redeem_invitation("telegram", "t-2", "  ") == (Redemption.NO_CODE, None)
    assert redeem_invitation("telegram", "no-consent", codes[1]) == (Redemption.NO_CONSENT, None)
    # Asking without consent did not use the code up.
    assert redeem_invitation("telegram", "t-2", codes[1]) == (Redemption.SIGNED_IN, UTM)


def test_an_expired_code_signs_nobody_in(database_url):
    [code] = _codes(days=1, now=utcnow() - timedelta(days=2))
    _consented("late")
    assert redeem_invitation("telegram", "late", code) == (Redemption.UNKNOWN, None)


def test_code_form():
    assert normalise_code(" abcd efgh-jkmn ") == "ABCD-EFGH-JKMN"
    assert looks_like_code("abcdefghjkmn") and not looks_like_code("from-a-link")
    assert not looks_like_code("ABCD-EFGH-JKM0")  # 0 is not in the alphabet


def test_a_portal_sign_in_is_stored_only_with_consent(database_url):
    assert record_portal_sign_in("socketio", "portal-abc", UTM) is False
    with session_scope() as session:
        assert session.execute(select(func.count()).select_from(SignIn)).scalar_one() == 0
        repository.record_consent(session, respondent_id("socketio", "portal-abc"), "socketio")
    assert record_portal_sign_in("socketio", "portal-abc", UTM) is True
    with session_scope() as session:
        assert sign_ins.signed_in_for(session, respondent_id("socketio", "portal-abc")) == UTM


def test_an_institution_that_requires_a_sign_in_counts_only_signed_in_respondents(database_url):
    signed = [Person(UTM, "Faculty of Science", value=4, channel="telegram") for _ in range(2)]
    typed_in = [Person(UTM, "Faculty of Science", value=5) for _ in range(3)]
    elsewhere = [Person("Universiti Malaya", "Faculty of Science", value=2) for _ in range(2)]
    seed(signed + typed_in + elsewhere)
    codes = _codes(2)
    for person, code in zip(signed, codes):
        assert redeem_invitation("telegram", person.sender, code)[0] is Redemption.SIGNED_IN

    def counts():
        with session_scope() as session:
            stats = LiveStats(session)
            return (
                stats.group_counts(Scope(institution=UTM))[EVERYONE].respondents,
                stats.group_counts(Scope())[EVERYONE].respondents,
                {g: c.respondents for g, c in stats.group_counts(Scope(), "institution").items()},
            )

    assert counts() == (5, 7, {UTM: 5, "Universiti Malaya": 2})
    with session_scope() as session:
        assert sign_ins.require_sign_in(session, UTM) is True
        assert sign_ins.require_sign_in(session, UTM) is False
    assert counts() == (2, 4, {UTM: 2, "Universiti Malaya": 2})
    with session_scope() as session:
        theme = next(iter(LiveStats(session).theme_stats(Scope(institution=UTM)).values()))
        assert theme.contributors == 2 and theme.mean == 4  # the typed-in 5s are left out
        sign_ins.require_sign_in(session, UTM, required=False)
    assert counts() == (5, 7, {UTM: 5, "Universiti Malaya": 2})


def test_erasure_and_the_purge_remove_sign_ins_and_old_codes(database_url):
    [code, unused] = _codes(2)
    person = _consented("leaving")
    redeem_invitation("telegram", "leaving", code)
    with session_scope() as session:
        repository.erase_respondent(session, person)
        assert session.execute(select(func.count()).select_from(SignIn)).scalar_one() == 0
    report = purge(now=utcnow() + timedelta(days=61))  # used a day ago, expired 31 days ago
    assert report.counts["old invitation codes"] == 2


def _cli(*args: str) -> subprocess.CompletedProcess:
    return run_bot("institutions", *args)


def test_the_institutions_command(database_url):
    assert "no institution requires a sign-in" in _cli("list").stdout
    done = _cli("require-sign-in", UTM)
    assert done.returncode == 0 and f"{UTM} requires a sign-in" in done.stdout
    invited = _cli("invite", UTM, "--count", "3", "--days", "14")
    codes = invited.stdout.split()
    assert invited.returncode == 0 and len(codes) == 3 and all(looks_like_code(c) for c in codes)
    listed = _cli("list").stdout
    assert UTM in listed and "0 signed in" in listed and "3 open invitation(s)" in listed
    refused = _cli("invite", UTM, "--count", "0")
    assert refused.returncode == 2 and "between 1 and 1000" in refused.stderr
    assert "no longer requires" in _cli("require-sign-in", UTM, "--off").stdout
    assert "no institution requires a sign-in" in _cli("list").stdout


def test_re_keying_a_respondent_moves_their_sign_in(database_url):
    # What a salt rotation does to each respondent (bot/storage/rekeying.py).
    person = _consented("rotating")
    [code] = _codes()
    redeem_invitation("telegram", "rotating", code)
    with session_scope() as session:
        rekey_answers(session, {person: "a-new-id"})
    with session_scope() as session:
        assert session.get(SignIn, "a-new-id").institution == UTM
        assert session.get(SignIn, person) is None

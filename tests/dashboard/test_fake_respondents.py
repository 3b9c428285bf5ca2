"""The made-up respondents' attack (issue 19), through the command line and the public
API: four respondents with known answers lift a faculty of one over the minimum, and the
published mean gives the real person's answers away. Where the institution requires a
sign-in, the made-up respondents count for nothing and the faculty stays hidden; where it
does not, the test shows the attack working, the residual risk the README describes."""

from __future__ import annotations

from typing import Dict, Iterator, List

import pytest

from bot.service.sign_ins import Redemption, redeem_invitation
from tests.conftest import environment, run_bot
from tests.dashboard.conftest import Dashboard, running_dashboard
from tests.dashboard.test_disclosure_attacks import _api, _publish
from tests.dashboard_seed import Person, seed


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory) -> Iterator[Dashboard]:
    folder = tmp_path_factory.mktemp("fake-respondents")
    with running_dashboard(folder, f"sqlite:///{folder / 'sedia.db'}") as running:
        yield running


def _institutions(dashboard: Dashboard, *args: str) -> str:
    with environment({"DATABASE_URL": dashboard.database_url, "SEDIA_ID_SALT": "dashboard-tests"}):
        done = run_bot("institutions", *args)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _faculties(dashboard: Dashboard, institution: str) -> Dict[str, Dict]:
    groups = _api(dashboard, "overview", institution=institution, group_by="faculty")["groups"]
    return {g["group"]: g for g in groups}


def _fake_respondent_attack(dashboard: Dashboard, institution: str, codes: List[str]) -> Person:
    """Twelve real colleagues in Science; then four made-up respondents who all answer 5 in
    a faculty of nobody (Law); then one real person joins Law, answering 1. A release
    follows each step. The real people sign in with the codes given, if any."""
    real = [Person(institution, "Faculty of Science", value=4) for _ in range(12)]
    fakes = [Person(institution, "Faculty of Law", value=5) for _ in range(4)]
    victim = Person(institution, "Faculty of Law", value=1)
    with environment({"DATABASE_URL": dashboard.database_url, "SEDIA_ID_SALT": "dashboard-tests"}):
        seed(real)
        for person, code in zip(real, codes):
            assert redeem_invitation(person.channel, person.sender, code)[0] is Redemption.SIGNED_IN
        _publish(dashboard)
        seed(fakes)
        _publish(dashboard)
        seed([victim])
        if codes:
            assert redeem_invitation(victim.channel, victim.sender, codes[-1])[0] is Redemption.SIGNED_IN
    _publish(dashboard)
    return victim


def test_without_a_sign_in_made_up_respondents_reveal_a_real_one(dashboard):
    # The residual risk, where an institution does not require a sign-in: Law is published
    # with five people, and the fakes' known answers give the victim's away. (First in this
    # module, so that no change held back elsewhere holds Law back as its complement.)
    uitm = "Universiti Teknologi MARA"
    victim = _fake_respondent_attack(dashboard, uitm, [])
    law = _faculties(dashboard, uitm)["Faculty of Law"]
    assert not law["suppressed"] and law["respondents"] == 5
    assert round(law["themes"][0]["mean"] * 5 - 4 * 5) == victim.value


def test_fake_respondents_count_for_nothing_where_a_sign_in_is_required(dashboard):
    utm = "Universiti Teknologi Malaysia"
    assert f"{utm} requires a sign-in" in _institutions(dashboard, "require-sign-in", utm)
    codes = _institutions(dashboard, "invite", utm, "--count", "13").split()
    _fake_respondent_attack(dashboard, utm, codes)
    law = _faculties(dashboard, utm)["Faculty of Law"]
    assert law["suppressed"] and "respondents" not in law  # one counted person: hidden
    # The twelve; the fakes count for nothing, and the victim alone is a change of one,
    # which the release holds back.
    assert _api(dashboard, "overview", institution=utm)["total"]["respondents"] == 12
    assert "13 signed in" in _institutions(dashboard, "list")

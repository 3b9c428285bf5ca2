"""Instrument version 2 over answers stored under version 1 (migration 0005).

A finished version-1 assessment keeps its version and stays valid: it scores, gets a
plan, stays completed, and counts on the dashboard. An unfinished one moves to version
2, and a resumed interview asks only the statements added since.
"""

from datetime import datetime, timezone
from typing import Dict, Iterator

import pytest
from alembic import command
from sqlalchemy import create_engine, text

from bot.core import interview
from bot.core.instrument import load_instrument
from bot.core.plan import build_plan
from bot.core.scoring import score_answers
from bot.storage import db, repository
from bot.storage.readiness_queries import Scope, theme_stats
from tests.conftest import postgres_database

INSTRUMENT = load_instrument()
NEW_ITEMS = {"con_6", "trn_7", "qua_7"}
V1_ITEMS = [i for i in INSTRUMENT.items if i.id not in NEW_ITEMS]
UNFINISHED_THEMES = ("conceptualisation", "training")
INSTITUTION = "Universiti Putra Malaysia"
NOW = datetime(2026, 11, 30, tzinfo=timezone.utc)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, data_dir) -> Iterator[str]:
    """A database with no tables yet, on each backend, set as DATABASE_URL."""
    if request.param == "sqlite":
        data_dir.mkdir(parents=True, exist_ok=True)
        yield f"sqlite:///{data_dir / 'old.db'}"
        db.dispose_all()
    else:
        with postgres_database() as url:
            yield url


def _store_version_1(url: str) -> None:
    """Two respondents' answers as version 1 of Sedia stored them."""
    # A plain engine: Sedia's own would migrate the database to the newest version first.
    engine = create_engine(url)
    with engine.begin() as connection:
        for rid, aid, status in (("r-done", "a-done", "completed"), ("r-open", "a-open", "paused")):
            connection.execute(
                text("INSERT INTO respondents (id, channel, consent_at, created_at) VALUES (:id, 'telegram', :t, :t)"),
                {"id": rid, "t": NOW},
            )
            connection.execute(
                text(
                    "INSERT INTO assessments (id, respondent_id, status, channel, instrument_version, institution,"
                    " faculty, role, zone, started_at, updated_at, completed_at) VALUES (:id, :rid, :status,"
                    " 'telegram', 1, :inst, 'Faculty of Education', 'lecturer', 'central', :t, :t, :done)"
                ),
                {
                    "id": aid,
                    "rid": rid,
                    "status": status,
                    "inst": INSTITUTION,
                    "t": NOW,
                    "done": NOW if status == "completed" else None,
                },
            )
            items = V1_ITEMS if status == "completed" else [i for i in V1_ITEMS if i.theme_id in UNFINISHED_THEMES]
            for item in items:
                connection.execute(
                    text(
                        "INSERT INTO answers (assessment_id, theme, item, value, text, language, channel, answered_at)"
                        " VALUES (:aid, :theme, :item, :value, :text, 'en', 'telegram', :t)"
                    ),
                    {
                        "aid": aid,
                        "theme": item.theme_id,
                        "item": item.id,
                        "t": NOW,
                        "value": None if item.is_open else 2,
                        "text": "no studio" if item.is_open else None,
                    },
                )
    engine.dispose()


def _versions(url: str) -> Dict[str, int]:
    with db.get_engine(url).connect() as connection:
        return dict(connection.execute(text("SELECT id, instrument_version FROM assessments")).all())


def test_old_assessments_stay_valid_and_unfinished_ones_ask_only_the_new_statements(empty_database):
    url = empty_database
    command.upgrade(db.alembic_config(url), "0004")
    _store_version_1(url)

    command.upgrade(db.alembic_config(url), "head")

    assert INSTRUMENT.version == 2 and NEW_ITEMS <= {i.id for i in INSTRUMENT.items}
    assert _versions(url) == {"a-done": 1, "a-open": 2}
    with db.session_scope(url) as session:
        done = repository.answers_for(session, "a-done")
        values = {item: a.value for item, a in done.items() if a.value is not None}
        profile = score_answers(values, INSTRUMENT)
        assert all(theme.is_scored for theme in profile.themes)
        assert build_plan(values, INSTRUMENT) is not None
        assert repository.latest_completed(session, "r-done").id == "a-done"
        stats = theme_stats(session, Scope(institution=INSTITUTION))
        assert {theme for (_, theme), s in stats.items() if s.contributors == 1} == set(INSTRUMENT.theme_ids)

        answered = set(repository.answers_for(session, "a-open"))
    state = interview.InterviewState(consent=True, profile_complete=True, answered=answered)
    assert interview.next_step(state, INSTRUMENT) == "conceptualisation"
    assert [i.id for i in interview.unanswered_items("conceptualisation", state, INSTRUMENT)] == ["con_6"]
    state = interview.InterviewState(consent=True, profile_complete=True, answered=answered | {"con_6"})
    assert [i.id for i in interview.unanswered_items("training", state, INSTRUMENT)] == ["trn_7"]


def test_the_migration_can_be_undone_without_touching_finished_assessments(empty_database):
    url = empty_database
    command.upgrade(db.alembic_config(url), "0004")
    _store_version_1(url)
    command.upgrade(db.alembic_config(url), "head")
    with db.session_scope(url) as session:
        repository.record_answer(session, "a-open", "conceptualisation", "con_6", 4, None, "en", "telegram")

    command.downgrade(db.alembic_config(url), "0004")

    assert _versions(url) == {"a-done": 1, "a-open": 1}
    with db.session_scope(url) as session:
        assert "con_6" not in repository.answers_for(session, "a-open")
        assert len(repository.answers_for(session, "a-done")) == len(V1_ITEMS)

"""Synthetic answers for the dashboard benchmark: `generate(url, answers)` fills a migrated
database with respondents, assessments and answers shaped like real interviews.

Institutions and faculties come from the project's gazetteer, roles and zones from the
instrument, so every group the dashboard can show exists. 85% of assessments are
completed; the rest stopped part-way. Dates spread over the last twelve months.
"""

from __future__ import annotations

import argparse
import random
import uuid
from datetime import datetime, timedelta, timezone
from typing import Dict, List

import yaml
from sqlalchemy import insert
from sqlalchemy.future import create_engine

from bot.core.instrument import load_instrument
from bot.nlp.gazetteer import GAZETTEER_PATH
from bot.storage.db import upgrade
from bot.storage.models import Answer, Assessment, Respondent

CHUNK = 20_000
COMPLETED_SHARE = 0.85
# Each theme leans a little differently, so the heat map and the lowest items have a shape.
THEME_LEAN = {"conceptualisation": 0.3, "training": -0.4, "infrastructure": -0.1, "quality": 0.2, "institutional": -0.6}
OPEN_TEXTS = (
    "We need clearer MQA guidance on credit for short courses.",
    "Funding for platforms is the main gap in our faculty.",
    "Lecturers need training in designing assessment for micro-credentials.",
    "Industry partners should help us define the skills.",
    "Management support is strong but the processes are slow.",
)


def _engine(url: str):
    # psycopg2 sends batched INSERTs as multi-row VALUES; SQLite needs nothing special.
    if url.startswith("postgresql"):
        return create_engine(url, executemany_mode="values_plus_batch")
    return create_engine(url)


def _groups() -> Dict[str, List[str]]:
    gazetteer = yaml.safe_load(GAZETTEER_PATH.read_text(encoding="utf-8"))
    instrument = load_instrument()
    return {
        "institution": [i["name"] for i in gazetteer["institutions"]][:8],
        "faculty": [f"Faculty of {f['name']}" for f in gazetteer["faculty_fields"]][:10],
        "role": [c.id for c in instrument.profile.roles],
        "zone": [c.id for c in instrument.profile.zones],
    }


def generate(url: str, answers: int, seed: int = 7) -> Dict[str, int]:
    """Add about `answers` answers (whole assessments) to the database at `url`."""
    upgrade(url)
    rng = random.Random(seed)
    instrument = load_instrument()
    groups = _groups()
    per_assessment = len(instrument.items)
    now = datetime.now(timezone.utc)
    engine = _engine(url)
    counts = {"respondents": 0, "assessments": 0, "answers": 0}
    people, assessments, rows = [], [], []

    def flush(final: bool = False) -> None:
        if not final and len(rows) < CHUNK:
            return
        with engine.begin() as connection:
            if people:
                connection.execute(insert(Respondent), people)
            if assessments:
                connection.execute(insert(Assessment), assessments)
            if rows:
                connection.execute(insert(Answer), rows)
        people.clear(), assessments.clear(), rows.clear()

    while counts["answers"] < answers:
        respondent = uuid.uuid4().hex
        started = now - timedelta(days=rng.uniform(0, 365))
        completed = rng.random() < COMPLETED_SHARE
        profile = {column: rng.choice(values) for column, values in groups.items()}
        assessment_id = uuid.uuid4().hex
        channel = rng.choice(("telegram", "socketio"))
        people.append({"id": respondent, "channel": channel, "consent_at": started, "created_at": started})
        assessments.append(
            {
                "id": assessment_id,
                "respondent_id": respondent,
                "status": "completed" if completed else "started",
                "channel": channel,
                "instrument_version": instrument.version,
                "started_at": started,
                "updated_at": started,
                "completed_at": started + timedelta(minutes=12) if completed else None,
                **profile,
            }
        )
        answered = instrument.items if completed else instrument.items[: rng.randint(1, per_assessment - 1)]
        lean = rng.gauss(0, 0.6)
        for item in answered:
            value = text = None
            if item.is_open:
                text = rng.choice(OPEN_TEXTS)
            elif rng.random() > 0.05:
                value = min(5, max(1, round(rng.gauss(3.2 + lean + THEME_LEAN.get(item.theme_id, 0), 1.0))))
            rows.append(
                {
                    "assessment_id": assessment_id,
                    "theme": item.theme_id,
                    "item": item.id,
                    "value": value,
                    "text": text,
                    "language": "en",
                    "channel": channel,
                    "answered_at": started,
                }
            )
        counts["respondents"] += 1
        counts["assessments"] += 1
        counts["answers"] += len(answered)
        flush()
    flush(final=True)
    engine.dispose()
    return counts


def main() -> None:
    """`python -m bench.dashboard_data URL ANSWERS`: fill a database for trying the dashboard."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("answers", type=int)
    args = parser.parse_args()
    print(generate(args.url, args.answers))


if __name__ == "__main__":
    main()

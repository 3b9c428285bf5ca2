"""Export every stored answer with its respondent, assessment and profile, as CSV or JSON."""

from __future__ import annotations

import csv
import json
from datetime import datetime, timezone
from typing import IO, Any, Dict, List, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.storage.models import Answer, Assessment, as_utc

EXPORT_COLUMNS = (
    "respondent_id",
    "assessment_id",
    "channel",
    "institution",
    "faculty",
    "role",
    "zone",
    "theme",
    "item",
    "value",
    "text",
    "language",
    "answered_at",
)


def _iso(moment: Optional[datetime]) -> Optional[str]:
    if moment is None:
        return None
    return as_utc(moment).astimezone(timezone.utc).isoformat()


def export_rows(session: Session, institution: Optional[str] = None) -> List[Dict[str, Any]]:
    """Every answer as a dict of EXPORT_COLUMNS, oldest first, optionally for one institution."""
    query = (
        select(
            Assessment.respondent_id,
            Answer.assessment_id,
            Answer.channel,
            Assessment.institution,
            Assessment.faculty,
            Assessment.role,
            Assessment.zone,
            Answer.theme,
            Answer.item,
            Answer.value,
            Answer.text,
            Answer.language,
            Answer.answered_at,
        )
        .join(Assessment, Assessment.id == Answer.assessment_id)
        .order_by(Answer.answered_at, Answer.id)
    )
    if institution:
        query = query.where(Assessment.institution == institution)
    rows = []
    for record in session.execute(query):
        row = dict(zip(EXPORT_COLUMNS, record))
        row["answered_at"] = _iso(row["answered_at"])
        rows.append(row)
    return rows


def write_csv(rows: List[Dict[str, Any]], out: IO[str]) -> None:
    """Write rows as CSV with a header line."""
    writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if row[k] is None else row[k] for k in EXPORT_COLUMNS})


def write_json(rows: List[Dict[str, Any]], out: IO[str]) -> None:
    """Write rows as one JSON list of objects."""
    json.dump(rows, out, ensure_ascii=False, indent=2)
    out.write("\n")

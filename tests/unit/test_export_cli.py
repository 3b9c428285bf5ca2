"""`python -m bot export` prints every stored answer as CSV or JSON."""

import csv
import io
import json

from bot.storage import repository
from bot.storage.db import session_scope
from tests.conftest import run_bot


def run_cli(*args):
    return run_bot(*args)


def test_export_json_and_csv(sqlite_url):
    with session_scope() as session:
        repository.record_consent(session, "r1", "rest")
        repository.save_profile(
            session, "r1", {"institution": "UPM X", "faculty": "F", "role": "lecturer", "zone": "north"}
        )
        assessment = repository.start_assessment(session, "r1", "rest", 1)
        repository.record_answer(session, assessment.id, "quality", "qua_1", 5, None, "en", "rest")
    result = run_cli("export", "--format", "json")
    assert result.returncode == 0, result.stderr
    [row] = json.loads(result.stdout)
    assert (row["respondent_id"], row["item"], row["value"], row["zone"]) == ("r1", "qua_1", 5, "north")
    result = run_cli("export", "--format", "csv", "--institution", "UPM X")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["item"] for r in rows] == ["qua_1"]
    assert json.loads(run_cli("export", "--format", "json", "--institution", "Nowhere").stdout) == []


def test_bad_arguments_get_a_usage_message(sqlite_url):
    result = run_cli("export", "--format", "xml")
    assert result.returncode == 2 and "invalid choice" in result.stderr

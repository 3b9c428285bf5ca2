"""The check that turns plain `rasa test`'s report into a pass or a failure."""

from __future__ import annotations

import json
from pathlib import Path

from tests.rasa_test_results import main

PASSED = "# None of the test stories failed - all good!"
FAILED = """version: "3.1"
stories:
- story: a profile the NLU misread (./tests/stories/test_interview_flows.yml)
  steps:
  - intent: inform_profile  # predicted: greet: senior lecturer at UM
"""


def _results(folder: Path, failed: str, accuracy: float) -> Path:
    (folder / "failed_test_stories.yml").write_text(failed, encoding="utf-8")
    (folder / "story_report.json").write_text(json.dumps({"accuracy": accuracy}), encoding="utf-8")
    return folder


def test_all_stories_passed(tmp_path, capsys):
    assert main([str(_results(tmp_path, PASSED, 1.0))]) == 0
    assert "every test story passed" in capsys.readouterr().out


def test_a_failed_story_fails_the_build_and_is_named(tmp_path, capsys):
    assert main([str(_results(tmp_path, FAILED, 0.97))]) == 1
    assert "a profile the NLU misread" in capsys.readouterr().out


def test_a_wrong_prediction_fails_even_without_a_failed_story(tmp_path):
    assert main([str(_results(tmp_path, PASSED, 0.99))]) == 1


def test_missing_results_fail_with_a_clear_line(tmp_path, capsys):
    assert main([str(tmp_path)]) == 1
    assert "Could not read rasa test's results" in capsys.readouterr().out

"""Fail the build when plain `rasa test` found a wrong prediction.

Plain `rasa test` runs Rasa's end-to-end mode over the test stories in `tests/` (each
user message through the NLU, intents and entities compared with the story, then every
action) and its NLU check on `data/`. It reports but always exits 0, so `make test`
reads what it wrote: `python -m tests.rasa_test_results [RESULTS_DIR]`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import List

import yaml

DEFAULT_RESULTS = Path("results")


def failed_story_names(results: Path) -> List[str]:
    """Names of the stories `rasa test` wrote as failed (an empty list when all passed)."""
    report = results / "failed_test_stories.yml"
    if not report.is_file():
        raise FileNotFoundError(f"{report} is missing: did `rasa test` run and finish?")
    written = yaml.safe_load(report.read_text(encoding="utf-8")) or {}
    return [story.get("story", "?") for story in written.get("stories") or []]


def story_accuracy(results: Path) -> float:
    """Rasa's accuracy over every intent, entity and action of the test stories."""
    return float(json.loads((results / "story_report.json").read_text(encoding="utf-8"))["accuracy"])


def main(argv: List[str]) -> int:
    """Print the outcome; return 1 when a story failed or a prediction was wrong."""
    results = Path(argv[0]) if argv else DEFAULT_RESULTS
    try:
        failed = failed_story_names(results)
        accuracy = story_accuracy(results)
    except (OSError, KeyError, ValueError, yaml.YAMLError) as error:
        print(f"Could not read rasa test's results: {error}")
        return 1
    if failed or accuracy < 1.0:
        print(
            f"rasa test: {len(failed)} failed test stories (accuracy {accuracy:.3f}); "
            f"see {results / 'failed_test_stories.yml'}:"
        )
        for name in failed:
            print(f"  - {name}")
        return 1
    print("rasa test: every test story passed end to end (intents, entities and actions)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

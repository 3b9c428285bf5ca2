"""`rasa data validate` passes, and its only warnings are responses sent by actions."""

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
UNUSED_RESPONSE = re.compile(r"The utterance '(utter_\w+)' is not used in any story or rule")


def test_rasa_data_validate_is_clean():
    rasa = Path(sys.executable).with_name("rasa")
    result = subprocess.run(
        [str(rasa), "data", "validate"],  # Rasa's default paths: domain.yml, data/, config.yml
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "SQLALCHEMY_SILENCE_UBER_WARNING": "1"},
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    actions_source = "\n".join(p.read_text() for p in (REPO / "actions").glob("*.py"))
    form_slots = set()
    for form in (yaml.safe_load((REPO / "domain.yml").read_text()).get("forms") or {}).values():
        form_slots.update(form["required_slots"])
    warnings = [line for line in output.splitlines() if "UserWarning" in line]
    for line in warnings:
        unused = UNUSED_RESPONSE.search(line)
        assert unused, f"unexpected warning: {line}"
        if unused.group(1).replace("utter_ask_", "", 1) in form_slots:
            continue  # a form asks with it
        # Responses that only actions send are fine, as long as an action sends them.
        assert f'"{unused.group(1)}"' in actions_source, f"{unused.group(1)} is never sent"

"""Generate the instrument's part of the Rasa domain and its form rules from instrument.yml.

`python -m bot sync-rasa` writes `domain/interview.yml` and `data/rules/interview.yml`;
`python -m bot sync-rasa --check` (run by the tests) fails when either is stale, so
the forms, slots and rules can never drift from the instrument.
"""
from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Tuple

import yaml

from bot.instrument import Instrument, load_instrument

REPO_ROOT = Path(__file__).resolve().parents[1]
DOMAIN_FILE = REPO_ROOT / "domain" / "interview.yml"
RULES_FILE = REPO_ROOT / "data" / "rules" / "interview.yml"
HEADER = (
    "# Generated from bot/instrument.yml by `python -m bot sync-rasa`. Do not edit by hand:\n"
    "# change the instrument and run the command again.\n"
)

STEP_SLOT = "interview_step"
NEXT_STEP_ACTION = "action_next_step"
SUMMARY_ACTION = "action_summary"
CONSENT_FORM = "consent_form"
PROFILE_FORM = "profile_form"
# Steps after which Sedia waits for the user instead of starting a form.
WAITING_STEPS = ("paused", "idle")


def step_forms(instrument: Instrument) -> Dict[str, str]:
    """Interview steps that are run by a form, and the form of each."""
    forms = {"consent": CONSENT_FORM, "profile": PROFILE_FORM}
    forms.update({theme.id: theme.form_name for theme in instrument.themes})
    return forms


def step_values(instrument: Instrument) -> List[str]:
    """Every value the interview_step slot can take."""
    return [*step_forms(instrument), "summary", *WAITING_STEPS]


def _text_slot(slot: str, form: str) -> dict:
    return {
        "type": "text",
        "influence_conversation": False,
        "mappings": [
            {"type": "from_text", "conditions": [{"active_loop": form, "requested_slot": slot}]}
        ],
    }


def domain_part(instrument: Instrument) -> dict:
    """The slots, forms and actions that the instrument defines."""
    slots: Dict[str, dict] = {
        STEP_SLOT: {
            "type": "categorical",
            "values": step_values(instrument),
            "influence_conversation": True,
            "mappings": [{"type": "custom"}],
        }
    }
    forms: Dict[str, dict] = {}
    actions: List[str] = []
    profile_fields = list(instrument.profile.field_ids)
    for field in profile_fields:
        slots[field] = _text_slot(field, PROFILE_FORM)
        actions.append(f"action_ask_{field}")
    forms[PROFILE_FORM] = {"required_slots": profile_fields}
    actions.append(f"validate_{PROFILE_FORM}")
    for theme in instrument.themes:
        item_ids = [item.id for item in theme.items]
        for item_id in item_ids:
            slots[item_id] = _text_slot(item_id, theme.form_name)
            actions.append(f"action_ask_{item_id}")
        forms[theme.form_name] = {"required_slots": item_ids}
        actions.append(f"validate_{theme.form_name}")
    return {"version": "3.1", "slots": slots, "forms": forms, "actions": actions}


def rules_part(instrument: Instrument) -> dict:
    """Rules that start the form of each step and return to the next step after it."""
    rules: List[dict] = []
    for step, form in step_forms(instrument).items():
        rules.append(
            {
                "rule": f"step {step} starts {form}",
                "steps": [
                    {"action": NEXT_STEP_ACTION},
                    {"slot_was_set": [{STEP_SLOT: step}]},
                    {"action": form},
                    {"active_loop": form},
                ],
            }
        )
        rules.append(
            {
                "rule": f"{form} done, next step",
                "condition": [{"active_loop": form}],
                "steps": [
                    {"action": form},
                    {"active_loop": None},
                    {"slot_was_set": [{"requested_slot": None}]},
                    {"action": NEXT_STEP_ACTION},
                ],
                # The step's own rule continues from here.
                "wait_for_user_input": False,
            }
        )
    rules.append(
        {
            "rule": "step summary gives the summary",
            "steps": [
                {"action": NEXT_STEP_ACTION},
                {"slot_was_set": [{STEP_SLOT: "summary"}]},
                {"action": SUMMARY_ACTION},
            ],
        }
    )
    for step in WAITING_STEPS:
        rules.append(
            {
                "rule": f"step {step} waits for the user",
                "steps": [
                    {"action": NEXT_STEP_ACTION},
                    {"slot_was_set": [{STEP_SLOT: step}]},
                    {"action": "action_listen"},
                ],
            }
        )
    return {"version": "3.1", "rules": rules}


def rendered(instrument: Instrument) -> Tuple[Tuple[Path, str], ...]:
    """The generated files and their text."""

    def dump(document: dict) -> str:
        return HEADER + yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)

    return ((DOMAIN_FILE, dump(domain_part(instrument))), (RULES_FILE, dump(rules_part(instrument))))


def sync(check: bool = False) -> List[Path]:
    """Write the generated files, or with `check` return those that are out of date."""
    stale = []
    for path, text in rendered(load_instrument()):
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current != text:
            stale.append(path)
            if not check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
    return stale

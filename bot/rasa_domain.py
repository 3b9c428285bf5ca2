"""Generate the instrument's part of the Rasa domain and its form rules from instrument.yml.

`python -m bot sync-rasa` writes `domain/interview.yml` and `data/rules/interview.yml`;
`python -m bot sync-rasa --check` (run by the tests) fails when either is stale, so
the forms, slots and rules can never drift from the instrument.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Dict, List, Tuple

import yaml

from bot.answers import SCALE_ENTITY, SCALE_INTENT
from bot.instrument import DEFAULT_LANGUAGE, LANGUAGES, Instrument, Wording, load_instrument
from bot.profile import PROFILE_INTENT

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


def _without_domain(action: str) -> dict:
    # Rasa would send its whole domain with every call to a validate_* action; Sedia's
    # form validations know their slots from the instrument (actions/forms.py).
    return {action: {"send_domain": False}}


def _escaped(text: str) -> str:
    # Rasa fills "{slot}" placeholders in responses; doubled braces come out as written.
    return text.replace("{", "{{").replace("}", "}}")


def _variations(wording: Wording, buttons: Callable[[str], List[dict]]) -> List[dict]:
    """A response's variations: Malay when the `language` slot says so, English otherwise."""
    variations = []
    for language in (*(l for l in LANGUAGES if l != DEFAULT_LANGUAGE), DEFAULT_LANGUAGE):
        variation: dict = {"text": _escaped(wording.get(language))}
        if language != DEFAULT_LANGUAGE:
            variation = {"condition": [{"type": "slot", "name": "language", "value": language}], **variation}
        chosen = buttons(language)
        if chosen:
            variation["buttons"] = [{"title": b["title"], "payload": _escaped(b["payload"])} for b in chosen]
        variations.append(variation)
    return variations


def scale_buttons(instrument: Instrument, language: str) -> List[dict]:
    """The answer buttons of a scale statement: each point of the scale, then "not sure"."""
    def button(title: str, value: str) -> dict:
        return {"title": title, "payload": f'/{SCALE_INTENT}{{"{SCALE_ENTITY}": "{value}"}}'}

    points = [button(p.label.get(language), str(p.value)) for p in instrument.scale.points]
    return points + [button(instrument.scale.not_sure_label.get(language), "not_sure")]


def profile_buttons(instrument: Instrument, field: str, language: str) -> List[dict]:
    """The buttons of a profile question with a closed list (roles and zones)."""
    choices = {"role": instrument.profile.roles, "zone": instrument.profile.zones}.get(field) or ()
    return [
        {"title": c.label.get(language), "payload": f'/{PROFILE_INTENT}{{"{field}": "{c.id}"}}'}
        for c in choices
    ]


def ask_responses(instrument: Instrument) -> Dict[str, List[dict]]:
    """The `utter_ask_<slot>` response of every question, so that forms ask them without
    an action-server call: "(n/N)" and the statement, with the scale as buttons."""
    responses: Dict[str, List[dict]] = {}
    for field in instrument.profile.field_ids:
        question = instrument.profile.field(field).question
        responses[f"utter_ask_{field}"] = _variations(
            question, lambda language, f=field: profile_buttons(instrument, f, language)
        )
    for item in instrument.items:
        mark = instrument.progress_mark(item)
        text = Wording({language: f"{mark} {item.text.get(language)}" for language in LANGUAGES})
        responses[f"utter_ask_{item.id}"] = _variations(
            text, lambda language, i=item: [] if i.is_open else scale_buttons(instrument, language)
        )
    return responses


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
    actions: List[dict] = []
    profile_fields = list(instrument.profile.field_ids)
    for field in profile_fields:
        slots[field] = _text_slot(field, PROFILE_FORM)
    forms[PROFILE_FORM] = {"required_slots": profile_fields}
    actions.append(_without_domain(f"validate_{PROFILE_FORM}"))
    for theme in instrument.themes:
        item_ids = [item.id for item in theme.items]
        for item_id in item_ids:
            slots[item_id] = _text_slot(item_id, theme.form_name)
        forms[theme.form_name] = {"required_slots": item_ids}
        actions.append(_without_domain(f"validate_{theme.form_name}"))
    return {
        "version": "3.1", "slots": slots, "forms": forms, "actions": actions,
        "responses": ask_responses(instrument),
    }


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

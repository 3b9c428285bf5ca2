"""The action plan in chat and as a document at a private link ("show my plan")."""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.context import Turn, stored_item_slots
from bot.answers import scale_values
from bot.instrument import load_instrument
from bot.messages import message
from bot.plan import COMPARED_GROUPS, Comparison, build_plan, comparison, render_markdown
from bot.storage import repository
from bot.storage.aggregates import group_theme_means
from bot.storage.db import session_scope
from bot.storage.plans import save_plan
from bot.web_address import public_url


def _comparisons(session, profile: Mapping[str, Optional[str]]) -> List[Comparison]:
    groups = {
        "faculty": {"institution": profile.get("institution"), "faculty": profile.get("faculty")},
        "institution": {"institution": profile.get("institution")},
    }
    found = []
    for name in COMPARED_GROUPS:
        group = groups[name]
        if all(group.values()):
            means = group_theme_means(session, group)
            found.append(comparison(name, str(profile.get(name)), means.respondents, means.theme_means))
    return found


def deliver_plan(turn: Turn, dispatcher: CollectingDispatcher) -> bool:
    """Send the plan for the user's answers; store it and link it when they consented.

    Without consent the answers are those held in slots. Returns False when there is
    nothing to plan yet.
    """
    instrument = load_instrument()
    language = turn.language
    if not turn.consent():
        plan = build_plan(scale_values(turn.item_slots(), instrument), instrument)
        if plan is None:
            dispatcher.utter_message(text=message("plan.nothing_yet", language))
            return False
        dispatcher.utter_message(text=render_markdown(plan, instrument, language))
        dispatcher.utter_message(text=message("plan.private", language))
        return True
    with session_scope() as session:
        assessment = repository.current_assessment(session, turn.respondent) or repository.latest_completed(
            session, turn.respondent
        )
        values = scale_values(stored_item_slots(session, assessment.id, instrument), instrument) if assessment else {}
        profile = {c: getattr(assessment, c) for c in ("institution", "faculty")} if assessment else {}
        plan = build_plan(values, instrument, _comparisons(session, profile))
        if plan is None:
            dispatcher.utter_message(text=message("plan.nothing_yet", language))
            return False
        markdown = render_markdown(plan, instrument, language)
        saved = save_plan(session, assessment.id, language, markdown)
    dispatcher.utter_message(text=markdown)
    url = f"{public_url()}/plan/{saved.token}"
    dispatcher.utter_message(
        text=message("plan.link", language, url=url, date=saved.expires_at.date().isoformat()),
        # Channels that can send files (Telegram) build the document from `markdown`.
        json_message={
            "sedia_document": {
                "kind": "action_plan",
                "url": url,
                "markdown_url": f"{url}.md",
                "language": language,
                "markdown": markdown,
                "filename": "sedia-action-plan.html",
            }
        },
    )
    return True


class ActionShowPlan(Action):
    """ "Show my plan": the plan for the current or latest assessment, with a new link."""

    def name(self) -> str:
        return "action_show_plan"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        deliver_plan(Turn.of(tracker), dispatcher)
        return []

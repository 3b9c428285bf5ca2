"""The action plan in chat and as a document at a private link ("show my plan")."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.context import Turn
from bot.config.settings import public_url
from bot.core.messages import message


def deliver_plan(turn: Turn, dispatcher: CollectingDispatcher) -> bool:
    """Send the plan for the user's answers, with its private link when it was kept
    (with consent). Returns False when there is nothing to plan yet."""
    language = turn.language
    draft = turn.assessment.draft_plan(language)
    if draft.markdown is None:
        dispatcher.utter_message(text=message("plan.nothing_yet", language))
        return False
    dispatcher.utter_message(text=draft.markdown)
    if draft.saved is None:
        dispatcher.utter_message(text=message("plan.private", language))
        return True
    url = f"{public_url()}/plan/{draft.saved.token}"
    dispatcher.utter_message(
        text=message("plan.link", language, url=url, date=draft.saved.expires_at.date().isoformat()),
        # Channels that can send files (Telegram) build the document from `markdown`.
        json_message={
            "sedia_document": {
                "kind": "action_plan",
                "url": url,
                "markdown_url": f"{url}.md",
                "language": language,
                "markdown": draft.markdown,
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

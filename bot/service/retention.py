"""Keeping personal data only as long as it is needed (PDPA 2010's retention principle; issue 19).

`purge()` deletes what is due, and `python -m bot purge` and the web app (once a day) run
it. What goes, and when:

| what | kept for |
|---|---|
| a person's answers, assessments, plans and profile | `SEDIA_RETENTION_DAYS` (730) after their last assessment activity |
| a conversation's log | `SEDIA_RETENTION_DAYS` after its last message |
| an action-plan link | until it expires (`SEDIA_PLAN_LINK_DAYS`); the plan goes with it |
| a dashboard session | until it expires (8 hours) |
| an API token | 30 days after it expired or was revoked |
| an invitation code's record | 30 days after it expired or was used |
| the Telegram update log | 2 days, or until below the polling cursor |
| the message ids that drop retries | 1 day |

Failed sign-ins are not stored: the rate limits' windows forget them (at most an hour).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Dict, Optional

from sqlalchemy import delete, func, or_, select

from bot.config.settings import retention_days
from bot.storage import received, sign_ins, updates
from bot.storage.conversations import forget_conversations_before
from bot.storage.db import off_loop, session_scope
from bot.storage.models import ApiToken, Assessment, DashboardSession, Plan, ProcessedUpdate, Respondent, utcnow
from bot.storage.repository import erase_respondent

TOKEN_RECORD_DAYS = 30
# The web app purges ten minutes after it starts (not at once: a restart loop should not
# hammer the database), then once a day.
FIRST_PURGE_AFTER = timedelta(minutes=10)
PURGE_EVERY = timedelta(days=1)
logger = logging.getLogger(__name__)


@dataclass
class PurgeReport:
    """How many of each kind of record `purge` deleted."""

    counts: Dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, count: int) -> None:
        """Count `count` more records of `kind`."""
        self.counts[kind] = self.counts.get(kind, 0) + int(count or 0)

    def lines(self) -> str:
        """One line per kind, for the command line."""
        return "\n".join(f"{kind}: {count}" for kind, count in self.counts.items())


def purge(now: Optional[datetime] = None, days: Optional[int] = None) -> PurgeReport:
    """Delete what is due, in the answers database and the conversation store."""
    now = now or utcnow()
    cutoff = now - timedelta(days=days if days is not None else retention_days())
    report = PurgeReport()
    with session_scope() as session:
        # People whose last assessment activity (or, with none, their consent) is older.
        latest = (
            select(Assessment.respondent_id, func.max(Assessment.updated_at).label("last"))
            .group_by(Assessment.respondent_id)
            .subquery()
        )
        stale = session.execute(
            select(Respondent.id)
            .outerjoin(latest, latest.c.respondent_id == Respondent.id)
            .where(or_(latest.c.last < cutoff, (latest.c.last.is_(None)) & (Respondent.consent_at < cutoff)))
        ).scalars()
        for respondent in list(stale):
            for kind, count in erase_respondent(session, respondent).items():
                report.add(kind, count)
        report.add("expired plan links", session.execute(delete(Plan).where(Plan.expires_at < now)).rowcount)
        report.add(
            "expired dashboard sessions",
            session.execute(delete(DashboardSession).where(DashboardSession.expires_at < now)).rowcount,
        )
        old_tokens = now - timedelta(days=TOKEN_RECORD_DAYS)
        report.add(
            "old API tokens",
            session.execute(
                delete(ApiToken).where(or_(ApiToken.expires_at < old_tokens, ApiToken.revoked_at < old_tokens))
            ).rowcount,
        )
        report.add("old invitation codes", sign_ins.forget_expired_invitations(session, old_tokens))
        channels = session.execute(select(ProcessedUpdate.channel).distinct()).scalars().all()
        report.add("Telegram update log", sum(updates.forget_processed(session, c, now) for c in channels))
        report.add("message ids", received.forget_old(session, now))
    report.add("conversations", forget_conversations_before(cutoff))
    return report


async def purge_daily(first_after: timedelta = FIRST_PURGE_AFTER, every: timedelta = PURGE_EVERY) -> None:
    """Run `purge` on a database thread now and then, for as long as the web app runs; a
    failed run is logged and tried again at the next."""
    await asyncio.sleep(first_after.total_seconds())
    while True:
        try:
            report = await off_loop(purge)
            logger.info("Purged what was due: %s", report.counts)
        except Exception:
            logger.exception("The daily purge failed; it runs again tomorrow")
        await asyncio.sleep(every.total_seconds())

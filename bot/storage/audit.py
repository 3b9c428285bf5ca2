"""The audit log: every read of personal data, recorded with who, when, what and why.

Rows are only ever added: there is no function here that changes or deletes one, and the
database refuses to (triggers from migration 0009), whoever asks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import List, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.storage.models import AuditEntry, as_utc, utcnow


@dataclass(frozen=True)
class AuditRecord:
    """One entry as the dashboard shows and exports it."""

    at: datetime
    who: str
    role: str
    action: str
    target: str
    reason: str
    address: str

    def document(self) -> dict:
        """The entry as JSON-ready data."""
        return {
            "at": self.at.isoformat(),
            "who": self.who,
            "role": self.role,
            "action": self.action,
            "target": self.target,
            "reason": self.reason,
            "address": self.address,
        }


def record(
    session: Session, who: str, role: str, action: str, target: str = "", reason: str = "", address: str = ""
) -> None:
    """Add one entry (texts are cut to their columns' sizes)."""
    session.add(
        AuditEntry(
            at=utcnow(),
            who=who[:64],
            role=role[:16],
            action=action[:40],
            target=target[:400],
            reason=reason[:500],
            address=address[:64],
        )
    )
    session.flush()


def entries(session: Session, limit: int = 500, since: Optional[datetime] = None) -> List[AuditRecord]:
    """The newest entries first."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    return [
        AuditRecord(as_utc(e.at), e.who, e.role, e.action, e.target, e.reason, e.address)
        for e in session.execute(query).scalars()
    ]

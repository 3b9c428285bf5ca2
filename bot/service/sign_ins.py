"""Signing respondents in for an institution, for the channels (issue 19).

Telegram passes on an invitation code (`/start CODE` from an invitation link, or
`/code CODE`); the widget passes on the institution its portal's token names. Both are
recorded only for someone who consented: nothing is stored without consent.
"""

from __future__ import annotations

from enum import Enum
from typing import Optional, Tuple

from bot.config.identity import respondent_id
from bot.core.invitation_codes import normalise_code
from bot.storage import repository, sign_ins
from bot.storage.db import off_loop, session_scope


class Redemption(Enum):
    """What became of an invitation code."""

    SIGNED_IN = "signed_in"
    UNKNOWN = "unknown"  # never issued, used already, or expired
    NO_CONSENT = "no_consent"  # nothing may be stored yet, a sign-in included
    NO_CODE = "no_code"


def redeem_invitation(channel: str, sender_id: str, code: str) -> Tuple[Redemption, Optional[str]]:
    """Sign a sender in with an invitation code: the outcome, and the institution when it
    worked."""
    if not normalise_code(code):
        return Redemption.NO_CODE, None
    with session_scope() as session:
        respondent = respondent_id(channel, sender_id)
        if not repository.has_consent(session, respondent):
            return Redemption.NO_CONSENT, None
        institution = sign_ins.redeem(session, respondent, code)
    if institution is None:
        return Redemption.UNKNOWN, None
    return Redemption.SIGNED_IN, institution


async def redeem_invitation_off_loop(channel: str, sender_id: str, code: str) -> Tuple[Redemption, Optional[str]]:
    """`redeem_invitation` on a database thread."""
    return await off_loop(redeem_invitation, channel, sender_id, code)


def record_portal_sign_in(channel: str, sender_id: str, institution: str) -> bool:
    """Record that the widget's portal signed this sender in for `institution`; False when
    they have not consented (yet), so nothing was stored."""
    with session_scope() as session:
        respondent = respondent_id(channel, sender_id)
        if not repository.has_consent(session, respondent):
            return False
        if sign_ins.signed_in_for(session, respondent) != institution:
            sign_ins.record_sign_in(session, respondent, institution, "portal")
    return True


async def record_portal_sign_in_off_loop(channel: str, sender_id: str, institution: str) -> bool:
    """`record_portal_sign_in` on a database thread."""
    return await off_loop(record_portal_sign_in, channel, sender_id, institution)

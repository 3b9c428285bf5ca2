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
from bot.storage import sign_ins
from bot.storage.db import runs_off_loop, session_scope


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
    try:
        with session_scope() as session:
            institution = sign_ins.redeem(session, respondent_id(channel, sender_id), code)
    except LookupError:  # no consent on record; the transaction, code and all, is undone
        return Redemption.NO_CONSENT, None
    if institution is None:
        return Redemption.UNKNOWN, None
    return Redemption.SIGNED_IN, institution


def record_portal_sign_in(channel: str, sender_id: str, institution: str) -> bool:
    """Record that the widget's portal signed this sender in for `institution`; False when
    they have not consented (yet), so nothing was stored."""
    respondent = respondent_id(channel, sender_id)
    try:
        with session_scope() as session:
            if sign_ins.signed_in_for(session, respondent) != institution:
                sign_ins.record_sign_in(session, respondent, institution, "portal")
    except LookupError:
        return False
    return True


redeem_invitation_off_loop = runs_off_loop(redeem_invitation)
record_portal_sign_in_off_loop = runs_off_loop(record_portal_sign_in)

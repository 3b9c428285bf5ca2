"""Validate action-server responses with a validator built once, not on every call.

Rasa 3.6.21's `RemoteAction._validate_action_result` calls `jsonschema.validate()` for
every action-server response. That function first checks the schema itself against its
metaschema and builds a new validator, and the profile of a running Sedia showed that
this alone took over half of the Rasa server's CPU. The replacement checks the same
response against the same schema with a validator class and instance made once: valid
responses pass, invalid ones raise the same `jsonschema.ValidationError` with Rasa's own
hint appended. It is pinned to the method it replaces (`bot.rasa_glue.pinned`).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict, Optional, Text

from jsonschema import ValidationError
from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

from bot.rasa_glue.pinned import PinnedMethod


@lru_cache(maxsize=None)
def _validator() -> Any:
    schema = RemoteAction.action_response_format_spec()
    # The same choice of draft and the same schema check that jsonschema.validate() makes,
    # done once instead of on every response.
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
    """Rasa's check of an action-server response, with a validator built once."""
    error: Optional[ValidationError] = best_match(_validator().iter_errors(result))
    if error is None:
        return True
    error.message += (
        f". Failed to validate Action server response from API, "
        f"make sure your response from the Action endpoint is valid. "
        f"For more information about the format visit "
        f"{DOCS_BASE_URL}/custom-actions"
    )
    raise error


# SHA-256 of the source of RemoteAction._validate_action_result in rasa 3.6.21.
VALIDATION = PinnedMethod(
    RemoteAction,
    "_validate_action_result",
    "f8cdb4be6812396167ced74161b2ccd65c5ea676ad86d7d359d8c322d9d8dc42",
    validate_action_result,
)

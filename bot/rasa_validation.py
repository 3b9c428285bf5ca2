"""Validate action-server responses with a validator built once, not on every call.

Rasa 3.6.21's `RemoteAction._validate_action_result` calls `jsonschema.validate()` for
every action-server response. That function first checks the schema itself against its
metaschema and builds a new validator, and the profile of a running Sedia showed that
this alone took over half of the Rasa server's CPU. This module replaces the method with
one that checks the same response against the same schema with a validator class and
instance made once: valid responses pass, invalid ones raise the same
`jsonschema.ValidationError` with Rasa's own hint appended.

It is a workaround for an upstream inefficiency, pinned to the exact method it replaces:
`install()` changes nothing unless Rasa's method has the source it was written for
(`EXPECTED_SOURCE_SHA256`), and a unit test fails when Rasa's method changes. Rasa loads
it through modules that Rasa itself imports (the tracker store named in endpoints.yml
and Sedia's NLU components), so every Rasa server gets it without a custom entry point.
"""
from __future__ import annotations

import hashlib
import inspect
import logging
from functools import lru_cache
from typing import Any, Callable, Dict, Optional, Text

from jsonschema import ValidationError
from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

logger = logging.getLogger(__name__)

# SHA-256 of the source of RemoteAction._validate_action_result in rasa 3.6.21.
EXPECTED_SOURCE_SHA256 = "f8cdb4be6812396167ced74161b2ccd65c5ea676ad86d7d359d8c322d9d8dc42"
_ORIGINAL: Callable[[RemoteAction, Dict[Text, Any]], bool] = RemoteAction._validate_action_result


def source_sha256(method: Callable[..., Any]) -> str:
    """The SHA-256 of a function's source text, to notice when Rasa changes it."""
    return hashlib.sha256(inspect.getsource(method).encode("utf-8")).hexdigest()


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


def is_installed() -> bool:
    """True when Rasa's RemoteAction validates with the validator built once."""
    return RemoteAction._validate_action_result is validate_action_result


def install() -> bool:
    """Replace Rasa's per-call validation when its method is the one this was written for."""
    if is_installed():
        return True
    if source_sha256(_ORIGINAL) != EXPECTED_SOURCE_SHA256:
        logger.warning(
            "Rasa's RemoteAction._validate_action_result is not the rasa 3.6.21 method "
            "that bot/rasa_validation.py replaces; keeping Rasa's own (slower) validation."
        )
        return False
    RemoteAction._validate_action_result = validate_action_result  # type: ignore[assignment]
    return True

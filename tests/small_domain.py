"""A domain with one slot, for tests of tracker storage that need a slot but not Sedia's
whole domain."""

from rasa.shared.core.domain import Domain

LANGUAGE_SLOT_DOMAIN = """
version: "3.1"
intents: [greet]
slots:
  language:
    type: text
    mappings: [{type: custom}]
"""


def language_slot_domain() -> Domain:
    """The domain: the `greet` intent and a `language` text slot."""
    return Domain.from_yaml(LANGUAGE_SLOT_DOMAIN)

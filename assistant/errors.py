"""Errors a person can act on. Interfaces print their message; none of them should show a traceback."""

from __future__ import annotations


class AssistantError(ValueError):
    """Bad input or an unusable setup, with a message that names what was wrong."""


class IndexMissingError(AssistantError):
    """No index has been built yet in the configured folder."""


class LanguageModelError(AssistantError):
    """The chat model failed to answer (unreachable, timed out, or sent a malformed reply); never an abstention."""

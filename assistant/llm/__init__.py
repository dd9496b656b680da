"""Chat model backends behind one protocol, and the factory that picks one from the settings.

Backends are imported lazily by ``make_chat_model`` so that importing this package never loads llama.cpp or the
HTTP client stack.
"""

from __future__ import annotations

from pathlib import Path

from assistant.llm.base import ChatMessage, ChatModel, LLMError, complete
from assistant.llm.fake import ScriptedChatModel
from assistant.llm.model_file import ProgressCallback, check_gguf_file, ensure_default_model
from assistant.settings import LLMSettings

__all__ = [
    "FAKE_REPLY",
    "ChatMessage",
    "ChatModel",
    "LLMError",
    "ScriptedChatModel",
    "complete",
    "make_chat_model",
]

FAKE_REPLY = "This is a scripted reply from the fake chat model."


def make_chat_model(settings: LLMSettings, models_dir: Path, progress: ProgressCallback | None = None) -> ChatModel:
    """The chat model that ``settings.backend`` names. Raises LLMError if it cannot be set up.

    embedded: ``settings.model_path`` if given (checked to be a GGUF file), else the packaged default model, assembled
    into ``models_dir`` on first use (``progress`` reports that). The model itself loads lazily, on first request.
    openai: the endpoint at ``settings.base_url``. fake: a ScriptedChatModel that always answers ``FAKE_REPLY``.
    """
    if settings.backend == "embedded":
        from assistant.llm.embedded import EmbeddedChatModel

        if settings.model_path is not None:
            check_gguf_file(settings.model_path)
            model_path = Path(settings.model_path).expanduser()
        else:
            model_path = ensure_default_model(Path(models_dir).expanduser(), progress)
        return EmbeddedChatModel(model_path, settings)
    if settings.backend == "openai":
        from assistant.llm.openai_compat import OpenAICompatChatModel

        return OpenAICompatChatModel.from_settings(settings)
    if settings.backend == "fake":
        return ScriptedChatModel([FAKE_REPLY], name="fake")
    raise LLMError(f"Unknown chat model backend {settings.backend!r}: use embedded, openai or fake.")

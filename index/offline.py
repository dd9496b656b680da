"""Make every third-party library work offline: point them at data already installed, turn telemetry off.

Only defaults are set (a user's own environment wins). Called once when the package is imported, before any of
those libraries is, because several read these variables at import time."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path


def _llama_index_static() -> Path | None:
    spec = importlib.util.find_spec("llama_index.core")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "_static"


def configure_offline_env() -> None:
    """Set the environment defaults that keep tiktoken, Hugging Face, Chroma, Gradio and ragas off the network."""
    static = _llama_index_static()
    if static is not None:
        # tiktoken would download its encodings; llama-index ships cl100k_base and o200k_base.
        os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(static / "tiktoken_cache"))
    defaults = {
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "ANONYMIZED_TELEMETRY": "False",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "RAGAS_DO_NOT_TRACK": "true",
        "TOKENIZERS_PARALLELISM": "false",
        "DO_NOT_TRACK": "1",
    }
    for key, value in defaults.items():
        os.environ.setdefault(key, value)

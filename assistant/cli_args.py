"""What every ``assistant`` sub-command makes from its parsed arguments: the settings and the Assistant. Shared by
assistant/cli.py and assistant/cli_documents.py, so that neither imports the other."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from assistant.settings import Settings, load_settings


def settings_from_args(args: argparse.Namespace) -> Settings:
    """The settings (environment and defaults) with the command's ``--data-dir``, ``--seeds``, ``--backend`` and
    ``--show-prompt`` applied."""
    settings = load_settings()
    if getattr(args, "data_dir", None):
        settings.index.data_dir = Path(args.data_dir)
    if getattr(args, "seeds", None):
        settings.index.seeds_dir = Path(args.seeds)
    if getattr(args, "backend", None):
        settings.llm.backend = args.backend
    if getattr(args, "show_prompt", False):
        settings.log_prompts = True
    return settings


def assistant_from_args(args: argparse.Namespace) -> Any:
    """An Assistant over :func:`settings_from_args` (imported here, on first use: it is the slow import)."""
    from assistant.api import Assistant

    return Assistant(settings_from_args(args))

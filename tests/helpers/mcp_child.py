"""``python -m tests.mcp_child DATA_DIR``: the MCP server over stdio on the hashing index at DATA_DIR with a scripted
chat model, as ``assistant mcp`` runs it (for the stdio client tests; the real command needs the MiniLM index)."""

from __future__ import annotations

import sys
from pathlib import Path

from assistant.api import Assistant
from assistant.llm import ScriptedChatModel
from assistant.mcp_server import serve_mcp
from index.embed import HashingEmbedder
from tests.helpers import make_settings


def main() -> None:
    """Serve until stdin closes."""
    settings = make_settings(Path(sys.argv[1]))

    def factory() -> Assistant:
        model = ScriptedChatModel(["I don't know."])
        return Assistant(settings, chat_model=model, embedder=HashingEmbedder(), sync_index=False)

    serve_mcp(settings, factory=factory)


if __name__ == "__main__":
    main()

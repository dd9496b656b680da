"""With a Chroma server URL configured, the same indexing and retrieval code runs over the HTTP client."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant.api import Assistant
from assistant.llm import ScriptedChatModel
from index.build import build_index
from index.embed import HashingEmbedder
from index.manifest import chunk_ids, read_manifest
from index.store import ChromaChunkStore, StoreError
from tests.helpers import make_settings


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def chroma_server(tmp_path: Path):
    exe = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
    port = _free_port()
    proc = subprocess.Popen(
        [exe, "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.time() + 30
        while time.time() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.2)
        else:
            pytest.fail("chroma server did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_index_and_retrieve_over_http(tmp_path: Path, chroma_server: str):
    settings = make_settings(tmp_path / "data")
    settings.index.chroma_url = chroma_server
    store = ChromaChunkStore(settings.index)
    first = build_index(settings.index, HashingEmbedder(), store, show_progress=False)
    again = build_index(settings.index, HashingEmbedder(), ChromaChunkStore(settings.index), show_progress=False)
    assert first.embedded == first.chunks and again.noop
    # --rebuild on a server drops and recreates the collection (it never touches files of its own)
    rebuilt = build_index(settings.index, HashingEmbedder(), store, show_progress=False, rebuild=True)
    assert rebuilt.embedded == rebuilt.chunks == first.chunks and not rebuilt.noop
    assert ChromaChunkStore(settings.index).ids() == chunk_ids(read_manifest(settings.index.index_dir))  # type: ignore[arg-type]
    assert not (settings.index.index_dir / "chroma").exists()  # nothing stored by an embedded client
    a = Assistant(settings, chat_model=ScriptedChatModel(["x"]), embedder=HashingEmbedder(), sync_index=False)
    top = a.retrieve("Proving Theorems with Lean and Machine Learning", k=3, mode="dense")
    assert top[0].title == "Proving Theorems with Lean and Machine Learning"


def test_unreachable_server_is_a_clear_error(tmp_path: Path):
    settings = make_settings(tmp_path / "data")
    settings.index.chroma_url = f"http://127.0.0.1:{_free_port()}"
    with pytest.raises(StoreError, match=r"127\.0\.0\.1"):
        ChromaChunkStore(settings.index)


def test_malformed_server_url_is_named(tmp_path: Path):
    settings = make_settings(tmp_path / "data")
    settings.index.chroma_url = "localhost:8000"
    with pytest.raises(StoreError, match="CHROMA_URL must look like http://host:port"):
        ChromaChunkStore(settings.index)

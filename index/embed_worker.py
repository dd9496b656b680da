"""The sentence-transformers embedder in a child process, so a one-shot indexing run loads the model on one core
while it does the rest of the build on the other.

Why: ``assistant index`` after one new paper spends about 6 s importing torch, transformers and
sentence-transformers and loading MiniLM, and about as long again reading the published index, parsing, chunking
and rewriting BM25 (100x corpus, this 2-core machine). In one process those run one after the other. The build
calls ``preload()`` as soon as it knows it has work, the child starts loading at once, and ``embed`` sends the
texts over a pipe when the build gets to them. The child runs the same ``SentenceTransformerEmbedder.embed``, so
the vectors are the ones the process itself would make; with the settings' ``models_dir`` it loads the model's
traced copy (``index.embed_traced``: torch without sentence-transformers' imports, about 2.5 s instead of 8).

A long-lived process (the web UI) keeps its model in process instead: there the load is paid once. If the child
cannot be started, fails or dies, the texts are embedded in this process (which raises what it raises, for example
a model folder with no model in it)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from collections.abc import Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING

from index.embed import SentenceTransformerEmbedder

if TYPE_CHECKING:
    from index.settings import EmbedDtype

log = logging.getLogger(__name__)
_CLOSE_TIMEOUT_S = 10.0


class BackgroundEmbedder:
    """An ``Embedder`` whose model loads in a child process once ``preload()`` is called; in process until then."""

    def __init__(self, local: SentenceTransformerEmbedder) -> None:
        self.local = local
        self.model_id = local.model_id
        self._process: subprocess.Popen[bytes] | None = None
        self._send: Connection | None = None
        self._receive: Connection | None = None
        self._lock = threading.Lock()

    def preload(self) -> None:
        """Start the child that loads the model (once; returns at once). Safe to call when it is already running."""
        with self._lock:
            if self._process is not None or self.local.loaded or os.name != "posix":
                return
            # A fresh interpreter running this module, not multiprocessing's spawn (which runs the caller's main
            # script again in the child) nor a fork (the build may already have threads, Chroma's, to copy half-way).
            from_parent, to_child = os.pipe()  # (read end, write end)
            from_child, to_parent = os.pipe()
            here = str(Path(__file__).resolve().parents[1])
            env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [here, os.environ.get("PYTHONPATH")]))}
            command = [sys.executable, "-m", "index.embed_worker", str(from_parent), str(to_parent)]
            compiled = str(self.local.compiled_dir) if self.local.compiled_dir is not None else ""
            command += [str(self.local.model_path), self.local.dtype, str(self.local.batch_size), compiled]
            try:
                process = subprocess.Popen(
                    command, pass_fds=(from_parent, to_parent), env=env, stdin=subprocess.DEVNULL
                )
            except OSError as exc:
                log.warning("could not start the embedding process (%s); embedding in this process", exc)
                os.close(to_child)
                os.close(from_child)
                return
            finally:
                os.close(from_parent)
                os.close(to_parent)
            self._process = process
            self._send, self._receive = Connection(to_child, readable=False), Connection(from_child, writable=False)

    @property
    def running(self) -> bool:
        """Whether a child is serving (or loading) the model."""
        return self._process is not None and self._process.poll() is None

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """Normalised embeddings, from the child when it runs, else from this process."""
        if not texts:
            return []
        with self._lock:
            if self._send is not None and self._receive is not None:
                try:
                    self._send.send(list(texts))
                    status, payload = self._receive.recv()
                except (EOFError, OSError) as exc:
                    code = self._process.poll() if self._process is not None else None
                    log.warning("embedding process ended (%s, exit code %s); embedding in this process", exc, code)
                    self._stop()
                else:
                    if status == "ok":
                        return payload
                    log.warning("embedding process failed (%s); embedding in this process", payload)
                    self._stop()
        return self.local.embed(texts)

    def close(self) -> None:
        """Stop the child (if any) and wait until it is gone."""
        with self._lock:
            self._stop()

    def __enter__(self) -> BackgroundEmbedder:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _stop(self) -> None:
        send, receive, process = self._send, self._receive, self._process
        self._send = self._receive = self._process = None
        if send is not None:
            send.close()
        if receive is not None:
            receive.close()
        if process is not None and process.poll() is None:
            # Killed rather than waited for: the child holds nothing to save, and an interpreter with torch loaded
            # takes over a second to tear itself down.
            process.kill()
            process.wait(_CLOSE_TIMEOUT_S)


def _serve(
    receive: Connection, send: Connection, model_path: str, dtype: EmbedDtype, batch_size: int, compiled_dir: str
) -> None:
    """The child: load the model at once, then answer each list of texts with its vectors until the pipe closes."""
    compiled = Path(compiled_dir) if compiled_dir else None
    embedder = SentenceTransformerEmbedder(Path(model_path), batch_size=batch_size, dtype=dtype, compiled_dir=compiled)
    try:
        try:
            embedder.load()
        except Exception as exc:  # reported with the first request; the parent then tries in process
            failure: str | None = f"{type(exc).__name__}: {exc}"
        else:
            failure = None
        while True:
            texts = receive.recv()
            if failure is not None:
                send.send(("error", failure))
                continue
            try:
                send.send(("ok", embedder.embed(texts)))
            except Exception as exc:
                send.send(("error", f"{type(exc).__name__}: {exc}"))
    except (EOFError, OSError, KeyboardInterrupt):  # the parent went away or was interrupted: nothing to report
        pass
    finally:
        receive.close()
        send.close()


if __name__ == "__main__":
    _in, _out, _path, _dtype, _batch, _compiled = sys.argv[1:7]
    _receive, _send = Connection(int(_in), writable=False), Connection(int(_out), readable=False)
    _serve(_receive, _send, _path, _dtype, int(_batch), _compiled)  # type: ignore[arg-type]

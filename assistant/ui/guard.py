"""What the web server enforces before Gradio sees a request: limits on every multipart upload (Gradio's raw
``/upload`` route and its other form routes), no uploaded file served back, and who is asking (for the login
limit).

``UploadGuard`` is ASGI middleware. A multipart body is read here first, into a private spool, and refused whole,
before a byte of it reaches Gradio's upload folder, when it holds more files than allowed, more bytes than allowed,
or a file whose type is not allowed; the refusal is one line naming the file or the limit. Gradio's upload folder
is this server's own (``private_upload_dir``): files older than ``max_age_s`` are swept from it on each upload and
the folder is deleted when the server stops. Requests for a file inside it are answered 404.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator, MutableMapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from python_multipart.multipart import MultipartParser, parse_options_header

from assistant.access import CLIENT

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

API_PREFIX = "/v1/"
_SPOOL_IN_MEMORY = 1 << 20
_CHUNK = 1 << 16
_MAX_FIELDS = 64
# A refused body is still read (and thrown away) up to this much past the limit, so the client gets the answer
# instead of a reset connection; past it the connection is simply closed.
_DRAIN = 8 << 20


class UploadRefused(Exception):
    """A multipart body broke a limit; ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str, code: str = "upload_refused") -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class _PartScanner:
    """Counts the files of a multipart body as it streams and checks each file's name against the allowed types."""

    def __init__(self, boundary: bytes, max_files: int, suffixes: Sequence[str] | None) -> None:
        """``suffixes``: the file types accepted (None: any; the route checks them itself)."""
        self.max_files = max_files
        self.suffixes = None if suffixes is None else {s.lower() for s in suffixes}
        self.files = self.fields = 0
        self.refused: list[str] = []  # file names of a type not accepted: stored empty, never with their bytes
        self._header, self._value = b"", b""
        self._filename: str | None = None
        self.problem: UploadRefused | None = None
        callbacks: Any = {
            "on_part_begin": self._begin,
            "on_header_field": lambda d, s, e: self._add("_header", d[s:e]),
            "on_header_value": lambda d, s, e: self._add("_value", d[s:e]),
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
        }
        self._parser = MultipartParser(boundary, callbacks)

    def _add(self, name: str, data: bytes) -> None:
        setattr(self, name, getattr(self, name) + data[:4096])

    def _begin(self) -> None:
        self._filename = None

    def _header_end(self) -> None:
        if self._header.strip().lower() == b"content-disposition":
            _, options = parse_options_header(self._value)
            if b"filename" in options:
                self._filename = options[b"filename"].decode("utf-8", "replace")
        self._header, self._value = b"", b""

    def _headers_finished(self) -> None:
        if self.problem is not None:
            return
        if self._filename is None:
            self.fields += 1
            if self.fields > _MAX_FIELDS:
                self.problem = UploadRefused(400, f"more than {_MAX_FIELDS} form fields in one request")
            return
        self.files += 1
        name = Path(self._filename.replace("\\", "/")).name
        if self.files > self.max_files:
            self.problem = (
                UploadRefused(413, f"more than {self.max_files} files in one upload (ASSISTANT_UI__MAX_UPLOAD_FILES)")
                if self.max_files
                else UploadRefused(403, "this server accepts no uploads (ASSISTANT_UI__UPLOADS=false)", "uploads_off")
            )
        elif self.suffixes is not None and Path(name).suffix.lower() not in self.suffixes:
            self.refused.append(name)

    def feed(self, data: bytes) -> None:
        """Scan the next piece of the body; ``problem`` is set at the first limit broken."""
        if self.problem is None and data:
            self._parser.write(data)


class UploadGuard:
    """ASGI middleware: upload limits, no uploaded file served back, the client's address for the login limit."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_files: int,
        max_bytes: int,
        suffixes: Sequence[str],
        upload_dir: str | Path,
        max_age_s: float = 600.0,
    ) -> None:
        """Wrap ``app``; ``upload_dir`` is Gradio's upload folder (swept and never served)."""
        self.app = app
        self.max_files, self.max_bytes, self.suffixes = max_files, max_bytes, tuple(suffixes)
        self.upload_dir = Path(upload_dir).resolve()
        self.max_age_s = max_age_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI connection scope."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        CLIENT.set(str(client[0]) if client else "")
        method, path = scope.get("method", ""), str(scope.get("path", ""))
        if method in ("GET", "HEAD") and "/file=" in path and self._serves_upload(path):
            await _answer(send, 404, "not found")
            return
        ctype, options = parse_options_header(_header(scope, b"content-type"))
        if method != "POST" or ctype != b"multipart/form-data":
            await self.app(scope, receive, send)
            return
        if not options.get(b"boundary"):
            await _answer(send, 400, "multipart body without a boundary")
            return
        sweep(self.upload_dir, self.max_age_s)
        with tempfile.SpooledTemporaryFile(_SPOOL_IN_MEMORY) as spool:
            try:
                # The API's documents route names each refused file in its reply (a row per file, like the
                # Library's), so only counts and bytes are limited there; Gradio's own upload route gets the types too.
                typed = not path.startswith(API_PREFIX)
                refused = await self._read(scope, receive, spool, options[b"boundary"], typed)
            except UploadRefused as exc:
                await _answer(send, exc.status, str(exc), api=not typed, code=exc.code)
                return
            except _Disconnected:
                return
            spool.seek(0)
            if refused:
                # A file of a type not accepted reaches the app by name only, its bytes left out, so the Library
                # still reports it in its own row ("x.sh: .sh files are not accepted") while nothing of it is kept.
                body = without_file_bytes(spool.read(), options[b"boundary"], set(refused))
                spool.seek(0)
                spool.truncate()
                spool.write(body)
                spool.seek(0)
                scope = {**scope, "headers": _with_length(scope.get("headers", []), len(body))}
            await self.app(scope, _replay(spool, receive), send)

    def _serves_upload(self, path: str) -> bool:
        target = unquote(path.split("/file=", 1)[1])
        with contextlib.suppress(OSError, ValueError, RuntimeError):
            return Path(target).resolve().is_relative_to(self.upload_dir)
        return True  # a path that cannot be resolved is not served either

    async def _read(self, scope: Scope, receive: Receive, spool: Any, boundary: bytes, typed: bool = True) -> list[str]:
        """Read the whole body into ``spool``; raise UploadRefused (after draining what is reasonable) if it breaks
        a limit. Returns the names of files of a type not accepted (checked when ``typed``)."""
        declared = _header(scope, b"content-length")
        too_big = UploadRefused(
            413, f"the upload is larger than {self.max_bytes / 1_000_000:g} MB (ASSISTANT_UI__MAX_UPLOAD_TOTAL_MB)"
        )
        if declared.isdigit() and int(declared) > self.max_bytes + _DRAIN:
            raise too_big
        scanner = _PartScanner(boundary, self.max_files, self.suffixes if typed else None)
        total = 0
        problem: UploadRefused | None = None
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _Disconnected
            body = message.get("body", b"")
            total += len(body)
            if problem is None:
                scanner.feed(body)
                problem = scanner.problem or (too_big if total > self.max_bytes else None)
                if problem is None:
                    spool.write(body)
            if not message.get("more_body"):
                break
            if problem is not None and total > self.max_bytes + _DRAIN:
                break
        if problem is not None:
            raise problem
        return scanner.refused


class _Disconnected(Exception):
    """The client went away while sending the body."""


def _header(scope: Scope, name: bytes) -> bytes:
    return next((v for k, v in scope.get("headers", []) if k.lower() == name), b"")


def without_file_bytes(body: bytes, boundary: bytes, names: set[str]) -> bytes:
    """The multipart ``body`` with the contents of the file parts named ``names`` left empty (headers kept)."""
    delimiter = b"--" + boundary
    parts = body.split(delimiter)
    for i, part in enumerate(parts):
        head, sep, _ = part.partition(b"\r\n\r\n")
        if not sep:
            continue
        _, options = parse_options_header(_disposition(head))
        filename = options.get(b"filename")
        if filename is not None and Path(filename.decode("utf-8", "replace").replace("\\", "/")).name in names:
            parts[i] = head + sep + b"\r\n"
    return delimiter.join(parts)


def _disposition(head: bytes) -> bytes:
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-disposition":
            return value.strip()
    return b""


def _with_length(headers: list[tuple[bytes, bytes]], length: int) -> list[tuple[bytes, bytes]]:
    kept = [(k, v) for k, v in headers if k.lower() != b"content-length"]
    return [*kept, (b"content-length", str(length).encode())]


def _replay(spool: Any, receive: Receive) -> Receive:
    """A ``receive`` that hands the spooled body on in chunks, then waits on the real one (disconnects)."""
    done = False

    async def replayed() -> Message:
        nonlocal done
        if done:
            return await receive()
        chunk = spool.read(_CHUNK)
        more = bool(chunk) and spool.tell() < _size(spool)
        done = not more
        return {"type": "http.request", "body": chunk, "more_body": more}

    return replayed


def _size(spool: Any) -> int:
    at = spool.tell()
    spool.seek(0, os.SEEK_END)
    end = spool.tell()
    spool.seek(at)
    return int(end)


async def _answer(send: Send, status: int, message: str, api: bool = False, code: str = "upload_refused") -> None:
    """A JSON refusal: Gradio's ``{"detail": …}``, or for the APIs OpenAI's ``{"error": {…}}`` shape."""
    if api:
        error = {"message": message, "type": "invalid_request_error", "code": code}
        body = json.dumps({"error": error}, ensure_ascii=False).encode()
    else:
        body = ('{"detail": ' + _json_string(message) + "}").encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _json_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def sweep(folder: Path, max_age_s: float) -> int:
    """Delete files older than ``max_age_s`` under ``folder`` (uploads nobody took), and emptied folders."""
    removed = 0
    cutoff = time.time() - max_age_s
    for path in sorted(folder.rglob("*"), reverse=True) if folder.is_dir() else []:
        with contextlib.suppress(OSError):
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
            elif path.is_dir() and path.stat().st_mtime < cutoff and not any(path.iterdir()):
                path.rmdir()
    return removed


@contextlib.contextmanager
def private_upload_dir() -> Iterator[Path]:
    """A folder of this server's own for Gradio's uploads (``GRADIO_TEMP_DIR``), deleted with everything in it when
    the server stops."""
    folder = Path(tempfile.mkdtemp(prefix="assistant-uploads-"))
    previous = os.environ.get("GRADIO_TEMP_DIR")
    os.environ["GRADIO_TEMP_DIR"] = str(folder)
    try:
        yield folder
    finally:
        if previous is None:
            os.environ.pop("GRADIO_TEMP_DIR", None)
        else:
            os.environ["GRADIO_TEMP_DIR"] = previous
        shutil.rmtree(folder, ignore_errors=True)

"""Text for a terminal: titles, passages and answers come from files anyone may have written, and a terminal obeys
escape sequences in them (colours, a new window title, a cleared screen, a rewritten line). On a terminal the CLI
prints printable text only; piped output (``--json``, files) is left as it is."""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO

# ESC sequences (CSI, OSC, DCS/SOS/PM/APC with their terminators, two-character ones) and the 8-bit C1 forms.
_SEQUENCE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]?|\x1b[\]PX^_][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?|\x1b[ -~]?"
    r"|[\x9b][0-?]*[ -/]*[@-~]?|[\x90\x98\x9d\x9e\x9f][^\x07\x1b\x9c]*(?:\x07|\x9c)?"
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_VISIBLE = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: str, keep: str = "\n\t") -> str:
    """``text`` without escape sequences or control characters (those in ``keep`` stay)."""
    text = _SEQUENCE.sub("", text)
    return _CONTROL.sub(lambda m: m.group() if m.group() in keep else "", text)


def one_line(text: str) -> str:
    """``text`` as one printable line: line breaks and tabs shown as ``\\n``, ``\\r``, ``\\t``, other controls and
    escape sequences removed (a file name with a line break must not split a progress line)."""
    return printable("".join(_VISIBLE.get(ch, ch) for ch in str(text)), keep="")


class PrintableStream(io.TextIOBase):
    """A text stream that passes on only printable text (``printable``) to the stream it wraps."""

    def __init__(self, stream: TextIO, keep: str) -> None:
        self._stream, self._keep = stream, keep

    def write(self, s: str) -> int:
        """Write the printable part of ``s``; returns ``len(s)`` as callers expect."""
        self._stream.write(printable(s, self._keep))
        return len(s)

    def flush(self) -> None:
        """Flush the wrapped stream."""
        self._stream.flush()

    def isatty(self) -> bool:
        """Whether the wrapped stream is a terminal."""
        return self._stream.isatty()

    def fileno(self) -> int:
        """The wrapped stream's descriptor."""
        return self._stream.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        """The wrapped stream's encoding."""
        return str(getattr(self._stream, "encoding", "utf-8"))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextmanager
def printable_terminal(is_tty: Callable[[TextIO], bool] = lambda s: s.isatty()) -> Iterator[None]:
    """While inside, what is printed to stdout or stderr that is a terminal is printable text only (stderr keeps
    carriage returns, which progress bars redraw with)."""
    saved = sys.stdout, sys.stderr
    if is_tty(sys.stdout):
        sys.stdout = PrintableStream(sys.stdout, "\n\t")  # type: ignore[assignment]
    if is_tty(sys.stderr):
        sys.stderr = PrintableStream(sys.stderr, "\n\t\r")  # type: ignore[assignment]
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved

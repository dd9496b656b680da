"""A structural check of Chroma's persisted HNSW segment files, run before Chroma opens them.

Chroma's native HNSW reader trusts these files: a damaged ``data_level0.bin`` (neighbour ids out of range) crashes
the whole process with a segmentation fault instead of raising, so damage has to be found before Chroma reads them.
The layout is hnswlib's (``header.bin`` is a version word and hnswlib's header; ``data_level0.bin`` one fixed-size
record per element: link count, neighbour ids, vector, label; ``length.bin`` and ``link_lists.bin`` the upper
levels), and every field that can point somewhere is checked to point inside the index."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

_HEADER = struct.Struct("<I6QiI3QdQ")  # version, offsetLevel0, max_elements, cur_count, size_data, label_offset,
# offsetData, maxlevel, enterpoint, maxM, maxM0, M, mult, ef_construction
_LABEL_BYTES = 8
_MAX_LEVEL = 64


def hnsw_problem(chroma_dir: Path) -> str:
    """What is wrong with the HNSW files under ``chroma_dir`` (one segment folder each), or "" if nothing is."""
    if not chroma_dir.is_dir():
        return ""
    for segment in sorted(p for p in chroma_dir.iterdir() if p.is_dir() and (p / "header.bin").exists()):
        try:
            problem = _segment_problem(segment)
        except (OSError, ValueError) as exc:
            problem = f"cannot be read ({exc})"
        if problem:
            return f"HNSW segment {segment.name} {problem}"
    return ""


def _segment_problem(segment: Path) -> str:
    header = (segment / "header.bin").read_bytes()
    if len(header) != _HEADER.size:
        return f"has a {len(header)}-byte header.bin, expected {_HEADER.size}"
    (_, offset0, max_el, count, size, label_at, data_at, maxlevel, enter, max_m, max_m0, m, _, _) = _HEADER.unpack(
        header
    )
    link_bytes = 4 + max_m0 * 4
    sane = (
        offset0 == 0
        and count <= max_el
        and 0 < m <= max_m <= 4096
        and max_m0 <= 8192
        and data_at == link_bytes
        and data_at < label_at
        and (label_at - data_at) % 4 == 0
        and size == label_at + _LABEL_BYTES
        and (count == 0 or (0 <= maxlevel < _MAX_LEVEL and enter < count))
    )
    if not sane:
        return "has an inconsistent header.bin"
    level0 = segment / "data_level0.bin"
    if level0.stat().st_size < count * size:
        return f"has a short data_level0.bin ({level0.stat().st_size} bytes for {count} elements)"
    if count == 0:
        return ""
    records = np.fromfile(level0, dtype=np.uint8, count=count * size).reshape(count, size)
    problem = _level0_problem(records, count, max_m0, data_at, label_at)
    return problem or _upper_levels_problem(segment, count, max_m)


def _level0_problem(records: np.ndarray, count: int, max_m0: int, data_at: int, label_at: int) -> str:
    # Byte 2 of the link-count word is hnswlib's "deleted" mark, so only the low 16 bits are the count.
    links = records[:, 0:2].copy().view(np.uint16).ravel()
    if int(links.max()) > max_m0:
        return "has more level-0 links than allowed in data_level0.bin"
    ids = records[:, 4:data_at].copy().view(np.uint32)
    used = np.arange(max_m0)[None, :] < links[:, None]
    if used.any() and int(ids[used].max()) >= count:
        return "has level-0 neighbour ids outside the index in data_level0.bin"
    vectors = records[:, data_at:label_at].copy().view(np.float32)
    if not np.isfinite(vectors).all():
        return "has vectors that are not finite numbers in data_level0.bin"
    return ""


def _upper_levels_problem(segment: Path, count: int, max_m: int) -> str:
    """``length.bin``: one float32 vector norm per element (cosine space); ``link_lists.bin``: per element a uint32
    byte size, then that many bytes of upper-level link blocks (a count word and ``max_m`` neighbour ids each)."""
    norms_path, lists_path = segment / "length.bin", segment / "link_lists.bin"
    if norms_path.exists():
        norms = np.fromfile(norms_path, dtype=np.float32)
        if len(norms) < count:
            return f"has a short length.bin ({len(norms)} of {count} elements)"
        if not (np.isfinite(norms[:count]).all() and (norms[:count] >= 0).all()):
            return "has vector norms that are not finite positive numbers in length.bin"
    if not lists_path.exists():
        return ""
    data = lists_path.read_bytes()
    block = 4 + max_m * 4
    position = 0
    for _ in range(count):
        if position + 4 > len(data):
            return "has a short link_lists.bin"
        (size,) = struct.unpack_from("<I", data, position)
        position += 4
        if size % block or size > block * _MAX_LEVEL or position + size > len(data):
            return "has impossible link-list sizes in link_lists.bin"
        for start in range(position, position + size, block):
            (links,) = struct.unpack_from("<H", data, start)
            if links > max_m:
                return "has more upper-level links than allowed in link_lists.bin"
            ids = struct.unpack_from(f"<{links}I", data, start + 4)
            if ids and max(ids) >= count:
                return "has upper-level neighbour ids outside the index in link_lists.bin"
        position += size
    return "" if position == len(data) else "has trailing bytes in link_lists.bin"

"""The manifest (format 2): a small header naming a digest-checked payload. Round trip, damage found in either
file, chunks reused only for entries exactly as published, and an inputs digest that moves with every input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from index.entries import Entry, SourceRef
from index.manifest import (
    MANIFEST,
    PAYLOAD_PREFIX,
    chunk_ids,
    entry_code_digest,
    entry_hashes,
    inputs_digest,
    inspect_manifest,
    leftover_temp_paths,
    node_from_chunk,
    read_manifest,
    reusable_chunks,
    write_manifest,
)
from index.parsers import SeedLimits
from tests.helpers import SEEDS

FP = {"chunker": "2", "model_id": "hashing:256"}


def _entry(n: int, text: str = "Some text.") -> Entry:
    return Entry(id=f"paper-{n}", kind="paper", title=f"Paper {n}", text=text, sources=[{"file": "a.txt", "line": n}])


def _chunk(entry: Entry) -> dict:
    return {"id_": f"{entry.id}#0:abc", "text": entry.text, "metadata": {"entry_id": entry.id, "title": entry.title}}


def _write(index_dir: Path, entries: list[Entry]) -> dict:
    index_dir.mkdir(parents=True, exist_ok=True)
    return write_manifest(
        index_dir,
        fingerprint=FP,
        entry_hashes={e.id: e.content_hash() for e in entries},
        entries=[e.model_dump(mode="json") for e in entries],
        chunks=[_chunk(e) for e in entries],
        bm25_digest="d",
        inputs_digest="inputs",
        warnings=[{"file": "a.txt", "line": 2, "message": "odd", "loud": False}],
    )


def test_round_trip_and_a_small_header(tmp_path: Path) -> None:
    entries = [_entry(n, "word " * 200) for n in range(50)]
    written = _write(tmp_path, entries)
    read = read_manifest(tmp_path)
    assert read is not None
    assert read["entries"] == written["entries"] and read["chunks"] == written["chunks"]
    assert chunk_ids(read) == {f"paper-{n}#0:abc" for n in range(50)}
    assert read["warnings"][0]["message"] == "odd" and read["inputs_digest"] == "inputs"
    header = (tmp_path / MANIFEST).stat().st_size
    payload = next(tmp_path.glob(f"{PAYLOAD_PREFIX}*.json")).stat().st_size
    assert header * 5 < payload  # the texts live in the payload, not in the file every no-op reads
    assert inspect_manifest(tmp_path, payload="none").data is not None
    assert "entries" not in inspect_manifest(tmp_path, payload="verify").data  # type: ignore[operator]


def test_a_new_manifest_replaces_the_old_payload(tmp_path: Path) -> None:
    _write(tmp_path, [_entry(1)])
    _write(tmp_path, [_entry(1), _entry(2)])
    assert len(list(tmp_path.glob(f"{PAYLOAD_PREFIX}*.json"))) == 1
    assert leftover_temp_paths(tmp_path) == []
    assert len(read_manifest(tmp_path)["entries"]) == 2  # type: ignore[index]


def _damage_payload(index_dir: Path) -> None:
    path = next(index_dir.glob(f"{PAYLOAD_PREFIX}*.json"))
    blob = bytearray(path.read_bytes())
    blob[len(blob) // 2] ^= 0x01  # one bit: same size, other bytes
    path.write_bytes(bytes(blob))


def _remove_payload(index_dir: Path) -> None:
    next(index_dir.glob(f"{PAYLOAD_PREFIX}*.json")).unlink()


def _old_format(index_dir: Path) -> None:
    (index_dir / MANIFEST).write_text(json.dumps({"format": 1, "fingerprint": {}, "entry_hashes": {}, "chunks": []}))


def _header_garbage(index_dir: Path) -> None:
    (index_dir / MANIFEST).write_bytes(b"\x00{not json")


@pytest.mark.parametrize("damage", [_damage_payload, _remove_payload, _old_format, _header_garbage])
def test_damage_to_either_file_is_found(tmp_path: Path, damage: object) -> None:
    _write(tmp_path, [_entry(1), _entry(2)])
    damage(tmp_path)  # type: ignore[operator]
    state = inspect_manifest(tmp_path)
    assert state.status == "corrupt" and state.problem and read_manifest(tmp_path) is None
    if damage in (_damage_payload, _remove_payload):
        assert inspect_manifest(tmp_path, payload="verify").status == "corrupt"  # a no-op check sees it too


def test_chunks_are_reused_only_for_entries_exactly_as_published(tmp_path: Path) -> None:
    same, edited, moved, new = _entry(1), _entry(2), _entry(3), _entry(4)
    manifest = _write(tmp_path, [same, edited, moved])
    now = [
        same,
        _entry(2, "Other text."),
        moved.model_copy(update={"sources": [SourceRef(file="a.txt", line=99)]}),
        new,
    ]
    reused = reusable_chunks(read_manifest(tmp_path), now, FP)
    assert set(reused) == {same.id}
    assert reusable_chunks(manifest, now, {**FP, "model_id": "other"}) == {}
    node = node_from_chunk(reused[same.id][0])
    assert node.node_id == f"{same.id}#0:abc" and node.text == same.text
    assert "entry_id" in node.excluded_embed_metadata_keys and "title" not in node.excluded_embed_metadata_keys


def test_inputs_digest_moves_with_every_input(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    limits = SeedLimits()
    base = inputs_digest(seeds, limits)
    assert base and base == inputs_digest(seeds, limits)
    assert inputs_digest(seeds, SeedLimits(max_entries=5)) != base
    docs = tmp_path / "docs"
    docs.mkdir()
    assert inputs_digest(seeds, limits, docs) != base  # a documents folder (even empty) is part of the inputs
    first = sorted(seeds.glob("*.txt"))[0]
    first.write_text(first.read_text() + "\n")
    assert inputs_digest(seeds, limits) != base
    assert inputs_digest(tmp_path / "missing", limits) == ""


def test_entry_hashes_are_reused_only_for_unchanged_records_under_the_same_code() -> None:
    same = Entry(id="a", kind="paper", title="Same", text="x", sources=[SourceRef(file="f.txt", line=1)])
    edited = Entry(id="b", kind="paper", title="Edited", text="new text")
    manifest = {
        "hash_code": entry_code_digest(),
        "entry_hashes": {"a": "published-a", "b": "published-b"},
        "entries": [same.model_dump(mode="json"), {**edited.model_dump(mode="json"), "text": "old text"}],
    }
    entries = [same, edited]
    records = [e.model_dump(mode="json") for e in entries]
    assert entry_hashes(manifest, entries, records) == {"a": "published-a", "b": edited.content_hash()}
    assert entry_hashes({**manifest, "hash_code": "other"}, entries, records) == {
        e.id: e.content_hash() for e in entries
    }
    assert entry_hashes(None, entries, records) == {e.id: e.content_hash() for e in entries}


def test_serving_reads_the_entries_as_their_json_bytes(tmp_path: Path) -> None:
    import orjson

    from index.entries import ENTRY_LIST

    entries = [_entry(n, f"text “{n}” \\ with escapes\n") for n in range(5)]
    written = _write(tmp_path, entries)
    blob = next(tmp_path.glob(f"{PAYLOAD_PREFIX}*.json")).read_bytes()
    # The payload is exactly what one orjson.dumps of both lists writes: old readers read it unchanged.
    assert blob == orjson.dumps({"entries": written["entries"], "chunks": written["chunks"]})
    served = inspect_manifest(tmp_path, payload="serve").data
    assert served is not None and "entries" not in served and served["chunks"] == written["chunks"]
    assert ENTRY_LIST.validate_json(served["entries_json"]) == entries


def test_serving_a_payload_without_a_recorded_span_parses_it_whole(tmp_path: Path) -> None:
    written = _write(tmp_path, [_entry(1), _entry(2)])
    header = json.loads((tmp_path / MANIFEST).read_text())
    for span in (None, [3, 9], "x"):  # written before spans were recorded, or a span that frames no array
        header["payload"].pop("entries_span", None)
        if span is not None:
            header["payload"]["entries_span"] = span
        (tmp_path / MANIFEST).write_text(json.dumps(header))
        served = inspect_manifest(tmp_path, payload="serve").data
        assert served is not None and served["entries"] == written["entries"] and "entries_json" not in served

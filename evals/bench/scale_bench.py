"""Scale benchmark: the assistant over N times the seed corpus, every phase in a fresh process (as a user runs it).

    python evals/bench/scale_bench.py --factor 10 [--chroma-url URL | --chroma-server] [--json]
    python evals/bench/scale_bench.py --plot results.jsonl      # docs/scale_*.png from saved --json lines

It writes the scaled corpus (``scale_corpus.py``) and a fresh data folder under a temporary folder, then measures:
``cold_build_s`` (``build_index`` plus the evidence sentence vectors, as ``assistant index`` does, whole process;
``cold_index_s`` / ``cold_evidence_s`` split it), ``chunks_per_s`` (chunks / cold build), ``noop_s`` (the same
again, nothing to do), ``add_one_s`` (one new paper appended to a daily-papers file), ``startup_s``
(``Assistant()`` ready: imports, index check, entries, BM25, linker), ``first_query_s`` (the first retrieval: loads
the embedder, builds the spelling vocabulary), ``retrieve_p50_ms`` / ``retrieve_p95_ms`` (hybrid retrieval of the
dev questions, k=10), ``link_p50_ms`` (entity linking of the same questions), ``rss_mb`` (peak RSS of that process,
fake chat model, so without the LLM), ``disk_mb`` (data folder, plus the server's folder with ``--chroma-server``),
and the dev questions' ``hit1`` / ``hit5`` (gold entry first / in the top 5, the scaled entries as distractors).
Every phase also reports the CPU seconds it used (``*_cpu_s``, ``retrieve_cpu_p50_ms``): on a shared machine they
move far less with the load than wall times do.
The build phases embed as ``assistant index`` does, MiniLM loaded in a child process
(``index/embed_worker.py``); its CPU seconds are counted with the build's.

``--chroma-server`` starts ``chroma run`` on a free loopback port over a folder inside the work folder;
``--chroma-url`` uses a running server (its collection ``scale_bench`` is dropped first). ``--code DIR`` runs the
phases against another checkout of the project (an older commit, for before/after figures). ``--workdir DIR`` keeps
the corpus and index there and reuses them; ``--phases`` runs a subset of cold,noop,add,query. ``--skip-evidence``
leaves the sentence vectors out of the cold build. ``--embedder hashing`` indexes 384-d hashing vectors (no
embedding cost in the build, for factors where embedding every chunk takes hours on 2 cores; queries still pay a
real MiniLM embedding each)."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PHASES = ("cold", "noop", "add", "query")
NEW_PAPER = (
    "\nScaled Benchmark Probe: One Appended Paper on Incremental Indexing\n\n"
    "We measure how long an index takes to absorb one new paper appended to a large corpus of seed files.\n\n"
    "  • 3 authors\n·\nMar 3, 2025\n"
)


class _CostedHashing:
    """Hashing vectors (384-d, like MiniLM's) for an index built with the hashing embedder, at MiniLM's cost: each
    query is also embedded by the real model, so query latency includes what a real query pays."""

    def __init__(self) -> None:
        from index.embed import HashingEmbedder

        self.fake, self.real = HashingEmbedder(384), _minilm()
        self.model_id = self.fake.model_id

    def embed(self, texts: Any) -> list[list[float]]:
        self.real.embed(texts)
        return self.fake.embed(texts)


def _minilm() -> Any:
    """The MiniLM embedder as the settings make it (number type, traced copy); an older checkout (``--code``)
    gets what it has."""
    from assistant.settings import Settings
    from index.embed import SentenceTransformerEmbedder

    settings = Settings().index
    if hasattr(SentenceTransformerEmbedder, "from_settings"):  # with its traced copy in the work folder's models
        return SentenceTransformerEmbedder.from_settings(settings)
    dtype = getattr(settings, "embed_dtype", None)
    return SentenceTransformerEmbedder(dtype=dtype) if dtype else SentenceTransformerEmbedder()


def _embedder(for_queries: bool) -> Any:
    from index.embed import HashingEmbedder

    if os.environ.get("SCALE_BENCH_EMBEDDER") == "hashing":
        return _CostedHashing() if for_queries else HashingEmbedder(384)
    if for_queries:
        return _minilm()
    try:  # what `assistant index` builds with: the model loads in a child process while the build runs
        from index.embed_worker import BackgroundEmbedder
    except ImportError:  # an older checkout (--code)
        return _minilm()
    return BackgroundEmbedder(_minilm())


def _child_build(skip_evidence: bool) -> dict[str, Any]:
    import resource

    t0 = time.perf_counter()
    from assistant.settings import Settings
    from index.build import build_index
    from index.store import ChromaChunkStore

    try:  # as `assistant index` does: no final collection pass over everything at exit
        from index.collector import skip_collection_at_exit
    except ImportError:  # an older checkout (--code)
        pass
    else:
        skip_collection_at_exit()
    settings = Settings()
    s = settings.index
    embedder, store = _embedder(for_queries=False), ChromaChunkStore(s)
    report = build_index(s, embedder, store, show_progress=False)
    build_s = time.perf_counter() - t0
    if not skip_evidence and not report.noop:
        try:
            from assistant.evidence import warm_index_evidence  # what `assistant index` does after a build
        except ImportError:  # an older checkout (--code): the index command warmed through an Assistant
            from assistant.api import Assistant

            Assistant(settings, embedder=embedder, store=store, sync_index=False).warm_evidence()
        else:
            warm_index_evidence(s.data_dir, s.index_dir, embedder, report.records)
    if hasattr(embedder, "close"):
        embedder.close()  # as `assistant index` does: the embedding process is stopped (and its CPU counted)
    return {
        "entries": report.entries,
        "chunks": report.chunks,
        "embedded": report.embedded,
        "noop": report.noop,
        "build_s": build_s,
        "evidence_s": time.perf_counter() - t0 - build_s,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _child_query(dev_set: str, limit: int) -> dict[str, Any]:
    import resource

    t0 = time.perf_counter()
    from assistant.api import Assistant

    a = Assistant(embedder=_embedder(for_queries=True))
    startup_s, startup_cpu_s = time.perf_counter() - t0, time.process_time()
    from evals.questions import load_questions

    questions = [q for q in load_questions(dev_set, a.entries) if q.gold_ids][:limit]
    start = time.perf_counter()
    # The first query loads the embedder and builds the spelling vocabulary: timed apart from the others.
    a.retrieve("warm-up question about scaling laws", k=10)
    first_query_s = time.perf_counter() - start
    retrieve_ms, retrieve_cpu_ms, link_ms, hit1, hit5 = [], [], [], 0, 0
    for q in questions:
        start, cpu_start = time.perf_counter(), time.process_time()
        passages = a.retrieve(q.gold.question, k=10)
        retrieve_ms.append(1000 * (time.perf_counter() - start))
        retrieve_cpu_ms.append(1000 * (time.process_time() - cpu_start))
        start = time.perf_counter()
        a.corpus.linker.link(q.gold.question)
        link_ms.append(1000 * (time.perf_counter() - start))
        ranked = [p.entry_id for p in passages]
        hit1 += bool(ranked[:1] and ranked[0] in q.gold_ids)
        hit5 += bool(set(ranked[:5]) & set(q.gold_ids))
    return {
        "startup_s": startup_s,
        "first_query_s": first_query_s,
        "retrieve_p50_ms": statistics.median(retrieve_ms),
        "retrieve_p95_ms": _p95(retrieve_ms),
        "retrieve_cpu_p50_ms": statistics.median(retrieve_cpu_ms),
        "startup_cpu_s": startup_cpu_s,
        "link_p50_ms": statistics.median(link_ms),
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "questions": len(questions),
        "hit1": hit1 / max(1, len(questions)),
        "hit5": hit5 / max(1, len(questions)),
    }


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_server(path: Path) -> tuple[subprocess.Popen[bytes], str]:
    exe = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
    port = _free_port()
    proc = subprocess.Popen(
        [exe, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return proc, f"http://127.0.0.1:{port}"
        time.sleep(0.2)
    proc.terminate()
    raise RuntimeError("the chroma server did not start within 60 s")


def _drop_collection(url: str, name: str) -> None:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    host, port = url.split("//", 1)[1].rsplit(":", 1)
    client = chromadb.HttpClient(host=host, port=int(port), settings=ChromaSettings(anonymized_telemetry=False))
    with contextlib.suppress(Exception):  # a collection already absent is what we want
        client.delete_collection(name)


def _phase(args: list[str], env: dict[str, str], code: Path) -> tuple[float, dict[str, Any]]:
    """Run one phase in a fresh interpreter; its whole wall time and the JSON it printed, with the CPU seconds the
    process used as ``cpu_s`` (on a shared machine the fairer before/after figure)."""
    import resource

    def cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    cpu_start, start = cpu(), time.perf_counter()
    out = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), *args],
        env=env,
        cwd=code,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - start
    if out.returncode != 0:
        raise RuntimeError(f"phase {args[1]} failed:\n{out.stderr[-3000:]}")
    return wall, {**json.loads(out.stdout.strip().splitlines()[-1]), "cpu_s": cpu() - cpu_start}


def _disk_mb(*paths: Path) -> float:
    total = sum(p.stat().st_size for root in paths if root.exists() for p in root.rglob("*") if p.is_file())
    return total / 2**20


def run(
    factor: int,
    *,
    chroma_url: str | None = None,
    chroma_server: bool = False,
    code: Path = ROOT,
    skip_evidence: bool = False,
    questions: int = 60,
    workdir: Path | None = None,
    phases: tuple[str, ...] = PHASES,
    embedder: str = "minilm",
) -> dict[str, Any]:
    """The chosen phases at one factor; the figures as one dict. A ``workdir`` is kept, and its corpus and data
    folder reused (so a later run can time the other phases over an index built once)."""
    sys.path.insert(0, str(ROOT))
    from evals.bench.scale_corpus import write_scaled_corpus

    tmp = workdir or Path(tempfile.mkdtemp(prefix=f"scale{factor}_"))
    server = None
    result: dict[str, Any] = {
        "factor": factor,
        "chroma": "server" if (chroma_url or chroma_server) else "embedded",
        "embedder": embedder,
    }
    try:
        seeds, data = tmp / "seeds", tmp / "data"
        if not seeds.is_dir():
            write_scaled_corpus(ROOT / "seeds", seeds, factor)
        env = {
            **os.environ,
            "PYTHONPATH": str(code),
            "ASSISTANT_INDEX__SEEDS_DIR": str(seeds),
            "ASSISTANT_INDEX__DATA_DIR": str(data),
            "ASSISTANT_LLM__BACKEND": "fake",
            "SCALE_BENCH_EMBEDDER": embedder,
        }
        if chroma_server:
            server, chroma_url = _start_server(tmp / "server")
        if chroma_url:
            env["ASSISTANT_INDEX__CHROMA_URL"] = chroma_url
            env["ASSISTANT_INDEX__COLLECTION"] = "scale_bench"
            if "cold" in phases:
                _drop_collection(chroma_url, "scale_bench")
        build = ["--child", "build"] + (["--skip-evidence"] if skip_evidence else [])
        if "cold" in phases:
            cold_s, cold = _phase(build, env, code)
            result.update(
                entries=cold["entries"],
                chunks=cold["chunks"],
                cold_build_s=round(cold_s, 2),
                cold_cpu_s=round(cold["cpu_s"], 1),
                cold_index_s=round(cold["build_s"], 2),
                cold_evidence_s=round(cold["evidence_s"], 2),
                chunks_per_s=round(cold["chunks"] / cold_s, 2),
                build_rss_mb=round(cold["rss_mb"]),
            )
        if "noop" in phases:
            noop_s, noop = _phase(build, env, code)
            result.update(noop_s=round(noop_s, 2), noop_cpu_s=round(noop["cpu_s"], 2), noop_was_noop=noop["noop"])
            result["entries"] = noop["entries"]
            result.setdefault("chunks", noop["chunks"])
        if "add" in phases:
            _append_paper(seeds)
            add_s, add = _phase(build, env, code)
            result.update(add_one_s=round(add_s, 2), add_one_cpu_s=round(add["cpu_s"], 2))
            result.update(add_one_embedded=add["embedded"], add_rss_mb=round(add["rss_mb"]))
        if "query" in phases:
            dev = str(ROOT / "evals" / "dev_set.jsonl")
            _, query = _phase(["--child", "query", "--dev-set", dev, "--questions", str(questions)], env, code)
            result.update(
                startup_s=round(query["startup_s"], 2),
                first_query_s=round(query["first_query_s"], 2),
                retrieve_p50_ms=round(query["retrieve_p50_ms"], 1),
                retrieve_p95_ms=round(query["retrieve_p95_ms"], 1),
                retrieve_cpu_p50_ms=round(query.get("retrieve_cpu_p50_ms", 0.0), 1),
                startup_cpu_s=round(query.get("startup_cpu_s", 0.0), 2),
                link_p50_ms=round(query["link_p50_ms"], 2),
                rss_mb=round(query["rss_mb"]),
                questions=query["questions"],
                hit1=round(query["hit1"], 3),
                hit5=round(query["hit5"], 3),
            )
        result["disk_mb"] = round(_disk_mb(data, tmp / "server"), 1)
        return result
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        if workdir is None:
            shutil.rmtree(tmp, ignore_errors=True)


def _append_paper(seeds: Path) -> None:
    """One new paper at the end of the last daily-papers file (numbered, so every run adds a different one)."""
    head = re.compile(r"^Daily Papers$", re.M)
    pages = [p for p in sorted(seeds.glob("*.txt")) if head.search(p.read_text(encoding="utf-8")[:300])]
    if not pages:
        raise RuntimeError(f"no daily-papers seed file in {seeds} to append a paper to")
    daily = pages[-1]
    text = daily.read_text(encoding="utf-8")
    n = text.count("Scaled Benchmark Probe") + 1
    daily.write_text(text + NEW_PAPER.replace("Probe:", f"Probe {n}:"), encoding="utf-8")


def main() -> int:
    """Command line (and the entry point of the child phases)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--factor", type=int, default=1, help="copies of the seed corpus (default 1)")
    parser.add_argument("--chroma-url", default=None, help="a running Chroma server, e.g. http://127.0.0.1:8000")
    parser.add_argument("--chroma-server", action="store_true", help="start `chroma run` on loopback for the run")
    parser.add_argument("--code", type=Path, default=ROOT, help="checkout of the project to measure")
    parser.add_argument("--skip-evidence", action="store_true", help="no sentence vectors in the cold build")
    parser.add_argument("--questions", type=int, default=60, help="dev questions timed (default 60)")
    parser.add_argument("--workdir", type=Path, default=None, help="work folder to keep and reuse (corpus, index)")
    parser.add_argument("--phases", default=",".join(PHASES), help="comma-separated subset of cold,noop,add,query")
    parser.add_argument(
        "--embedder",
        choices=("minilm", "hashing"),
        default="minilm",
        help="hashing: 384-d hashing vectors for chunks (no embedding cost in the build; queries still pay MiniLM)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--plot", type=Path, help="draw docs/scale_*.png from a file of JSON results, one a line")
    parser.add_argument("--child", choices=("build", "query"), help=argparse.SUPPRESS)
    parser.add_argument("--dev-set", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "build":
        print(json.dumps(_child_build(args.skip_evidence)))
        return 0
    if args.child == "query":
        print(json.dumps(_child_query(args.dev_set, args.questions)))
        return 0
    if args.plot:
        try:
            rows = [json.loads(line) for line in args.plot.read_text(encoding="utf-8").splitlines() if line.strip()]
        except (OSError, ValueError) as exc:
            print(f"error: cannot read results from {args.plot}: {exc}", file=sys.stderr)
            return 1
        sys.path.insert(0, str(ROOT))
        from evals.plots import plot_scale

        for path in plot_scale(rows, ROOT / "docs"):
            print(path)
        return 0
    if args.factor < 1:
        print(f"error: --factor must be at least 1, got {args.factor}", file=sys.stderr)
        return 1
    unknown = set(args.phases.split(",")) - set(PHASES)
    if unknown:
        print(f"error: unknown phase(s) {', '.join(sorted(unknown))}; use {', '.join(PHASES)}", file=sys.stderr)
        return 1
    try:
        result = run(
            args.factor,
            chroma_url=args.chroma_url,
            chroma_server=args.chroma_server,
            code=args.code.resolve(),
            skip_evidence=args.skip_evidence,
            questions=args.questions,
            workdir=args.workdir,
            phases=tuple(p for p in args.phases.split(",") if p),
            embedder=args.embedder,
        )
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:18} {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

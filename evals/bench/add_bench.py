"""Own-documents benchmark: generate PDFs with headless chromium, run `assistant add` on the folder (a fresh process,
as a user would), and report seconds per page parsed and per page indexed (chunked, embedded, stored, BM25 and
evidence vectors updated), plus the no-op re-add and re-index times.

The seed index is built first (not timed), so the add measures only the documents. Run it alone (hold
/tmp/llm.lock): `flock /tmp/llm.lock .venv/bin/python evals/bench/add_bench.py`."""

from __future__ import annotations

import argparse
import html
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
TOPICS = (
    "sparse expert routing",
    "quantised attention",
    "retrieval augmented generation",
    "graph neural networks",
    "diffusion models for audio",
    "continual learning",
    "theorem proving with language models",
    "federated optimisation",
    "neural rendering",
    "protein structure prediction",
)
WORDS = (
    "model training data loss gradient layer token attention memory accuracy benchmark baseline method result "
    "experiment network sample batch optimiser schedule parameter inference latency throughput error variance "
    "distribution representation embedding encoder decoder objective regularisation evaluation dataset"
).split()
FIRST = ("Jane", "Omar", "Li", "Maria", "Kenji", "Amara", "Lucas", "Priya", "Sven", "Chloé")
LAST = ("Doe", "Haddad", "Wei", "Rossi", "Tanaka", "Okafor", "Martin", "Nair", "Berg", "Dubois")


def paper(n: int) -> tuple[str, int]:
    """HTML of synthetic paper ``n`` (deterministic) and its page count (2 to 6 pages of about 300 words)."""
    rng = random.Random(n)
    topic = TOPICS[n % len(TOPICS)]
    title = f"Study {n + 1}: {topic.title()} at Small Scale"
    authors = [f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(rng.randint(2, 4))]
    pages = rng.randint(2, 6)
    body = [f"<h1>{html.escape(title)}</h1><p>{', '.join(authors[:-1])} and {authors[-1]}</p>"]
    for page in range(pages):
        paragraphs = []
        for _ in range(4):
            sentences = []
            for _ in range(5):
                words = [rng.choice(WORDS) for _ in range(rng.randint(8, 16))]
                sentences.append(f"The {topic} {' '.join(words)} reached {rng.randint(10, 99)}.{rng.randint(0, 9)}.")
            paragraphs.append(f"<p>{' '.join(sentences)}</p>")
        brk = '<div style="page-break-before: always"></div>' if page else ""
        body.append(f"{brk}<h2>Section {page + 1}</h2>{''.join(paragraphs)}")
    doc = f'<html><head><meta charset="utf-8"><title>{html.escape(title)}</title></head><body>{"".join(body)}</body>'
    return doc + "</html>", pages


def make_pdfs(folder: Path, count: int) -> int:
    """Print ``count`` papers to PDF (two chromium processes at a time); returns the total page count."""
    folder.mkdir(parents=True, exist_ok=True)

    def one(n: int) -> int:
        text, pages = paper(n)
        src = folder / f"paper_{n:02d}.html"
        src.write_text(text, encoding="utf-8")
        out = folder / f"paper_{n:02d}.pdf"
        profile = folder / f".profile-{n}"  # one profile per process: parallel chromiums never share a lock
        cmd = [CHROMIUM, f"--user-data-dir={profile}", "--headless", "--no-sandbox", "--disable-gpu"]
        cmd += ["--no-pdf-header-footer", f"--print-to-pdf={out}", src.as_uri()]
        subprocess.run(cmd, check=True, capture_output=True, timeout=180)
        shutil.rmtree(profile, ignore_errors=True)
        src.unlink()
        return pages

    with ThreadPoolExecutor(max_workers=2) as pool:
        return sum(pool.map(one, range(count)))


def assistant(*args: str) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Run the `assistant` command in a fresh process; wall seconds and the finished process."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "assistant.cli", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
        timeout=1800,
    )
    return time.perf_counter() - start, done


def main() -> None:
    """Print the figures, then one JSON object with them."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=20, help="number of PDFs")
    parser.add_argument("--seeds", default=str(REPO / "seeds"))
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        sys.exit(f"chromium not found at {CHROMIUM}: install it with scripts/install-browser.sh")
    sys.path.insert(0, str(REPO))
    from index.documents import parse_document
    from index.manifest import read_manifest

    with tempfile.TemporaryDirectory() as tmp:
        folder, data = Path(tmp) / "pdfs", Path(tmp) / "data"
        pages = make_pdfs(folder, args.count)
        common = ["--data-dir", str(data), "--seeds", args.seeds]
        _, built = assistant("index", "--quiet", *common)
        if built.returncode:
            sys.exit(f"seed index failed: {built.stderr.strip()}")
        chunks_before = len((read_manifest(data / "index") or {}).get("chunks", []))
        load_before = os.getloadavg()[0]
        start = time.perf_counter()
        parsed = [parse_document(p) for p in sorted(folder.glob("*.pdf"))]
        parse_s = time.perf_counter() - start
        add_wall, added = assistant("add", str(folder), "--json", *common)
        if added.returncode:
            sys.exit(f"assistant add failed ({added.returncode}): {added.stderr.strip()[-500:]}")
        report = json.loads(added.stdout)
        load_after = os.getloadavg()[0]
        chunks_added = len((read_manifest(data / "index") or {}).get("chunks", [])) - chunks_before
        statuses = [f["status"] for f in report["files"]]
        again_wall, again = assistant("add", str(folder), "--quiet", *common)
        noop_wall, noop = assistant("index", "--quiet", *common)
        progress_lines = assistant("add", str(folder), *common)[1].stdout.splitlines()
    in_add = float(report["seconds"])
    figures = {
        "pdfs": args.count,
        "pages": pages,
        "pages_parsed": sum(p.pages or 0 for p in parsed),
        "added": statuses.count("added"),
        "parse_s_per_page": parse_s / pages,
        "add_s_per_page": in_add / pages,
        "index_s_per_page": max(in_add - parse_s, 0.0) / pages,
        "chunks_added": chunks_added,
        "load_avg_1min": [round(load_before, 1), round(load_after, 1)],
        "add_wall_s": add_wall,
        "add_in_process_s": in_add,
        "readd_unchanged_wall_s": again_wall,
        "noop_index_wall_s": noop_wall,
    }
    print(f"{args.count} PDFs, {pages} pages; {figures['added']} added as {chunks_added} chunks")
    print(
        f"load average (1 min) before / after the add: {load_before:.1f} / {load_after:.1f} on {os.cpu_count()} cores"
    )
    print(f"parse (pypdf, reflow):       {figures['parse_s_per_page']:.3f} s/page")
    print(f"index (chunk, embed, store): {figures['index_s_per_page']:.3f} s/page")
    print(f"add, in process:             {in_add:.1f} s ({figures['add_s_per_page']:.3f} s/page)")
    print(f"`assistant add` wall:        {add_wall:.1f} s (process start, model load and seed check included)")
    print(f"re-add, all unchanged:       {again_wall:.1f} s wall ({again.stdout.strip().splitlines()[-1]})")
    print(f"no-op `assistant index`:     {noop_wall:.1f} s wall ({noop.stdout.strip().splitlines()[-1]})")
    print("progress lines of a re-add: " + " | ".join(progress_lines[:2]) + " …")
    print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in figures.items()}))


if __name__ == "__main__":
    main()

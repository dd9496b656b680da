"""Real test documents made at test time, and a tiny Assistant to add them to: PDFs printed by Debian chromium
from HTML (skipped, saying why, where
chromium is missing; `make test` installs it), and the small Markdown, text and BibTeX files the tests share."""

from __future__ import annotations

import html
import shutil
import subprocess
from pathlib import Path

import pytest

from assistant.api import Assistant
from assistant.llm import ScriptedChatModel
from assistant.settings import Settings
from index.embed import HashingEmbedder
from index.settings import IndexSettings
from tests.helpers import SEEDS

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PAGE_BREAK = '<div style="page-break-before: always"></div>'

PAPER_TITLE = "Sparse Mixture Routing for Tiny Models"
PAPER_AUTHORS = ["Jane Doe", "Stéphane Müller", "Ann Lee"]
# One distinctive fact per page, so a test can check which page a chunk or a quote came from.
PAPER_PAGES = [
    "We study how routing tokens between experts changes the accuracy of tiny language models. Our method, called "
    "Zephyr routing, keeps two experts per token and reaches 71.3 percent accuracy on the held-out benchmark. "
    "This paragraph goes on for a while so that it wraps over several lines of the printed page, which checks "
    "that the reader joins the lines back into whole sentences.",
    "The gating network of Zephyr routing converges after 1200 training steps on a single processor. "
    "The sparse model uses 40 percent less memory than the dense baseline.",
    "We conclude that Zephyr routing helps small models most when the vocabulary is large.",
]

BIBTEX = r"""
@inproceedings{mueller2021,
  title     = {{Zephyr} Routing Revisited: {S}parse Experts for {T}iny Models in Sch{\"o}ne Welt},
  author    = {M{\"u}ller, St{\'e}phane and Doe, Jane and {\O}stergaard, Bj{\o}rn},
  year      = {2021},
  booktitle = {Proceedings of the {W}orkshop on {E}fficient {NLP}},
  abstract  = {We revisit {Zephyr} routing and show that {\'e}l{\'e}gant gating halves the memory of tiny models.}
}

@article{lee2019,
  title   = "Quantised Attention on Microcontrollers",
  author  = "Ann Lee and Omar Haddad",
  journal = {Journal of Embedded {ML}},
  year    = 2019
}
"""


def require_chromium() -> str:
    """The chromium binary, or skip the test with the reason."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (make test installs it with scripts/install-browser.sh)")
    return CHROMIUM


def print_pdf(html_text: str, out: Path) -> Path:
    """Print an HTML page to PDF with headless chromium (a real PDF from a real tool)."""
    chromium = require_chromium()
    src = out.with_suffix(".html")
    src.write_text(html_text, encoding="utf-8")
    profile = out.with_name(f".{out.stem}-chromium-profile")  # its own profile: parallel runs never share a lock
    cmd = [
        chromium,
        f"--user-data-dir={profile}",
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--no-first-run",
        "--no-pdf-header-footer",
        f"--print-to-pdf={out}",
        src.resolve().as_uri(),
    ]
    try:
        subprocess.run(cmd, check=True, capture_output=True, timeout=120)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    if not out.exists() or out.stat().st_size == 0:
        raise RuntimeError(f"chromium wrote no PDF to {out}")
    src.unlink()
    return out


def paper_html(
    title: str = PAPER_TITLE,
    authors: list[str] = PAPER_AUTHORS,
    pages: list[str] = PAPER_PAGES,
    html_title: bool = True,
) -> str:
    """A paper: title and author line on page 1, then one page per text."""
    head = f"<title>{html.escape(title)}</title>" if html_title else ""
    body = [f"<h1>{html.escape(title)}</h1>", f"<p>{html.escape(', '.join(authors[:-1]))} and {authors[-1]}</p>"]
    for i, text in enumerate(pages):
        body.append((PAGE_BREAK if i else "") + f"<h2>Section {i + 1}</h2><p>{html.escape(text)}</p>")
    return f'<html><head><meta charset="utf-8">{head}</head><body>{"".join(body)}</body></html>'


SCAN_HTML = (
    '<html><head><meta charset="utf-8"></head><body>'
    '<div style="width:400px;height:500px;border:6px solid #333;background:#ccc"></div>'
    f'{PAGE_BREAK}<div style="width:300px;height:300px;border:6px solid #333"></div></body></html>'
)


def encrypt_copy(src: Path, out: Path, password: str = "secret") -> Path:
    """A password-protected copy of a PDF (pypdf, RC4: needs no extra crypto library)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(src))
    writer.encrypt(user_password=password, owner_password=password, algorithm="RC4-128")
    with out.open("wb") as fh:
        writer.write(fh)
    return out


def truncated_copy(src: Path, out: Path) -> Path:
    """The first half of a PDF's bytes, as a cut-off download leaves it."""
    data = src.read_bytes()
    out.write_bytes(data[: len(data) // 2])
    return out


def tiny_seeds(folder: Path) -> Path:
    """Two small seed files: the tutorials listing and the first few papers of the library."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "000_tutorials.txt").write_text((SEEDS / "000_fd45bc4d7915428a.txt").read_text("utf-8"), "utf-8")
    lines = (SEEDS / "001_0afc165511f16759.txt").read_text("utf-8").splitlines()
    (folder / "001_library.txt").write_text("\n".join([lines[0], "6 papers in library", *lines[2:14]]) + "\n", "utf-8")
    return folder


def make_assistant(root: Path, replies: object = ("I don't know.",), embedder: object = None, **retrieval: float):
    """An Assistant over the tiny seeds in a fresh data folder under ``root``."""
    settings = Settings(index=IndexSettings(data_dir=root / "data", seeds_dir=tiny_seeds(root / "seeds")))
    for key, value in retrieval.items():
        setattr(settings.retrieval, key, value)
    return Assistant(settings, chat_model=ScriptedChatModel(list(replies)), embedder=embedder or HashingEmbedder())

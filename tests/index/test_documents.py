"""Readers for the user's own documents: real PDFs printed by chromium, Markdown, text and BibTeX, and every kind
of bad input named clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.chunk import chunk_entries
from index.documents import DocumentError, parse_document
from index.documents.common import split_authors
from index.documents.pdf import reflow
from index.documents.registry import Registry, safe_name
from tests.helpers.documents import (
    BIBTEX,
    PAPER_AUTHORS,
    PAPER_PAGES,
    PAPER_TITLE,
    SCAN_HTML,
    encrypt_copy,
    paper_html,
    print_pdf,
    truncated_copy,
)


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A three-page paper, the same without an HTML title, a scan without text, and broken copies."""
    d = tmp_path_factory.mktemp("pdfs")
    paper = print_pdf(paper_html(), d / "paper.pdf")
    return {
        "paper": paper,
        "untitled": print_pdf(paper_html(html_title=False), d / "untitled.pdf"),
        "scan": print_pdf(SCAN_HTML, d / "scan.pdf"),
        "partial": print_pdf(SCAN_HTML.replace("<body>", "<body><h1>A Cover Page With Text</h1>"), d / "part.pdf"),
        "encrypted": encrypt_copy(paper, d / "locked.pdf"),
        "truncated": truncated_copy(paper, d / "cut.pdf"),
        "labelled": print_pdf(
            "<html><head><meta charset='utf-8'><title>Sparse Routing Notes</title></head><body>"
            "<h1>Sparse Routing Notes</h1><p>A working paper on expert routing</p>"
            "<p>Authors: Ann Lee, Bo Chen</p><p>Published: March 2021</p>"
            "<h2>Abstract</h2><p>Routing tokens to experts in 2019 and 2020 was costly.</p></body></html>",
            d / "labelled.pdf",
        ),
    }


def test_pdf_title_authors_and_pages(pdfs):
    parsed = parse_document(pdfs["paper"])
    assert parsed.format == "pdf" and parsed.pages == 3 and len(parsed.entries) == 1
    entry = parsed.entries[0]
    assert entry.title == PAPER_TITLE and entry.authors == PAPER_AUTHORS and entry.kind == "paper"
    assert len(entry.page_starts) == 3 and entry.page_starts[0] == 0
    # Every page's distinctive sentence is found on that page, whole (the wrapped lines were joined).
    for page, text in enumerate(PAPER_PAGES, start=1):
        first = text.split(". ")[0]
        assert first in entry.text, first
        assert entry.page_of(first) == page
    assert entry.page_of("a sentence that is not in the paper at all") is None


def test_pdf_authors_line_and_year_on_page_one_are_read(pdfs):
    # issue 29: a labelled "Authors:" line not right under the title, and the year at the head of page 1
    entry = parse_document(pdfs["labelled"]).entries[0]
    assert entry.title == "Sparse Routing Notes" and entry.authors == ["Ann Lee", "Bo Chen"] and entry.year == 2021
    assert parse_document(pdfs["paper"]).entries[0].year is None  # no year on the page: none is made up


def test_pdf_title_from_first_page_when_metadata_is_a_file_name(pdfs):
    entry = parse_document(pdfs["untitled"]).entries[0]
    assert entry.title == PAPER_TITLE  # chromium's metadata title here is "untitled.html"


def test_every_pdf_chunk_knows_its_page(pdfs):
    entry = parse_document(pdfs["paper"]).entries[0]
    chunks = chunk_entries([entry], 200, 30, "test-model")
    assert sorted({c.metadata["page"] for c in chunks}) == [1, 2, 3]
    for chunk in chunks:
        assert chunk.text in entry.text
        assert entry.page_at(entry.text.index(chunk.text)) == chunk.metadata["page"]
    page_two = [c for c in chunks if "1200 training steps" in c.text]
    assert [c.metadata["page"] for c in page_two] == [2]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("encrypted", "encrypted (password-protected)"),
        ("scan", "no text layer on any of its 2 page(s) (a scan?): OCR is not supported"),
        ("truncated", "truncated or damaged"),
    ],
)
def test_bad_pdfs_are_named_with_the_reason(pdfs, name, expected):
    with pytest.raises(DocumentError) as err:
        parse_document(pdfs[name])
    assert str(err.value).startswith(f"{pdfs[name].name}: ") and expected in str(err.value)


def test_corrupt_pdf_and_other_types_named_pdf(tmp_path):
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n")
    with pytest.raises(DocumentError, match=r"^junk\.pdf: PDF is corrupt"):
        parse_document(junk)
    fake = tmp_path / "notes.pdf"
    fake.write_text("just some text, not a PDF", encoding="utf-8")
    with pytest.raises(DocumentError, match=r"^notes\.pdf: not a PDF file"):
        parse_document(fake)


@pytest.mark.parametrize("suffix", [".pdf", ".md", ".txt", ".bib"])
def test_empty_files_are_refused(tmp_path, suffix):
    path = tmp_path / f"empty{suffix}"
    path.write_bytes(b"" if suffix != ".md" else b"  \n\n")
    with pytest.raises(DocumentError, match=rf"^empty\{suffix}: file is empty"):
        parse_document(path)


def test_unsupported_type_and_bad_text_are_named(tmp_path):
    doc = tmp_path / "report.docx"
    doc.write_bytes(b"PK\x03\x04")
    with pytest.raises(DocumentError, match=r"^report\.docx: unsupported file type '\.docx'"):
        parse_document(doc)
    latin = tmp_path / "latin.md"
    latin.write_bytes("# Caf\xe9 notes\n".encode("latin-1"))
    with pytest.raises(DocumentError, match=r"^latin\.md: not UTF-8 text \(line 1"):
        parse_document(latin)
    binary = tmp_path / "blob.txt"
    binary.write_bytes(b"abc\x00def")
    with pytest.raises(DocumentError, match="binary"):
        parse_document(binary)


def test_markdown_title_from_first_heading_and_wrapped_lines_joined(tmp_path):
    note = tmp_path / "note.md"
    note.write_text(
        "Some preface line.\n\n# Learned Index Structures for Notes\n\n**Authors:** Maria Rossi and Li Wei\n\n"
        "Learned indexes replace B-trees with small models\nthat predict positions. They are fast.\n\n"
        "## Results\n- lookups are 2x faster\n- memory is smaller\n",
        encoding="utf-8",
    )
    entry = parse_document(note).entries[0]
    assert entry.title == "Learned Index Structures for Notes" and entry.authors == ["Maria Rossi", "Li Wei"]
    assert "Learned indexes replace B-trees with small models that predict positions." in entry.text
    assert "\nResults\n- lookups are 2x faster\n- memory is smaller" in entry.text
    assert "#" not in entry.text and entry.page_starts == [] and entry.line == 3


def test_front_matter_and_plain_text(tmp_path):
    note = tmp_path / "fm.md"
    note.write_text('---\ntitle: "Notes on Routing"\nauthor: Jane Doe\nyear: 2024\n---\nBody text.\n', "utf-8")
    entry = parse_document(note).entries[0]
    assert (entry.title, entry.authors, entry.year) == ("Notes on Routing", ["Jane Doe"], 2024)
    plain = tmp_path / "plain.txt"
    plain.write_text("\n\nA Plain Title Line\nwrapped body text\ncontinues here.\n", encoding="utf-8")
    parsed = parse_document(plain)
    assert parsed.format == "text" and parsed.entries[0].title == "A Plain Title Line"
    assert "wrapped body text continues here." in parsed.entries[0].text


def test_bibtex_records_with_accents_and_braces(tmp_path):
    bib = tmp_path / "refs.bib"
    bib.write_text(BIBTEX, encoding="utf-8")
    parsed = parse_document(bib)
    assert parsed.format == "bibtex" and len(parsed.entries) == 2 and parsed.warnings == []
    first, second = parsed.entries
    assert first.title == "Zephyr Routing Revisited: Sparse Experts for Tiny Models in Schöne Welt"
    assert first.authors == ["Stéphane Müller", "Jane Doe", "Bjørn Østergaard"]
    assert (first.year, first.venue) == (2021, "Proceedings of the Workshop on Efficient NLP")
    assert first.text == "We revisit Zephyr routing and show that élégant gating halves the memory of tiny models."
    assert first.line == 2 and "{" not in first.metadata_line()
    assert (second.title, second.authors, second.year) == (
        "Quantised Attention on Microcontrollers",
        ["Ann Lee", "Omar Haddad"],
        2019,
    )
    assert second.venue == "Journal of Embedded ML" and second.text == ""


def test_bibtex_bad_records_reported_good_ones_kept(tmp_path):
    bib = tmp_path / "mixed.bib"
    bib.write_text(BIBTEX + "\n@misc{notitle, year = 2020}\n@article{broken,\n title = {Unclosed\n", "utf-8")
    parsed = parse_document(bib)
    assert len(parsed.entries) == 2
    assert any("'notitle'" in w and "no title" in w for w in parsed.warnings)
    assert any("could not be parsed" in w for w in parsed.warnings)
    none = tmp_path / "none.bib"
    none.write_text("this file has no records at all\n", encoding="utf-8")
    with pytest.raises(DocumentError, match=r"^none\.bib: no BibTeX records"):
        parse_document(none)


def test_reflow_joins_wrapped_lines_and_keeps_headings():
    text = "A Heading\n" + "word " * 18 + "recog-\nnition of " + "long " * 16 + "lines\nends here.\nShort line"
    lines = reflow(text).split("\n")
    assert lines[0] == "A Heading"
    assert lines[1].endswith("long lines ends here.") and " recognition of long " in lines[1]
    assert lines[2] == "Short line"
    assert len(lines) == 3


def test_author_lines():
    assert split_authors("Jane Doe¹, John Smith* and Ann Lee") == ["Jane Doe", "John Smith", "Ann Lee"]
    assert split_authors("We study routing, and gating.") == []


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\evil.pdf", "evil.pdf"),
        (".hidden.pdf", "hidden.pdf"),
        ("a b;rm -rf *.PDF", "a-b-rm-rf.pdf"),
        ("résumé\nnew-line.md", "resume-new-line.md"),
        ("....", "document"),
        ("x" * 300 + ".bib", "x" * 76 + ".bib"),
    ],
)
def test_stored_names_are_only_names(name, expected):
    assert safe_name(name) == expected


def test_stored_copies_stay_inside_the_documents_folder(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    tricky = src / "..evil name;$(rm).md"
    tricky.write_text("# A Tricky Note\nbody\n", encoding="utf-8")
    other = tmp_path / "other" / "..evil name;$(rm).md"
    other.parent.mkdir()
    other.write_text("# Another Tricky Note\nbody\n", encoding="utf-8")
    folder = tmp_path / "data" / "documents"
    registry = Registry.open(folder)
    first = registry.store(tricky, parse_document(tricky), "a" * 64, replacing=None)
    second = registry.store(other, parse_document(other), "b" * 64, replacing=None)
    assert (first.stored_name, second.stored_name) == ("evil-name-rm.md", "evil-name-rm-2.md")
    stored = sorted(p.name for p in (folder / "files").iterdir())
    assert stored == ["evil-name-rm-2.md", "evil-name-rm.md"]
    assert Registry.open(folder).entries()[0].sources[0].file == "evil-name-rm.md"


def test_document_suffix_setting_is_checked():
    from pydantic import ValidationError

    from index.settings import IndexSettings

    assert IndexSettings(document_suffixes=["PDF", ".Bib"]).document_suffixes == [".pdf", ".bib"]
    with pytest.raises(ValidationError, match=r"cannot read \.docx files; supported: \.bib, \.markdown"):
        IndexSettings(document_suffixes=[".pdf", "docx"])


def test_page_of_tolerates_whitespace_and_unset_fields_leave_hashes_alone():
    from index.entries import Entry

    text = "Page one text.\n\nThe second page says\nsomething wrapped. More here.\n\nThird."
    entry = Entry(id="paper-x", kind="paper", title="X", text=text, page_starts=[0, 16, text.index("Third")])
    assert entry.page_of("The second page says something wrapped.") == 2
    assert entry.page_of("Third.") == 3 and entry.page_of("Page one") == 1 and entry.page_of("Nowhere") is None
    plain = Entry(id="paper-y", kind="paper", title="Y", text="t")
    assert plain.page_of("t") is None
    with_authors = plain.model_copy(update={"authors": ["Jane Doe"], "year": 2020})
    assert with_authors.content_hash() != plain.content_hash()
    assert with_authors.model_copy(update={"authors": [], "year": None}).content_hash() == plain.content_hash()


def test_pages_without_a_text_layer_are_reported(pdfs):
    parsed = parse_document(pdfs["partial"])
    assert parsed.pages == 2 and parsed.entries[0].title == "A Cover Page With Text"
    assert parsed.warnings == ["1 of 2 pages have no text layer (page 2; OCR is not supported)"]


class _Meta:
    """A stand-in for pypdf's reader: only the metadata the title logic reads."""

    def __init__(self, metadata: dict[str, str]) -> None:
        self.metadata = metadata


@pytest.mark.parametrize(
    ("meta", "first_page", "expected"),
    [
        (
            {},
            "arXiv:2101.00001v1 [cs.LG] 1 Jan 2021\nAttention Is All You Need\nAnn Lee and Omar Haddad\nAbstract",
            (
                "Attention Is All You Need",
                ["Ann Lee", "Omar Haddad"],
            ),
        ),
        ({"/Title": "Short Meta Title"}, "Attention Is All You Need\nBody text.", ("Short Meta Title", [])),
        (
            {"/Title": "draft.pdf", "/Author": "Maria Rossi; Li Wei"},
            "Preprint\n1\nReal Title Here\nx",
            (
                "Real Title Here",
                ["Maria Rossi", "Li Wei"],
            ),
        ),
        ({}, "12345\n\n", ("fallback name", [])),
    ],
)
def test_pdf_title_and_author_heuristics(meta, first_page, expected):
    from index.documents.pdf import _title_and_authors

    assert _title_and_authors(_Meta(meta), [first_page], "fallback name") == expected

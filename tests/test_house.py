"""House rules a newcomer can rely on, checked with the project's own tools: small modules, imports that run one
way, a short README, and documentation links that lead somewhere."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("assistant", "index", "evals")
MAX_LINES = 450
README_MAX_LINES = 250

ANSWERING_MODULES: frozenset[str] = frozenset()
"""Modules the circle check leaves out (none: every module of the tree is checked)."""


def _python_files(*folders: str) -> Iterator[Path]:
    for folder in folders:
        yield from sorted((REPO / folder).rglob("*.py"))


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in _python_files(*PACKAGES)}


def _imported(module: str, path: Path, known: set[str]) -> set[str]:
    """The project modules ``module`` imports anywhere in its body (module level, in functions, under
    TYPE_CHECKING): for ``from a import b``, ``a.b`` when that is a module, else ``a``."""

    def resolve(name: str) -> str | None:
        while name and name not in known:
            name = name.rpartition(".")[0]
        return name or None

    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
                package = package[: len(package) - node.level + 1]
                base = ".".join([*package, base] if base else package)
            names = [f"{base}.{alias.name}" for alias in node.names]
        for name in names:
            target = resolve(name)
            if target and target != module:
                found.add(target)
    return found


def import_circles(exclude: frozenset[str] = frozenset()) -> list[list[str]]:
    """Every group of project modules that import each other, directly or through others (strongly connected
    components of the import graph with more than one module), leaving out ``exclude``."""
    every = _modules()
    modules = {name: path for name, path in every.items() if name not in exclude}
    graph = {name: _imported(name, path, set(every)) - exclude for name, path in modules.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's algorithm; the graph is small enough for recursion
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in graph[node]:
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                circles.append(sorted(group))

    for name in sorted(graph):
        if name not in index:
            visit(name)
    return circles


def test_no_python_file_is_over_the_line_limit() -> None:
    long = {
        str(p.relative_to(REPO)): n
        for p in _python_files(*PACKAGES, "tests")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}, f"over {MAX_LINES} lines: {long}"


def test_imports_run_one_way() -> None:
    assert import_circles(exclude=ANSWERING_MODULES) == []


def test_the_circle_check_finds_a_circle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, body in {
        "a": "from pkg import b\n",
        "b": "def f():\n    from pkg.a import g\n",
        "c": "import pkg.a\n",
    }.items():
        (tmp_path / "pkg").mkdir(exist_ok=True)
        (tmp_path / "pkg" / f"{name}.py").write_text(body, encoding="utf-8")
    monkeypatch.setattr(f"{__name__}.REPO", tmp_path)
    monkeypatch.setattr(f"{__name__}.PACKAGES", ("pkg",))
    assert import_circles() == [["pkg.a", "pkg.b"]]


def test_readme_is_short() -> None:
    lines = len((REPO / "README.md").read_text(encoding="utf-8").splitlines())
    assert lines <= README_MAX_LINES, f"README.md has {lines} lines; move detail to docs/"


_LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)|<img [^>]*src=\"([^\"]+)\"")
_FENCE = re.compile(r"```.*?```", re.S)
_CODE = re.compile(r"```.*?```|`[^`\n]*`", re.S)


def heading_anchors(markdown: str) -> set[str]:
    """The anchors GitHub gives a page's headings (lower case, punctuation dropped, spaces as hyphens)."""
    anchors = set()
    for line in _FENCE.sub("", markdown).replace("`", "").splitlines():
        if match := re.match(r"#{1,6}\s+(.*?)\s*#*\s*$", line):
            anchors.add(re.sub(r"[^\w\- ]", "", match.group(1).lower()).replace(" ", "-"))
    return anchors


def broken_links(page: Path) -> list[str]:
    """Relative links of ``page`` that lead to no file, or to no heading of the file they name."""
    text = page.read_text(encoding="utf-8")
    broken = []
    for match in _LINK.finditer(_CODE.sub("", text)):
        target = match.group(1) or match.group(2)
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
            continue
        file_part, _, anchor = target.partition("#")
        dest = (page.parent / file_part).resolve() if file_part else page
        if not dest.exists() or (
            anchor and dest.suffix == ".md" and anchor not in heading_anchors(dest.read_text(encoding="utf-8"))
        ):
            broken.append(target)
    return broken


def test_heading_anchors_follow_github() -> None:
    assert heading_anchors("# Your own documents\n## Faithfulness in `eval answers|all`\n```\n# not one\n```") == {
        "your-own-documents",
        "faithfulness-in-eval-answersall",
    }


@pytest.mark.parametrize("page", [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))], ids=lambda p: p.name)
def test_every_relative_link_resolves(page: Path) -> None:
    assert broken_links(page) == []


def test_the_judges_table_is_generated_from_the_results_file() -> None:
    from evals.judges.measured import main

    assert main(["--check"]) == 0

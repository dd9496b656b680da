"""Command line for the user's own documents: ``assistant add PATH...``, ``assistant remove ENTRY_ID|PATH`` and
``assistant documents``. Wired into assistant/cli.py; errors print one line there."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from assistant.cli_args import assistant_from_args, settings_from_args
from assistant.terminal import one_line

EXIT_FAILED = 1


def _assistant(args: argparse.Namespace) -> Any:
    return assistant_from_args(args)


def cmd_add(args: argparse.Namespace) -> int:
    """Add files or folders; one line per file as it is read, a summary at the end; exit 1 if any file failed."""
    assistant = _assistant(args)

    def progress(done: int, total: int, message: str) -> None:
        if not args.quiet and not args.json:
            print(f"[{done}/{total}] {one_line(message)}", flush=True)

    report = assistant.add_documents(args.paths, progress=progress)
    if args.json:
        print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        for outcome in report.files:
            if outcome.status == "failed":
                print(f"failed: {one_line(outcome.message)}", file=sys.stderr)
        print(report.summary())
    return EXIT_FAILED if report.failed else 0


def cmd_remove(args: argparse.Namespace) -> int:
    """Remove one added document and its chunks from the index."""
    outcome = _assistant(args).remove_document(args.ref)
    if args.json:
        print(json.dumps(outcome.to_dict(), indent=2, ensure_ascii=False))
    elif outcome.status == "failed":
        print(f"error: {outcome.message}", file=sys.stderr)
    else:
        print(outcome.message)
    return EXIT_FAILED if outcome.status == "failed" else 0


def cmd_documents(args: argparse.Namespace) -> int:
    """List the added documents (no index needed)."""
    from assistant.errors import AssistantError
    from assistant.library import list_documents
    from index.documents.registry import RegistryError

    try:
        docs = list_documents(settings_from_args(args).index)
    except RegistryError as exc:
        raise AssistantError(str(exc)) from None
    if args.json:
        print(json.dumps([d.to_dict() for d in docs], indent=2, ensure_ascii=False))
        return 0
    if not docs:
        print("no documents added yet; add some with `assistant add PATH...`")
    for d in docs:
        pages = f"{d.pages} p." if d.pages else f"{len(d.entry_ids)} entr{'y' if len(d.entry_ids) == 1 else 'ies'}"
        print(f"{d.format:8} {d.title[:70]:70} {pages:>10}  {d.source}  {d.entry_id}  {d.added_at}")
    return 0


def add_document_commands(sub: Any, add_common: Callable[[argparse.ArgumentParser], None]) -> None:
    """Register the add / remove / documents sub-commands on the main parser's subparsers."""
    p = sub.add_parser("add", help="add your own PDFs, Markdown, text or BibTeX files (or folders) to the index")
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or folders (searched recursively)")
    add_common(p)
    p.add_argument("--json", action="store_true", help="print the per-file report as JSON")
    p.add_argument("--quiet", action="store_true", help="no per-file progress lines")
    p.set_defaults(func=cmd_add)

    p = sub.add_parser("remove", help="remove an added document (and its chunks) from the index")
    p.add_argument("ref", metavar="ENTRY_ID|PATH", help="entry id, original path or stored file name")
    add_common(p)
    p.add_argument("--json", action="store_true", help="print the outcome as JSON")
    p.set_defaults(func=cmd_remove)

    p = sub.add_parser("documents", help="list the documents you added")
    add_common(p)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_documents)

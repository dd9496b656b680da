"""Command line: ``assistant index | entries | ask | retrieve | chat | serve | mcp | eval``. Errors print one clear line
and exit non-zero; no tracebacks."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import index  # noqa: F401  (offline defaults first)
from assistant.cli_args import assistant_from_args, settings_from_args
from assistant.errors import AssistantError
from assistant.terminal import printable_terminal
from index.collector import skip_collection_at_exit
from index.parsers import SeedError

EXIT_USAGE, EXIT_ERROR = 2, 1
MCP_PORT = 7861  # beside the web UI's 7860


_settings = settings_from_args


def _assistant(args: argparse.Namespace) -> Any:
    return assistant_from_args(args)


def cmd_index(args: argparse.Namespace) -> int:
    """Build or update the index."""
    from assistant.evidence import vectors_path, warm_index_evidence
    from assistant.evidence_store import VectorFiles
    from index.build import build_index
    from index.embed import SentenceTransformerEmbedder
    from index.embed_worker import BackgroundEmbedder
    from index.store import ChromaChunkStore

    s = _settings(args).index
    store = ChromaChunkStore(s)
    # A one-shot run: the model loads in a child process while the build does its other work (index.embed_worker).
    with BackgroundEmbedder(SentenceTransformerEmbedder.from_settings(s)) as embedder:
        report = build_index(s, embedder, store, show_progress=not args.quiet, rebuild=args.rebuild)
        for w in report.warnings:
            print(f"warning: {w}", file=sys.stderr)
        if not report.noop or not VectorFiles(vectors_path(s.data_dir, embedder.model_id)).exists():
            warm_index_evidence(s.data_dir, s.index_dir, embedder, report.records)
    print(report.summary())
    return 0


def cmd_entries(args: argparse.Namespace) -> int:
    """List parsed entries (from the seeds, no index needed)."""
    from index.corpus import load_corpus

    corpus = load_corpus(_settings(args).index.seeds_dir, strict=True)
    for w in corpus.warnings:
        print(f"warning: {w}", file=sys.stderr)
    if args.stats:
        stats = corpus.stats()
        if args.json:
            print(json.dumps(stats, indent=2, ensure_ascii=False))
        else:
            print(f"entries: {stats['entries']}")
            for name in ("per_kind", "per_file"):
                print(f"{name.replace('_', ' ')}:")
                for key, value in stats[name].items():  # type: ignore[attr-defined]
                    print(f"  {key}: {value}")
        return 0
    entries = [
        e
        for e in corpus.entries
        if (not args.kind or e.kind == args.kind) and (not args.source or args.source in {s.file for s in e.sources})
    ]
    if args.json:
        print(json.dumps([e.model_dump(mode="json") for e in entries], indent=2, ensure_ascii=False))
    else:
        for e in entries:
            people = ", ".join(e.people)
            when = " ".join(x for x in (e.day, e.time) if x) or (e.date or "")
            print(f"{e.kind:8} {e.title[:80]:80} {people[:40]:40} {when} [{e.source}:{e.line}]")
    return 0


def cmd_retrieve(args: argparse.Namespace) -> int:
    """Show ranked passages."""
    passages = _assistant(args).retrieve(
        args.question, k=args.k, kind=args.kind, source=args.source, speaker=args.speaker, day=args.day, mode=args.mode
    )
    if args.json:
        print(json.dumps([p.to_dict() for p in passages], indent=2, ensure_ascii=False))
    else:
        for i, p in enumerate(passages, 1):
            print(f"{i:2}. [{p.kind}] {p.title}  ({p.source}, score {p.score:.4f})")
            print(f"    {p.text[:200].replace(chr(10), ' ')}")
    return 0


def _print_answer_stream(events: Any, as_json: bool) -> Any:
    answer = None
    for event in events:
        if event.kind == "text" and not as_json:
            print(event.text, end="", flush=True)
        elif event.kind == "final":
            answer = event.answer
    if as_json:
        print(json.dumps(answer.to_dict(), indent=2, ensure_ascii=False))
    else:
        print()
        for c in answer.citations:
            people = c.speaker or ", ".join(c.presenters)
            extra = " · ".join(
                x
                for x in (people, " ".join(y for y in (c.day, c.time) if y), c.date if c.kind == "paper" else None)
                if x
            )
            where = f"{c.source}, page {c.page}" if c.page else f"{c.source}:{c.line}"
            print(f"  [{c.marker}] {c.title} ({c.kind}{'; ' + extra if extra else ''}) — {where}")
        print(f"  ({answer.seconds:.1f} s)", file=sys.stderr)
    return answer


def cmd_ask(args: argparse.Namespace) -> int:
    """Answer one question, streaming."""
    if args.show_prompt:
        logging.basicConfig(level=logging.INFO, format="%(message)s")
    a = _assistant(args)
    _print_answer_stream(
        a.ask_stream(args.question, k=args.k, kind=args.kind, source=args.source, speaker=args.speaker, day=args.day),
        args.json,
    )
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    """Interactive multi-turn chat in the terminal."""
    a = _assistant(args)
    print(f"{len(a.entries)} entries indexed. Ask a question (empty line or Ctrl-D to quit).")
    history: list[dict[str, str]] = []
    while True:
        try:
            question = input("\n> ").strip()
        except EOFError:
            break
        if not question:
            break
        try:
            answer = _print_answer_stream(a.chat_stream(history, question), False)
        except AssistantError as exc:
            print(f"error: {exc}")
            continue
        history += [{"role": "user", "content": question}, {"role": "assistant", "content": answer.text}]
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Start the Gradio app."""
    from assistant.ui import serve

    settings = _settings(args)
    if args.host:
        settings.ui.host = args.host
    if args.port is not None:
        settings.ui.port = args.port
    if args.allow_public:
        settings.ui.allow_public = True
    serve(settings)
    return 0


def cmd_mcp(args: argparse.Namespace) -> int:
    """Run the MCP server (stdio, or streamable HTTP with --http)."""
    from assistant.mcp_server import serve_mcp

    settings = _settings(args)
    if args.http:
        settings.ui.host = args.host or settings.ui.host
        settings.ui.port = args.port if args.port is not None else MCP_PORT
        settings.ui.allow_public = settings.ui.allow_public or args.allow_public
    elif args.host or args.port is not None or args.allow_public:
        raise AssistantError("--host, --port and --allow-public go with --http (stdio has no address)")
    serve_mcp(settings, http=args.http)
    return 0


def cmd_feedback(args: argparse.Namespace) -> int:
    """Turn the web UI's answer votes into gold questions (evals/gold.py format)."""
    from assistant.feedback import export_gold, feedback_path

    source = feedback_path(_settings(args).index.data_dir)
    written, review, review_path = export_gold(source, Path(args.out))
    print(f"{written} gold question(s) written to {args.out}")
    if review_path is not None:
        print(f"{review} thumbs-down answer(s) to review (right entries unknown yet): {review_path}")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    """Run the evaluation suite."""
    from evals.cli import run_from_cli

    return run_from_cli(args, _settings(args))


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data-dir", help="index and model folder (env ASSISTANT_INDEX__DATA_DIR)")
    p.add_argument("--seeds", help="seed files folder (env ASSISTANT_INDEX__SEEDS_DIR; default ./seeds)")


def _add_filters(p: argparse.ArgumentParser) -> None:
    p.add_argument("--k", type=int, default=None, help="number of passages")
    p.add_argument("--kind", choices=["paper", "talk", "tutorial"], help="only this kind of entry")
    p.add_argument("--source", help="only entries from this seed file name")
    p.add_argument("--speaker", help="only entries by this speaker or presenter")
    p.add_argument("--day", help="only talks on this day (e.g. Wednesday)")
    p.add_argument("--json", action="store_true", help="print JSON")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and --help)."""
    parser = argparse.ArgumentParser(
        prog="assistant",
        description="Offline research assistant over ML papers, talks and tutorials, with "
        "verified citations. Settings come from ASSISTANT_* environment variables.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("index", help="build or update the index (incremental)")
    _add_common(p)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--rebuild", action="store_true", help="discard the index and build it again from the seeds")
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("entries", help="list the parsed entries")
    _add_common(p)
    p.add_argument("--kind", choices=["paper", "talk", "tutorial"])
    p.add_argument("--source", help="seed file name")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--stats", action="store_true", help="counts per kind and per file")
    p.set_defaults(func=cmd_entries)

    p = sub.add_parser("ask", help="answer a question with citations (streams)")
    p.add_argument("question")
    _add_common(p)
    _add_filters(p)
    p.add_argument("--backend", choices=["embedded", "openai", "fake"], help="chat model backend")
    p.add_argument("--show-prompt", action="store_true", help="log the rendered prompt")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("retrieve", help="show the passages retrieval finds")
    p.add_argument("question")
    _add_common(p)
    _add_filters(p)
    p.add_argument("--mode", choices=["hybrid", "bm25", "dense"], default=None)
    p.set_defaults(func=cmd_retrieve, k=10)

    p = sub.add_parser("chat", help="interactive multi-turn chat in the terminal")
    _add_common(p)
    p.add_argument("--backend", choices=["embedded", "openai", "fake"])
    p.set_defaults(func=cmd_chat)

    p = sub.add_parser("serve", help="start the web UI (Gradio)")
    _add_common(p)
    p.add_argument("--host", help="bind address (default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default 7860)")
    p.add_argument("--backend", choices=["embedded", "openai", "fake"])
    p.add_argument("--allow-public", action="store_true", help="allow a non-loopback --host without a login")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("mcp", help="run the MCP server for AI agents (stdio; --http for streamable HTTP)")
    _add_common(p)
    p.add_argument("--http", action="store_true", help="serve streamable HTTP at /mcp instead of stdio")
    p.add_argument("--host", help="bind address with --http (default 127.0.0.1)")
    p.add_argument("--port", type=int, help=f"port with --http (default {MCP_PORT})")
    p.add_argument("--backend", choices=["embedded", "openai", "fake"])
    p.add_argument("--allow-public", action="store_true", help="allow a non-loopback --host without a login")
    p.set_defaults(func=cmd_mcp)

    p = sub.add_parser("feedback", help="web UI answer votes: export them as gold questions")
    p.add_argument("action", choices=["export"])
    p.add_argument("--out", required=True, help="gold JSONL file to write (evals/gold.py format)")
    _add_common(p)
    p.set_defaults(func=cmd_feedback)

    from assistant.cli_documents import add_document_commands

    add_document_commands(sub, _add_common)

    p = sub.add_parser("eval", help="evaluate retrieval and answers on a gold set")
    _add_common(p)
    try:
        from evals.cli import add_eval_arguments

        add_eval_arguments(p)
    except ImportError:  # evals not installed
        pass
    p.set_defaults(func=cmd_eval)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `assistant` command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "k", None) is not None and args.k < 1:
        parser.error("--k must be at least 1")
    func: Callable[[argparse.Namespace], int] = args.func
    skip_collection_at_exit()  # a one-shot command: the objects it made go with the process
    with printable_terminal():  # titles and passages come from files anyone wrote: no escape reaches a terminal
        return _run(func, args)


def _run(func: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    """Run one command; errors become one line on stderr and an exit status."""
    try:
        return func(args)
    except (AssistantError, SeedError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # last resort: one line, not a traceback
        from assistant.llm.base import LLMError
        from index.store import StoreError

        if isinstance(exc, LLMError | StoreError):
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_ERROR
        print(f"error: unexpected {type(exc).__name__}: {exc} (set ASSISTANT_DEBUG=1 for details)", file=sys.stderr)
        if __import__("os").environ.get("ASSISTANT_DEBUG"):
            raise
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())

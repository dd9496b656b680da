"""The evaluation runner end to end on a tiny gold file, over the hashing index with a scripted chat model."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from assistant.api import Assistant
from assistant.cli import main
from assistant.llm import ScriptedChatModel
from evals.errors import EvalError
from evals.gold import GoldFileError
from evals.markers import strip_markers
from evals.ragas_metrics import LLM_METRICS, JudgeResult
from evals.ragas_summary import judge_summary
from evals.report import compare_headlines
from evals.runner import EvalOptions, run_eval
from evals.scoring import MODES, score_ranking
from evals.store import config_differences

GOLD: list[dict[str, Any]] = [
    {
        "id": "t1",
        "question": "Which paper casts natural selection as a denoising process and concludes that "
        "diffusion models are evolutionary algorithms?",
        "kind": "content",
        "gold_titles": ["Diffusion Models are Evolutionary Algorithms"],
        "reference": "Diffusion Models are Evolutionary Algorithms.",
        "keywords": ["evolution"],
    },
    {
        "id": "t2",
        "question": "Is there a tutorial on machine-checkable proofs with Lean? Which library does it use?",
        "kind": "content",
        "gold_titles": ["Proving Theorems with Lean and Machine Learning"],
        "reference": "Yes, it introduces Lean and Mathlib.",
        "keywords": ["Mathlib"],
    },
    {
        "id": "t3",
        "question": "Can transformers learn long jumps of the Collatz sequence?",
        "kind": "content",
        "gold_titles": ["Transformers know more than they can tell -- Learning the Collatz sequence"],
        "reference": "Yes, transformers learn long Collatz steps.",
        "keywords": ["Collatz"],
    },
    {
        "id": "t4",
        "question": "Who is speaking on 'Speeding up gradient flows on probability measure space'?",
        "kind": "speaker",
        "gold_titles": ["Speeding up gradient flows on probability measure space"],
        "reference": "Qin Li.",
        "keywords": ["Qin"],
    },
    {
        "id": "t5",
        "question": "What did the keynote say about quantum gravity on Mars?",
        "kind": "unanswerable",
        "gold_titles": [],
    },
]


def write_gold(path: Path, rows: Sequence[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def echo_first_source(messages: list[dict[str, str]]) -> str:
    """Reply with the first text line of source [1] (so it verifies), or decline for the unanswerable question."""
    user = messages[-1]["content"]
    if "quantum gravity" in user:
        return "I don't know."
    lines = user.split("[1]", 1)[1].splitlines()
    text = next((line.strip() for line in lines[1:] if line.strip()), "")
    return text or "I don't know."


@pytest.fixture
def gold_file(tmp_path: Path) -> Path:
    return write_gold(tmp_path / "gold.jsonl", GOLD)


@pytest.fixture
def make_assistant(fake_assistant: Callable[..., Assistant]) -> Callable[..., Assistant]:
    def make(**retrieval: object) -> Assistant:
        return fake_assistant(ScriptedChatModel(echo_first_source), min_relevance=0.0, **retrieval)

    return make


def model_calls(assistant: Assistant) -> int:
    model = assistant.chat_model
    assert isinstance(model, ScriptedChatModel)
    return len(model.calls)


def jsonl_lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def test_retrieval_and_answers_reports(
    make_assistant: Callable[..., Assistant], gold_file: Path, tmp_path: Path
) -> None:
    assistant = make_assistant()
    result = run_eval(assistant, gold_file, "all", tmp_path / "runs", EvalOptions(judge="none"))
    run_dir = result.run_dir
    assert run_dir.parent == tmp_path / "runs"
    for name in (
        "config.json",
        "retrieval.jsonl",
        "answers.jsonl",
        "report.json",
        "report.md",
        "retrieval_per_kind.png",
        "answer_latency.png",
    ):
        assert (run_dir / name).is_file(), name

    report = json.loads((run_dir / "report.json").read_text(encoding="utf-8"))
    assert report["machine"]["cpu_count"] >= 1 and report["machine"]["platform"]
    assert report["run"]["wall_seconds"] > 0
    modes = report["retrieval"]["modes"]
    assert set(modes) == set(MODES)
    for summary in modes.values():
        assert summary["n"] == 4  # answerable questions only
        for name, value in summary["overall"].items():
            assert 0.0 <= value["mean"] <= 1.0, name
        assert set(summary["per_kind"]) == {"content", "speaker"}
        assert summary["latency"]["n"] == 5 and summary["latency"]["p95"] >= summary["latency"]["p50"] >= 0

    answers = report["answers"]["overall"]
    assert answers["n"] == 5 and answers["n_unanswerable"] == 1 and answers["n_answerable"] == 4
    assert answers["correct_abstentions"] == 1 and answers["abstention_accuracy"] == 1.0
    assert 0.0 <= answers["false_abstention_rate"] <= 1.0
    assert answers["latency_p50"] is not None
    assert report["answers"]["ragas"]["judge"] == "none" and report["answers"]["ragas"]["judged"] == 0
    assert report["answers"]["ragas"]["non_llm_answers"] == 5
    records = [json.loads(x) for x in (run_dir / "answers.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sorted(r["id"] for r in records) == ["t1", "t2", "t3", "t4", "t5"]
    assert all({"text", "abstained", "cited_ids", "route", "seconds", "first_token_seconds"} <= set(r) for r in records)

    markdown = result.markdown_path.read_text(encoding="utf-8")
    for heading in ("### bm25", "### dense", "### hybrid", "## Answers", "**overall**", "## Comparison"):
        assert heading in markdown


def test_resume_recomputes_nothing(make_assistant: Callable[..., Assistant], gold_file: Path, tmp_path: Path) -> None:
    first = make_assistant()
    result = run_eval(first, gold_file, "all", tmp_path / "runs", EvalOptions(judge="none", plots=False))
    assert model_calls(first) >= 1 and result.asked == 5
    sizes = {n: jsonl_lines(result.run_dir / n) for n in ("retrieval.jsonl", "answers.jsonl")}

    second = make_assistant()
    resumed = run_eval(
        second, gold_file, "all", tmp_path / "runs", EvalOptions(judge="none", plots=False, resume=result.run_dir)
    )
    assert resumed.run_dir == result.run_dir
    assert model_calls(second) == 0 and resumed.asked == 0
    assert {n: jsonl_lines(result.run_dir / n) for n in sizes} == sizes
    assert resumed.report["run"]["resumed"] is True
    assert resumed.report["answers"]["overall"] == result.report["answers"]["overall"]
    assert (
        resumed.report["retrieval"]["modes"]["hybrid"]["overall"]
        == result.report["retrieval"]["modes"]["hybrid"]["overall"]
    )


def test_interrupted_run_continues_where_it_stopped(
    make_assistant: Callable[..., Assistant], gold_file: Path, tmp_path: Path
) -> None:
    first = make_assistant()
    partial = run_eval(first, gold_file, "answers", tmp_path / "runs", EvalOptions(judge="none", plots=False, limit=2))
    assert partial.asked == 2
    rest = run_eval(
        make_assistant(),
        gold_file,
        "answers",
        tmp_path / "runs",
        EvalOptions(judge="none", plots=False, resume=partial.run_dir),
    )
    assert rest.asked == 3
    assert rest.report["answers"]["overall"]["n"] == 5


def test_resume_with_other_config_is_refused(
    make_assistant: Callable[..., Assistant], gold_file: Path, tmp_path: Path
) -> None:
    result = run_eval(make_assistant(), gold_file, "retrieval", tmp_path / "runs", EvalOptions(plots=False))
    with pytest.raises(EvalError, match=r"retrieval_top_k: 6 \(saved\) -> 3 \(now\)"):
        run_eval(
            make_assistant(top_k=3),
            gold_file,
            "retrieval",
            tmp_path / "runs",
            EvalOptions(plots=False, resume=result.run_dir),
        )
    with pytest.raises(EvalError, match="not a run folder"):
        run_eval(make_assistant(), gold_file, "retrieval", tmp_path / "runs", EvalOptions(plots=False, resume=tmp_path))


def test_second_run_is_compared_with_the_first(
    make_assistant: Callable[..., Assistant], gold_file: Path, tmp_path: Path
) -> None:
    first = run_eval(make_assistant(), gold_file, "retrieval", tmp_path / "runs", EvalOptions(plots=False))
    second = run_eval(make_assistant(), gold_file, "retrieval", tmp_path / "runs", EvalOptions(plots=False))
    assert second.run_dir != first.run_dir
    comparison = second.report["comparison"]
    assert comparison["previous_run"] == first.run_dir.name
    assert comparison["deltas"]["retrieval.hybrid.hit@5"]["delta"] == 0.0
    assert "## Comparison with the previous run" in second.markdown_path.read_text(encoding="utf-8")


class StubJudge:
    """Scores everything 0.5 except context recall, which always fails."""

    def __init__(self) -> None:
        self.calls = 0

    def score(self, question: str, answer: str, contexts: Sequence[str], reference: str | None = None) -> JudgeResult:
        self.calls += 1
        result = JudgeResult(scores=dict.fromkeys(LLM_METRICS, 0.5))
        result.scores["context_recall"] = None
        result.failures["context_recall"] = "timeout: TimeoutError: judge too slow"
        return result


def test_judge_limit_and_failures_are_counted_not_scored(
    make_assistant: Callable[..., Assistant], gold_file: Path, tmp_path: Path
) -> None:
    judge = StubJudge()
    result = run_eval(
        make_assistant(),
        gold_file,
        "answers",
        tmp_path / "runs",
        EvalOptions(judge="stub", judge_limit=2, plots=False),
        judge=judge,
    )
    ragas = result.report["answers"]["ragas"]
    assert judge.calls == 2 and ragas["judged"] == 2
    assert ragas["llm"]["faithfulness"] == {**ragas["llm"]["faithfulness"], "mean": 0.5, "scored": 2, "failed": 0}
    recall = ragas["llm"]["context_recall"]
    assert recall["mean"] is None and recall["scored"] == 0 and recall["failed"] == 2
    assert recall["failure_reasons"] == {"timeout: TimeoutError: judge too slow": 2}
    assert "failed 2×: timeout" in result.markdown_path.read_text(encoding="utf-8")

    again = StubJudge()
    run_eval(
        make_assistant(),
        gold_file,
        "answers",
        tmp_path / "runs",
        EvalOptions(judge="stub", judge_limit=2, plots=False, resume=result.run_dir),
        judge=again,
    )
    assert again.calls == 0


def test_unknown_gold_title_names_the_line(make_assistant: Callable[..., Assistant], tmp_path: Path) -> None:
    rows = [*GOLD[:2], {**GOLD[2], "gold_titles": ["A Paper That Is Not In The Corpus"]}]
    gold = write_gold(tmp_path / "gold.jsonl", rows)
    with pytest.raises(GoldFileError) as info:
        run_eval(make_assistant(), gold, "retrieval", tmp_path / "runs")
    message = str(info.value)
    assert f"{gold}:3: field 'gold_titles[0]'" in message
    assert "no indexed entry has the title 'A Paper That Is Not In The Corpus'" in message
    assert not (tmp_path / "runs").exists()


def test_cli_malformed_gold_file_exits_2_without_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        json.dumps(GOLD[0]) + "\n{not json\n" + json.dumps({**GOLD[1], "keywords": "x"}) + "\n", encoding="utf-8"
    )
    code = main(
        ["eval", "retrieval", "--gold", str(bad), "--out", str(tmp_path / "runs"), "--data-dir", str(tmp_path / "data")]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert f"{bad}:2: field '(line)': invalid JSON" in err
    assert f"{bad}:3: field 'keywords'" in err
    assert "Traceback" not in err


def test_cli_runs_and_reports_unknown_titles(
    make_assistant: Callable[..., Assistant],
    gold_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fake = make_assistant()
    monkeypatch.setattr("assistant.api.Assistant", lambda settings: fake)
    out = tmp_path / "runs"
    assert main(["eval", "retrieval", "--gold", str(gold_file), "--out", str(out), "--no-plots"]) == 0
    printed = capsys.readouterr().out
    assert "report: " in printed and "hybrid" in printed and "hit@5" in printed

    bad = write_gold(tmp_path / "unknown.jsonl", [GOLD[0], {**GOLD[1], "gold_titles": ["Nope"]}])
    assert main(["eval", "retrieval", "--gold", str(bad), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:2: field 'gold_titles[0]': no indexed entry has the title 'Nope'" in err
    assert "Traceback" not in err


def test_pure_helpers() -> None:
    scores = score_ranking(["a", "a", "b", "c"], ["c"], k=10)
    assert scores["hit@1"] == 0.0 and scores["hit@5"] == 1.0 and scores["mrr@10"] == pytest.approx(1 / 3)
    assert score_ranking(["a"], [], k=10)["hit@5"] is None
    assert "hit@10" not in score_ranking(["a"], ["a"], k=5)
    assert compare_headlines({"x": 0.75, "y": None, "z": 1.0}, {"x": 0.5, "y": 0.2}) == {
        "x": {"previous": 0.5, "current": 0.75, "delta": 0.25},
        "y": {"previous": 0.2, "current": None, "delta": None},
    }
    assert strip_markers("Lean and Mathlib [1]. Both [1][2], see [1, 2].") == "Lean and Mathlib. Both, see."
    assert config_differences({"a": 1, "b": 2}, {"a": 1, "b": 3}) == ["b: 2 (saved) -> 3 (now)"]
    summary = judge_summary(
        [{"scores": {"faithfulness": 1.0}, "failures": {"answer_relevancy": "parse_error: x"}, "skipped": {}}],
        [],
        "stub",
        1,
    )
    assert summary["llm"]["faithfulness"]["mean"] == 1.0
    assert summary["llm"]["answer_relevancy"]["failed"] == 1 and summary["llm_failures_total"] == 1


def test_default_judge_checks_every_answer_and_resume_reuses_it(
    make_assistant: Callable[..., Assistant], gold_file: Path, tmp_path: Path
) -> None:
    from evals.judges import OverlapJudge

    options = EvalOptions(judge="none", plots=False, support_judge="overlap")
    result = run_eval(make_assistant(), gold_file, "answers", tmp_path / "runs", options, support_judge=OverlapJudge())
    lines = [json.loads(x) for x in (result.run_dir / "answers.jsonl").read_text(encoding="utf-8").splitlines()]
    support = list({r["id"]: r for r in lines if r["type"] == "support"}.values())  # the latest line per answer
    assert sorted(r["id"] for r in support) == ["t1", "t2", "t3", "t4", "t5"]  # every answer, abstained ones too
    section = result.report["answers"]
    faith = section["overall"]["faithfulness"]
    judged = sum(len([v for v in r["sentences"] if v is not None]) for r in support)
    assert faith["sentences"] == judged
    if judged:
        assert faith["ci95"][0] <= faith["mean"] <= faith["ci95"][1]
    assert section["support_judge"]["name"] == "overlap"
    assert result.report["config"]["support_judge"] == "overlap"
    assert "faithfulness, 95% CI" in result.markdown_path.read_text(encoding="utf-8")

    resumed = run_eval(
        make_assistant(),
        gold_file,
        "answers",
        tmp_path / "runs",
        EvalOptions(judge="none", plots=False, support_judge="overlap", resume=result.run_dir),
        support_judge=OverlapJudge(),
    )
    assert jsonl_lines(result.run_dir / "answers.jsonl") == len(lines)
    assert resumed.report["answers"]["overall"]["faithfulness"] == faith

"""A bad setting value is one line naming its variable (not pydantic's multi-line ValidationError), from the CLI
and from the Python API."""

from __future__ import annotations

import pytest

from assistant.api import Assistant
from assistant.cli import main
from assistant.errors import AssistantError
from assistant.settings import load_settings


@pytest.mark.parametrize(
    ("variable", "value"),
    [("ASSISTANT_RETRIEVAL__TOP_K", "lots"), ("ASSISTANT_UI__PORT", "-3"), ("ASSISTANT_LLM__BACKEND", "magic")],
)
def test_a_bad_value_is_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(AssistantError, match=variable):
        load_settings()
    with pytest.raises(AssistantError, match=variable):
        Assistant()
    assert main(["entries", "--stats"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"error: {variable}={value!r}: ")


def test_good_values_load(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_RETRIEVAL__TOP_K", "8")
    assert load_settings().retrieval.top_k == 8

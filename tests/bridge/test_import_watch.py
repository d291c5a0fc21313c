"""``after_import``: a callback right after a module is imported, never importing it itself."""

from __future__ import annotations

import importlib
import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mmlight.bridge.import_watch import after_import, is_imported

pytestmark = pytest.mark.interop


@pytest.fixture
def watched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A module ``watched_mod`` on sys.path, not imported yet; watchers for it removed after."""
    (tmp_path / "watched_mod.py").write_text("VALUE = 42\n")
    (tmp_path / "other_mod.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "watched_mod"
    sys.meta_path[:] = [f for f in sys.meta_path if getattr(f, "name", None) != "watched_mod"]
    for name in ("watched_mod", "other_mod"):
        sys.modules.pop(name, None)


def test_runs_once_the_module_has_executed(watched: str) -> None:
    seen: list[int] = []
    after_import(watched, lambda: seen.append(sys.modules[watched].VALUE))

    importlib.import_module("other_mod")
    assert seen == []
    assert watched not in sys.modules  # watching imports nothing

    module = importlib.import_module(watched)

    assert seen == [42]
    assert module.VALUE == 42
    assert module.__spec__.origin.endswith("watched_mod.py")
    assert not any(getattr(f, "name", None) == watched for f in sys.meta_path)


def test_runs_now_when_already_imported(watched: str) -> None:
    importlib.import_module(watched)
    seen: list[str] = []

    after_import(watched, lambda: seen.append("now"))

    assert seen == ["now"]
    assert is_imported(watched)


def test_a_failing_callback_does_not_break_the_import(
    watched: str, caplog: pytest.LogCaptureFixture
) -> None:
    def broken() -> None:
        raise ValueError("boom")

    after_import(watched, broken)
    with caplog.at_level(logging.WARNING, logger="mmlight.bridge.import_watch"):
        module = importlib.import_module(watched)

    assert module.VALUE == 42
    assert "the hook run after importing watched_mod failed" in caplog.text
    assert "ValueError: boom" in caplog.text


def test_one_watcher_per_callback(watched: str) -> None:
    seen: list[str] = []

    def note() -> None:
        seen.append("x")

    after_import(watched, note)
    after_import(watched, note)
    importlib.import_module(watched)

    assert seen == ["x"]


def test_a_find_spec_probe_is_not_an_import(watched: str) -> None:
    import importlib.util

    seen: list[str] = []
    after_import(watched, lambda: seen.append("imported"))

    assert importlib.util.find_spec(watched) is not None
    assert seen == []
    importlib.import_module(watched)

    assert seen == ["imported"]


def test_every_callback_of_a_module_runs(watched: str) -> None:
    seen: list[str] = []
    after_import(watched, lambda: seen.append("first"))
    after_import(watched, lambda: seen.append("second"))

    importlib.import_module(watched)

    assert seen == ["first", "second"]
    assert sum(getattr(f, "name", None) == watched for f in sys.meta_path) == 0

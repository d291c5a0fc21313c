"""mmlight.utils.track_progress_rich: mmengine's test_progressbar_rich as spec, parity of
results and errors, and the install hint when ``rich`` is missing."""

from __future__ import annotations

import io
import operator
import sys
from collections.abc import Callable
from typing import Any

import pytest

from mmlight.utils import track_progress_rich


def const() -> int:
    return 1


def test_argument_errors() -> None:
    tasks = [1] * 10
    with pytest.raises(TypeError, match="func must be a callable object"):
        track_progress_rich(1, tasks)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="tasks must be an iterable object, but got <class 'int'>"):
        track_progress_rich(abs, 1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="task_num does not match the length of tasks"):
        track_progress_rich(abs, tasks, task_num=9)
    with pytest.raises(ValueError, match="nproc must be a positive number"):
        track_progress_rich(abs, tasks, nproc=0)
    with pytest.raises(ValueError, match="If tasks is an empty iterable, task_num must be set"):
        track_progress_rich(abs, nproc=0)


@pytest.mark.parametrize("nproc", [1, 2])
def test_results_in_task_order(nproc: int) -> None:
    pytest.importorskip("rich")
    assert track_progress_rich(const, nproc=nproc, task_num=10) == [1] * 10
    values = list(range(-5, 5))
    for tasks in (values, iter(values)):
        assert track_progress_rich(abs, tasks, nproc=nproc) == [abs(v) for v in values]
    pairs = [(i, i + 1) for i in range(10)]
    for pair_tasks in (pairs, iter(pairs)):
        assert track_progress_rich(operator.mul, pair_tasks, nproc=nproc) == [
            i * j for i, j in pairs
        ]


def test_missing_rich_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "rich.progress", None)
    with pytest.raises(ImportError, match=r"needs the optional package 'rich'.*pip install rich"):
        track_progress_rich(abs, [1])
    # argument errors are still reported first
    with pytest.raises(ValueError, match="nproc must be a positive number"):
        track_progress_rich(abs, [1], nproc=0)


def test_bar_text(monkeypatch: pytest.MonkeyPatch) -> None:
    rich = pytest.importorskip("rich")
    from rich.console import Console

    out = io.StringIO()
    monkeypatch.setattr(rich, "_console", Console(file=out, width=100))  # rich.get_console()
    track_progress_rich(abs, [1, 2, 3], description="Squaring")
    text = out.getvalue()
    assert "Squaring" in text and "3/3" in text


# ---------------------------------------------------------------- parity with mmengine
@pytest.mark.parametrize(
    ("func", "tasks", "kwargs"),
    [
        (abs, [-1, -2, 3], {}),
        (abs, [-1, -2, 3], {"nproc": 2}),
        (operator.add, [(1, 2), [3, 4]], {}),
        (const, (), {"task_num": 3}),
        (const, (), {}),
        (abs, [1, 2], {"task_num": 3}),
        (abs, 5, {}),
        ("f", [1], {}),
        (abs, [1], {"nproc": -1}),
    ],
)
def test_parity(
    func: Any, tasks: Any, kwargs: dict[str, Any], assert_same: Callable[..., None]
) -> None:
    pytest.importorskip("rich")
    pytest.importorskip("mmengine")
    from mmengine.utils import track_progress_rich as theirs

    assert_same(track_progress_rich, theirs, func, tasks, **kwargs)


def test_parity_bar_text(monkeypatch: pytest.MonkeyPatch) -> None:
    rich = pytest.importorskip("rich")
    pytest.importorskip("mmengine")
    from mmengine.utils import track_progress_rich as theirs
    from rich.console import Console

    texts = []
    for func in (track_progress_rich, theirs):
        out = io.StringIO()
        monkeypatch.setattr(rich, "_console", Console(file=out, width=80))
        func(abs, [-1, 2, -3, 4], description="Job", color="red")
        texts.append(out.getvalue())
    assert texts[0] == texts[1]
    assert texts[0].startswith("Job ") and " 4/4 100%" in texts[0]

"""mmlight.utils.progressbar: the bar's exact text (fake file, fake clock) and parity with
mmengine's bars; mmengine's test_progressbar is the spec."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from mmlight.utils import (
    ProgressBar,
    track_iter_progress,
    track_parallel_progress,
    track_progress,
)
from mmlight.utils import progressbar as PB
from mmlight.utils import timer as timer_module


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """One fake clock behind mmlight's Timer and, when installed, mmengine's."""
    fake = FakeClock()
    monkeypatch.setattr(timer_module, "time", fake)
    try:
        from mmengine.utils import timer as theirs
    except ImportError:
        pass
    else:
        monkeypatch.setattr(theirs, "time", fake)
    monkeypatch.setenv("COLUMNS", "200")
    return fake


def reset(out: io.StringIO) -> None:
    out.truncate(0)
    out.seek(0)


def test_start() -> None:
    out = io.StringIO()
    ProgressBar(bar_width=20, file=out)
    assert out.getvalue() == "completed: 0, elapsed: 0s"
    reset(out)
    bar = ProgressBar(bar_width=20, start=False, file=out)
    assert out.getvalue() == ""
    bar.start()
    assert out.getvalue() == "completed: 0, elapsed: 0s"
    reset(out)
    ProgressBar(10, bar_width=20, file=out)
    assert out.getvalue() == f"[{' ' * 20}] 0/10, elapsed: 0s, ETA:"


def test_default_file_is_current_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    ProgressBar(3, bar_width=3)
    assert capsys.readouterr().out == "[   ] 0/3, elapsed: 0s, ETA:"


def test_update(clock: FakeClock) -> None:
    out = io.StringIO()
    bar = ProgressBar(bar_width=20, file=out)
    clock.now += 1
    reset(out)
    bar.update()
    assert out.getvalue() == "completed: 1, elapsed: 1s, 1.0 tasks/s"

    bar = ProgressBar(10, bar_width=20, file=out)
    clock.now += 1
    reset(out)
    bar.update()
    assert out.getvalue() == f"\r[{'>' * 2 + ' ' * 18}] 1/10, 1.0 task/s, elapsed: 1s, ETA:     9s"
    reset(out)
    bar.update(4)
    assert out.getvalue() == f"\r[{'>' * 10 + ' ' * 10}] 5/10, 5.0 task/s, elapsed: 1s, ETA:     1s"
    with pytest.raises(AssertionError):
        bar.update(0)


def test_update_without_elapsed_time(clock: FakeClock) -> None:
    out = io.StringIO()
    bar = ProgressBar(2, bar_width=4, file=out)
    reset(out)
    bar.update()
    assert out.getvalue() == "\r[>>  ] 1/2, inf task/s, elapsed: 0s, ETA:     0s"


def test_adaptive_length(clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    out = io.StringIO()
    bar = ProgressBar(10, bar_width=20, file=out)
    clock.now += 1
    reset(out)
    bar.update()
    assert len(out.getvalue()) == 66
    monkeypatch.setenv("COLUMNS", "30")
    reset(out)
    bar.update()
    assert len(out.getvalue()) == 48
    monkeypatch.setenv("COLUMNS", "60")
    reset(out)
    bar.update()
    assert len(out.getvalue()) == 60


def _ticking(clock: FakeClock) -> Callable[[int], int]:
    def task(num: int) -> int:
        clock.now += 1
        return num

    return task


def test_track_progress(clock: FakeClock) -> None:
    out = io.StringIO()
    assert track_progress(_ticking(clock), [1, 2, 3], bar_width=3, file=out) == [1, 2, 3]
    assert out.getvalue() == (
        "[   ] 0/3, elapsed: 0s, ETA:"
        "\r[>  ] 1/3, 1.0 task/s, elapsed: 1s, ETA:     2s"
        "\r[>> ] 2/3, 1.0 task/s, elapsed: 2s, ETA:     1s"
        "\r[>>>] 3/3, 1.0 task/s, elapsed: 3s, ETA:     0s\n"
    )
    gen = (i for i in [1, 2, 3])
    assert track_progress(abs, (gen, 3), bar_width=3, file=out) == [1, 2, 3]
    assert track_progress(abs, range(1, 4), bar_width=3, file=out) == [1, 2, 3]


def test_track_progress_forwards_kwargs(clock: FakeClock) -> None:
    def scale(x: int, factor: int = 1) -> int:
        return x * factor

    out = io.StringIO()
    assert track_progress(scale, [1, 2], file=out, factor=10) == [10, 20]


def test_track_progress_rejects_bad_tasks() -> None:
    with pytest.raises(TypeError, match='"tasks" must be a tuple object or a sequence object'):
        track_progress(abs, {1, 2}, file=io.StringIO())  # type: ignore[arg-type]
    with pytest.raises(AssertionError, match=r"must be \(iterable of tasks, number of tasks\)"):
        track_progress(abs, ([1], 1, 2), file=io.StringIO())


def test_track_iter_progress(clock: FakeClock) -> None:
    out = io.StringIO()
    seen = []
    for num in track_iter_progress([1, 2, 3], bar_width=3, file=out):
        seen.append(num)
        clock.now += 1
    assert seen == [1, 2, 3]
    assert out.getvalue().endswith("\r[>>>] 3/3, 1.0 task/s, elapsed: 3s, ETA:     0s\n")
    assert list(track_iter_progress(range(1, 4), bar_width=3, file=out)) == [1, 2, 3]
    gen = (i for i in [1, 2])
    assert list(track_iter_progress((gen, 2), file=out)) == [1, 2]


def test_track_parallel_progress(clock: FakeClock) -> None:
    out = io.StringIO()
    assert track_parallel_progress(abs, [-1, 2, -3, 4], 2, bar_width=4, file=out) == [1, 2, 3, 4]
    assert out.getvalue().endswith("\r[>>>>] 4/4, inf task/s, elapsed: 0s, ETA:     0s\n")
    gen = (i for i in [-1, 2, -3, 4])
    assert track_parallel_progress(abs, (gen, 4), 2, bar_width=4, file=out) == [1, 2, 3, 4]
    unordered = track_parallel_progress(abs, range(5), 2, keep_order=False, file=out)
    assert sorted(unordered) == [0, 1, 2, 3, 4]


def test_track_parallel_progress_skip_first(clock: FakeClock) -> None:
    out = io.StringIO()
    result = track_parallel_progress(abs, range(6), 2, skip_first=True, bar_width=4, file=out)
    assert result == list(range(6))
    # the bar counts the 6 - 2 * 1 results after the first one of each worker
    assert out.getvalue() == (
        "[    ] 0/4, elapsed: 0s, ETA:"
        "\r[>   ] 1/4, inf task/s, elapsed: 0s, ETA:     0s"
        "\r[>>  ] 2/4, inf task/s, elapsed: 0s, ETA:     0s"
        "\r[>>> ] 3/4, inf task/s, elapsed: 0s, ETA:     0s"
        "\r[>>>>] 4/4, inf task/s, elapsed: 0s, ETA:     0s\n"
    )


def test_init_pool() -> None:
    with pytest.raises(TypeError, match='"initargs" must be a tuple'):
        PB.init_pool(1, print, [1])  # type: ignore[arg-type]
    pool = PB.init_pool(1, print, ())
    pool.close()
    pool.join()


# ---------------------------------------------------------------- parity with mmengine
def _theirs() -> Any:
    pytest.importorskip("mmengine")
    from mmengine.utils import progressbar as theirs

    return theirs


@pytest.mark.parametrize("columns", ["200", "80", "60", "45", "30", "10"])
@pytest.mark.parametrize("task_num", [0, 1, 7, 100])
def test_parity_progress_bar_text(
    clock: FakeClock, monkeypatch: pytest.MonkeyPatch, columns: str, task_num: int
) -> None:
    theirs = _theirs()
    monkeypatch.setenv("COLUMNS", columns)
    texts = []
    for cls in (ProgressBar, theirs.ProgressBar):
        clock.now = 1000.0
        out = io.StringIO()
        bar = cls(task_num, bar_width=30, file=out)
        for step in (1, 2, 1, 3):
            clock.now += 0.7 * step
            bar.update(step)
        texts.append(out.getvalue())
    assert texts[0] == texts[1]


def _track_runs(clock: FakeClock, module: Any) -> Iterator[str]:
    out = io.StringIO()
    clock.now = 1000.0
    module.track_progress(_ticking(clock), [1, 2, 3, 4, 5], bar_width=7, file=out)
    gen = (i for i in range(3))
    module.track_progress(_ticking(clock), (gen, 3), file=out)
    for _ in module.track_iter_progress(list(range(4)), bar_width=5, file=out):
        clock.now += 0.3
    yield out.getvalue()
    out = io.StringIO()
    yield str(module.track_parallel_progress(abs, range(-5, 5), 2, bar_width=4, file=out))
    yield out.getvalue()
    out = io.StringIO()
    result = module.track_parallel_progress(
        abs, list(range(8)), 2, chunksize=2, skip_first=True, file=out
    )
    yield str(result) + out.getvalue()


def test_parity_track_functions(clock: FakeClock) -> None:
    theirs = _theirs()
    import mmlight.utils.progressbar as ours

    assert list(_track_runs(clock, ours)) == list(_track_runs(clock, theirs))


@pytest.mark.parametrize("tasks", [{1, 2}, ([1], 2, 3), ([1], "2"), (1, 2), 5])
def test_parity_bad_tasks(tasks: Any, assert_same: Callable[..., None]) -> None:
    theirs = _theirs()
    out = io.StringIO()
    assert_same(
        lambda t: track_progress(abs, t, file=out),
        lambda t: theirs.track_progress(abs, t, file=out),
        tasks,
    )
    assert_same(
        lambda t: list(track_iter_progress(t, file=out)),
        lambda t: list(theirs.track_iter_progress(t, file=out)),
        tasks,
    )

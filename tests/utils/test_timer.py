"""mmlight.utils.timer: Timer, TimerError, check_time (mmengine's test_timer as spec), on a
fake clock so the numbers are exact."""

from __future__ import annotations

from typing import Any

import pytest

from mmlight.utils import Timer, TimerError, check_time
from mmlight.utils import timer as timer_module


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(timer_module, "time", fake)
    return fake


def test_timer_init() -> None:
    timer = Timer(start=False)
    assert not timer.is_running
    timer.start()
    assert timer.is_running
    assert Timer().is_running


def test_timer_run(clock: FakeClock) -> None:
    timer = Timer()
    clock.now += 1
    assert timer.since_start() == 1
    clock.now += 1
    assert timer.since_last_check() == 1
    assert timer.since_start() == 2
    timer.start()  # a running timer keeps its start, only the last check moves
    clock.now += 0.5
    assert timer.since_start() == 2.5
    stopped = Timer(False)
    with pytest.raises(TimerError, match="timer is not running") as info:
        stopped.since_start()
    assert info.value.message == "timer is not running"
    with pytest.raises(TimerError):
        stopped.since_last_check()


def test_timer_context(clock: FakeClock, capsys: pytest.CaptureFixture[str]) -> None:
    with Timer() as timer:
        clock.now += 1.25
    assert capsys.readouterr().out == "1.250\n"
    assert not timer.is_running
    with Timer(print_tmpl="time: {:.1f}s"):
        clock.now += 1
    assert capsys.readouterr().out == "time: 1.0s\n"


def test_check_time(clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timer_module, "_timers", {})
    assert check_time("task") == 0
    clock.now += 2
    assert check_time("task") == 2
    clock.now += 3
    assert check_time("task") == 3
    assert check_time("other") == 0


def test_parity_timer_messages(clock: FakeClock, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("mmengine")
    from mmengine.utils import timer as theirs

    seen: list[Any] = []
    for module in (timer_module, theirs):
        with pytest.raises(Exception) as info:
            module.Timer(start=False).since_start()
        seen.append((type(info.value).__name__, str(info.value), info.value.message))  # type: ignore[attr-defined]
        with module.Timer(print_tmpl="{:.0f}"):
            pass
        seen.append(capsys.readouterr().out)
    assert seen[:2] == seen[2:]

"""IterTimerHook: data_time, time and eta, on a controlled clock."""

from __future__ import annotations

import time

import pytest

from mmlight.hooks import IterTimerHook


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(time, "time", fake)
    return fake


def test_train_times_and_eta(make_runner, clock: Clock) -> None:
    runner = make_runner(iter=0, max_iters=10)
    hook = IterTimerHook()
    hook.before_train(runner)
    hook.before_train_epoch(runner)
    for i, (load, step) in enumerate([(1.0, 3.0), (0.5, 1.5)]):
        runner.iter = i
        clock.now += load
        hook.before_train_iter(runner, batch_idx=i)
        clock.now += step
        hook.after_train_iter(runner, batch_idx=i)
    hub = runner.message_hub
    assert hub.history("train/data_time") == [1.0, 0.5]
    assert hub.history("train/time") == [4.0, 2.0]
    # average 3 s over the 2 iterations done, 8 left
    assert hub.info["eta"] == pytest.approx(24.0)


def test_eta_after_resume_averages_only_iterations_run(make_runner, clock: Clock) -> None:
    runner = make_runner(iter=6, max_iters=10)
    hook = IterTimerHook()
    hook.before_train(runner)
    hook.before_train_epoch(runner)
    clock.now += 2.0
    hook.before_train_iter(runner, batch_idx=0)
    hook.after_train_iter(runner, batch_idx=0)
    assert hub_eta(runner) == pytest.approx(2.0 * 3)


def hub_eta(runner) -> float:
    return runner.message_hub.info["eta"]


@pytest.mark.parametrize(("mode", "length"), [("val", 3), ("test", 5)])
def test_eval_eta_uses_the_loop_length_and_resets_each_epoch(
    make_runner, clock: Clock, mode: str, length: int
) -> None:
    runner = make_runner()
    hook = IterTimerHook()
    for _ in range(2):
        getattr(hook, f"before_{mode}_epoch")(runner)
        clock.now += 1.0
        getattr(hook, f"before_{mode}_iter")(runner, batch_idx=0)
        getattr(hook, f"after_{mode}_iter")(runner, batch_idx=0)
        assert hub_eta(runner) == pytest.approx(1.0 * (length - 1))
        getattr(hook, f"after_{mode}_epoch")(runner)
        assert hook.time_sec_test_val == 0
    assert runner.message_hub.history(f"{mode}/time") == [1.0, 1.0]
    assert runner.message_hub.history(f"{mode}/data_time") == [1.0, 1.0]


def test_priority_is_normal() -> None:
    assert IterTimerHook.priority == "NORMAL"

"""EarlyStoppingHook: rule inference, stop decisions, and clear errors for bad arguments."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest

from mmlight.hooks import EarlyStoppingHook


def _feed(hook: EarlyStoppingHook, runner, scores: list[float], key: str = "acc") -> int | None:
    """Validate with each score in turn; return the 0-based index of the stopping call."""
    for index, score in enumerate(scores):
        hook.after_val_epoch(runner, metrics={key: score})
        if runner.train_loop.stop_training:
            return index
    return None


@pytest.mark.parametrize(
    ("monitor", "rule"),
    [("acc", "greater"), ("accuracy/top1", "greater"), ("coco/bbox_mAP", "greater"),
     ("AR@100", "greater"), ("loss", "less"), ("val_loss", "less"), ("mIoU", "greater"),
     ("LOSS", "less")],
)  # fmt: skip
def test_rule_is_inferred_from_the_monitor_name(monitor: str, rule: str) -> None:
    assert EarlyStoppingHook(monitor).rule == rule


def test_rule_cannot_be_inferred() -> None:
    with pytest.raises(ValueError, match=r"cannot tell whether a larger or smaller 'f1' is bet"):
        EarlyStoppingHook("f1")


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(rule="grater"), ValueError, r"rule must be 'greater' or 'less'.* 'grater' \(did "
         r"you mean 'greater'\?\)"),
        (dict(rule="max"), ValueError, r"but got 'max'$"),
        (dict(min_delta="0.1"), TypeError, r"min_delta must be a number, but got str"),
        (dict(patience=-1), ValueError, r"patience must be >= 0, but got -1"),
        (dict(patience=None), TypeError, r"patience must be a number"),
        (dict(stopping_threshold="0.9"), TypeError, r"stopping_threshold must be a number"),
    ],
)  # fmt: skip
def test_bad_arguments(kwargs: dict, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        EarlyStoppingHook("acc", **kwargs)


def test_monitor_must_be_a_metric_name() -> None:
    with pytest.raises(TypeError, match=r"monitor must be the name of a validation metric"):
        EarlyStoppingHook(monitor=["acc"])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"monitor is empty"):
        EarlyStoppingHook(monitor="", rule="greater")


def test_defaults() -> None:
    hook = EarlyStoppingHook("acc")
    assert (hook.min_delta, hook.patience, hook.strict, hook.check_finite) == (0.1, 5, False, True)
    assert hook.stopping_threshold is None
    assert hook.best_score == -math.inf
    assert EarlyStoppingHook("loss").best_score == math.inf
    assert EarlyStoppingHook("loss").min_delta == -0.1
    assert EarlyStoppingHook.priority == "LOWEST"


def test_stops_after_patience_validations_without_improvement(make_runner) -> None:
    runner = make_runner()
    hook = EarlyStoppingHook("acc", patience=2, min_delta=0.05)
    # 0.52 is not better than 0.5 + 0.05; 0.6 is; then two misses stop
    assert _feed(hook, runner, [0.5, 0.52, 0.6, 0.62, 0.61, 0.9]) == 4
    assert hook.best_score == 0.6
    assert runner.messages == [
        "the monitored metric did not improve in the last 2 records. best score: 0.600. "
    ]


def test_improvement_resets_the_wait_count(make_runner) -> None:
    runner = make_runner()
    hook = EarlyStoppingHook("loss", patience=2, min_delta=0.1)
    assert _feed(hook, runner, [1.0, 0.95, 0.8, 0.75, 0.6, 0.55], key="loss") is None
    assert hook.wait_count == 1 and hook.best_score == 0.6


def test_stopping_threshold(make_runner) -> None:
    runner = make_runner()
    hook = EarlyStoppingHook("loss", stopping_threshold=0.2)
    assert _feed(hook, runner, [0.5, 0.3, 0.1], key="loss") == 2
    assert hook.best_score == 0.1
    assert runner.messages == ["Stopping threshold reached: `loss` = 0.1 is less than 0.2."]


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_non_finite_scores_stop_unless_disabled(make_runner, bad: float) -> None:
    runner = make_runner()
    assert _feed(EarlyStoppingHook("acc"), runner, [0.5, bad]) == 1
    assert runner.messages[0].startswith(f"Monitored metric acc = {bad} is not finite.")
    runner = make_runner()
    assert (
        _feed(EarlyStoppingHook("acc", check_finite=False, patience=3), runner, [0.5, bad]) is None
    )


def test_missing_monitor_warns_or_raises(make_runner) -> None:
    runner = make_runner()
    with pytest.warns(
        UserWarning,
        match=r"monitor 'acuracy' is not among the validation metrics \(available: 'accuracy', "
        r"'loss'\) \(did you mean 'accuracy'\?\)",
    ):
        hook = EarlyStoppingHook("acuracy", rule="greater")
        hook.after_val_epoch(runner, metrics={"accuracy": 0.5, "loss": 1})
    assert runner.train_loop.stop_training is False
    with pytest.raises(RuntimeError, match=r"monitor 'acc' is not among the validation metrics"):
        EarlyStoppingHook("acc", strict=True).after_val_epoch(runner, metrics={"loss": 1.0})
    with pytest.warns(UserWarning, match=r"available: none"):
        EarlyStoppingHook("acc").after_val_epoch(runner, metrics=None)


def test_before_run_needs_a_stoppable_train_loop(make_runner) -> None:
    runner = make_runner()
    EarlyStoppingHook("acc").before_run(runner)
    runner.train_loop = SimpleNamespace(dataloader=[])
    with pytest.raises(AttributeError, match=r"needs a train loop with a `stop_training` attr"):
        EarlyStoppingHook("acc").before_run(runner)
    with pytest.raises(AssertionError):
        EarlyStoppingHook("acc").before_run(runner)

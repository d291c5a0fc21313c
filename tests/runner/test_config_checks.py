"""Values a run cannot use are refused before anything is built, naming the key path as
written in the config (issue 12, item 7)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
import torch

from mmlight.config import Config, ConfigError
from mmlight.hooks import CheckpointHook
from mmlight.runner import Runner
from mmlight.runner.config_checks import (
    RULES,
    InvalidValueError,
    check_runner_arguments,
    find_problems,
    require_valid,
)
from tests.runner.tiny_regressor import TinyRegressor


def _loader() -> dict:
    data = [dict(inputs=torch.tensor([float(i), 1.0]), data_samples=float(i)) for i in range(8)]
    return dict(dataset=data, sampler=dict(type="DefaultSampler", shuffle=False), batch_size=4)


def _runner_args(work_dir: Path, **changes: Any) -> dict[str, Any]:
    args: dict[str, Any] = dict(
        model=TinyRegressor(),
        work_dir=str(work_dir),
        train_dataloader=_loader(),
        train_cfg=dict(by_epoch=True, max_epochs=1),
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.01)),
        default_hooks=dict(logger=None),
        randomness=dict(seed=0),
        experiment_name=f"checks_{uuid.uuid4().hex}",  # runners in one second: own loggers
    )
    args.update(changes)
    return args


def _nest(path: str, value: Any) -> dict[str, Any]:
    """``{'a': {'b': value}}`` for ``'a.b'``."""
    head, _, rest = path.partition(".")
    return {head: _nest(rest, value) if rest else value}


# (key path, a bad value, the words the message must hold after "must be")
BAD: list[tuple[str, Any, str]] = [
    ("train_cfg.max_epochs", 0, "a positive integer (epochs to train)"),
    ("train_cfg.max_epochs", 2.5, "a positive integer"),
    ("train_cfg.max_iters", "abc", "a positive integer (iterations to train)"),
    ("train_cfg.max_iters", True, "a positive integer"),
    ("train_cfg.val_interval", 0, "a positive integer (validate every N epochs or iterations)"),
    ("train_cfg.val_begin", -1, "an integer >= 0"),
    ("train_cfg.dynamic_intervals", [(5, 0)], "a list of (milestone, interval) pairs"),
    ("train_cfg.dynamic_intervals", "5:2", "a list of (milestone, interval) pairs"),
    ("train_dataloader.batch_size", -4, "a positive integer"),
    ("val_dataloader.batch_size", 0, "a positive integer"),
    ("test_dataloader.batch_size", "8", "a positive integer"),
    ("train_dataloader.num_workers", -1, "an integer >= 0"),
    ("default_hooks.checkpoint.interval", -3, "a positive integer, or -1 for no periodic"),
    ("default_hooks.checkpoint.interval", 0, "a positive integer, or -1 for no periodic"),
    ("default_hooks.logger.interval", 0, "a positive integer"),
    ("auto_scale_lr.base_batch_size", 0, "a positive integer (the total batch size"),
    ("nonfinite_loss", "ignore", "'error' or 'warn'"),
]

GOOD: list[tuple[str, Any]] = [
    ("train_cfg.max_epochs", 3),
    ("train_cfg.max_epochs", 3.0),  # MMEngine's int(max_epochs) == max_epochs allows it
    ("train_cfg.max_iters", 1),
    ("train_cfg.val_interval", 1),
    ("train_cfg.val_begin", 0),
    ("train_cfg.dynamic_intervals", [(0, 1), (10, 5)]),
    ("train_dataloader.batch_size", 1),
    ("train_dataloader.num_workers", 0),
    ("default_hooks.checkpoint.interval", -1),
    ("default_hooks.checkpoint.interval", 5),
    ("default_hooks.logger.interval", 50),
    ("auto_scale_lr.base_batch_size", 16),
    ("nonfinite_loss", "error"),
    ("nonfinite_loss", "warn"),
]


def test_every_rule_has_a_bad_and_a_good_case() -> None:
    paths = {rule.path for rule in RULES}
    assert paths - {path for path, _, _ in BAD} <= {
        "val_dataloader.num_workers", "test_dataloader.num_workers",
    }
    assert {path for path, _ in GOOD} <= paths


@pytest.mark.parametrize(("path", "value", "expected"), BAD, ids=[f"{p}={v!r}" for p, v, _ in BAD])
def test_bad_value_is_refused_naming_the_key_path(path: str, value: Any, expected: str) -> None:
    problems = find_problems(_nest(path, value))
    assert [(p.key, p.value) for p in problems] == [(path, value)]
    message = f"{path} must be {expected}"
    assert str(problems[0]).startswith(message)
    assert str(problems[0]).endswith(f"got {value!r}")
    with pytest.raises(InvalidValueError, match=r"^" + _escape(message)):
        require_valid(path, value)


@pytest.mark.parametrize(("path", "value"), GOOD, ids=[f"{p}={v!r}" for p, v in GOOD])
def test_good_value_is_accepted(path: str, value: Any) -> None:
    assert find_problems(_nest(path, value)) == []
    require_valid(path, value)


def test_absent_none_and_built_objects_are_left_to_the_component() -> None:
    cfg = dict(
        train_cfg=dict(max_epochs=None),  # None: not set, the loop's signature decides
        default_hooks=dict(checkpoint=CheckpointHook(interval=2)),  # built: checked by itself
        train_dataloader=object(),  # a built DataLoader
    )
    assert find_problems(cfg) == []
    assert find_problems({}) == []


def test_a_value_actually_used_may_not_be_none() -> None:
    with pytest.raises(InvalidValueError, match=r"train_cfg\.val_interval must be a positive"):
        require_valid("train_cfg.val_interval", None)


def test_every_problem_is_listed_at_once() -> None:
    cfg = dict(
        train_cfg=dict(max_epochs=0, val_interval=0),
        train_dataloader=dict(batch_size=-4),
        nonfinite_loss="stop",
    )
    assert [p.key for p in find_problems(cfg)] == [
        "train_cfg.max_epochs", "train_cfg.val_interval", "train_dataloader.batch_size",
        "nonfinite_loss",
    ]
    with pytest.raises(
        InvalidValueError,
        match=r"train_cfg\.max_epochs must be .*, got 0; train_cfg\.val_interval must be .*, "
        r"got 0; train_dataloader\.batch_size must be a positive integer, got -4; "
        r"nonfinite_loss must be 'error' or 'warn', got 'stop'",
    ):
        check_runner_arguments(dict(cfg, cfg=None))


def test_is_a_config_error() -> None:
    """Exit 2 in the CLIs: bad input, not a failure while running."""
    assert issubclass(InvalidValueError, ConfigError)
    assert issubclass(InvalidValueError, ValueError)


def test_check_runner_arguments_reads_top_level_keys_from_cfg() -> None:
    with pytest.raises(InvalidValueError, match=r"nonfinite_loss must be 'error' or 'warn'"):
        check_runner_arguments(dict(cfg=Config(dict(nonfinite_loss="off"))))
    check_runner_arguments(dict(cfg=Config(dict(nonfinite_loss="warn"))))
    # a Runner argument wins over the same key in cfg (as Runner.from_cfg passes both)
    check_runner_arguments(
        dict(train_cfg=dict(max_epochs=1), cfg=dict(train_cfg=dict(max_epochs=0)))
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (dict(train_cfg=dict(by_epoch=True, max_epochs=1, val_interval=0)),
         r"train_cfg\.val_interval must be a positive integer .*got 0"),
        (dict(train_cfg=dict(by_epoch=True, max_epochs=0)),
         r"train_cfg\.max_epochs must be a positive integer .*got 0"),
        (dict(train_cfg=dict(by_epoch=False, max_iters="abc")),
         r"train_cfg\.max_iters must be a positive integer .*got 'abc'"),
        (dict(train_dataloader=dict(_loader(), batch_size=-4)),
         r"train_dataloader\.batch_size must be a positive integer, got -4"),
        (dict(default_hooks=dict(logger=None, checkpoint=dict(type="CheckpointHook",
                                                             interval=-3))),
         r"default_hooks\.checkpoint\.interval must be a positive integer, or -1 .*got -3"),
        (dict(auto_scale_lr=dict(enable=True, base_batch_size=0)),
         r"auto_scale_lr\.base_batch_size must be a positive integer .*got 0"),
        (dict(cfg=dict(nonfinite_loss="maybe")),
         r"nonfinite_loss must be 'error' or 'warn', got 'maybe'"),
    ],
    ids=["val_interval", "max_epochs", "max_iters", "batch_size", "checkpoint_interval",
         "base_batch_size", "nonfinite_loss"],
)
def test_runner_refuses_before_building_or_writing_anything(
    tmp_path: Path, changes: dict[str, Any], message: str
) -> None:
    work_dir = tmp_path / "work"
    with pytest.raises(InvalidValueError, match=message) as caught:
        Runner(**_runner_args(work_dir, **changes))
    assert not work_dir.exists()  # no work_dir, lock, log dir or config dump
    assert not getattr(caught.value, "__notes__", None)  # nothing blames another key


def test_runner_accepts_good_values(tmp_path: Path) -> None:
    runner = Runner(**_runner_args(
        tmp_path, train_cfg=dict(by_epoch=True, max_epochs=2.0, val_begin=0, val_interval=1),
        default_hooks=dict(logger=None, checkpoint=dict(type="CheckpointHook", interval=-1)),
        cfg=Config(dict(nonfinite_loss="warn")),
    ))
    runner.train()
    assert runner.epoch == 2


def test_a_loop_built_by_hand_names_the_key_not_the_enclosing_dict(tmp_path: Path) -> None:
    runner = Runner(**_runner_args(tmp_path))
    with pytest.raises(InvalidValueError, match=r"^train_cfg\.max_iters must be .*got 'abc'$") \
            as caught:
        runner.build_train_loop(dict(by_epoch=False, max_iters="abc"))
    assert not getattr(caught.value, "__notes__", None)  # no "(while building 'train_cfg')"
    with pytest.raises(InvalidValueError, match=r"^train_cfg\.val_interval must be .*got 0$"):
        runner.build_train_loop(dict(by_epoch=True, max_epochs=1, val_interval=0))


@pytest.mark.parametrize("interval", [-3, 0, 1.5, "2", True])
def test_checkpoint_hook_refuses_a_bad_interval_when_built_too(interval: Any) -> None:
    with pytest.raises(
        ValueError,
        match=r"CheckpointHook: interval must be a positive integer, or -1 for no periodic "
        r"checkpoint, but got " + _escape(repr(interval)),
    ):
        CheckpointHook(interval=interval)


def test_checkpoint_hook_in_custom_hooks_is_refused_naming_its_key(tmp_path: Path) -> None:
    work_dir = tmp_path / "work"
    with pytest.raises(ValueError, match=r"interval must be a positive integer.*got -3") as caught:
        Runner(**_runner_args(
            work_dir, custom_hooks=[dict(type="CheckpointHook", interval=-3)],
        ))
    assert "custom_hooks[0]" in " ".join(getattr(caught.value, "__notes__", []))


@pytest.mark.parametrize("interval", [-1, 1, 3, 2.0])
def test_checkpoint_hook_accepts_good_intervals(interval: Any) -> None:
    assert CheckpointHook(interval=interval).interval == interval


def _escape(text: str) -> str:
    import re

    return re.escape(text)

"""RuntimeInfoHook: what it writes into the message hub, and when."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import torch

import mmlight
from mmlight.hooks import RuntimeInfoHook


def test_before_run_records_run_metadata(make_runner) -> None:
    runner = make_runner()
    hook = RuntimeInfoHook()
    hook.before_run(runner)
    assert runner.message_hub.info == {
        "cfg": "model = dict(type='Toy')\n",
        "seed": 42,
        "experiment_name": "exp_20240101_000000",
        "mmlight_version": mmlight.__version__,
    }


def test_train_progress_and_dataset_meta(make_runner) -> None:
    loader = SimpleNamespace(dataset=SimpleNamespace(metainfo={"classes": ("a", "b")}))
    runner = make_runner(train_dataloader=loader, epoch=1, iter=7, max_epochs=3, max_iters=12)
    hook = RuntimeInfoHook()
    hook.before_train(runner)
    assert runner.message_hub.info == {
        "loop_stage": "train",
        "epoch": 1,
        "iter": 7,
        "max_epochs": 3,
        "max_iters": 12,
        "dataset_meta": {"classes": ("a", "b")},
    }
    runner.epoch = 2
    hook.before_train_epoch(runner)
    assert runner.message_hub.info["epoch"] == 2
    hook.after_train(runner)
    assert "loop_stage" not in runner.message_hub.info


def test_dataset_without_metainfo_records_none(make_runner) -> None:
    runner = make_runner(train_dataloader=list(range(3)))
    RuntimeInfoHook().before_train(runner)
    assert "dataset_meta" not in runner.message_hub.info


def test_iteration_scalars(make_runner) -> None:
    runner = make_runner(iter=4)
    runner.optim_wrapper.lrs = {"base_lr": [0.5], "lr": [0.05, 0.01]}
    hook = RuntimeInfoHook()
    hook.before_train_iter(runner, batch_idx=0)
    assert runner.message_hub.info["iter"] == 4
    assert runner.message_hub.history("train/lr") == [0.05]
    assert runner.message_hub.history("train/base_lr") == [0.5]
    loss = torch.tensor(1.25)
    hook.after_train_iter(runner, batch_idx=0, outputs={"loss": loss, "acc": 0.5})
    assert runner.message_hub.history("train/loss") == [loss]
    assert runner.message_hub.history("train/acc") == [0.5]
    hook.after_train_iter(runner, batch_idx=1, outputs=None)
    assert runner.message_hub.history("train/loss") == [loss]


def test_get_lr_must_return_a_dict(make_runner) -> None:
    runner = make_runner()
    runner.optim_wrapper.lrs = [0.1]
    with pytest.raises(TypeError, match=r"get_lr\(\) must return a dict .* returned list: \[0.1\]"):
        RuntimeInfoHook().before_train_iter(runner, batch_idx=0)
    with pytest.raises(AssertionError):
        RuntimeInfoHook().before_train_iter(runner, batch_idx=0)


@pytest.mark.parametrize("mode", ["val", "test"])
def test_metrics_split_into_scalars_and_info(make_runner, mode: str) -> None:
    runner = make_runner()
    metrics = {
        "acc": 0.9,
        "count": 3,
        "np_scalar": np.float32(0.5),
        "np_one": np.array([0.25]),
        "tensor_one": torch.tensor([2.0]),
        "per_class": [0.8, 0.9],
        "matrix": np.eye(2),
        "tensor_many": torch.ones(3),
        "name": "x",
    }
    getattr(RuntimeInfoHook(), f"after_{mode}_epoch")(runner, metrics=metrics)
    hub = runner.message_hub
    assert set(hub.scalars) == {f"{mode}/{k}" for k in ("acc", "count", "np_scalar", "np_one",
                                                         "tensor_one")}  # fmt: skip
    assert set(hub.info) == {f"{mode}/{k}" for k in ("per_class", "matrix", "tensor_many", "name")}
    getattr(RuntimeInfoHook(), f"after_{mode}_epoch")(make_runner(), metrics=None)


def test_loop_stage_inside_training_and_standalone(make_runner) -> None:
    runner = make_runner()
    hook = RuntimeInfoHook()
    hook.before_run(runner)
    hook.before_train(runner)
    hook.before_val(runner)
    assert runner.message_hub.info["loop_stage"] == "val"
    hook.after_val(runner)
    assert runner.message_hub.info["loop_stage"] == "train"
    hook.after_train(runner)
    assert "loop_stage" not in runner.message_hub.info
    # a standalone validation clears the stage afterwards
    hook.before_val(runner)
    hook.after_val(runner)
    assert "loop_stage" not in runner.message_hub.info
    hook.before_test(runner)
    assert runner.message_hub.info["loop_stage"] == "test"
    hook.after_test(runner)
    assert "loop_stage" not in runner.message_hub.info


def test_priority_is_very_high() -> None:
    assert RuntimeInfoHook.priority == "VERY_HIGH"

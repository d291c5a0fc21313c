"""CallbackHook: native Lightning callbacks among MMEngine hooks, through a real Runner."""

from __future__ import annotations

import csv
from datetime import timedelta
from typing import Any

import lightning.pytorch as pl
import pytest
import torch
import torch.nn.functional as F
from lightning.pytorch.callbacks import LambdaCallback, LearningRateMonitor, Timer
from lightning.pytorch.loggers import CSVLogger
from torch import nn

from mmlight.evaluator import BaseMetric
from mmlight.hooks import MOUNT_POINTS, Hook
from mmlight.lightning.callback_hook import _CALLS, CALLBACK_EVENTS, CallbackHook
from mmlight.model import BaseModel
from mmlight.runner import Runner

# Lightning's optimisation-step callbacks: no MMEngine mount point corresponds to them.
_STEP_LEVEL = {
    "on_before_backward",
    "on_after_backward",
    "on_before_optimizer_step",
    "on_before_zero_grad",
}


class _Toy(BaseModel):
    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(4, 3)

    def forward(self, inputs: Any, data_samples: Any = None, mode: str = "tensor") -> Any:
        logits = self.linear(torch.stack(inputs))
        if mode == "loss":
            return dict(loss=F.cross_entropy(logits, torch.tensor(data_samples)))
        return [dict(pred=int(p), gt=g) for p, g in zip(logits.argmax(1), data_samples)]


class _Accuracy(BaseMetric):
    default_prefix = "toy"

    def process(self, data_batch: Any, data_samples: Any) -> None:
        self.results.extend(float(s["pred"] == s["gt"]) for s in data_samples)

    def compute_metrics(self, results: list) -> dict:
        return dict(accuracy=sum(results) / len(results))


def _data(n: int, seed: int = 0) -> list[dict]:
    generator = torch.Generator().manual_seed(seed)
    return [dict(inputs=torch.randn(4, generator=generator), data_samples=i % 3) for i in range(n)]


def _loader(n: int, seed: int = 0) -> dict:
    return dict(
        dataset=_data(n, seed), sampler=dict(type="DefaultSampler", shuffle=False), batch_size=4
    )


def _runner(tmp_path: Any, hooks: list, max_epochs: int = 2, **trainer: Any) -> Runner:
    runner = Runner(
        model=_Toy(),
        work_dir=str(tmp_path / "work"),
        train_dataloader=_loader(12),
        val_dataloader=_loader(6, seed=1),
        test_dataloader=_loader(5, seed=2),
        train_cfg=dict(max_epochs=max_epochs),
        val_cfg=dict(),
        test_cfg=dict(),
        val_evaluator=[_Accuracy()],
        test_evaluator=[_Accuracy()],
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.1)),
        default_hooks=dict(checkpoint=None, logger=None),
        custom_hooks=hooks,
    )
    runner.trainer_kwargs.update(trainer)
    return runner


class RecordingCallback(pl.Callback):
    """Records every Callback method call with the trainer's global_step and batch index."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []


def _recorder(name: str) -> Any:
    def method(
        self: RecordingCallback, trainer: Any, pl_module: Any, *args: Any, **kwargs: Any
    ) -> None:
        assert pl_module is None or isinstance(pl_module, pl.LightningModule)
        extra: Any = None
        if name in ("setup", "teardown"):
            extra = str(kwargs["stage"].value)  # Lightning passes its TrainerFn by keyword
        elif name.endswith("batch_start"):
            extra = args[1]  # batch_idx
        elif name.endswith("batch_end"):
            extra = args[2]
        step = trainer.global_step if trainer is not None else None
        self.calls.append((name, step, extra))

    return method


for _name in dir(pl.Callback):
    if _name.startswith("on_") or _name in ("setup", "teardown"):
        setattr(RecordingCallback, _name, _recorder(_name))


# -------------------------------------------------------------------------------- the table


def test_table_covers_every_mount_point() -> None:
    assert tuple(CALLBACK_EVENTS) == MOUNT_POINTS
    names = {name for names in CALLBACK_EVENTS.values() for name in names}
    assert names == set(_CALLS)
    assert all(callable(getattr(pl.Callback, name)) for name in names)
    hook = CallbackHook(pl.Callback())
    assert hook.get_triggered_stages() == list(MOUNT_POINTS)


def test_only_callbacks_are_wrapped() -> None:
    with pytest.raises(TypeError, match=r"CallbackHook wraps a lightning.pytorch.Callback, got"):
        CallbackHook(object())  # type: ignore[arg-type]


# ------------------------------------------------------------- same calls as Lightning makes


def test_calls_match_a_callback_given_to_the_trainer(tmp_path: Any) -> None:
    ours, native = RecordingCallback(), RecordingCallback()
    runner = _runner(tmp_path, [ours], callbacks=[native])
    runner.train()
    runner.test()
    expected = [call for call in native.calls if call[0] not in _STEP_LEVEL]
    assert [c for c in ours.calls if c[0] != "on_train_epoch_end"] == [
        c for c in expected if c[0] != "on_train_epoch_end"
    ]
    # Same epoch ends (global step 3 and 6) ...
    epoch_ends = [c for c in ours.calls if c[0] == "on_train_epoch_end"]
    assert epoch_ends == [c for c in expected if c[0] == "on_train_epoch_end"]
    assert [c[1] for c in epoch_ends] == [3, 6]
    # ... but in MMEngine's order: before the epoch's validation, not after it.
    names = [c[0] for c in ours.calls]
    first_end = names.index("on_train_epoch_end")
    assert names[first_end + 1] == "on_validation_start"
    assert ("setup", 0, "fit") in ours.calls and ("teardown", 6, "fit") in ours.calls
    assert ("setup", 0, "test") in ours.calls and ours.calls[-1] == ("teardown", 0, "test")
    assert ("on_train_batch_end", 2, 1) in ours.calls  # after the 2nd optimizer step


def test_standalone_validation_matches_lightning(tmp_path: Any) -> None:
    ours, native = RecordingCallback(), RecordingCallback()
    runner = _runner(tmp_path, [ours], callbacks=[native])
    runner.val()
    assert ours.calls == native.calls
    assert ours.calls[0] == ("setup", 0, "validate")
    assert ours.calls[-1] == ("teardown", 0, "validate")


# ---------------------------------------------------------------------------- priorities


class _OrderHook(Hook):
    def __init__(self, label: str, log: list) -> None:
        self.label = label
        self.log = log

    def after_train_iter(
        self, runner: Any, batch_idx: int, data_batch: Any = None, outputs: Any = None
    ) -> None:
        self.log.append(self.label)


class _OrderCallback(pl.Callback):
    def __init__(self, label: str, log: list) -> None:
        self.label = label
        self.log = log

    def on_train_batch_end(self, *args: Any) -> None:
        self.log.append(self.label)


def test_priority_places_the_callback_among_the_hooks(tmp_path: Any) -> None:
    log: list[str] = []
    lowest = _OrderHook("hook_lowest", log)
    lowest.priority = "LOWEST"
    hooks = [
        lowest,
        _OrderHook("hook_normal", log),
        dict(
            type="lightning.pytorch.callbacks.LambdaCallback",
            on_train_batch_end=lambda *args: log.append("lambda_highest"),
            priority="HIGHEST",
        ),
        _OrderCallback("callback_normal", log),  # NORMAL tie: after the hook registered first
        dict(
            type="lightning.pytorch.callbacks.LambdaCallback",
            on_train_batch_end=lambda *args: log.append("lambda_75"),
            priority=75,
        ),
    ]
    runner = _runner(tmp_path, hooks, max_epochs=1)
    wrapped = [h for h in runner.hooks if isinstance(h, CallbackHook)]
    assert [type(h.callback) for h in wrapped] == [LambdaCallback, _OrderCallback, LambdaCallback]
    runner.train()
    assert log[:5] == [
        "lambda_highest",
        "hook_normal",
        "callback_normal",
        "lambda_75",
        "hook_lowest",
    ]
    assert len(log) == 15  # three iterations


# -------------------------------------------------------------------- Lightning built-ins


def test_lambda_callback_sees_every_stage(tmp_path: Any) -> None:
    seen: list[str] = []
    callback = LambdaCallback(
        on_fit_start=lambda trainer, module: seen.append("fit"),
        on_validation_epoch_end=lambda trainer, module: seen.append("val"),
        on_test_batch_end=lambda trainer, module, outputs, batch, idx: seen.append(
            f"test{idx}:{len(outputs)}"
        ),
    )
    runner = _runner(tmp_path, [callback])
    runner.train()
    runner.test()
    assert seen == ["fit", "val", "val", "test0:4", "test1:1"]


def test_timer_measures_each_stage(tmp_path: Any) -> None:
    timer = Timer()
    runner = _runner(tmp_path, [timer])
    runner.train()
    runner.test()
    assert timer.time_elapsed("train") > 0
    assert timer.time_elapsed("validate") > 0
    assert timer.time_elapsed("test") > 0
    assert timer.start_time("test") >= timer.end_time("train")


def test_timer_with_no_time_left_stops_training_like_lightning(tmp_path: Any) -> None:
    log: list[str] = []
    runner = _runner(tmp_path, [Timer(duration=timedelta(0)), _OrderHook("iter", log)])
    runner.train()
    assert log == []  # Lightning's Timer stops at on_fit_start, before the first iteration


def test_learning_rate_monitor_writes_to_the_trainer_logger(tmp_path: Any) -> None:
    logger = CSVLogger(str(tmp_path / "csv"), name="lr")
    monitor = dict(
        type="lightning.pytorch.callbacks.LearningRateMonitor",
        logging_interval="epoch",
        priority="LOW",
    )
    runner = _runner(tmp_path, [monitor], logger=logger)
    runner.train()
    with open(logger.log_dir + "/metrics.csv") as file:
        rows = list(csv.DictReader(file))
    assert [float(row["lr-SGD"]) for row in rows if row.get("lr-SGD")] == [0.1, 0.1]


def test_learning_rate_monitor_without_logger_is_refused(tmp_path: Any) -> None:
    runner = _runner(tmp_path, [LearningRateMonitor()])
    with pytest.raises(Exception, match=r"Cannot use `LearningRateMonitor` callback with `Tr"):
        runner.train()


# ------------------------------------------------------------------------------ checkpoints


class _CountingCallback(pl.Callback):
    def __init__(self) -> None:
        self.count = 0
        self.events: list[str] = []

    def on_train_batch_end(self, *args: Any) -> None:
        self.count += 1

    def state_dict(self) -> dict:
        return dict(count=self.count)

    def load_state_dict(self, state_dict: dict) -> None:
        self.events.append("load_state_dict")
        self.count = state_dict["count"]

    def on_save_checkpoint(self, trainer: Any, pl_module: Any, checkpoint: dict) -> None:
        self.events.append("on_save_checkpoint")
        checkpoint["seen_callbacks"] = dict(checkpoint.get("callbacks", {}))

    def on_load_checkpoint(self, trainer: Any, pl_module: Any, checkpoint: dict) -> None:
        self.events.append("on_load_checkpoint")


def test_callback_state_goes_into_and_out_of_the_checkpoint(tmp_path: Any) -> None:
    callback = _CountingCallback()
    runner = _runner(tmp_path, [callback])
    runner.train()
    assert callback.count == 6
    hook = next(h for h in runner.hooks if isinstance(h, CallbackHook))
    checkpoint: dict = dict(state_dict={})
    hook.before_save_checkpoint(runner, checkpoint)
    assert checkpoint["callbacks"] == {"_CountingCallback": {"count": 6}}
    assert checkpoint["seen_callbacks"] == checkpoint["callbacks"]  # state_dict comes first

    fresh = _CountingCallback()
    other = _runner(tmp_path, [fresh])
    other_hook = next(h for h in other.hooks if isinstance(h, CallbackHook))
    other_hook.after_load_checkpoint(other, checkpoint)
    assert fresh.count == 6
    assert fresh.events == ["on_load_checkpoint", "load_state_dict"]  # Lightning's order
    other_hook.after_load_checkpoint(other, dict(state_dict={}))  # no callback state: kept
    assert fresh.count == 6


def test_empty_state_is_not_stored(tmp_path: Any) -> None:
    runner = _runner(tmp_path, [RecordingCallback()])
    hook = next(h for h in runner.hooks if isinstance(h, CallbackHook))
    checkpoint: dict = dict(state_dict={})
    hook.before_save_checkpoint(runner, checkpoint)
    assert "callbacks" not in checkpoint

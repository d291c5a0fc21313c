"""EMAHook: argument checks, updates, parameter swaps and the checkpoint layout, with dicts."""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from typing import Any

import pytest
import torch
from torch import nn

from mmlight.hooks import EMAHook
from mmlight.registry import HOOKS


def _model() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))


def _fill(model: nn.Module, value: float) -> None:
    with torch.no_grad():
        for param in model.parameters():
            param.fill_(value)


def _ready(make_runner: Callable[..., Any], hook: EMAHook, **attrs: Any) -> Any:
    attrs.setdefault("_resume", False)
    runner = make_runner(model=_model(), **attrs)
    hook.before_run(runner)
    return runner


def _first_param(module: nn.Module) -> float:
    return float(next(module.parameters()).flatten()[0])


# ------------------------------------------------------------------------------ arguments


def test_registered_and_normal_priority() -> None:
    hook = HOOKS.build(dict(type="EMAHook", momentum=0.1, interval=2))
    assert isinstance(hook, EMAHook)
    assert hook.priority == "NORMAL"
    assert hook.ema_cfg == dict(type="ExponentialMovingAverage", momentum=0.1, interval=2)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (
            dict(begin_iter=2, begin_epoch=1),
            ValueError,
            r"`begin_iter` and `begin_epoch` should not be both set "
            r"\(got begin_iter=2, begin_epoch=1\)",
        ),
        (dict(begin_iter=-1), ValueError, r"`begin_iter` must be larger than or equal to 0, but "
         r"got begin_iter: -1"),
        (dict(begin_epoch=-3), ValueError, r"`begin_epoch` must be larger than or equal to 0, "
         r"but got begin_epoch: -3"),
        (dict(begin_epoch=1.5), TypeError, r"begin_epoch must be an int, got 1.5"),
    ],
)
def test_bad_arguments(kwargs: dict, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        EMAHook(**kwargs)


def test_bad_arguments_are_assertion_errors_too() -> None:
    with pytest.raises(AssertionError):
        EMAHook(begin_iter=1, begin_epoch=1)


def test_before_train_refuses_unreachable_start(make_runner: Callable[..., Any]) -> None:
    hook = EMAHook(begin_epoch=3)
    runner = _ready(make_runner, hook, max_epochs=2)
    with pytest.raises(ValueError, match=r"self.begin_epoch should be smaller than or equal to "
        r"runner.max_epochs: 2, but got begin_epoch: 3"):
        hook.before_train(runner)
    hook = EMAHook(begin_iter=9)
    runner = _ready(make_runner, hook, max_iters=8)
    with pytest.raises(ValueError, match=r"self.begin_iter should be smaller than or equal to "
        r"runner.max_iters: 8, but got begin_iter: 9"):
        hook.before_train(runner)
    reachable = EMAHook(begin_iter=8)
    reachable.before_train(_ready(make_runner, reachable, max_iters=8))


def test_unknown_ema_type_names_the_choices(make_runner: Callable[..., Any]) -> None:
    hook = EMAHook(ema_type="ExponentialMovingAvg")
    with pytest.raises(KeyError, match="ExponentialMovingAverage"):
        _ready(make_runner, hook)


# ------------------------------------------------------------------------- training updates


def test_before_run_copies_the_unwrapped_model(make_runner: Callable[..., Any]) -> None:
    model = _model()
    runner = make_runner(model=nn.DataParallel(model))
    hook = EMAHook(momentum=0.5)
    hook.before_run(runner)
    assert hook.src_model is model
    assert type(hook.ema_model).__name__ == "ExponentialMovingAverage"
    assert hook.ema_model.momentum == 0.5


def test_updates_start_at_begin_iter(make_runner: Callable[..., Any]) -> None:
    hook = EMAHook(momentum=0.5, begin_iter=2)
    runner = _ready(make_runner, hook)
    seen = []
    for it, value in enumerate([1.0, 3.0, 5.0, 9.0]):
        runner.iter = it
        _fill(hook.src_model, value)
        hook.after_train_iter(runner, batch_idx=it)
        seen.append(_first_param(hook.ema_model.module))
    # iter 0 (iter+1 < 2) copies the model; from iter 1 on the averaged model updates: its
    # first update copies (3), then 0.5*3 + 0.5*5 = 4 and 0.5*4 + 0.5*9 = 6.5.
    assert seen == [1.0, 3.0, 4.0, 6.5]
    assert int(hook.ema_model.steps) == 3


def test_updates_start_at_begin_epoch(make_runner: Callable[..., Any]) -> None:
    hook = EMAHook(momentum=0.5, begin_epoch=2)
    runner = _ready(make_runner, hook)
    runner.epoch = 0
    hook.after_train_iter(runner, batch_idx=0)
    assert int(hook.ema_model.steps) == 0
    runner.epoch = 1
    hook.after_train_iter(runner, batch_idx=0)
    assert int(hook.ema_model.steps) == 1


# --------------------------------------------------------------------------- evaluation swap


@pytest.mark.parametrize("mode", ["val", "test"])
def test_evaluation_uses_averaged_weights_and_restores(
    make_runner: Callable[..., Any], mode: str
) -> None:
    hook = EMAHook(momentum=0.5)
    runner = _ready(make_runner, hook)
    _fill(hook.src_model, 2.0)
    hook.after_train_iter(runner, batch_idx=0)
    _fill(hook.src_model, 4.0)
    hook.after_train_iter(runner, batch_idx=1)  # average: 3.0, model: 4.0
    getattr(hook, f"before_{mode}_epoch")(runner)
    assert _first_param(hook.src_model) == 3.0
    assert _first_param(hook.ema_model.module) == 4.0
    getattr(hook, f"after_{mode}_epoch")(runner, metrics={})
    assert _first_param(hook.src_model) == 4.0
    assert _first_param(hook.ema_model.module) == 3.0


def test_buffers_swap_only_with_update_buffers(make_runner: Callable[..., Any]) -> None:
    for update_buffers, expected in ((False, 0.0), (True, 7.0)):
        hook = EMAHook(update_buffers=update_buffers)
        runner = _ready(make_runner, hook)
        hook.ema_model.module[1].running_mean.fill_(7.0)
        hook.before_val_epoch(runner)
        assert float(hook.src_model[1].running_mean[0]) == expected


# ------------------------------------------------------------------------------ checkpoints


def _trained_hook(make_runner: Callable[..., Any], **kwargs: Any) -> tuple[EMAHook, Any]:
    hook = EMAHook(momentum=0.5, **kwargs)
    runner = _ready(make_runner, hook)
    _fill(hook.src_model, 2.0)
    hook.after_train_iter(runner, batch_idx=0)
    _fill(hook.src_model, 4.0)
    hook.after_train_iter(runner, batch_idx=1)  # average 3.0, model 4.0
    return hook, runner


def test_saved_state_dict_holds_the_averaged_weights(make_runner: Callable[..., Any]) -> None:
    hook, runner = _trained_hook(make_runner)
    checkpoint = dict(state_dict=hook.src_model.state_dict(), meta={})
    hook.before_save_checkpoint(runner, checkpoint)
    ema_state = checkpoint["ema_state_dict"]
    assert set(ema_state) == {"steps"} | {f"module.{k}" for k in checkpoint["state_dict"]}
    assert float(checkpoint["state_dict"]["0.weight"][0, 0]) == 3.0
    assert float(ema_state["module.0.weight"][0, 0]) == 4.0
    assert int(ema_state["steps"]) == 2
    # The model itself is untouched.
    assert _first_param(hook.src_model) == 4.0


def test_resume_restores_model_and_average(make_runner: Callable[..., Any]) -> None:
    hook, runner = _trained_hook(make_runner)
    checkpoint = dict(state_dict=hook.src_model.state_dict())
    hook.before_save_checkpoint(runner, checkpoint)
    saved = copy.deepcopy(checkpoint)

    fresh = EMAHook(momentum=0.5)
    resumed = _ready(make_runner, fresh, _resume=True)
    fresh.after_load_checkpoint(resumed, saved)
    # The dict is swapped back: state_dict holds the raw weights the runner loads next.
    assert float(saved["state_dict"]["0.weight"][0, 0]) == 4.0
    assert _first_param(fresh.ema_model.module) == 3.0
    assert int(fresh.ema_model.steps) == 2


def test_resume_without_ema_state_copies_state_dict_and_warns(
    make_runner: Callable[..., Any],
) -> None:
    from mmlight.logging import MMLogger

    hook = EMAHook()
    runner = _ready(make_runner, hook, _resume=True)
    source = _model()
    _fill(source, 5.0)
    messages: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: messages.append(record.getMessage())  # type: ignore[method-assign]
    logger = MMLogger.get_current_instance()
    logger.addHandler(handler)
    try:
        hook.after_load_checkpoint(runner, dict(state_dict=source.state_dict()))
    finally:
        logger.removeHandler(handler)
    assert _first_param(hook.ema_model.module) == 5.0
    assert any("There is no `ema_state_dict` in checkpoint" in m for m in messages)


def test_load_from_copies_the_averaged_weights(make_runner: Callable[..., Any]) -> None:
    hook, runner = _trained_hook(make_runner)
    checkpoint = dict(state_dict=hook.src_model.state_dict())
    hook.before_save_checkpoint(runner, checkpoint)

    fresh = EMAHook()
    loading = _ready(make_runner, fresh, _resume=False)
    fresh.after_load_checkpoint(loading, checkpoint)
    # Not a resume: the average starts from state_dict, i.e. the averaged weights (3.0).
    assert _first_param(fresh.ema_model.module) == 3.0
    assert float(checkpoint["state_dict"]["0.weight"][0, 0]) == 3.0


def test_strict_load_reports_mismatched_keys(make_runner: Callable[..., Any]) -> None:
    state = _model().state_dict()
    state.pop("2.bias")
    lenient = EMAHook()
    lenient.after_load_checkpoint(_ready(make_runner, lenient), dict(state_dict=dict(state)))
    strict = EMAHook(strict_load=True)
    with pytest.raises(RuntimeError, match=r"missing keys in source state_dict: 2.bias"):
        strict.after_load_checkpoint(_ready(make_runner, strict), dict(state_dict=dict(state)))


def test_mismatched_ema_state_is_named(make_runner: Callable[..., Any]) -> None:
    hook, runner = _trained_hook(make_runner)
    checkpoint = dict(state_dict={"other.weight": torch.zeros(1)})
    with pytest.raises(
        KeyError, match=r"\['ema_state_dict'\] has 'module.0.weight' but .* no '0.weight'"
    ):
        hook.before_save_checkpoint(runner, checkpoint)


# ----------------------------------------------------------------------------------- device


def test_average_follows_the_model_to_its_device(make_runner: Callable[..., Any]) -> None:
    # Lightning moves the model after before_run; "meta" stands in for an accelerator here.
    hook = EMAHook()
    runner = _ready(make_runner, hook)
    hook.src_model.to("meta")
    hook.before_train(runner)
    assert next(hook.ema_model.parameters()).device.type == "meta"
    assert hook.ema_model.steps.device.type == "meta"

    pinned = EMAHook(device="cpu")  # an explicit device is kept
    runner = _ready(make_runner, pinned)
    pinned.src_model.to("meta")
    pinned.before_train(runner)
    assert next(pinned.ema_model.parameters()).device.type == "cpu"

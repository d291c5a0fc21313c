"""The stepper's fp32 single-device fast path fires what Lightning's path fires, in order."""

from __future__ import annotations

from typing import Any

import lightning.pytorch as pl
import pytest
import torch

from mmlight.lightning.stepper import LightningStepper
from mmlight.runner import Runner
from tests.runner.tiny_regressor import TinyRegressor


class Recorder(pl.Callback):
    def __init__(self) -> None:
        self.events: list[tuple[Any, ...]] = []

    def on_before_backward(self, trainer: Any, module: Any, loss: Any) -> None:
        self.events.append(("before_backward", trainer.global_step, module._current_fx_name))

    def on_after_backward(self, trainer: Any, module: Any) -> None:
        grad = module.model.linear.weight.grad
        self.events.append(("after_backward", trainer.global_step, grad.clone()))

    def on_before_optimizer_step(self, trainer: Any, module: Any, optimizer: Any) -> None:
        grad = module.model.linear.weight.grad
        self.events.append(("before_step", trainer.global_step, grad.clone()))


def _train(tmp_path: Any, fast: bool, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    used: list[bool] = []
    original = LightningStepper._fast_path

    def fast_path(self: LightningStepper) -> bool:
        used.append(original(self))
        return fast and used[-1]

    monkeypatch.setattr(LightningStepper, "_fast_path", fast_path)
    recorder = Recorder()
    torch.manual_seed(0)
    data = [dict(inputs=torch.tensor([float(i), 1.0]), data_samples=float(i)) for i in range(8)]
    runner = Runner(
        model=TinyRegressor(), work_dir=str(tmp_path / str(fast)),
        train_dataloader=dict(dataset=data, sampler=dict(type="DefaultSampler", shuffle=False),
                              batch_size=2),
        train_cfg=dict(by_epoch=True, max_epochs=2),
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.01, momentum=0.9),
                           clip_grad=dict(max_norm=0.5), accumulative_counts=2),
        default_hooks=dict(logger=None, checkpoint=None), randomness=dict(seed=0),
    )
    runner.trainer_kwargs["callbacks"] = [recorder]
    runner.train()
    recorder = next(cb for cb in runner._trainer.callbacks if isinstance(cb, Recorder))
    return dict(events=recorder.events, used=used, global_step=runner._trainer.global_step,
                weight=runner.model.linear.weight.detach().clone())


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, torch.Tensor):
        return torch.equal(a, b)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def test_fast_path_matches_lightnings_path(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    fast = _train(tmp_path, True, monkeypatch)
    slow = _train(tmp_path, False, monkeypatch)
    assert fast["used"] and all(fast["used"])  # the plain CPU run does take the fast path
    assert fast["global_step"] == slow["global_step"] == 4  # 8 batches, accumulating 2
    assert _same(fast["events"], slow["events"])
    assert torch.equal(fast["weight"], slow["weight"])

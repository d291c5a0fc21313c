"""One tiny training run written to MMCV 1.x's contracts, shared by the fixture script (which runs
it under MMCV 1.7.2's own runners) and the tests (which run it under mmlight's Runner).

Only torch is imported here: the hook base class is passed in (``mmcv.runner.Hook`` there,
``mmlight.mmcv1.legacy_hook.Hook`` here), so the hook's code is the same text in both runs.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from torch.utils.data import Dataset

__all__ = [
    "BATCH_SIZE",
    "LR",
    "MAX_EPOCHS",
    "MAX_ITERS",
    "SCHEDULES",
    "LegacyNet",
    "PairDataset",
    "make_recorder",
    "train_samples",
    "val_samples",
]

BATCH_SIZE = 2
LR = 0.05
MOMENTUM = 0.9
MAX_EPOCHS = 3  # EpochBasedRunner, workflow [('train', 1), ('val', 1)]
MAX_ITERS = 7  # IterBasedRunner, workflow [('train', 1)]: the 4-batch loader wraps once
# The schedules of each run (MMCV 1.x lr_config/momentum_config; mmlight runs their translation).
SCHEDULES: dict[str, dict[str, dict | None]] = {
    "epoch": dict(
        lr_config=dict(policy="step", step=[2], warmup="linear", warmup_iters=3,
                       warmup_ratio=0.1),
        momentum_config=None,
    ),
    "iter": dict(
        lr_config=dict(policy="poly", power=1.0, min_lr=0.001, by_epoch=False, warmup="exp",
                       warmup_iters=2, warmup_ratio=0.2),
        momentum_config=dict(policy="cyclic", target_ratio=(0.85 / 0.95, 1), cyclic_times=1,
                             step_ratio_up=0.4, by_epoch=False),
    ),
}


def _samples(count: int, offset: float) -> list[dict[str, torch.Tensor]]:
    out = []
    for i in range(count):
        x = torch.tensor([0.25 * i + offset, 1.0 - 0.125 * i])
        y = torch.tensor([1.5 * x[0].item() - 0.5 * x[1].item() + 0.3])
        out.append(dict(x=x, y=y))
    return out


def train_samples() -> list[dict[str, torch.Tensor]]:
    return _samples(8, 0.1)


def val_samples() -> list[dict[str, torch.Tensor]]:
    return _samples(4, -0.2)


class PairDataset(Dataset):
    """A list of ``dict(x, y)`` samples (default_collate stacks them into one dict)."""

    def __init__(self, samples: list[dict[str, torch.Tensor]]) -> None:
        self.samples = samples

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        return self.samples[index]


class LegacyNet(nn.Module):
    """A regression net written to MMCV 1.x's model contract, with fixed initial weights."""

    def __init__(self) -> None:
        super().__init__()
        self.hidden = nn.Linear(2, 3)
        self.out = nn.Linear(3, 1)
        with torch.no_grad():
            self.hidden.weight.copy_(torch.tensor([[0.2, -0.1], [0.05, 0.3], [-0.25, 0.15]]))
            self.hidden.bias.copy_(torch.tensor([0.1, -0.05, 0.0]))
            self.out.weight.copy_(torch.tensor([[0.3, -0.2, 0.1]]))
            self.out.bias.copy_(torch.tensor([0.05]))

    def forward(self, x: torch.Tensor, y: torch.Tensor, return_loss: bool = True) -> Any:
        pred = self.out(torch.tanh(self.hidden(x)))
        if return_loss:
            return dict(loss=((pred - y) ** 2).mean())
        return list(pred.detach())

    def train_step(self, data_batch: dict, optimizer: Any, **kwargs: Any) -> dict:
        loss = self(**data_batch)["loss"]
        return dict(loss=loss, log_vars=dict(loss=loss.item()), num_samples=len(data_batch["x"]))

    def val_step(self, data_batch: dict, optimizer: Any = None, **kwargs: Any) -> dict:
        return self.train_step(data_batch, optimizer)


def make_recorder(base: type) -> type:
    """A 1.x hook (subclass of ``base``) appending what it sees at each call to ``calls``."""

    class Recorder(base):  # type: ignore[misc, valid-type, unused-ignore]
        def __init__(self, calls: list) -> None:
            self.calls = calls

        def _record(self, name: str, runner: Any, **extra: Any) -> None:
            self.calls.append(
                dict(
                    name=name,
                    mode=runner.mode,
                    epoch=runner.epoch,
                    iter=runner.iter,
                    inner_iter=runner.inner_iter,
                    **extra,
                )
            )

        def before_run(self, runner: Any) -> None:
            self._record("before_run", runner, max_epochs=runner.max_epochs)

        def after_run(self, runner: Any) -> None:
            self._record("after_run", runner)

        def before_epoch(self, runner: Any) -> None:
            # IterBasedRunner calls it once, before any phase set mode and data_loader.
            length = len(runner.data_loader) if runner.mode is not None else None
            self._record("before_epoch", runner, loader_length=length)

        def after_epoch(self, runner: Any) -> None:
            self._record("after_epoch", runner, every_2_epochs=self.every_n_epochs(runner, 2))

        def before_iter(self, runner: Any) -> None:
            self._record("before_iter", runner)

        def after_train_iter(self, runner: Any) -> None:
            runner.log_buffer.average(2)
            window = runner.log_buffer.output["loss"]
            self._record(
                "after_train_iter",
                runner,
                every_2_iters=self.every_n_iters(runner, 2),
                every_3_inner_iters=self.every_n_inner_iters(runner, 3),
                end_of_epoch=self.end_of_epoch(runner),
                last_epoch=self.is_last_epoch(runner),
                last_iter=self.is_last_iter(runner),
                loss=runner.outputs["loss"].item(),
                num_samples=runner.outputs["num_samples"],
                loss_window_2=float(window),
                lr=runner.current_lr()[0],
                momentum=runner.current_momentum()[0],
            )

        def after_val_iter(self, runner: Any) -> None:
            self._record("after_val_iter", runner, end_of_epoch=self.end_of_epoch(runner))

    return Recorder

"""mmlight's training-epoch loop does what Lightning's does, minus the no-ops it skips."""

from __future__ import annotations

from typing import Any

import lightning.pytorch as pl
import pytest
import torch
from torch.utils.data import DataLoader

from mmlight.lightning import compat
from mmlight.lightning.epoch_loop import MMTrainingEpochLoop
from mmlight.lightning.trainer_factory import _NoProfiler
from mmlight.runner.batch_source import BATCH_TOKEN, BatchSource, EpochTokens


class Recorder(pl.Callback):
    def __init__(self) -> None:
        self.events: list[tuple[Any, ...]] = []

    def on_train_batch_start(self, trainer: Any, module: Any, batch: Any, idx: int) -> None:
        self.events.append(("start", idx, trainer.global_step, module._current_fx_name))

    def on_train_batch_end(self, trainer: Any, module: Any, out: Any, batch: Any, idx: int) -> None:
        self.events.append(("end", idx, trainer.global_step, sorted(out)))

    def on_before_optimizer_step(self, trainer: Any, module: Any, optimizer: Any) -> None:
        self.events.append(("before_step", trainer.global_step))

    def on_train_epoch_end(self, trainer: Any, module: Any) -> None:
        self.events.append(("epoch_end", dict(trainer.callback_metrics)))


class Manual(pl.LightningModule):
    def __init__(self, log: bool, stop_at: int | None, tokens: bool) -> None:
        super().__init__()
        self.automatic_optimization = False
        self.layer = torch.nn.Linear(2, 1)
        self.log_loss, self.stop_at, self.tokens = log, stop_at, tokens
        self.batches: list[Any] = []

    def on_train_batch_start(self, batch: Any, batch_idx: int) -> Any:
        return -1 if batch_idx == self.stop_at else None

    def training_step(self, batch: Any, batch_idx: int) -> Any:
        self.batches.append(batch)
        data = torch.full((4, 2), float(batch_idx)) if self.tokens else batch
        loss = self.layer(data).pow(2).mean()
        optimizer = self.optimizers()
        optimizer.zero_grad()
        self.manual_backward(loss)
        optimizer.step()
        if self.log_loss:
            self.log("loss", loss, on_step=True, on_epoch=True)
        return dict(loss=loss.detach())

    def configure_optimizers(self) -> Any:
        return torch.optim.SGD(self.parameters(), lr=0.1)


def _fit(mm_loop: bool, **options: Any) -> dict[str, Any]:
    torch.manual_seed(0)
    recorder = Recorder()
    # mmlight's Trainers have the no-op profiler; under it callbacks are called by mmlight.
    profiler = _NoProfiler() if options.pop("no_profiler", False) else None
    trainer = pl.Trainer(
        accelerator="cpu", devices=1, max_epochs=2, logger=False, enable_checkpointing=False,
        enable_progress_bar=False, enable_model_summary=False, callbacks=[pl.Callback(), recorder],
        profiler=profiler,
    )
    if mm_loop:
        compat.install_epoch_loop(trainer, MMTrainingEpochLoop)
    module = Manual(**options)
    data: Any = (
        EpochTokens(BatchSource([None] * 5)) if options["tokens"]
        else DataLoader(torch.randn(20, 2), batch_size=4)
    )
    trainer.fit(module, data)
    loop = trainer.fit_loop.epoch_loop
    return dict(
        events=recorder.events,
        global_step=trainer.global_step,
        progress=loop.batch_progress.state_dict(),
        stepped=loop._batches_that_stepped,
        weights=module.layer.weight.detach().clone(),
        batches=[b if b is BATCH_TOKEN else b.clone() for b in module.batches],
        logged=dict(trainer.logged_metrics),
    )


@pytest.mark.parametrize(
    "options",
    [
        dict(log=False, stop_at=None, tokens=False),
        dict(log=True, stop_at=None, tokens=False),
        dict(log=False, stop_at=3, tokens=False),
        dict(log=False, stop_at=None, tokens=True),
        dict(log=True, stop_at=3, tokens=False, no_profiler=True),
    ],
    ids=["plain", "logging", "stop-epoch", "tokens", "no-profiler"],
)
def test_same_counters_hooks_and_results_as_lightnings_loop(options: dict) -> None:
    ours, lightnings = _fit(True, **dict(options)), _fit(False, **dict(options))
    assert ours["events"] == lightnings["events"]
    for key in ("global_step", "progress", "stepped", "logged"):
        assert ours[key] == lightnings[key], key
    assert torch.equal(ours["weights"], lightnings["weights"])
    assert len(ours["batches"]) == len(lightnings["batches"])
    for a, b in zip(ours["batches"], lightnings["batches"], strict=True):
        assert a is b if a is BATCH_TOKEN else torch.equal(a, b)


def test_the_runner_trains_with_it(tmp_path: Any) -> None:
    from mmlight.runner import Runner
    from tests.runner.tiny_regressor import TinyRegressor

    data = [dict(inputs=torch.tensor([float(i), 1.0]), data_samples=float(i)) for i in range(8)]
    runner = Runner(
        model=TinyRegressor(), work_dir=str(tmp_path),
        train_dataloader=dict(dataset=data, sampler=dict(type="DefaultSampler", shuffle=False),
                              batch_size=4),
        train_cfg=dict(by_epoch=True, max_epochs=2),
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.01)),
        default_hooks=dict(logger=None), randomness=dict(seed=0),
    )
    runner.train()
    assert isinstance(runner._trainer.fit_loop.epoch_loop, MMTrainingEpochLoop)
    assert runner._trainer.global_step == 4 and runner.iter == 4

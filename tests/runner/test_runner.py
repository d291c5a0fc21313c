"""Runner behaviour beyond the parity scenarios: argument checks and custom loops."""

from __future__ import annotations

from typing import Any

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from mmlight.hooks import Hook
from mmlight.model import BaseModel
from mmlight.optim import OptimWrapperDict, build_optim_wrapper
from mmlight.registry import LOOPS, MODELS, OPTIM_WRAPPER_CONSTRUCTORS
from mmlight.runner import EpochBasedTrainLoop, Runner


@MODELS.register_module(force=True)
class TinyModel(BaseModel):
    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(2, 1)

    def forward(self, inputs: Any, data_samples: Any = None, mode: str = "tensor") -> Any:
        out = self.linear(torch.stack(inputs))
        if mode == "loss":
            return dict(loss=F.mse_loss(out.squeeze(1), torch.tensor(data_samples)))
        return out


def _data(n: int = 8) -> list[dict]:
    return [dict(inputs=torch.tensor([float(i), 1.0]), data_samples=float(i)) for i in range(n)]


def _loader() -> dict:
    return dict(dataset=_data(), sampler=dict(type="DefaultSampler", shuffle=False), batch_size=4)


def test_stage_arguments_must_come_together(tmp_path: Any) -> None:
    with pytest.raises(ValueError, match="train_dataloader given without train_cfg, optim_wrapper"):
        Runner(model=TinyModel(), work_dir=str(tmp_path), train_dataloader=_loader())


@LOOPS.register_module(force=True)
class TwiceLoop(EpochBasedTrainLoop):
    """Trains on every batch twice: a custom loop that overrides only run_iter."""

    def run_iter(self, idx: int, data_batch: Any) -> None:
        for _ in range(2):
            super().run_iter(idx, data_batch)


def test_custom_loop_run_iter_is_used(tmp_path: Any) -> None:
    runner = Runner(
        model=TinyModel(),
        work_dir=str(tmp_path),
        train_dataloader=_loader(),
        train_cfg=dict(type="TwiceLoop", max_epochs=2),
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.01)),
        default_hooks=dict(checkpoint=None, logger=None),
        randomness=dict(seed=0),
    )
    original = runner.optim_wrapper

    runner.train()

    assert runner.optim_wrapper is not original  # built from the dict
    # 8 samples / batch 4 = 2 batches per epoch, each trained twice, for 2 epochs.
    assert runner.iter == 8
    assert runner.epoch == 2


class TwoOptimizerModel(BaseModel):
    """A GAN-style train_step: each sub-network steps its own optimizer."""

    def __init__(self) -> None:
        super().__init__()
        self.generator = nn.Linear(2, 1)
        self.discriminator = nn.Linear(2, 1)

    def forward(self, inputs: Any, data_samples: Any = None, mode: str = "tensor") -> Any:
        return self.generator(torch.stack(inputs))

    def train_step(self, data: Any, optim_wrapper: Any) -> dict:
        inputs = torch.stack(data["inputs"])
        targets = torch.tensor(data["data_samples"])
        with optim_wrapper["discriminator"].optim_context(self):
            d_loss = F.mse_loss(self.discriminator(inputs).squeeze(1), targets)
        optim_wrapper["discriminator"].update_params(d_loss)
        with optim_wrapper["generator"].optim_context(self):
            g_loss = F.mse_loss(self.generator(inputs).squeeze(1), -targets)
        optim_wrapper["generator"].update_params(g_loss)
        return dict(d_loss=d_loss.detach(), g_loss=g_loss.detach())


@OPTIM_WRAPPER_CONSTRUCTORS.register_module(force=True)
class PerSubmoduleConstructor:
    """One optim wrapper per named submodule, as GAN codebases register for themselves."""

    def __init__(self, optim_wrapper_cfg: dict, paramwise_cfg: Any = None) -> None:
        self.cfgs = {k: v for k, v in optim_wrapper_cfg.items() if k != "constructor"}

    def __call__(self, model: nn.Module) -> OptimWrapperDict:
        return OptimWrapperDict(**{
            name: build_optim_wrapper(getattr(model, name), cfg) for name, cfg in self.cfgs.items()
        })


def test_two_optimizers_train_gan_style(tmp_path: Any) -> None:
    model = TwoOptimizerModel()
    start = {k: v.clone() for k, v in model.state_dict().items()}
    runner = Runner(
        model=model,
        work_dir=str(tmp_path),
        train_dataloader=_loader(),
        train_cfg=dict(by_epoch=True, max_epochs=2),
        optim_wrapper=dict(
            constructor="PerSubmoduleConstructor",
            generator=dict(optimizer=dict(type="SGD", lr=0.01)),
            discriminator=dict(optimizer=dict(type="SGD", lr=0.02, momentum=0.9)),
        ),
        param_scheduler=dict(
            generator=dict(type="ConstantLR", factor=0.5, by_epoch=True, begin=0, end=2),
            discriminator=dict(type="LinearLR", start_factor=0.1, by_epoch=True, begin=0, end=2),
        ),
        default_hooks=dict(checkpoint=None, logger=None),
        randomness=dict(seed=0),
    )
    runner.train()

    # The same steps by hand.
    reference = TwoOptimizerModel()
    reference.load_state_dict(start)
    g_opt = torch.optim.SGD(reference.generator.parameters(), lr=0.01)
    d_opt = torch.optim.SGD(reference.discriminator.parameters(), lr=0.02, momentum=0.9)
    data = _data()
    for epoch in range(2):
        # MMEngine's windows: both schedules end one step before `end`.
        g_opt.param_groups[0]["lr"] = 0.01 * (0.5 if epoch == 0 else 1.0)
        d_opt.param_groups[0]["lr"] = 0.02 * (0.1 if epoch == 0 else 1.0)
        for first in (0, 4):
            batch = data[first:first + 4]
            inputs = torch.stack([item["inputs"] for item in batch])
            targets = torch.tensor([item["data_samples"] for item in batch])
            d_loss = F.mse_loss(reference.discriminator(inputs).squeeze(1), targets)
            d_loss.backward()
            d_opt.step()
            d_opt.zero_grad()
            g_loss = F.mse_loss(reference.generator(inputs).squeeze(1), -targets)
            g_loss.backward()
            g_opt.step()
            g_opt.zero_grad()
    for key, value in reference.state_dict().items():
        torch.testing.assert_close(model.state_dict()[key], value)
    assert runner.message_hub.get_scalar("train/generator.lr").current() == 0.01
    assert runner.iter == 4


class _FailingHook(Hook):
    def after_train_iter(self, runner: Any, batch_idx: int, data_batch: Any = None,
                         outputs: Any = None) -> None:
        raise ValueError("boom")


def test_a_failing_hook_is_named_with_its_mount_point(tmp_path: Any) -> None:
    runner = Runner(
        model=TinyModel(),
        work_dir=str(tmp_path),
        train_dataloader=_loader(),
        train_cfg=dict(by_epoch=True, max_epochs=1),
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.01)),
        default_hooks=dict(checkpoint=None, logger=None),
        custom_hooks=[_FailingHook()],
    )
    with pytest.raises(ValueError, match="boom") as info:
        runner.train()
    assert "raised by _FailingHook.after_train_iter" in "\n".join(info.value.__notes__)


class _Labelled(torch.utils.data.Dataset):
    """Two linearly separable classes; `data_samples` carries the label."""

    def __init__(self) -> None:
        gen = torch.Generator().manual_seed(1)
        self.labels = torch.randint(0, 2, (30,), generator=gen)
        self.points = torch.randn(30, 2, generator=gen) + 3.0 * self.labels[:, None]

    def __len__(self) -> int:
        return 30

    def __getitem__(self, index: int) -> dict:
        return dict(inputs=self.points[index], data_samples=self.labels[index])


class Classifier(BaseModel):
    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(2, 2)

    def forward(self, inputs: Any, data_samples: Any = None, mode: str = "tensor") -> Any:
        logits = self.linear(torch.stack(inputs))
        if mode == "loss":
            return dict(loss=F.cross_entropy(logits, torch.stack(data_samples)))
        if mode == "predict":
            return logits, torch.stack(data_samples)
        return logits


def test_torchmetrics_metric_as_evaluator(tmp_path: Any) -> None:
    """`val_evaluator=dict(type='torchmetrics....')` evaluates with a real torchmetrics Metric."""
    loader = dict(dataset=_Labelled(), sampler=dict(type="DefaultSampler", shuffle=False),
                  batch_size=7, collate_fn=dict(type="pseudo_collate"))
    evaluator = dict(type="torchmetrics.classification.MulticlassAccuracy", num_classes=2)
    runner = Runner(
        model=Classifier(),
        work_dir=str(tmp_path),
        train_dataloader=loader,
        train_cfg=dict(by_epoch=True, max_epochs=3),
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.5)),
        val_dataloader=loader,
        val_cfg=dict(),
        val_evaluator=evaluator,
        default_hooks=dict(checkpoint=None, logger=None),
        randomness=dict(seed=0),
    )
    runner.train()
    metrics = runner.val()

    (name, value), = metrics.items()
    assert "MulticlassAccuracy" in name
    # The same accuracy computed by hand (macro average, torchmetrics' default).
    dataset = _Labelled()
    predictions = runner.model.linear(dataset.points).argmax(1)
    per_class = [(predictions[dataset.labels == c] == c).float().mean() for c in (0, 1)]
    assert value == pytest.approx(float(sum(per_class) / 2), abs=1e-6)
    assert value > 0.5


def test_config_trainer_section_reaches_lightning(tmp_path: Any) -> None:
    """`cfg.trainer` adds Trainer arguments; native callbacks there run after the MMEngine hooks."""
    from lightning.pytorch.callbacks import Callback

    from mmlight.config import Config

    seen: list[int] = []

    class Counter(Callback):
        def on_train_batch_end(self, trainer: Any, *args: Any) -> None:
            seen.append(trainer.global_step)

    cfg = Config(dict(
        model=dict(type="TinyModel"),
        work_dir=str(tmp_path),
        train_dataloader=_loader(),
        train_cfg=dict(by_epoch=True, max_epochs=2),
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.01)),
        default_hooks=dict(checkpoint=None, logger=None),
        trainer=dict(accelerator="cpu"),
    ))
    runner = Runner.from_cfg(cfg)
    runner.trainer_kwargs["callbacks"] = [Counter()]  # objects cannot live in a dumped config
    runner.train()
    assert seen == [1, 2, 3, 4]
    assert type(runner._trainer.accelerator).__name__ == "CPUAccelerator"


def test_a_bad_loop_argument_names_the_key_and_what_the_loop_takes(tmp_path: Any) -> None:
    runner = Runner(
        model=TinyModel(),
        work_dir=str(tmp_path),
        train_dataloader=_loader(),
        train_cfg=dict(by_epoch=False, max_iters=3, max_epochs=None),
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.01)),
        default_hooks=dict(checkpoint=None, logger=None),
    )
    with pytest.raises(TypeError, match=r"train_cfg: IterBasedTrainLoop .* unexpected keyword "
                       r"argument 'max_epochs'\. IterBasedTrainLoop accepts: .*max_iters"):
        runner.train()

"""The Trainer factory: its mapping table, objects from cfg.trainer, epochs left after resume."""

from __future__ import annotations

from typing import Any

import pytest
import torch
import torch.nn.functional as F
from lightning.pytorch.loggers import CSVLogger
from torch import nn

from mmlight.lightning.trainer_factory import TRAINER_MAPPING, build_trainer_objects
from mmlight.model import BaseModel
from mmlight.registry import MODELS
from mmlight.runner import Runner


@MODELS.register_module(name="TrainerFactoryLinear", force=True)
class Linear(BaseModel):
    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(2, 1)

    def forward(self, inputs: Any, data_samples: Any = None, mode: str = "tensor") -> Any:
        out = self.linear(torch.stack(inputs)).squeeze(1)
        return dict(loss=F.mse_loss(out, torch.tensor(data_samples))) if mode == "loss" else out


def _runner(tmp_path: Any, max_epochs: int, **kwargs: Any) -> Runner:
    data = [dict(inputs=torch.tensor([float(i), 1.0]), data_samples=float(i)) for i in range(8)]
    return Runner(
        model=Linear(),
        work_dir=str(tmp_path),
        train_dataloader=dict(dataset=data, sampler=dict(type="DefaultSampler", shuffle=False),
                              batch_size=4),
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs),
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.01)),
        default_hooks=dict(logger=None),
        randomness=dict(seed=0),
        **kwargs,
    )


def test_objects_in_cfg_trainer_are_built_from_dotted_types(tmp_path: Any) -> None:
    built = build_trainer_objects(
        [dict(type="lightning.pytorch.loggers.CSVLogger", save_dir=str(tmp_path)), 3]
    )
    assert isinstance(built[0], CSVLogger) and built[1] == 3
    with pytest.raises(ValueError, match=r"cannot import 'lightning\.nope\.Logger'"):
        build_trainer_objects(dict(type="lightning.nope.Logger"))


def test_resumed_past_max_epochs_trains_nothing(tmp_path: Any) -> None:
    _runner(tmp_path, max_epochs=2).train()
    resumed = _runner(tmp_path, max_epochs=1, resume=True)
    resumed.train()
    assert resumed.epoch == 2 and resumed.iter == 4
    assert resumed._trainer.max_epochs == 0
    # MMEngine's loop trains nothing either: the weights are the checkpoint's.
    assert not (tmp_path / "epoch_3.pth").exists()
    saved = torch.load(tmp_path / "epoch_2.pth", weights_only=True)["state_dict"]
    for key, value in resumed.model.state_dict().items():
        assert torch.equal(value, saved[key])


def test_mapping_table_names_every_decision() -> None:
    for concept in ("launcher='none'", "CheckpointHook", "LoggerHook",
                    "DefaultSampler/InfiniteSampler shard by rank", "IterBasedTrainLoop.max_iters",
                    "EpochBasedTrainLoop.max_epochs", "batches fetched inside the iteration",
                    "launcher + no model_wrapper_cfg",
                    "model_wrapper_cfg=dict(type='MMSeparateDistributedDataParallel')",
                    "strategy=dict(type='FSDPStrategy')",
                    "strategy=dict(type='DeepSpeedStrategy')"):
        assert concept in TRAINER_MAPPING
    # every strategy and model wrapper row (tests/lightning/test_mm_strategies.py checks those
    # tables against mmengine's registries)
    from mmlight.lightning.dist_strategy import MODEL_WRAPPER_TABLE, STRATEGY_TABLE

    for name in STRATEGY_TABLE:
        assert f"strategy=dict(type={name!r})" in TRAINER_MAPPING
    for name in MODEL_WRAPPER_TABLE:
        assert f"model_wrapper_cfg=dict(type={name!r})" in TRAINER_MAPPING


def test_readme_example_lightning_logger_and_callback_from_plain_config(tmp_path: Any) -> None:
    from mmlight.config import Config

    cfg = Config(dict(
        model=dict(type="TrainerFactoryLinear"),
        work_dir=str(tmp_path / "work"),
        train_dataloader=dict(
            dataset=[dict(inputs=torch.tensor([float(i), 1.0]), data_samples=float(i))
                     for i in range(8)],
            sampler=dict(type="DefaultSampler", shuffle=False), batch_size=4),
        train_cfg=dict(by_epoch=True, max_epochs=2),
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.01)),
        default_hooks=dict(logger=None, checkpoint=None),
        custom_hooks=[dict(type="lightning.pytorch.callbacks.LearningRateMonitor",
                           logging_interval="step", priority="LOW")],
        trainer=dict(accelerator="cpu", log_every_n_steps=1, logger=dict(
            type="lightning.pytorch.loggers.CSVLogger", save_dir=str(tmp_path / "csv"))),
        experiment_name="readme_example",
    ))
    runner = Runner.from_cfg(cfg)
    runner.train()
    (metrics,) = (tmp_path / "csv").rglob("metrics.csv")
    header, *rows = metrics.read_text().splitlines()
    assert "lr-SGD" in header.split(",")
    assert len(rows) == 4  # one per step

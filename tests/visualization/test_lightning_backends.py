"""Vis backends on Lightning loggers: CSV for real (alone and through the Runner), and clear
install hints for the ones whose optional package is missing."""

from __future__ import annotations

import csv
import importlib.util
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as F
import yaml
from torch import nn

from mmlight.config import Config
from mmlight.visualization import (
    CSVVisBackend,
    MissingVisBackendPackageError,
    MLflowVisBackend,
    TensorboardVisBackend,
    Visualizer,
    WandbVisBackend,
)
from mmlight.visualization.lightning_backends import flatten_dict


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_csv_backend_writes_metrics_and_hparams(tmp_path: Path) -> None:
    backend = CSVVisBackend(str(tmp_path))
    assert not (tmp_path / "csv").exists()  # nothing until first use
    backend.add_scalars({"loss": 0.5, "lr": torch.tensor(0.1)}, step=10)
    backend.add_scalar("acc", np.float64(0.75), step=1)
    backend.add_config(Config(dict(model=dict(type="Toy", depth=2), obj=object, lr=0.1)))
    backend.add_image("img", np.zeros((2, 3, 3), np.uint8), step=5)
    backend.close()
    rows = _rows(tmp_path / "csv" / "metrics.csv")
    assert [(r["step"], r["loss"], r["lr"], r["acc"]) for r in rows] == [
        ("10", "0.5", "0.10000000149011612", ""),
        ("1", "", "", "0.75"),
    ]
    hparams = yaml.safe_load((tmp_path / "csv" / "hparams.yaml").read_text())
    assert hparams == {"model.type": "Toy", "model.depth": 2, "lr": 0.1}  # objects left out
    assert (tmp_path / "csv" / "vis_image" / "img_5.png").exists()
    assert Path(backend.lightning_logger.log_dir) == tmp_path / "csv"


def test_csv_backend_rejects_step_key_and_skips_non_numbers(tmp_path: Path) -> None:
    backend = CSVVisBackend(str(tmp_path), name="logs", version="v1")
    with pytest.raises(ValueError, match=r"pass the step as step=\.\.\., not as a 'step' key"):
        backend.add_scalars({"loss": 1.0, "step": 3})
    with pytest.warns(UserWarning, match=r"CSVVisBackend: skipped 'note', a str"):
        backend.add_scalars({"loss": 1.0, "note": "hi"}, step=1)
    assert _rows(tmp_path / "logs" / "v1" / "metrics.csv") == [{"loss": "1.0", "step": "1"}]


@pytest.mark.parametrize(
    ("cls", "module", "pip"),
    [
        (TensorboardVisBackend, "tensorboard", "tensorboard"),
        (WandbVisBackend, "wandb", "wandb"),
        (MLflowVisBackend, "mlflow", "mlflow"),
    ],
)
def test_missing_package_is_named_with_the_install_command(tmp_path, cls, module, pip) -> None:
    if any(importlib.util.find_spec(m) for m in cls.required_modules):
        pytest.skip(f"{module} is installed here")
    with pytest.raises(ImportError, match=rf"{cls.__name__} needs the '{module}'.* package, "
                       rf'which is not installed; run "pip install {pip}"') as info:  # fmt: skip
        cls(str(tmp_path))
    assert isinstance(info.value, MissingVisBackendPackageError)
    # Through a config the error surfaces when the visualizer is built, before training.
    with pytest.raises(ImportError, match=rf"pip install {pip}"):
        Visualizer(name=uuid.uuid4().hex, vis_backends=[dict(type=cls.__name__)], save_dir=".")


def test_wandb_define_metric_cfg_is_checked(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(WandbVisBackend, "required_modules", ())
    with pytest.raises(ValueError, match=r"define_metric_cfg must be a dict"):
        WandbVisBackend(str(tmp_path), define_metric_cfg="loss")


def test_flatten_dict() -> None:
    tree = {"a": {"b": 1, "c": {"d": [1, 2]}}, "l": [{"x": 2}, 3], "e": None}
    assert flatten_dict(tree) == {"a.b": 1, "a.c.d": [1, 2], "l.0.x": 2, "l.1": 3, "e": None}


def test_csv_backend_through_the_runner(tmp_path: Path) -> None:
    from mmlight.model import BaseModel
    from mmlight.registry import MODELS
    from mmlight.runner import Runner

    @MODELS.register_module(name="CsvToyModel", force=True)
    class CsvToyModel(BaseModel):
        def __init__(self) -> None:
            super().__init__()
            self.linear = nn.Linear(2, 1)

        def forward(self, inputs: Any, data_samples: Any = None, mode: str = "tensor") -> Any:
            out = self.linear(torch.stack(inputs)).squeeze(1)
            return dict(loss=F.mse_loss(out, torch.tensor(data_samples)))

    data = [dict(inputs=torch.tensor([float(i), 1.0]), data_samples=float(i)) for i in range(8)]
    cfg = Config(dict(
        model=dict(type="CsvToyModel"), work_dir=str(tmp_path),
        train_dataloader=dict(dataset=data, batch_size=2,
                              sampler=dict(type="DefaultSampler", shuffle=False)),
        train_cfg=dict(by_epoch=True, max_epochs=2),
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.01)),
        default_hooks=dict(checkpoint=None, logger=dict(type="LoggerHook", interval=2)),
        visualizer=dict(type="Visualizer", vis_backends=[
            dict(type="LocalVisBackend"), dict(type="CSVVisBackend")]),
        experiment_name=f"csv_{uuid.uuid4().hex[:8]}",
        trainer=dict(accelerator="cpu"),
    ))  # fmt: skip
    runner = Runner.from_cfg(cfg)
    runner.train()
    vis_data = Path(runner.log_dir) / "vis_data"
    rows = _rows(vis_data / "csv" / "metrics.csv")
    assert [int(r["step"]) for r in rows] == [2, 4, 6, 8]  # every LoggerHook record
    local = [line for line in (vis_data / "scalars.json").read_text().splitlines()]
    assert len(local) == 4
    assert all(float(r["loss"]) > 0 and r["lr"] == "0.01" for r in rows)
    hparams = yaml.safe_load((vis_data / "csv" / "hparams.yaml").read_text())
    assert hparams["train_cfg.max_epochs"] == 2

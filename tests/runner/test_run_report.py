"""The run's opening and closing texts: model summary, hooks table, end-of-run summary."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import nn

from mmlight.evaluator import BaseMetric
from mmlight.hooks import Hook
from mmlight.hooks.mount_points import MOUNT_POINTS
from mmlight.runner import Runner
from mmlight.runner.run_report import hooks_text, model_summary_text, run_summary_text
from tests.runner.tiny_regressor import TinyRegressor


class _NegativeError(BaseMetric):
    default_prefix = "reg"

    def process(self, data_batch: Any, data_samples: Any) -> None:
        self.results.extend(-s["err"] for s in data_samples)

    def compute_metrics(self, results: list) -> dict:
        return dict(score=sum(results) / len(results))


def _loader() -> dict:
    data = [dict(inputs=torch.tensor([float(i), 1.0]), data_samples=float(i)) for i in range(8)]
    return dict(dataset=data, sampler=dict(type="DefaultSampler", shuffle=False), batch_size=4)


def test_model_summary_counts_children_trainable_and_size() -> None:
    model = nn.Sequential(nn.Linear(10, 100), nn.ReLU(), nn.Linear(100, 10))
    model[2].requires_grad_(False)  # 1010 frozen
    text = model_summary_text(model)
    assert text.splitlines()[1].split() == ["(model)", "Sequential", "2.1", "K"]
    assert text.splitlines()[-1] == "  2.1 K parameters, 1.1 K trainable, 1.0 K frozen, 8.2 KB"


def test_hooks_text_lists_each_mount_point_in_call_order() -> None:
    class Early(Hook):
        priority = "HIGH"

        def after_train_iter(self, runner: Any, batch_idx: int, data_batch: Any = None,
                             outputs: Any = None) -> None: ...

    class Custom(Hook):
        priority = 42

        def before_run(self, runner: Any) -> None: ...

    text = hooks_text([Early(), Custom()], MOUNT_POINTS)
    assert text.split("\n -------------------- \n") == [
        f"before_run:\n(42          ) {'Custom':<35}",
        f"after_train_iter:\n(HIGH        ) {'Early':<35}\n -------------------- ",
    ]


def test_run_summary_names_best_and_last_checkpoints(tmp_path: Path) -> None:
    runner = Runner(
        model=TinyRegressor(), work_dir=str(tmp_path),
        train_dataloader=_loader(), train_cfg=dict(by_epoch=True, max_epochs=3),
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.01)),
        val_dataloader=_loader(), val_cfg=dict(), val_evaluator=[_NegativeError()],
        default_hooks=dict(checkpoint=dict(
            type="CheckpointHook", interval=1, save_best="auto", rule="greater")),
        randomness=dict(seed=0),
    )  # fmt: skip
    runner.train()
    log = Path(runner.log_dir, f"{runner.timestamp}.log").read_text()
    summary = log[log.index("Run summary:"):].split(" - INFO - ")[0]
    best = runner.message_hub.get_info("best_score")
    best_path = runner.message_hub.get_info("best_ckpt")
    assert Path(best_path).name.startswith("best_reg_score_epoch_")
    assert f"  best reg/score: {best:.4g} ({best_path})\n" in summary
    assert f"  last checkpoint: {tmp_path / 'epoch_3.pth'}\n" in summary
    assert f"  work_dir: {tmp_path}" in summary
    assert "Model summary:" in log and "Hooks will be executed in the following order:" in log


def test_run_summary_without_checkpoints() -> None:
    text = run_summary_text("wd", [], 125.4, {})
    assert text.splitlines()[1:3] == ["  last checkpoint: none saved", "  time: 0:02:05"]
    assert run_summary_text("s3://b/wd", [], 3.25, {}).splitlines()[2:] == [
        "  time: 3.25 s", "  work_dir: s3://b/wd",
    ]

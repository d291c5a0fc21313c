"""One training run for the kill-and-resume tests (run as a subprocess).

usage: resume_script.py WORK_DIR MODE KILL_AT RESUME OUT
  MODE     epoch | iter
  KILL_AT  iteration (1-based) after whose checkpoint the process SIGKILLs itself; 0 = never
  RESUME   1 to resume from the latest checkpoint in WORK_DIR
  OUT      where to torch.save the final state_dict and the per-iteration losses
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from mmlight.evaluator import BaseMetric
from mmlight.hooks import Hook
from mmlight.model import BaseModel
from mmlight.registry import MODELS
from mmlight.runner import Runner


@MODELS.register_module()
class DropoutNet(BaseModel):
    def __init__(self) -> None:
        super().__init__()
        self.linear1 = nn.Linear(4, 32)
        self.dropout = nn.Dropout(0.3)
        self.linear2 = nn.Linear(32, 3)

    def forward(self, inputs: Any, data_samples: Any = None, mode: str = "tensor") -> Any:
        logits = self.linear2(self.dropout(torch.relu(self.linear1(torch.stack(inputs)))))
        if mode == "loss":
            return dict(loss=F.cross_entropy(logits, torch.tensor(data_samples)))
        if mode == "predict":
            return [dict(pred=int(p), gt=int(g)) for p, g in zip(logits.argmax(1), data_samples)]
        return logits


class Accuracy(BaseMetric):
    def process(self, data_batch: Any, data_samples: Any) -> None:
        self.results.extend(float(s["pred"] == s["gt"]) for s in data_samples)

    def compute_metrics(self, results: list) -> dict:
        return dict(accuracy=sum(results) / len(results))


class Points(torch.utils.data.Dataset):
    def __init__(self, n: int, seed: int) -> None:
        gen = torch.Generator().manual_seed(seed)
        self.x = torch.randn(n, 4, generator=gen)
        self.y = torch.randint(0, 3, (n,), generator=gen)

    def __len__(self) -> int:
        return len(self.y)

    def __getitem__(self, i: int) -> dict:
        return dict(inputs=self.x[i], data_samples=int(self.y[i]))


class KillAndRecord(Hook):
    """Runs after the checkpoint hook; records losses and SIGKILLs at the chosen iteration."""

    priority = "LOWEST"

    def __init__(self, kill_at: int) -> None:
        self.kill_at = kill_at
        self.losses: list[tuple[int, float]] = []

    def after_train_iter(self, runner: Any, batch_idx: int, data_batch: Any = None,
                         outputs: Any = None) -> None:
        self.losses.append((runner.iter + 1, float(outputs["loss"].detach())))
        if runner.iter + 1 == self.kill_at:
            os.kill(os.getpid(), signal.SIGKILL)


def make_runner(
    work_dir: str, mode: str, kill_at: int, resume: bool, batch_size: int = 8, **overrides: Any
) -> tuple[Runner, KillAndRecord]:
    """The kill-and-resume scenario (also run under torchrun by ddp_resume_script.py)."""
    recorder = KillAndRecord(kill_at)
    loader = dict(dataset=Points(37, 0), sampler=dict(type="DefaultSampler", shuffle=True),
                  batch_size=batch_size, num_workers=0)
    train_cfg = (dict(by_epoch=True, max_epochs=3, val_interval=1) if mode == "epoch"
                 else dict(by_epoch=False, max_iters=13, val_interval=4))
    kwargs: dict[str, Any] = dict(
        model=dict(type="DropoutNet"),  # built after the Runner seeds the generators
        work_dir=work_dir,
        train_dataloader=loader,
        train_cfg=train_cfg,
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.1, momentum=0.9)),
        param_scheduler=[dict(type="LinearLR", start_factor=0.3, by_epoch=False, begin=0,
                              end=6)],
        val_dataloader=dict(dataset=Points(11, 1),
                            sampler=dict(type="DefaultSampler", shuffle=False), batch_size=4),
        val_cfg=dict(),
        val_evaluator=[Accuracy()],
        default_hooks=dict(
            logger=dict(type="LoggerHook", interval=1),
            checkpoint=dict(type="CheckpointHook", interval=1, by_epoch=False),
        ),
        custom_hooks=[recorder],
        randomness=dict(seed=7),
        resume=resume,
        experiment_name=f"resume_{os.getpid()}",
    )
    kwargs.update(overrides)
    return Runner(**kwargs), recorder


def main() -> None:
    work_dir, mode, kill_at, resume, out = sys.argv[1:6]
    # 37 samples, batch 8: 5 batches per pass, the last one short.
    runner, recorder = make_runner(work_dir, mode, int(kill_at), resume == "1")
    runner.train()
    torch.save(dict(state_dict=runner.model.state_dict(), losses=recorder.losses), out)


if __name__ == "__main__":
    main()

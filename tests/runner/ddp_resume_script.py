"""One two-rank training run for tests/runner/test_ddp_resume.py (started under torchrun).

usage: ddp_resume_script.py WORK_DIR MODE KILL_AT RESUME OUT
  MODE     epoch | iter
  KILL_AT  iteration (1-based) after whose checkpoint every rank SIGKILLs itself; 0 = never
  RESUME   1 to resume from the latest checkpoint in WORK_DIR
  OUT      folder; rank r writes ``rank<r>.pt`` (its final state_dict and local losses)

Dropout with ``diff_rank_seed=True`` makes the two ranks draw different masks, so a resume
that restored rank 0's random state on both ranks (or none) would change the result.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from mmlight.dist import get_dist_info
from mmlight.evaluator import BaseMetric
from mmlight.hooks import Hook
from mmlight.model import BaseModel
from mmlight.registry import MODELS
from mmlight.runner import Runner


@MODELS.register_module(force=True)
class DDPDropoutNet(BaseModel):
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
    """Runs after the checkpoint hook; records this rank's loss and SIGKILLs at ``kill_at``."""

    priority = "LOWEST"

    def __init__(self, kill_at: int) -> None:
        self.kill_at = kill_at
        self.losses: list[tuple[int, float]] = []

    def after_train_iter(self, runner: Any, batch_idx: int, data_batch: Any = None,
                         outputs: Any = None) -> None:
        self.losses.append((runner.iter + 1, float(outputs["loss"].detach())))
        if runner.iter + 1 == self.kill_at:
            # The checkpoint of this iteration is on disk: rank 0 wrote it synchronously in
            # CheckpointHook (higher priority), after a collective that rank 1 also joined.
            os.kill(os.getpid(), signal.SIGKILL)


def main() -> None:
    work_dir, mode, kill_at, resume, out = sys.argv[1:6]
    recorder = KillAndRecord(int(kill_at))
    # 37 samples, 2 ranks, batch 4: 19 per rank (one padded), 5 batches, the last one short.
    loader = dict(dataset=Points(37, 0), sampler=dict(type="DefaultSampler", shuffle=True),
                  batch_size=4, num_workers=0)
    train_cfg = (dict(by_epoch=True, max_epochs=3, val_interval=1) if mode == "epoch"
                 else dict(by_epoch=False, max_iters=13, val_interval=4))
    runner = Runner(
        model=dict(type="DDPDropoutNet"),  # built after the Runner seeds the generators
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
        launcher="pytorch",
        randomness=dict(seed=7, diff_rank_seed=True),
        resume=resume == "1",
        experiment_name=f"ddp_resume_{resume}",
    )
    runner.train()
    rank, _ = get_dist_info()
    state = {k: v.detach().clone() for k, v in runner.model.state_dict().items()}
    os.makedirs(out, exist_ok=True)
    torch.save(dict(state_dict=state, losses=recorder.losses, seed=runner.seed),
               os.path.join(out, f"rank{rank}.pt"))


if __name__ == "__main__":
    main()

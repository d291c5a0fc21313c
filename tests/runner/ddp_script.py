"""A tiny training run that tests/runner/test_ddp.py starts under torchrun, from one process
(``trainer.devices=2``) or alone; every rank saves what it saw to ``<out>/rank<r>.pt``.

Usage: python ddp_script.py MODE WORK_DIR OUT [BATCH] [ACCUMULATE] [DIFF_RANK_SEED]
                             [--stages train,val,test]
--stages: the Runner stages to run one after another in this process (default: train); the
metrics each returns are saved as ``stage_metrics``.
MODE: 'pytorch' (launcher='pytorch', under torchrun), 'local' (launcher='none' with
trainer=dict(devices=2, accelerator='cpu', strategy='ddp')), 'fsdp' (launcher='pytorch' with
model_wrapper_cfg=dict(type='MMFullyShardedDataParallel'), on CUDA when there is one),
'fsdp_cpu' (the same with trainer.accelerator='cpu': mmlight's MMFSDPStrategy on gloo) or
'single'.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import Dataset

from mmlight.dist import all_gather_object, barrier, get_dist_info
from mmlight.evaluator import BaseMetric
from mmlight.hooks import Hook
from mmlight.model import BaseModel
from mmlight.registry import DATASETS, HOOKS, METRICS, MODELS
from mmlight.runner import Runner


@DATASETS.register_module(force=True)
class DDPLineDataset(Dataset):
    """y = x . w_true + noise, fixed by a private generator."""

    def __init__(self, size: int, seed: int = 0) -> None:
        generator = torch.Generator().manual_seed(seed)
        self.x = torch.randn(size, 4, generator=generator)
        self.y = self.x @ torch.tensor([1.0, -2.0, 0.5, 3.0]) + 0.1 * torch.randn(
            size, generator=generator
        )

    def __len__(self) -> int:
        return len(self.y)

    def __getitem__(self, index: int) -> dict:
        return dict(inputs=self.x[index], target=self.y[index], index=index)


@MODELS.register_module(force=True)
class DDPLineModel(BaseModel):
    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(4, 1)
        with torch.no_grad():
            self.linear.weight.copy_(torch.tensor([[0.1, 0.2, -0.3, 0.4]]))
            self.linear.bias.fill_(0.05)

    def forward(self, inputs: Any, target: Any = None, index: Any = None, mode: str = "tensor"):
        pred = self.linear(torch.stack(inputs)).squeeze(1)
        if mode == "loss":
            return dict(loss=F.mse_loss(pred, torch.stack(target)))
        if mode == "predict":
            return [
                dict(index=int(i), err=float((p - t).abs())) for i, p, t in zip(index, pred, target)
            ]
        return pred


@METRICS.register_module(force=True)
class DDPIndexMetric(BaseMetric):
    """Records which samples were evaluated, so duplicates from padding would show."""

    def process(self, data_batch: Any, data_samples: Any) -> None:
        self.results.extend(data_samples)

    def compute_metrics(self, results: list) -> dict:
        return dict(
            count=len(results),
            indices=sorted(r["index"] for r in results),
            mae=sum(r["err"] for r in results) / len(results),
        )


@HOOKS.register_module(force=True)
class DDPRecordHook(Hook):
    """Per rank: local gradients after each iteration and every validation's metrics."""

    def __init__(self, record_grads: bool = True) -> None:
        self.record_grads = record_grads  # not under FSDP: there each rank holds a shard
        self.grads: list[torch.Tensor | None] = []
        self.metrics: list[dict] = []

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        if not self.record_grads:
            return
        grad = runner.model.linear.weight.grad
        self.grads.append(None if grad is None else grad.detach().clone())

    def after_val_epoch(self, runner, metrics=None) -> None:
        self.metrics.append(dict(metrics or {}))


def _loader(size: int, seed: int, batch: int = 4) -> dict:
    return dict(
        batch_size=batch,
        dataset=dict(type="DDPLineDataset", size=size, seed=seed),
        sampler=dict(type="DefaultSampler", shuffle=False),
        collate_fn=dict(type="pseudo_collate"),
    )


def _split_stages(argv: list[str]) -> tuple[list[str], list[str]]:
    """(positional arguments, stages from ``--stages a,b``)."""
    if "--stages" not in argv:
        return argv, ["train"]
    at = argv.index("--stages")
    return argv[:at] + argv[at + 2 :], argv[at + 1].split(",")


def main() -> None:
    argv, stages = _split_stages(sys.argv)
    mode, work_dir, out = argv[1], argv[2], argv[3]
    batch = int(argv[4]) if len(argv) > 4 else 4
    accumulate = int(argv[5]) if len(argv) > 5 else 1
    diff_rank_seed = len(argv) > 6 and argv[6] == "1"
    fsdp = mode.startswith("fsdp")
    trainer: dict = dict(enable_progress_bar=False)
    if mode == "local":
        trainer.update(devices=2, accelerator="cpu", strategy="ddp")
    cfg = dict(
        model=dict(type="DDPLineModel"),
        work_dir=work_dir,
        train_dataloader=_loader(32, 0, batch),
        # 13 and 11 samples over 2 ranks of batch 4: the samplers pad, the metric must not count.
        val_dataloader=_loader(13, 1),
        val_evaluator=dict(type="DDPIndexMetric"),
        val_cfg=dict(),
        test_dataloader=_loader(11, 2),
        test_evaluator=dict(type="DDPIndexMetric"),
        test_cfg=dict(),
        train_cfg=dict(by_epoch=True, max_epochs=2, val_interval=1),
        optim_wrapper=dict(
            optimizer=dict(type="SGD", lr=0.05), accumulative_counts=accumulate
        ),
        custom_hooks=[dict(type="DDPRecordHook", record_grads=not fsdp)],
        launcher=(
            "slurm" if mode == "slurm"
            else "pytorch" if mode in ("pytorch", "fsdp", "fsdp_cpu") else "none"
        ),
        env_cfg=dict(dist_cfg=dict(backend="nccl")),
        randomness=dict(seed=7, diff_rank_seed=diff_rank_seed),
        trainer=trainer,
    )
    if mode == "fsdp":
        cfg["model_wrapper_cfg"] = dict(type="MMFullyShardedDataParallel")
    elif mode == "fsdp_cpu":
        cfg["model_wrapper_cfg"] = dict(type="MMFullyShardedDataParallel")
        trainer.update(accelerator="cpu")
    from mmlight.config import Config

    runner = Runner.from_cfg(Config(cfg))
    sampler_seed = runner.train_dataloader.sampler.seed
    record = next(h for h in runner.hooks if isinstance(h, DDPRecordHook))
    stage_metrics, train_metrics = [], []
    for stage in stages:
        returned = getattr(runner, stage)()
        if stage == "train":
            train_metrics = list(record.metrics)  # validations during training only
        else:
            stage_metrics.append((stage, dict(returned)))
    rank, world_size = get_dist_info()
    barrier()
    files = sorted(
        os.path.relpath(os.path.join(root, name), work_dir)
        for root, _, names in os.walk(work_dir)
        for name in names
    )
    result = dict(
        rank=rank,
        world_size=world_size,
        launcher=runner._dist.launcher,
        seed=runner.seed,
        sampler_seed=sampler_seed,
        # Under FSDP these are this rank's shards: the test reads the checkpoints instead.
        state_dict=None if fsdp else {
            k: v.detach().clone() for k, v in runner.model.state_dict().items()
        },
        metrics=train_metrics,
        stage_metrics=stage_metrics,
        grads=record.grads,
        files=files,
        torch_seed_draw=float(torch.rand(1)),
        pids=all_gather_object(os.getpid()),
    )
    os.makedirs(out, exist_ok=True)
    torch.save(result, os.path.join(out, f"rank{rank}.pt"))


if __name__ == "__main__":
    main()

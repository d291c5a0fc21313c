"""Per-iteration overhead: the same tiny training job under four drivers.

    python benchmarks/overhead.py [--iters 3000] [--repeats 3] [--markdown]

An overhead-bound workload (a 2-layer MLP, batch 32, data already in memory) trained for
``--iters`` iterations by: a raw PyTorch loop, mmengine's ``Runner`` (if installed), a native
``LightningModule`` with automatic optimization, and mmlight's ``Runner``. Each driver runs in a
fresh subprocess; the time per iteration is measured between the start of iteration
``--warmup`` and the end of the last one (no setup, no teardown), and the median over
``--repeats`` runs is reported with its ratio to raw PyTorch.

The MMEngine-style drivers run the default hooks (runtime info, timer, logger every 50
iterations, parameter scheduler, sampler seed) with checkpointing off; everything else is the
same: SGD with momentum, ``default_collate``, ``DefaultSampler``, one thread.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

DRIVERS = ("pytorch", "mmengine", "lightning", "mmlight")
IN_DIM, HIDDEN, CLASSES, BATCH = 32, 64, 10, 32


def _data(n: int) -> Any:
    import torch

    gen = torch.Generator().manual_seed(0)
    return torch.randn(n, IN_DIM, generator=gen), torch.randint(0, CLASSES, (n,), generator=gen)


def _mlp() -> Any:
    from torch import nn

    return nn.Sequential(nn.Linear(IN_DIM, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, CLASSES))


def run_pytorch(iters: int, warmup: int) -> float:
    import torch
    import torch.nn.functional as F
    from torch.utils.data import DataLoader, TensorDataset

    x, y = _data(iters * BATCH)
    model = _mlp()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loader = DataLoader(TensorDataset(x, y), batch_size=BATCH, shuffle=True)
    start = 0.0
    for index, (inputs, targets) in enumerate(loader):
        if index == warmup:
            start = time.perf_counter()
        loss = F.cross_entropy(model(inputs), targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return (time.perf_counter() - start) / (iters - warmup)


def run_lightning(iters: int, warmup: int) -> float:
    import lightning.pytorch as pl
    import torch
    import torch.nn.functional as F
    from torch.utils.data import DataLoader, TensorDataset

    class Module(pl.LightningModule):
        def __init__(self) -> None:
            super().__init__()
            self.net = _mlp()

        def training_step(self, batch: Any, batch_idx: int) -> Any:
            inputs, targets = batch
            return F.cross_entropy(self.net(inputs), targets)

        def configure_optimizers(self) -> Any:
            return torch.optim.SGD(self.parameters(), lr=0.01, momentum=0.9)

    clock = _Clock(warmup, iters)

    class Timer(pl.Callback):
        def on_train_batch_start(self, trainer: Any, module: Any, batch: Any, idx: int) -> None:
            clock.iteration_starts(idx)

        def on_train_batch_end(self, trainer: Any, *args: Any) -> None:
            clock.iteration_ends()

    x, y = _data(iters * BATCH)
    trainer = pl.Trainer(
        accelerator="cpu", devices=1, max_epochs=1, logger=False, enable_checkpointing=False,
        enable_progress_bar=False, enable_model_summary=False, callbacks=[Timer()],
    )
    trainer.fit(Module(), DataLoader(TensorDataset(x, y), batch_size=BATCH, shuffle=True))
    return clock.per_iteration()


class _Clock:
    def __init__(self, warmup: int, iters: int) -> None:
        self.warmup, self.iters = warmup, iters
        self.start = self.end = 0.0

    def iteration_starts(self, index: int) -> None:
        if index == self.warmup:
            self.start = time.perf_counter()

    def iteration_ends(self) -> None:
        self.end = time.perf_counter()

    def per_iteration(self) -> float:
        return (self.end - self.start) / (self.iters - self.warmup)


def run_runner(library: str, iters: int, warmup: int) -> float:
    import torch
    import torch.nn.functional as F

    if library == "mmengine":
        from mmengine.hooks import Hook
        from mmengine.model import BaseModel
        from mmengine.runner import Runner
    else:
        from mmlight.hooks import Hook  # type: ignore[assignment]
        from mmlight.model import BaseModel  # type: ignore[assignment]
        from mmlight.runner import Runner  # type: ignore[assignment]

    class MLP(BaseModel):
        def __init__(self) -> None:
            super().__init__()
            self.net = _mlp()

        def forward(self, inputs: Any, data_samples: Any = None, mode: str = "tensor") -> Any:
            logits = self.net(inputs)
            if mode == "loss":
                return dict(loss=F.cross_entropy(logits, data_samples))
            return logits

    clock = _Clock(warmup, iters)

    class Timer(Hook):
        priority = "HIGHEST"

        def before_train_iter(self, runner: Any, batch_idx: int, data_batch: Any = None) -> None:
            clock.iteration_starts(runner.iter)

        def after_train_iter(self, runner: Any, *args: Any, **kwargs: Any) -> None:
            clock.iteration_ends()

    class Pairs(torch.utils.data.Dataset):
        def __init__(self) -> None:
            self.x, self.y = _data(iters * BATCH)

        def __len__(self) -> int:
            return len(self.y)

        def __getitem__(self, index: int) -> dict:
            return dict(inputs=self.x[index], data_samples=self.y[index])

    with tempfile.TemporaryDirectory() as work_dir:
        runner = Runner(
            model=MLP(),
            work_dir=work_dir,
            train_dataloader=dict(
                dataset=Pairs(), batch_size=BATCH, num_workers=0,
                sampler=dict(type="DefaultSampler", shuffle=True),
                collate_fn=dict(type="default_collate"),
            ),
            train_cfg=dict(by_epoch=True, max_epochs=1),
            optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.01, momentum=0.9)),
            default_hooks=dict(logger=dict(type="LoggerHook", interval=50), checkpoint=None),
            custom_hooks=[Timer()],
            log_level="WARNING",
            randomness=dict(seed=0),
        )
        runner.train()
    return clock.per_iteration()


def _child(driver: str, iters: int, warmup: int) -> None:
    import torch

    torch.set_num_threads(1)
    if driver == "pytorch":
        seconds = run_pytorch(iters, warmup)
    elif driver == "lightning":
        seconds = run_lightning(iters, warmup)
    else:
        seconds = run_runner(driver, iters, warmup)
    print(json.dumps(dict(driver=driver, seconds=seconds)))


def _available(driver: str) -> bool:
    if driver != "mmengine":
        return True
    try:
        import mmengine  # noqa: F401
    except ImportError:
        return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iters", type=int, default=3000)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--drivers", nargs="+", default=list(DRIVERS), choices=DRIVERS)
    parser.add_argument("--markdown", action="store_true", help="print a README table")
    parser.add_argument("--child", choices=DRIVERS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.iters, args.warmup)
        return

    env = dict(os.environ, OMP_NUM_THREADS="1", MMLIGHT_PROGRESS="0")
    results: dict[str, float] = {}
    for driver in args.drivers:
        if not _available(driver):
            print(f"{driver}: not installed, skipped", file=sys.stderr)
            continue
        samples = []
        for _ in range(args.repeats):
            out = subprocess.run(
                [sys.executable, __file__, "--child", driver, "--iters", str(args.iters),
                 "--warmup", str(args.warmup)],
                capture_output=True, text=True, env=env, check=True,
            ).stdout
            samples.append(json.loads(out.strip().splitlines()[-1])["seconds"])
        results[driver] = statistics.median(samples)
        print(f"{driver:10s} {results[driver] * 1e3:7.3f} ms/iter  (runs: "
              + ", ".join(f"{s * 1e3:.3f}" for s in samples) + ")", file=sys.stderr)

    base = results.get("pytorch")
    if args.markdown:
        print("| driver | ms / iteration | vs raw PyTorch | vs mmengine |")
        print("|---|---:|---:|---:|")
    for driver, seconds in results.items():
        vs_raw = f"{seconds / base:.2f}x" if base else "-"
        vs_mm = f"{seconds / results['mmengine']:.2f}x" if "mmengine" in results else "-"
        if args.markdown:
            print(f"| {driver} | {seconds * 1e3:.3f} | {vs_raw} | {vs_mm} |")
        else:
            print(f"{driver:10s} {seconds * 1e3:7.3f} ms/iter  {vs_raw:>7s} raw  {vs_mm:>7s} mmengine")


if __name__ == "__main__":
    main()

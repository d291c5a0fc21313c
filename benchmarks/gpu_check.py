"""GPU paths in a few minutes: NCCL DDP, AMP fp16 (dynamic loss scale), bf16, FSDP, speed.

    python benchmarks/gpu_check.py [--iters 60] [--json OUT.json]

Without CUDA it prints ``skipped: no CUDA`` and exits 0. With CUDA each check runs in its own
subprocess (a fresh CUDA context, its own peak memory) and prints one line, ``PASS`` or
``FAIL`` with the reason; the exit status is 1 if any check failed:

* ``ddp_nccl``   mmlight's Runner under torchrun on every visible GPU (``launcher='pytorch'``,
  NCCL): losses finite, final weights identical on all ranks.
* ``amp_fp16``   ``AmpOptimWrapper(dtype='float16', loss_scale=dict(init_scale=2**40))``: the
  first steps overflow and GradScaler skips them; the run must finish (skipped steps are not
  non-finite losses), with a smaller scale and finite losses.
* ``amp_bf16``   ``AmpOptimWrapper(dtype='bfloat16')``: finite losses, no loss scaler.
* ``fsdp``       ``model_wrapper_cfg=dict(type='MMFullyShardedDataParallel')`` on every GPU:
  a run resumed from its iteration-3 checkpoint ends with the uninterrupted run's weights, bit
  for bit; the checkpoint holds full-size weights and optimizer state.
* ``speed``      a small conv net (batch 64, 3x64x64, SGD, fp32) under mmengine's Runner and
  mmlight's, one process each: images per second after warm-up and peak CUDA memory.

``--self-test`` runs the same checks on the CPU (gloo, no fp16) so the script itself can be
exercised on a machine without a GPU; its numbers mean nothing.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
CHECKS = ("ddp_nccl", "amp_fp16", "amp_bf16", "fsdp", "speed")


# ---------------------------------------------------------------------------- the workloads
def _make_model(engine: str) -> Any:
    """A small conv net as a BaseModel of ``engine`` ('mmlight' or 'mmengine')."""
    import torch
    import torch.nn.functional as F
    from torch import nn

    if engine == "mmengine":
        from mmengine.model import BaseModel
    else:
        from mmlight.model import BaseModel

    class ConvNet(BaseModel):
        def __init__(self) -> None:
            super().__init__()
            self.features = nn.Sequential(
                nn.Conv2d(3, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
                nn.Conv2d(32, 64, 3, stride=2, padding=1), nn.BatchNorm2d(64), nn.ReLU(),
                nn.Conv2d(64, 128, 3, stride=2, padding=1), nn.BatchNorm2d(128), nn.ReLU(),
                nn.AdaptiveAvgPool2d(1), nn.Flatten(),
            )
            self.head = nn.Linear(128, 10)

        def forward(self, inputs: Any, data_samples: Any = None, mode: str = "tensor") -> Any:
            x = torch.stack(inputs) if isinstance(inputs, (list, tuple)) else inputs
            logits = self.head(self.features(x))
            if mode == "loss":
                labels = torch.as_tensor(data_samples, device=logits.device)
                return dict(loss=F.cross_entropy(logits.float(), labels))
            return logits

    return ConvNet()


class _Images:
    """Random images and labels, made once (the timing measures training, not loading)."""

    def __init__(self, n: int, size: int) -> None:
        import torch

        gen = torch.Generator().manual_seed(0)
        self.x = torch.randn(n, 3, size, size, generator=gen)
        self.y = torch.randint(0, 10, (n,), generator=gen)

    def __len__(self) -> int:
        return len(self.y)

    def __getitem__(self, i: int) -> dict:
        return dict(inputs=self.x[i], data_samples=int(self.y[i]))


def _recorder(engine: str) -> Any:
    if engine == "mmengine":
        from mmengine.hooks import Hook
    else:
        from mmlight.hooks import Hook

    class Record(Hook):
        priority = "LOWEST"

        def __init__(self) -> None:
            self.losses: list[float] = []
            self.times: list[float] = []

        def after_train_iter(self, runner: Any, batch_idx: int, data_batch: Any = None,
                             outputs: Any = None) -> None:
            import torch

            self.losses.append(float(outputs["loss"].detach()))
            if torch.cuda.is_available():
                torch.cuda.synchronize()
            self.times.append(time.perf_counter())

    return Record()


def _runner(engine: str, work_dir: str, iters: int, batch: int, size: int,
            **cfg: Any) -> tuple[Any, Any]:
    import torch

    if engine == "mmengine":
        from mmengine.runner import Runner
    else:
        from mmlight.runner import Runner
    torch.manual_seed(0)
    record = _recorder(engine)
    base: dict[str, Any] = dict(
        model=_make_model(engine),
        work_dir=work_dir,
        train_dataloader=dict(dataset=_Images(batch * 8, size),
                              sampler=dict(type="DefaultSampler", shuffle=True),
                              batch_size=batch, num_workers=0,
                              collate_fn=dict(type="default_collate")),
        train_cfg=dict(by_epoch=False, max_iters=iters, val_interval=10**9),
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.01, momentum=0.9)),
        default_hooks=dict(logger=dict(type="LoggerHook", interval=50),
                           checkpoint=dict(type="CheckpointHook", interval=10**9)),
        custom_hooks=[record],
        randomness=dict(seed=0),
        experiment_name=f"gpu_check_{engine}_{os.getpid()}",
    )
    base.update(cfg)
    runner = Runner(**base)
    return runner, record


def _finite(values: list[float]) -> bool:
    return bool(values) and all(math.isfinite(v) for v in values)


# ---------------------------------------------------------------------------- the workers
def _worker_ddp(args: argparse.Namespace) -> dict[str, Any]:
    import torch

    from mmlight.dist import all_gather, get_dist_info

    runner, record = _runner(
        "mmlight", args.work_dir, 20, 16, 32, launcher="pytorch",
        env_cfg=dict(dist_cfg=dict(backend="gloo" if args.self_test else "nccl")),
    )
    runner.train()
    rank, world = get_dist_info()
    flat = torch.cat([p.detach().flatten() for p in runner.model.parameters()])
    gathered = all_gather(flat)
    same = all(torch.equal(gathered[0], other) for other in gathered[1:])
    ok = same and _finite(record.losses)
    return dict(ok=ok, world_size=world, rank=rank, weights_equal_on_ranks=same,
                detail=f"{world} process(es), weights equal on ranks: {same}")


def _worker_amp(args: argparse.Namespace, dtype: str) -> dict[str, Any]:
    optim: dict[str, Any] = dict(type="AmpOptimWrapper", dtype=dtype,
                                 optimizer=dict(type="SGD", lr=0.01, momentum=0.9))
    if dtype == "float16":
        optim["loss_scale"] = dict(init_scale=2.0**40)  # overflows: the first steps are skipped
    runner, record = _runner("mmlight", args.work_dir, 40, 16, 32, optim_wrapper=optim)
    runner.train()
    scaler = getattr(runner.optim_wrapper, "loss_scaler", None)
    if dtype == "float16":
        scale = float(scaler.get_scale()) if scaler is not None else None
        ok = scale is not None and scale < 2.0**40 and _finite(record.losses)
        # Each overflow halves the scale; growth needs 2000 clean steps, so none happened.
        skipped = round(math.log2(2.0**40 / scale)) if scale else None
        return dict(ok=ok, final_scale=scale, skipped_steps=skipped,
                    detail=f"final loss scale {scale} (started at 2**40: {skipped} overflowing "
                           f"steps skipped), {len(record.losses)} iterations, losses finite")
    ok = scaler is None and _finite(record.losses)
    return dict(ok=ok, detail=f"{len(record.losses)} iterations, losses finite, no scaler")


def _worker_fsdp(args: argparse.Namespace) -> dict[str, Any]:
    import torch

    from mmlight.dist import get_dist_info

    cfg: dict[str, Any] = dict(
        launcher="pytorch",
        env_cfg=dict(dist_cfg=dict(backend="gloo" if args.self_test else "nccl")),
        cfg=dict(model_wrapper_cfg=dict(type="MMFullyShardedDataParallel"),
                 trainer=dict(accelerator="cpu") if args.self_test else {}),
        default_hooks=dict(logger=dict(type="LoggerHook", interval=50),
                           checkpoint=dict(type="CheckpointHook", interval=1, by_epoch=False)),
    )
    if args.resume_from:
        cfg.update(load_from=args.resume_from, resume=True)
    runner, record = _runner("mmlight", args.work_dir, 6, 16, 32, **cfg)
    runner.train()
    from mmlight.runner.runner_checkpoint import _full_fsdp_state_dict

    weights = _full_fsdp_state_dict(runner.model, runner.model)
    rank, world = get_dist_info()
    if rank == 0:
        torch.save(weights, os.path.join(args.work_dir, f"final_{int(bool(args.resume_from))}.pt"))
    return dict(ok=_finite(record.losses), world_size=world, rank=rank)


def _worker_speed(args: argparse.Namespace) -> dict[str, Any]:
    import torch

    on_gpu = torch.cuda.is_available()
    if on_gpu:
        torch.backends.cudnn.benchmark = True
        torch.cuda.reset_peak_memory_stats()
    batch, warmup = 64, 10
    iters = max(args.iters, warmup + 5)
    runner, record = _runner(args.engine, args.work_dir, iters, batch, 64)
    runner.train()
    span = record.times[-1] - record.times[warmup - 1]
    images = batch * (len(record.times) - warmup)
    peak = torch.cuda.max_memory_allocated() / 2**20 if on_gpu else float("nan")
    return dict(ok=_finite(record.losses), images_per_s=images / span, peak_mib=peak,
                engine=args.engine)


def _worker(args: argparse.Namespace) -> None:
    workers = dict(
        ddp_nccl=_worker_ddp,
        amp_fp16=lambda a: _worker_amp(a, "float16"),
        amp_bf16=lambda a: _worker_amp(a, "bfloat16"),
        fsdp=_worker_fsdp,
        speed=_worker_speed,
    )
    result = workers[args.worker](args)
    rank = int(os.environ.get("RANK", "0"))
    with open(os.path.join(args.out, f"{args.worker}_{args.engine}_{rank}.json"), "w") as f:
        json.dump(result, f)


# ---------------------------------------------------------------------------- the driver
def _launch(args: argparse.Namespace, worker: str, work_dir: str, out: str, nproc: int = 0,
            engine: str = "mmlight", resume_from: str = "") -> subprocess.CompletedProcess:
    prefix = [sys.executable]
    if nproc:
        prefix += ["-m", "torch.distributed.run", "--standalone", "--nproc_per_node", str(nproc)]
    command = [*prefix, str(Path(__file__).resolve()), "--worker", worker, "--work-dir",
               work_dir, "--out", out, "--engine", engine, "--iters", str(args.iters)]
    if resume_from:
        command += ["--resume-from", resume_from]
    if args.self_test:
        command.append("--self-test")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT), env.get("PYTHONPATH", "")])
    if args.self_test:
        env["CUDA_VISIBLE_DEVICES"] = ""
    return subprocess.run(command, env=env, capture_output=True, text=True,
                          timeout=args.timeout)


def _read(out: str, worker: str, engine: str = "mmlight", rank: int = 0) -> dict[str, Any]:
    with open(os.path.join(out, f"{worker}_{engine}_{rank}.json")) as f:
        return json.load(f)


def _failure(proc: subprocess.CompletedProcess) -> str:
    lines = [line for line in (proc.stderr or proc.stdout).splitlines() if line.strip()]
    return f"exit {proc.returncode}: " + (lines[-1] if lines else "no output")


def _check(args: argparse.Namespace, name: str, tmp: str, devices: int) -> dict[str, Any]:
    work, out = os.path.join(tmp, name), os.path.join(tmp, f"{name}_out")
    os.makedirs(out, exist_ok=True)
    if name in ("amp_fp16", "amp_bf16"):
        proc = _launch(args, name, work, out)
        return _read(out, name) if proc.returncode == 0 else dict(ok=False, detail=_failure(proc))
    if name == "ddp_nccl":
        proc = _launch(args, name, work, out, nproc=devices)
        return _read(out, name) if proc.returncode == 0 else dict(ok=False, detail=_failure(proc))
    if name == "fsdp":
        straight = _launch(args, name, work, out, nproc=devices)
        if straight.returncode != 0:
            return dict(ok=False, detail=_failure(straight))
        resumed_dir = os.path.join(tmp, "fsdp_resumed")
        resumed = _launch(args, name, resumed_dir, out, nproc=devices,
                          resume_from=os.path.join(work, "iter_3.pth"))
        if resumed.returncode != 0:
            return dict(ok=False, detail="resume: " + _failure(resumed))
        return _compare_fsdp(work, resumed_dir, devices)
    results = {}
    for engine in ("mmengine", "mmlight"):
        proc = _launch(args, name, os.path.join(work, engine), out, engine=engine)
        if proc.returncode != 0:
            results[engine] = dict(ok=False, detail=_failure(proc))
        else:
            results[engine] = _read(out, name, engine)
    ok = all(r.get("ok") for r in results.values())
    detail = "; ".join(
        f"{engine}: {r['images_per_s']:.0f} images/s, peak {r['peak_mib']:.0f} MiB"
        if "images_per_s" in r else f"{engine}: {r['detail']}"
        for engine, r in results.items()
    )
    return dict(ok=ok, detail=detail, engines=results)


def _compare_fsdp(work: str, resumed_dir: str, devices: int) -> dict[str, Any]:
    import torch

    straight = torch.load(os.path.join(work, "final_0.pt"), weights_only=True)
    resumed = torch.load(os.path.join(resumed_dir, "final_1.pt"), weights_only=True)
    same = list(straight) == list(resumed) and all(
        torch.equal(straight[k], resumed[k]) for k in straight
    )
    checkpoint = torch.load(os.path.join(work, "iter_3.pth"), weights_only=True)
    full = all(
        state["momentum_buffer"].shape == checkpoint["state_dict"][name].shape
        for state, name in zip(checkpoint["optimizer"]["state"].values(),
                               [k for k in checkpoint["state_dict"] if "running" not in k
                                and "num_batches" not in k])
    )
    return dict(ok=same and full, resumed_bit_identical=same, full_optimizer_state=full,
                detail=f"{devices} process(es); resumed run bit-identical: {same}; "
                       f"checkpoint optimizer state full-size: {full}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--iters", type=int, default=60, help="speed: iterations per engine")
    parser.add_argument("--json", help="also write the results here")
    parser.add_argument("--timeout", type=int, default=300, help="seconds per subprocess")
    parser.add_argument("--only", nargs="*", choices=CHECKS, help="run these checks only")
    parser.add_argument("--self-test", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--worker", choices=CHECKS, help=argparse.SUPPRESS)
    parser.add_argument("--work-dir", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--engine", default="mmlight", help=argparse.SUPPRESS)
    parser.add_argument("--resume-from", default="", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        _worker(args)
        return 0

    import torch

    if not torch.cuda.is_available() and not args.self_test:
        print("skipped: no CUDA (torch.cuda.is_available() is False); nothing was run")
        return 0
    devices = torch.cuda.device_count() if not args.self_test else 2
    name = torch.cuda.get_device_name(0) if not args.self_test else "CPU self-test"
    print(f"gpu_check: {devices} device(s), {name}, torch {torch.__version__}")
    checks = args.only or list(CHECKS)
    if args.self_test:
        checks = [c for c in checks if c != "amp_fp16"]  # fp16 autocast needs CUDA
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="gpu_check_") as tmp:
        for check in checks:
            started = time.perf_counter()
            try:
                result = _check(args, check, tmp, devices)
            except subprocess.TimeoutExpired:
                result = dict(ok=False, detail=f"timed out after {args.timeout} s")
            result["seconds"] = round(time.perf_counter() - started, 1)
            results[check] = result
            status = "PASS" if result.get("ok") else "FAIL"
            print(f"{status} {check:9s} {result.get('detail', '')} ({result['seconds']} s)",
                  flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0 if all(r.get("ok") for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())

"""CPU time per training iteration: drivers stepped in lockstep, medians over rounds.

    python benchmarks/per_iteration.py [--workload mlp conv] [--rounds 9] [--markdown]
    python benchmarks/per_iteration.py --profile mmlight --workload mlp   # cProfile by tottime

The same training job runs under each driver - a raw PyTorch loop, mmengine's ``Runner`` (if
installed), a native ``LightningModule`` with manual optimization, one with automatic
optimization, and mmlight's ``Runner`` - each in one long-lived subprocess. A hook at the end of
every iteration lets a child run only the iterations the coordinator asks for, then wait; the
coordinator runs the drivers one after another (order rotated each round), ``--chunk``
iterations each, for ``--rounds`` rounds. What is measured is the child's own CPU time
(``time.process_time``) per iteration, one thread everywhere.

Why one process per driver rather than all drivers in one: each driver keeps its own
interpreter (registries, Lightning's globals, allocator state never mix), its own peak RSS and
its own time to the first iteration, while lockstep rounds still expose every driver to the
same machine load. CPU time, not wall time: on a shared machine wall time measures the other
tenants; the median over rounds drops the rounds that caught a cache-cold or preempted moment.
Ratios are medians of per-round ratios.

Workloads: ``mlp`` is overhead-bound (a 2-layer MLP, batch 32, data in memory); ``conv`` is
compute-bound (a small conv net on 3x32x32 images, batch 32, on the CPU). Both use SGD with
momentum, ``default_collate`` and a shuffling ``DefaultSampler``; the MMEngine-style drivers run
their default hooks (logger every 50 iterations) with checkpointing off.

Also reported: Python calls per iteration (``sys.setprofile`` events over ``--count``
iterations: Python function calls and C calls), CPU and wall time from process start to the
first iteration (imports and setup included; children start one at a time), and peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from typing import IO, Any

DRIVERS = ("pytorch", "mmengine", "lightning-manual", "lightning-auto", "mmlight", "baseline")
LABELS = {
    "pytorch": "raw PyTorch loop",
    "mmengine": "mmengine 0.10.7 `Runner`",
    "lightning-manual": "native `LightningModule`, manual optimization",
    "lightning-auto": "native `LightningModule`, automatic optimization",
    "mmlight": "mmlight `Runner`",
    "baseline": "mmlight `Runner` from --baseline",
}
BATCH = 32
BASELINE = [""]  # --baseline: a directory holding another ``mmlight`` package
# Python calls per iteration are also counted by where the called function lives.
_PACKAGES = ("lightning", "mmlight", "mmengine", "torch")
CLASSES = 10


# -- workloads -----------------------------------------------------------------------------
def _data(workload: str, n: int) -> tuple[Any, Any]:
    import torch

    gen = torch.Generator().manual_seed(0)
    shape = (n, 32) if workload == "mlp" else (n, 3, 32, 32)
    return torch.randn(*shape, generator=gen), torch.randint(0, CLASSES, (n,), generator=gen)


def _net(workload: str) -> Any:
    from torch import nn

    if workload == "mlp":
        return nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, CLASSES))
    return nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 8 * 8, CLASSES),
    )


# -- the gate: where a child waits between the coordinator's commands ----------------------
class Gate:
    """Called at the end of every iteration; runs the iterations the coordinator asks for."""

    def __init__(self, warmup: int, cmd_in: IO[str], out: IO[str]) -> None:
        self.remaining = warmup
        self.cmd_in, self.out = cmd_in, out
        self.first: dict[str, float] | None = None
        self.mode = "warmup"
        self.cpu0 = 0.0
        self.counts = [0, 0]
        self.profiler: Any = None

    def first_iteration(self) -> None:
        """Called when the first iteration begins (once)."""
        if self.first is None:
            self.first = dict(cpu=time.process_time(), wall=time.time())
            if os.environ.get("BENCH_GC_FREEZE"):  # experiment: setup objects out of the GC's way
                import gc

                gc.freeze()

    def tick(self) -> None:
        self.remaining -= 1
        if self.remaining > 0:
            return
        self._finish()
        line = self.cmd_in.readline().split()
        if not line or line[0] == "end":
            self.remaining, self.mode = 1 << 62, "end"
            return
        self.mode, self.remaining = line[0], int(line[1])
        if self.mode == "count":
            self.counts = [0, 0]
            self.by_package: dict[str, int] = {}
            sys.setprofile(self._count)
        elif self.mode == "profile":
            import cProfile

            self.profiler = cProfile.Profile()
            self.profiler.enable()
        self.cpu0 = time.process_time()

    def _count(self, frame: Any, event: str, arg: Any) -> None:
        if event == "call":
            self.counts[0] += 1
            name = frame.f_code.co_filename
            package = next((p for p in _PACKAGES if f"/{p}/" in name), "other")
            self.by_package[package] = self.by_package.get(package, 0) + 1
        elif event == "c_call":
            self.counts[1] += 1

    def _finish(self) -> None:
        cpu = time.process_time() - self.cpu0
        report: dict[str, Any] = dict(mode=self.mode)
        if self.mode == "warmup":
            import torch

            report.update(first=self.first, threads=torch.get_num_threads())
        elif self.mode == "run":
            report.update(cpu=cpu)
        elif self.mode == "count":
            sys.setprofile(None)
            report.update(py_calls=self.counts[0], c_calls=self.counts[1],
                          by_package=self.by_package)
        elif self.mode == "profile":
            import io
            import pstats

            self.profiler.disable()
            text = io.StringIO()
            stats = pstats.Stats(self.profiler, stream=text)
            stats.sort_stats(os.environ.get("PROFILE_SORT", "tottime"))
            stats.print_stats(int(os.environ.get("PROFILE_LINES", "45")))
            if os.environ.get("PROFILE_CALLERS"):  # a regex of functions whose callers to show
                stats.print_callers(os.environ["PROFILE_CALLERS"])
            report.update(text=text.getvalue())
        self.out.write(json.dumps(report) + "\n")
        self.out.flush()


# -- drivers -------------------------------------------------------------------------------
def run_pytorch(workload: str, n_iters: int, gate: Gate) -> None:
    import torch
    import torch.nn.functional as F
    from torch.utils.data import DataLoader, TensorDataset

    x, y = _data(workload, n_iters * BATCH)
    model = _net(workload)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loader = DataLoader(TensorDataset(x, y), batch_size=BATCH, shuffle=True)
    for inputs, targets in loader:
        gate.first_iteration()
        loss = F.cross_entropy(model(inputs), targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        gate.tick()


def run_lightning(workload: str, n_iters: int, gate: Gate, manual: bool) -> None:
    import lightning.pytorch as pl
    import torch
    import torch.nn.functional as F
    from torch.utils.data import DataLoader, TensorDataset

    class Module(pl.LightningModule):
        def __init__(self) -> None:
            super().__init__()
            self.net = _net(workload)
            self.automatic_optimization = not manual

        def training_step(self, batch: Any, batch_idx: int) -> Any:
            inputs, targets = batch
            loss = F.cross_entropy(self.net(inputs), targets)
            if manual:
                optimizer: Any = self.optimizers()
                optimizer.zero_grad()
                self.manual_backward(loss)
                optimizer.step()
            return loss

        def configure_optimizers(self) -> Any:
            return torch.optim.SGD(self.parameters(), lr=0.01, momentum=0.9)

    class Ticker(pl.Callback):
        def on_train_batch_start(self, *args: Any) -> None:
            gate.first_iteration()

        def on_train_batch_end(self, *args: Any) -> None:
            gate.tick()

    x, y = _data(workload, n_iters * BATCH)
    trainer = pl.Trainer(
        accelerator="cpu", devices=1, max_epochs=1, logger=False, enable_checkpointing=False,
        enable_progress_bar=False, enable_model_summary=False, callbacks=[Ticker()],
    )
    trainer.fit(Module(), DataLoader(TensorDataset(x, y), batch_size=BATCH, shuffle=True))


def run_runner(library: str, workload: str, n_iters: int, gate: Gate) -> None:
    import torch
    import torch.nn.functional as F

    if library == "mmengine":
        from mmengine.hooks import Hook
        from mmengine.model import BaseModel
        from mmengine.runner import Runner
    else:
        from mmlight.hooks import Hook
        from mmlight.model import BaseModel
        from mmlight.runner import Runner

    class Net(BaseModel):
        def __init__(self) -> None:
            super().__init__()
            self.net = _net(workload)

        def forward(self, inputs: Any, data_samples: Any = None, mode: str = "tensor") -> Any:
            logits = self.net(inputs)
            if mode == "loss":
                return dict(loss=F.cross_entropy(logits, data_samples))
            return logits

    class Ticker(Hook):
        priority = "LOWEST"

        def before_train_iter(self, runner: Any, batch_idx: int, data_batch: Any = None) -> None:
            gate.first_iteration()

        def after_train_iter(self, runner: Any, *args: Any, **kwargs: Any) -> None:
            gate.tick()

    class Pairs(torch.utils.data.Dataset):
        def __init__(self) -> None:
            self.x, self.y = _data(workload, n_iters * BATCH)

        def __len__(self) -> int:
            return len(self.y)

        def __getitem__(self, index: int) -> dict:
            return dict(inputs=self.x[index], data_samples=self.y[index])

    with tempfile.TemporaryDirectory() as work_dir:
        runner = Runner(
            model=Net(),
            work_dir=work_dir,
            train_dataloader=dict(
                dataset=Pairs(), batch_size=BATCH, num_workers=0,
                sampler=dict(type="DefaultSampler", shuffle=True),
                collate_fn=dict(type="default_collate"),
            ),
            train_cfg=dict(by_epoch=True, max_epochs=1),
            optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.01, momentum=0.9)),
            default_hooks=dict(logger=dict(type="LoggerHook", interval=50), checkpoint=None),
            custom_hooks=[Ticker()],
            log_level="WARNING",
            randomness=dict(seed=0),
        )
        runner.train()


def _child(driver: str, workload: str, n_iters: int, warmup: int) -> None:
    if driver == "baseline":  # another mmlight source tree (say, an older commit's)
        sys.path.insert(0, os.environ["BENCH_BASELINE"])
        driver = "mmlight"
    import torch

    torch.set_num_threads(1)
    # The protocol uses the real stdout; prints from the drivers go to stderr.
    out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    gate = Gate(warmup, sys.stdin, out)
    if driver == "pytorch":
        run_pytorch(workload, n_iters, gate)
    elif driver.startswith("lightning"):
        run_lightning(workload, n_iters, gate, manual=driver == "lightning-manual")
    else:
        run_runner(driver, workload, n_iters, gate)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    out.write(json.dumps(dict(mode="done", peak_rss_mib=rss)) + "\n")
    out.flush()


# -- coordinator ---------------------------------------------------------------------------
class Child:
    def __init__(self, driver: str, workload: str, n_iters: int, warmup: int) -> None:
        env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", MMLIGHT_PROGRESS="0",
                   BENCH_BASELINE=BASELINE[0])
        self.started = time.time()
        self.cpu_start = 0.0
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--child", driver, "--workload", workload,
             "--n-iters", str(n_iters), "--warmup", str(warmup)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env,
            stderr=subprocess.DEVNULL if "--verbose" not in sys.argv else None,
        )

    def receive(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"child exited ({self.proc.wait()}); rerun with --verbose")
        return json.loads(line)

    def send(self, command: str) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return self.receive()


def _available(driver: str) -> bool:
    if driver != "mmengine":
        return True
    try:
        import mmengine  # noqa: F401
    except ImportError:
        return False
    return True


def measure(workload: str, drivers: list[str], args: argparse.Namespace) -> dict[str, Any]:
    chunk = args.chunk or (200 if workload == "mlp" else 40)
    count = args.count or (50 if workload == "mlp" else 10)
    n_iters = args.warmup + args.rounds * chunk + count + 1
    children: dict[str, Child] = {}
    results: dict[str, dict[str, Any]] = {}
    for driver in drivers:  # one at a time: start-up times are not contended by each other
        child = children[driver] = Child(driver, workload, n_iters, args.warmup)
        ready = child.receive()
        first = ready["first"]
        if ready["threads"] != 1:  # a driver changed torch's thread count: not comparable
            print(f"warning: {driver} runs on {ready['threads']} threads", file=sys.stderr)
        results[driver] = dict(
            first_wall=first["wall"] - child.started, first_cpu=first["cpu"], cpu=[]
        )
    for index in range(args.rounds):
        shift = index % len(drivers)
        for driver in drivers[shift:] + drivers[:shift]:
            reply = children[driver].send(f"run {chunk}")
            results[driver]["cpu"].append(reply["cpu"] / chunk)
    for driver, child in children.items():
        reply = child.send(f"count {count}")
        results[driver].update(
            py_calls=reply["py_calls"] / count, c_calls=reply["c_calls"] / count,
            by_package={k: v / count for k, v in sorted(reply["by_package"].items())},
        )
        # The last iteration runs freely to the end of the data.
        results[driver].update(peak_rss_mib=child.send("end")["peak_rss_mib"])
        child.proc.wait()
    return dict(workload=workload, chunk=chunk, rounds=args.rounds, drivers=results)


def _ratio(per_round: list[float], base: list[float]) -> float:
    return statistics.median(a / b for a, b in zip(per_round, base, strict=True))


def report(result: dict[str, Any], markdown: bool) -> None:
    drivers = result["drivers"]
    base = drivers.get("mmengine")
    raw = drivers.get("pytorch")
    title = dict(mlp="overhead-bound: 2-layer MLP, batch 32",
                 conv="compute-bound: small conv net, 3x32x32, batch 32")[result["workload"]]
    print(f"\n{title} ({result['rounds']} rounds x {result['chunk']} iterations, CPU time)\n")
    if markdown:
        print("| driver | CPU µs / iteration | vs raw PyTorch | vs mmengine | Python calls / "
              "iteration | first iteration (CPU s / wall s) | peak RSS MiB |")
        print("|---|---:|---:|---:|---:|---:|---:|")
    for driver, values in drivers.items():
        median = statistics.median(values["cpu"]) * 1e6
        vs_raw = f"{_ratio(values['cpu'], raw['cpu']):.2f}x" if raw else "-"
        vs_mm = f"{_ratio(values['cpu'], base['cpu']):.2f}x" if base else "-"
        first = f"{values['first_cpu']:.1f} / {values['first_wall']:.1f}"
        if markdown:
            print(f"| {LABELS[driver]} | {median:.0f} | {vs_raw} | {vs_mm} | "
                  f"{values['py_calls']:.0f} | {first} | {values['peak_rss_mib']:.0f} |")
        else:
            spread = ", ".join(f"{v * 1e6:.0f}" for v in values["cpu"])
            print(f"{driver:17s} {median:7.0f} µs  {vs_raw:>6s} raw  {vs_mm:>6s} mmengine  "
                  f"{values['py_calls']:6.0f} py calls ({values['c_calls']:.0f} C)  first "
                  f"{first} s  rss {values['peak_rss_mib']:.0f} MiB  [{spread}]")
            where = ", ".join(f"{k} {v:.0f}" for k, v in values["by_package"].items())
            print(f"{'':17s} python calls by package: {where}")


def profile(driver: str, workload: str, args: argparse.Namespace) -> None:
    iters = args.chunk or 300
    child = Child(driver, workload, args.warmup + iters + 1, args.warmup)
    child.receive()
    print(child.send(f"profile {iters}")["text"])
    child.send("end")
    child.proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workload", nargs="+", default=["mlp", "conv"], choices=["mlp", "conv"])
    parser.add_argument("--drivers", nargs="+", default=list(DRIVERS), choices=DRIVERS)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--chunk", type=int, default=0, help="iterations per driver per round")
    parser.add_argument("--count", type=int, default=0, help="iterations whose calls are counted")
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--markdown", action="store_true", help="print README tables")
    parser.add_argument("--json", help="also write the raw results here")
    parser.add_argument("--baseline", default="", help="a directory with another mmlight "
                        "package (e.g. `git archive OLD mmlight | tar -x -C DIR`): adds a "
                        "'baseline' driver running it, for before/after in one run")
    parser.add_argument("--profile", choices=DRIVERS, help="cProfile one driver instead")
    parser.add_argument("--verbose", action="store_true", help="show the children's stderr")
    parser.add_argument("--child", choices=DRIVERS, help=argparse.SUPPRESS)
    parser.add_argument("--n-iters", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.workload[0], args.n_iters, args.warmup)
        return
    if args.profile:
        profile(args.profile, args.workload[0], args)
        return
    BASELINE[0] = os.path.abspath(args.baseline) if args.baseline else ""
    drivers = [d for d in args.drivers if _available(d) and (d != "baseline" or args.baseline)]
    results = []
    for workload in args.workload:
        result = measure(workload, drivers, args)
        results.append(result)
        report(result, args.markdown)
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(results, handle, indent=1)


if __name__ == "__main__":
    main()

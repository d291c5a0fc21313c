"""Run a test function on real gloo processes and hand back what every rank returned.

A test module defines a top-level ``def worker(rank, world_size, workdir) -> Any`` and calls
``run_on_gloo(__file__, "worker", tmp_path)``. Each rank is a fresh ``python`` process
that loads the test module by path, joins a gloo group through a file store (no ports to
race for), calls the function and pickles its return value (or its traceback) to a file.

Load this file with ``load_harness()`` style code (it is not importable as a package:
tests run with ``--import-mode=importlib`` and have no ``__init__.py``).
"""

from __future__ import annotations

import importlib.util
import os
import pickle
import subprocess
import sys
import traceback
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]


def run_on_gloo(
    module_file: str,
    func_name: str,
    workdir: Path,
    world_size: int = 2,
    timeout: float = 90.0,
    env: dict[str, str] | None = None,
) -> list[Any]:
    """Start ``world_size`` processes running ``func_name``; return their results by rank."""
    workdir.mkdir(parents=True, exist_ok=True)
    store = workdir / "gloo_store"
    child_env = dict(os.environ)
    child_env.update(
        {
            "OMP_NUM_THREADS": "1",
            "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), child_env.get("PYTHONPATH", "")]),
        }
    )
    for name in ("WORLD_SIZE", "RANK", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "MASTER_ADDR"):
        child_env.pop(name, None)
    child_env.update(env or {})
    procs = []
    for rank in range(world_size):
        out = workdir / f"rank{rank}.pkl"
        cmd = [
            sys.executable,
            __file__,
            module_file,
            func_name,
            str(rank),
            str(world_size),
            str(store),
            str(workdir),
            str(out),
        ]
        procs.append(
            subprocess.Popen(
                cmd,
                cwd=str(workdir),
                env=child_env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )
        )
    logs = []
    try:
        for proc in procs:
            stdout, _ = proc.communicate(timeout=timeout)
            logs.append(stdout.decode(errors="replace"))
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    results = []
    for rank, (proc, log) in enumerate(zip(procs, logs)):
        out = workdir / f"rank{rank}.pkl"
        if not out.exists():
            raise RuntimeError(f"rank {rank} exited with {proc.returncode} and no result:\n{log}")
        ok, value = pickle.loads(out.read_bytes())
        if not ok:
            raise RuntimeError(f"rank {rank} failed:\n{value}\n--- output ---\n{log}")
        results.append(value)
    return results


def _child_main(argv: list[str]) -> None:
    module_file, func_name, rank_s, world_s, store, workdir, out = argv
    rank, world_size = int(rank_s), int(world_s)
    os.environ["RANK"] = rank_s
    os.environ["WORLD_SIZE"] = world_s
    os.environ["LOCAL_RANK"] = rank_s
    os.environ["LOCAL_WORLD_SIZE"] = world_s
    try:
        import torch.distributed as dist

        spec = importlib.util.spec_from_file_location("_gloo_test_module", module_file)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        dist.init_process_group(
            "gloo", init_method=f"file://{store}", rank=rank, world_size=world_size
        )
        try:
            value = getattr(module, func_name)(rank, world_size, Path(workdir))
        finally:
            dist.destroy_process_group()
        payload = (True, value)
    except BaseException:
        payload = (False, traceback.format_exc())
    Path(out).write_bytes(pickle.dumps(payload))


if __name__ == "__main__":
    _child_main(sys.argv[1:])

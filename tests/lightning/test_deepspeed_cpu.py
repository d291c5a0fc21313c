"""DeepSpeed without a GPU: Lightning's DeepSpeedStrategy refuses the CPU with a clear error.

``pip install deepspeed`` (0.19.8) works on a CPU-only machine with torch 2.13 (an sdist: it
needs ``--no-build-isolation`` so its build finds the installed torch, and ``DS_BUILD_OPS=0``;
its ops are compiled just in time) and ``import deepspeed`` picks its CPU accelerator. Training
through Lightning does not: ``DeepSpeedStrategy.setup_environment`` accepts CUDA only. These
tests run where deepspeed is installed (not in CI) and pin that error for the strategy names
and the mmengine-style dict; without deepspeed the install hint is tested in test_deepspeed.py.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("deepspeed")
torch = pytest.importorskip("torch")

CPU_REFUSED = "The DeepSpeed strategy is only supported on CUDA GPUs but `CPUAccelerator` is used"

RUNNER_TESTS = Path(__file__).resolve().parents[1] / "runner"


def _make_runner(work_dir: Path, strategy: Any) -> Any:
    sys.path.insert(0, str(RUNNER_TESTS))
    try:
        from resume_script import make_runner
    finally:
        sys.path.remove(str(RUNNER_TESTS))
    runner, _ = make_runner(
        str(work_dir), "iter", 0, False, batch_size=4,
        cfg=dict(strategy=strategy,
                 trainer=dict(accelerator="cpu", devices=1, enable_progress_bar=False)),
    )
    return runner


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the CPU-only refusal")
@pytest.mark.parametrize("strategy", ["deepspeed_stage_2", dict(type="DeepSpeedStrategy")])
def test_deepspeed_on_cpu_is_refused_clearly(tmp_path: Path, strategy: Any) -> None:
    import re

    runner = _make_runner(tmp_path / "wd", strategy)
    with pytest.raises(RuntimeError, match=re.escape(CPU_REFUSED)):
        runner.train()

"""benchmarks/gpu_check.py: without CUDA it says so and exits 0, running nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "gpu_check.py"


def _without_cuda() -> dict[str, str]:
    env = dict(os.environ)
    env["CUDA_VISIBLE_DEVICES"] = ""  # hides any GPU: torch.cuda.is_available() is False
    return env


def test_gpu_check_skips_cleanly_without_cuda(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    proc = subprocess.run([sys.executable, str(SCRIPT), "--json", str(out)],
                          env=_without_cuda(), cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.startswith("skipped: no CUDA")
    assert "PASS" not in proc.stdout and "FAIL" not in proc.stdout
    assert not out.exists()  # nothing ran, nothing reported
    assert list(tmp_path.iterdir()) == []


def test_gpu_check_help_lists_the_checks() -> None:
    proc = subprocess.run([sys.executable, str(SCRIPT), "--help"], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0
    for check in ("ddp_nccl", "amp_fp16", "amp_bf16", "fsdp", "speed"):
        assert check in proc.stdout


@pytest.mark.skipif(os.environ.get("MMLIGHT_GPU_CHECK_SELF_TEST") != "1",
                    reason="slow (minutes): set MMLIGHT_GPU_CHECK_SELF_TEST=1")
def test_gpu_check_self_test_passes_on_cpu(tmp_path: Path) -> None:
    # The script's own code paths on the CPU (gloo, no fp16): 4 checks, 2-3 minutes.
    proc = subprocess.run([sys.executable, str(SCRIPT), "--self-test", "--iters", "15"],
                          env=_without_cuda(), cwd=tmp_path, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    assert proc.stdout.count("PASS") == 4

"""The shipped digits config works with every command from the repository root, as the README
says, with no PYTHONPATH: its custom_imports resolve through the working directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONFIG = "configs/digits/cnn_digits.py"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["check", CONFIG], f"{CONFIG}: OK"),
        (["print-config", CONFIG], "model = dict("),
        (["registry", "MODELS", "--config", CONFIG], "DigitsCNN"),
    ],
)
def test_helpers_run_from_the_repository_root(args: list[str], expected: str) -> None:
    # The console script, not ``python -m`` (which would put the working directory on sys.path).
    script = Path(sys.executable).with_name("mmlight")
    if not script.exists():
        pytest.skip("the mmlight console script is not installed next to this python")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run(
        [str(script), *args], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert expected in result.stdout

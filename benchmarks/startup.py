"""Start-up: how long the commands take before any training starts.

    python benchmarks/startup.py [--repeats 5] [--markdown]

Each case runs in a fresh process (wall time, median of ``--repeats``): ``import mmlight``,
``mmlight --help``, ``mmlight-train --help``, ``mmlight fit --help`` the first time (LightningCLI
builds its parser: torch and Lightning load) and afterwards (the kept text), and the early
errors a mistyped command line gets (a missing checkpoint, an unwritable work_dir) on the
shipped digits config, whose ``custom_imports`` load torch - the errors come before them.
For comparison: ``import mmengine`` and ``python -c pass``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DIGITS = "configs/digits/cnn_digits.py"


def _cases(cache: str) -> dict[str, tuple[list[str], dict[str, str]]]:
    py = sys.executable
    kept = {"XDG_CACHE_HOME": cache}
    return {
        "python -c pass": ([py, "-c", "pass"], {}),
        "import mmengine": ([py, "-c", "import mmengine"], {}),
        "import mmlight": ([py, "-c", "import mmlight"], {}),
        "mmlight --help": ([str(BIN / "mmlight"), "--help"], {}),
        "mmlight-train --help": ([str(BIN / "mmlight-train"), "--help"], {}),
        "mmlight fit --help (first time)": ([str(BIN / "mmlight"), "fit", "--help"], {}),
        "mmlight fit --help (kept)": ([str(BIN / "mmlight"), "fit", "--help"], kept),
        "mmlight-train, missing --resume file": (
            [str(BIN / "mmlight-train"), DIGITS, "--resume", "missing.pth"], {}),
        "mmlight-train, unwritable --work-dir": (
            [str(BIN / "mmlight-train"), DIGITS, "--work-dir", "/proc/no/such"], {}),
    }  # fmt: skip


def _time(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env={**os.environ, **env}, capture_output=True, check=False)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    cache = tempfile.mkdtemp(prefix="mmlight-help-kept-")
    results = {}
    for name, (command, env) in _cases(cache).items():
        if name == "mmlight fit --help (kept)":
            _time(command, env)  # the first call keeps the text
        times = []
        for _ in range(args.repeats):
            if "first time" in name:  # an empty cache every time
                env = {"XDG_CACHE_HOME": tempfile.mkdtemp(prefix="mmlight-help-")}
            times.append(_time(command, env))
        results[name] = statistics.median(times)
    shutil.rmtree(cache, ignore_errors=True)
    if args.markdown:
        print("| command | seconds (median) |\n|---|---:|")
        for name, seconds in results.items():
            print(f"| {name} | {seconds:.2f} |")
    else:
        for name, seconds in results.items():
            print(f"{name:<40} {seconds:6.2f} s")


if __name__ == "__main__":
    main()

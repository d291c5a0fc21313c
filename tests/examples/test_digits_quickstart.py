"""The README's quickstart: the digits CNN trains to >= 95% accuracy from its shipped config."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("sklearn")

ROOT = Path(__file__).resolve().parents[2]


def test_quickstart_trains_digits_to_95_percent(tmp_path: Path) -> None:
    env = dict(os.environ, MMLIGHT_PROGRESS="0")
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "digits" / "train.py"), "--work-dir",
         str(tmp_path)],
        capture_output=True, text=True, timeout=1800, env=env, cwd=tmp_path,  # not a speed test
    )
    assert result.returncode == 0, result.stderr[-3000:]
    accuracy = float(re.search(r"test accuracy ([\d.]+)%", result.stdout).group(1))  # type: ignore[union-attr]
    assert accuracy >= 95.0
    # The run leaves what an MMEngine run leaves: the config dump, the text log, scalars.
    assert (tmp_path / "cnn_digits.py").exists()
    (log_dir,) = [
        p for p in tmp_path.iterdir() if p.is_dir() and re.fullmatch(r"\d{8}_\d{6}", p.name)
    ]
    assert (log_dir / f"{log_dir.name}.log").exists()
    assert "Epoch(val) [10]" in (log_dir / f"{log_dir.name}.log").read_text()
    assert (log_dir / "vis_data" / "scalars.json").exists()
    # CheckpointHook(interval=1, max_keep_ckpts=2, save_best='auto') from the _base_ runtime.
    assert sorted(p.name for p in tmp_path.glob("epoch_*.pth")) == ["epoch_10.pth", "epoch_9.pth"]
    assert len(list(tmp_path.glob("best_digits_accuracy_epoch_*.pth"))) == 1
    assert (tmp_path / "last_checkpoint").read_text().endswith("epoch_10.pth")
    # It tests the best checkpoint: the test split is the val split, so the test accuracy is
    # the best validation accuracy, whichever epoch had it.
    assert "with the best checkpoint (best_digits_accuracy_epoch_" in result.stdout
    records = [json.loads(line) for line in (log_dir / "vis_data" / "scalars.json").open()]
    best = max(r["digits/accuracy"] for r in records if "digits/accuracy" in r)
    assert accuracy == pytest.approx(best, abs=0.006)  # printed with 2 decimals

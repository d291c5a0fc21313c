"""Failures while running, seen by library users and by the console scripts' processes.

Before: ``runner.train()`` raised a bare ``KeyError`` (no note) and the process printed
``mmlight-train: error: KeyError: sample 7 is corrupt`` and nothing else.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.conftest import run_cli
from tests.cli.test_errors_table import _failing


def test_except_key_error_around_train_still_works(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mmlight.config import Config
    from mmlight.runner import Runner

    monkeypatch.chdir(project)
    monkeypatch.syspath_prepend(str(project))
    path = _failing(project, "lib.py",
                    'train_dataloader = dict(dataset=dict(type="CorruptCliData", bad=13))')
    runner = Runner.from_cfg(Config.fromfile(path))
    with pytest.raises(KeyError, match="sample 13 is corrupt") as info:
        runner.train()
    assert info.value.__notes__[-1] == (
        "(raised by train_dataloader.dataset (CorruptCliData) loading sample 13; "
        "stage train, epoch 1, iteration 4/4)"
    )


def test_process_exit_status_and_one_line(project: Path) -> None:
    config = _failing(project, "proc.py",
                      'val_dataloader = dict(dataset=dict(type="CorruptCliData", bad=2))')
    result = run_cli("mmlight.cli.train", config, cwd=project)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        "mmlight-train: error: KeyError: sample 2 is corrupt (raised by val_dataloader.dataset "
        "(CorruptCliData) loading sample 2; stage val, epoch 1, iteration 1/4) "
        "[--debug shows the traceback]"
    )


def test_debug_shows_the_traceback_instead_of_the_hint(
    project: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    from mmlight.cli.train import main

    monkeypatch.chdir(project)
    monkeypatch.syspath_prepend(str(project))
    config = _failing(project, "dbg.py", 'val_evaluator = dict(type="BrokenCliAcc")')
    assert main([config, "--debug"]) == 1
    err = capfd.readouterr().err
    assert "Traceback" in err
    assert "in compute_metrics" in err  # the metric's own frame, as raised
    assert "[--debug shows the traceback]" not in err

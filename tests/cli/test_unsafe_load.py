"""``--unsafe-load`` on every command: checkpoints holding objects outside the allow-list are
refused up front (exit 2, file, global and flag named, no traceback) unless the flag is given,
and a malicious pickle never runs."""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

import pytest
import torch
import yaml

from tests.cli.conftest import run_cli, write_checkpoint

HARMLESS_MODULE = '''
class Harmless:
    """Not on any allow-list, does nothing when unpickled."""

    def __init__(self, value):
        self.value = value
'''


class _Malicious:
    """Unpickling this runs ``touch <marker>``."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, (f"touch {self.marker}",))


def _toy_state() -> dict[str, torch.Tensor]:
    torch.manual_seed(0)
    return {
        "fc1.weight": torch.randn(8, 4), "fc1.bias": torch.zeros(8),
        "fc2.weight": torch.randn(2, 8), "fc2.bias": torch.zeros(2),
    }


def _harmless_checkpoint(project: Path) -> Path:
    """toy weights plus a ``h6_harmless_mod.Harmless`` in meta; the module lives in project."""
    (project / "h6_harmless_mod.py").write_text(HARMLESS_MODULE)
    sys.path.insert(0, str(project))
    try:
        module = importlib.import_module("h6_harmless_mod")
        path = project / "harmless.pth"
        torch.save({"state_dict": _toy_state(), "meta": {"note": module.Harmless(3)}}, path)
    finally:
        sys.path.remove(str(project))
        sys.modules.pop("h6_harmless_mod", None)
    return path


def _malicious_checkpoint(project: Path) -> tuple[Path, Path]:
    marker = project / "MARKER"
    path = project / "evil.pth"
    torch.save({"state_dict": _toy_state(), "meta": {"x": _Malicious(marker)}}, path)
    return path, marker


# ----------------------------------------------------------------------- real processes
def test_mmlight_test_refuses_then_loads_with_flag(project: Path) -> None:
    ckpt = _harmless_checkpoint(project)
    refused = run_cli("mmlight.cli.test", "toy.py", ckpt.name, cwd=project, check_rc=2)
    assert "Traceback" not in refused.stderr
    assert (
        "mmlight-test: error: checkpoint 'harmless.pth' is refused: its pickle references "
        "h6_harmless_mod.Harmless, outside mmlight's allow-list of safe types, and loading it "
        "could run arbitrary code. If you trust this file, pass --unsafe-load."
    ) in refused.stderr
    assert "toy/accuracy" not in refused.stdout + refused.stderr

    loaded = run_cli(
        "mmlight.cli.test", "toy.py", ckpt.name, "--unsafe-load", cwd=project, check_rc=0
    )
    log = loaded.stdout + loaded.stderr
    assert "mmlight-test: warning: --unsafe-load: checkpoints are loaded with full pickle, " \
        "which can run arbitrary code" in loaded.stderr
    assert "Load checkpoint from harmless.pth" in log and "toy/accuracy" in log


def test_malicious_pickle_never_runs(project: Path) -> None:
    ckpt, marker = _malicious_checkpoint(project)
    result = run_cli("mmlight.cli.test", "toy.py", ckpt.name, cwd=project, check_rc=2)
    assert "Traceback" not in result.stderr
    assert "'evil.pth' is refused: its pickle references posix.system" in result.stderr
    assert "--unsafe-load" in result.stderr
    assert not marker.exists()


# ------------------------------------------------------------------------- in process
@pytest.fixture()
def in_project(project: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(project)
    monkeypatch.syspath_prepend(str(project))
    return project


@pytest.mark.parametrize("stage", ["fit", "validate", "test", "predict"])
def test_lightning_stages_refuse_malicious(
    in_project: Path, capfd: pytest.CaptureFixture[str], stage: str
) -> None:
    from mmlight.cli.main import main

    ckpt, marker = _malicious_checkpoint(in_project)
    assert main([stage, "-c", "toy.py", "--ckpt_path", ckpt.name]) == 2
    err = capfd.readouterr().err
    assert "mmlight: error: --ckpt_path 'evil.pth' is refused: its pickle references " \
        "posix.system" in err
    assert "pass --unsafe-load" in err and "Traceback" not in err
    assert not marker.exists()


def test_train_resume_refuses_malicious(
    in_project: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    from mmlight.cli.train import main

    ckpt, marker = _malicious_checkpoint(in_project)
    assert main(["toy.py", "--resume", ckpt.name]) == 2
    err = capfd.readouterr().err
    assert "mmlight-train: error: --resume 'evil.pth' is refused: its pickle references " \
        "posix.system" in err and "--unsafe-load" in err
    assert not marker.exists()


def test_load_from_in_config_refused_at_run_time_exits_2(
    in_project: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """Not checked up front (only --resume is): the Runner's own refusal is still bad input."""
    from mmlight.cli.train import main

    ckpt, marker = _malicious_checkpoint(in_project)
    argv = ["toy.py", "--cfg-options", f"load_from={ckpt.name}", "experiment_name=h6_load_from"]
    assert main(argv) == 2
    err = capfd.readouterr().err
    assert "refusing to load evil.pth: its pickle references posix.system" in err
    assert "--unsafe-load" in err and "Traceback" not in err
    assert not marker.exists()


def test_train_flag_sets_cfg_and_passes_the_check(
    in_project: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    from mmlight.cli.train import build_parser, prepare_config

    ckpt = _harmless_checkpoint(in_project)
    cfg = prepare_config(build_parser().parse_args(["toy.py", "--resume", ckpt.name,
                                                    "--unsafe-load"]))
    assert cfg.unsafe_load is True and cfg.resume is True and cfg.load_from == ckpt.name
    err = capfd.readouterr().err
    assert err.count("warning: --unsafe-load") == 1
    cfg = prepare_config(build_parser().parse_args(["toy.py"]))
    assert "unsafe_load" not in cfg and capfd.readouterr().err == ""


def test_config_unsafe_load_is_honoured_and_announced(
    in_project: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    from mmlight.cli.test import build_parser, prepare_config

    ckpt = _harmless_checkpoint(in_project)
    args = build_parser().parse_args(["toy.py", ckpt.name, "--cfg-options", "unsafe_load=True"])
    assert prepare_config(args).unsafe_load is True
    assert "warning: unsafe_load=True in the config: checkpoints are loaded with full pickle" \
        in capfd.readouterr().err


@pytest.mark.parametrize("spelling", ["--unsafe_load", "--unsafe-load"])
def test_lightning_flag_spellings(
    in_project: Path, capfd: pytest.CaptureFixture[str], spelling: str
) -> None:
    from mmlight.cli.lightning_cli import MMLightCLI

    ckpt = _harmless_checkpoint(in_project)
    cli = MMLightCLI(["validate", "-c", "toy.py", "--ckpt_path", ckpt.name, spelling],
                     build=False)
    assert cli.final_cfg.unsafe_load is True and cli.final_cfg.load_from == ckpt.name
    assert "mmlight validate: warning: --unsafe-load" in capfd.readouterr().err


def test_lightning_print_config_keeps_the_flag(
    in_project: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    from mmlight.cli.lightning_cli import MMLightCLI
    from mmlight.cli.main import main

    assert main(["fit", "-c", "toy.py", "--unsafe_load", "--print_config"]) == 0
    out, err = capfd.readouterr()
    printed = yaml.safe_load(out)
    assert printed["cfg"]["unsafe_load"] is True and "warning" not in out
    assert "--unsafe-load" in err
    (in_project / "run.yaml").write_text(out)

    ckpt = _harmless_checkpoint(in_project)
    cli = MMLightCLI(["test", "-c", "run.yaml", "--ckpt_path", ckpt.name], build=False)
    assert cli.final_cfg.unsafe_load is True  # the round trip keeps it, and the check honours it
    assert "unsafe_load=True in the config" in capfd.readouterr().err


def test_without_flag_nothing_changes(in_project: Path, capfd: pytest.CaptureFixture[str]) -> None:
    from mmlight.cli.argv import split_argv
    from mmlight.cli.lightning_cli import MMLightCLI

    assert split_argv(["fit", "-c", "x.py"]).unsafe_load is False
    assert split_argv(["fit", "--unsafe-load", "-c", "x.py"]).rest == ["fit", "-c", "x.py"]
    ckpt = write_checkpoint(in_project / "ok.pth")
    cli = MMLightCLI(["test", "-c", "toy.py", "--ckpt_path", ckpt.name], build=False)
    assert "unsafe_load" not in cli.final_cfg
    assert "warning" not in capfd.readouterr().err


def test_check_checkpoint_legacy_format_and_garbage(tmp_path: Path) -> None:
    from mmlight.cli.errors import CLIError
    from mmlight.cli.resolve import check_checkpoint

    marker = tmp_path / "MARKER"
    legacy = tmp_path / "legacy.pth"
    torch.save({"x": _Malicious(marker)}, legacy, _use_new_zipfile_serialization=False)
    with pytest.raises(CLIError, match=r"references posix\.system, outside .* --unsafe-load"):
        check_checkpoint(str(legacy))
    check_checkpoint(str(legacy), unsafe_load=True)  # checked without unpickling the payload
    assert not marker.exists()

    garbage = tmp_path / "junk.pth"
    garbage.write_text("not a checkpoint at all")
    for unsafe in (False, True):  # the flag never lets an unreadable file through
        with pytest.raises(CLIError, match=r"'.*junk\.pth' is not a readable PyTorch checkpoint"):
            check_checkpoint(str(garbage), unsafe_load=unsafe)

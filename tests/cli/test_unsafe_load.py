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
        with pytest.raises(CLIError, match=r"'.*junk\.pth' is not a readable checkpoint"):
            check_checkpoint(str(garbage), unsafe_load=unsafe)


# ------------------------------------------- plain-data checkpoints carrying code (item 1)
@pytest.fixture(scope="module")
def poisoned_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real one-epoch checkpoint of the toy project whose every string field carries code,
    ``{{...}}`` templates, dotted names or import requests (tests/runner/checkpoint_poison.py);
    it is plain data: a bare ``torch.load(weights_only=True)`` reads it."""
    import textwrap

    from tests.cli.conftest import TOY_CONFIG, TOY_MODULE
    from tests.runner.checkpoint_poison import poison

    folder = tmp_path_factory.mktemp("poison_src")
    (folder / "toy_cli_pkg.py").write_text(textwrap.dedent(TOY_MODULE))
    config = TOY_CONFIG.format(work_dir=(folder / "work").as_posix())
    (folder / "toy.py").write_text(textwrap.dedent(config))
    run_cli("mmlight.cli.train", "toy.py", "--cfg-options", "train_cfg.max_epochs=1",
            cwd=folder, check_rc=0)
    checkpoint = torch.load(folder / "work" / "epoch_1.pth", weights_only=True)
    # the marker path is fixed per test below: a placeholder replaced when copied
    target = folder / "poisoned.pth"
    torch.save(poison(checkpoint, Path("@MARKER@")), target)
    return target


def _plant_poison(source: Path, project: Path) -> Path:
    """``project/poisoned.pth`` with payloads aimed at ``project/PWNED``, the probe module
    importable from ``project``, and ``work/last_checkpoint`` naming the file."""
    from tests.runner.checkpoint_poison import plant_probe_module

    marker = project / "PWNED"
    plant_probe_module(project, marker)
    checkpoint = torch.load(source, weights_only=True)
    torch.save(_retarget(checkpoint, str(marker)), project / "poisoned.pth")
    (project / "work").mkdir(exist_ok=True)
    (project / "work" / "last_checkpoint").write_text(str(project / "poisoned.pth"))
    return marker


def _retarget(value: object, marker: str) -> object:
    if isinstance(value, str):
        return value.replace("@MARKER@", marker)
    if isinstance(value, dict):
        return type(value)((_retarget(k, marker), _retarget(v, marker))
                           for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return type(value)(_retarget(item, marker) for item in value)
    return value


POISON_ENTRY_POINTS = [
    ("mmlight-test", "mmlight.cli.test", ["toy.py", "poisoned.pth"]),
    ("train-resume-file", "mmlight.cli.train", ["toy.py", "--resume", "poisoned.pth"]),
    ("train-auto-resume", "mmlight.cli.train", ["toy.py", "--resume"]),
    ("train-load-from", "mmlight.cli.train", ["toy.py", "--cfg-options",
                                              "load_from=poisoned.pth"]),
    ("fit-ckpt-path", "mmlight.cli", ["fit", "-c", "toy.py", "--ckpt_path", "poisoned.pth"]),
    ("fit-ckpt-last", "mmlight.cli", ["fit", "-c", "toy.py", "--ckpt_path", "last"]),
    ("validate-ckpt-path", "mmlight.cli",
     ["validate", "-c", "toy.py", "--ckpt_path", "poisoned.pth"]),
    ("validate-ckpt-last", "mmlight.cli", ["validate", "-c", "toy.py", "--ckpt_path", "last"]),
    ("test-ckpt-path", "mmlight.cli", ["test", "-c", "toy.py", "--ckpt_path", "poisoned.pth"]),
    ("predict-ckpt-path", "mmlight.cli",
     ["predict", "-c", "toy.py", "--ckpt_path", "poisoned.pth"]),
    ("check-load-from", "mmlight.cli",
     ["check", "toy.py", "--cfg-options", "load_from=poisoned.pth"]),
]


@pytest.mark.parametrize(("module", "argv"), [case[1:] for case in POISON_ENTRY_POINTS],
                         ids=[case[0] for case in POISON_ENTRY_POINTS])
def test_code_in_checkpoint_strings_never_runs(
    project: Path, poisoned_source: Path, module: str, argv: list[str]
) -> None:
    """Every command that reads a checkpoint, in a real process: the run succeeds (the
    strings stay data) and the marker never appears, nor is the probe module imported."""
    marker = _plant_poison(poisoned_source, project)
    result = run_cli(module, *argv, cwd=project)
    assert result.returncode == 0, result.stderr[-2000:]
    assert not marker.exists(), marker.read_text()
    assert "Traceback" not in result.stderr


def test_poison_entry_points_cover_every_command() -> None:
    """The issue's list: resume, load_from, mmlight-test, fit|validate|test|predict
    --ckpt_path, mmlight check (load_checkpoint: tests/runner/test_checkpoint_attacks.py)."""
    covered = {(module, argv[0]) for _, module, argv in POISON_ENTRY_POINTS}
    for stage in ("fit", "validate", "test", "predict", "check"):
        assert ("mmlight.cli", stage) in covered
    assert ("mmlight.cli.test", "toy.py") in covered
    flags = {flag for _, _, argv in POISON_ENTRY_POINTS for flag in argv}
    assert {"--resume", "--ckpt_path", "load_from=poisoned.pth"} <= flags


# ------------------------------------------------------- data the file's size cannot justify
def test_a_tiny_file_asking_for_hundreds_of_gib_is_refused(project: Path) -> None:
    """171 bytes asking numpy for 745 GiB: exit 2 before anything is built, file named."""
    from tests.crafted_pickle import REDUCE, TUPLE1, global_, integer, legacy_checkpoint, pickle_of

    body = pickle_of(global_("numpy", "ndarray"), integer(10**11), TUPLE1, TUPLE1, REDUCE)
    legacy_checkpoint(body, project / "tiny.pth")
    result = run_cli("mmlight.cli.test", "toy.py", "tiny.pth", cwd=project, check_rc=2)
    assert result.stderr.strip() == (
        "mmlight-test: error: checkpoint 'tiny.pth' is refused: a numpy array of shape "
        "(100000000000,) and dtype float64 would take 800000000000 bytes, more than the "
        "4197040 bytes allowed for a file of 171 bytes (16 x its size + 4 MiB): it is damaged "
        "or crafted"
    )


def test_a_tiny_file_asking_torch_for_a_tib_is_refused(project: Path) -> None:
    """bytearray(2**40): torch's own allow-list holds bytearray (mmlight cannot replace it);
    the scan before torch.load refuses it: exit 2, the file and the call named."""
    from tests.crafted_pickle import REDUCE, TUPLE1, global_, integer, legacy_checkpoint, pickle_of

    body = pickle_of(global_("builtins", "bytearray"), integer(2**40), TUPLE1, REDUCE)
    legacy_checkpoint(body, project / "tiny.pth")
    result = run_cli("mmlight.cli.test", "toy.py", "tiny.pth", cwd=project, check_rc=2)
    assert result.stderr.strip() == (
        "mmlight-test: error: checkpoint 'tiny.pth' is refused: builtins.bytearray"
        "(1099511627776) would take 1099511627776 bytes, more than the 4197120 bytes allowed "
        "for a file of 176 bytes (16 x its size + 4 MiB): it is damaged or crafted"
    )


class _InjectedBuffer:
    def __reduce__(self) -> tuple[object, ...]:
        from mmlight.logging import HistoryBuffer

        return (HistoryBuffer, (), {"max_length": 3, "evil": "x"})


def test_a_history_buffer_with_an_injected_attribute_is_refused(
    in_project: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    from mmlight.cli.main import main

    torch.save({"state_dict": _toy_state(), "message_hub": {"b": _InjectedBuffer()}},
               in_project / "injected.pth")
    assert main(["validate", "-c", "toy.py", "--ckpt_path", "injected.pth"]) == 2
    err = capfd.readouterr().err
    assert "mmlight: error: --ckpt_path 'injected.pth' is refused: a restored HistoryBuffer " \
        "may set only ['_count_history', '_log_history', 'max_length', 'statistics_methods'], " \
        "but its state also sets 'evil'" in err
    assert "Traceback" not in err


def test_check_given_a_checkpoint_never_parses_it(
    in_project: Path, poisoned_source: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """``mmlight check`` takes a config; a checkpoint given instead is refused by its suffix,
    before anything reads it."""
    from mmlight.cli.main import main

    marker = _plant_poison(poisoned_source, in_project)
    assert main(["check", "poisoned.pth"]) == 2
    assert "has extension '.pth'; valid extensions: .py, .json, .yaml" in capfd.readouterr().err
    assert not marker.exists()

"""Each command end to end on a tiny project: train, test with a checkpoint, LightningCLI
fit/validate/test/predict, and the print_config round trip."""

from __future__ import annotations

import io
import json
import sys
from contextlib import redirect_stdout
from pathlib import Path

import pytest
import torch
import yaml

from tests.cli.conftest import run_cli, write_checkpoint


def test_train_then_test_scripts(project: Path) -> None:
    result = run_cli(
        "mmlight.cli.train", "toy.py", "--work-dir", "wd", "--cfg-options",
        "train_cfg.max_epochs=1", "optim_wrapper.optimizer.lr=0.05", cwd=project, check_rc=0,
    )
    log = result.stdout + result.stderr
    assert "Epoch(train) [1][4/4]" in log and "Epoch(train) [2]" not in log
    assert "lr: 5.0000e-02" in log
    assert (project / "wd" / "toy.py").is_file()  # --work-dir beat the config's work_dir
    assert "Traceback" not in result.stderr

    checkpoint = write_checkpoint(project / "toy.pth")
    result = run_cli(
        "mmlight.cli.test", "toy.py", str(checkpoint), "--out", "preds.json", cwd=project,
        check_rc=0,
    )
    log = result.stdout + result.stderr
    assert "toy/accuracy" in log
    assert "16 predictions written to preds.json" in log and "prefix is not set" not in log
    preds = json.loads((project / "preds.json").read_text())
    assert len(preds) == 16 and {"pred", "gt", "score"} <= set(preds[0])


def test_lightning_cli_fit_with_trainer_override(project: Path) -> None:
    result = run_cli(
        "mmlight.cli", "fit", "--config", "toy.py", "--trainer.max_epochs", "1",
        "--trainer.default_root_dir", "fit_wd", "--seed_everything", "3", cwd=project,
        check_rc=0,
    )
    log = result.stdout + result.stderr
    assert "Epoch(train) [1][4/4]" in log and "Epoch(train) [2]" not in log
    dumped = (project / "fit_wd" / "toy.py").read_text()  # the Runner dumped the final config
    assert "max_epochs=1" in dumped and "seed=3" in dumped


@pytest.mark.parametrize("stage", ["validate", "test", "predict"])
def test_lightning_cli_eval_stages(
    project: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str],
    stage: str,
) -> None:
    from mmlight.cli.main import main

    monkeypatch.chdir(project)
    monkeypatch.syspath_prepend(str(project))
    checkpoint = write_checkpoint(project / "toy.pth")
    extra = ["--out", "out/preds.pt"] if stage == "predict" else []
    # a fresh MMLogger per in-process run (loggers are shared by experiment name)
    extra += ["--cfg.experiment_name", f"e2e_{stage}"]
    assert main([stage, "-c", "toy.py", "--ckpt_path", str(checkpoint), *extra]) == 0
    log = "".join(capfd.readouterr())
    assert "Traceback" not in log
    if stage == "predict":
        preds = torch.load(project / "out" / "preds.pt", weights_only=True)
        assert len(preds) == 16 and preds[0]["score"].shape == (2,)
    else:
        assert "toy/accuracy" in log
        prefix = "Epoch(val)" if stage == "validate" else "Epoch(test)"
        assert prefix in log


def _cli(args: list[str], build: bool = False) -> tuple[object, str]:
    from mmlight.cli.lightning_cli import MMLightCLI

    out = io.StringIO()
    cli = None
    with redirect_stdout(out):
        try:
            cli = MMLightCLI(args=args, build=build)
        except SystemExit as done:
            assert done.code == 0
    return cli, out.getvalue()


def test_print_config_round_trip(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    monkeypatch.syspath_prepend(str(project))
    args = ["fit", "-c", "toy.py", "--trainer.max_epochs", "1", "--cfg.model.hidden", "4",
            "--cfg-options", "train_cfg.val_interval=2", "--seed_everything", "7",
            "--trainer.gradient_clip_val", "0.5", "--trainer.default_root_dir", "elsewhere",
            "--trainer.accelerator", "cpu"]
    _, printed = _cli([*args, "--print_config"])
    assert printed.lstrip().startswith("# lightning.pytorch")
    # What will run: flags that edit the MMEngine config are folded into cfg, not left beside it.
    data = yaml.safe_load(printed)
    assert data["cfg"]["train_cfg"]["max_epochs"] == 1 and data["trainer"]["max_epochs"] is None
    assert data["cfg"]["work_dir"] == "elsewhere" and data["trainer"]["default_root_dir"] is None
    assert data["cfg"]["randomness"]["seed"] == 7 and data["seed_everything"] is None
    assert data["cfg"]["optim_wrapper"]["clip_grad"] == dict(max_norm=0.5, norm_type=2)
    assert data["trainer"]["accelerator"] == "cpu"  # handed to the Trainer, as before
    (project / "printed.yaml").write_text(printed)
    original, _ = _cli(args)
    replayed, _ = _cli(["fit", "-c", "printed.yaml"])
    expected = original.final_cfg.to_dict()  # type: ignore[attr-defined]
    assert replayed.final_cfg.to_dict() == expected  # type: ignore[attr-defined]
    assert expected["train_cfg"] == dict(by_epoch=True, max_epochs=1, val_interval=2)
    assert expected["model"]["hidden"] == 4 and expected["randomness"]["seed"] == 7
    assert expected["optim_wrapper"]["clip_grad"] == dict(max_norm=0.5, norm_type=2)
    # printing the printed config again changes nothing
    _, again = _cli(["fit", "-c", "printed.yaml", "--print_config"])
    assert again == printed


def test_configs_merge_in_order(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """-c repeatable: an MMEngine YAML after a .py config overrides keys, keeps the rest."""
    monkeypatch.chdir(project)
    monkeypatch.syspath_prepend(str(project))
    (project / "more.yaml").write_text("train_cfg:\n  max_epochs: 5\nmodel:\n  hidden: 3\n")
    cli, _ = _cli(["test", "-c", "toy.py", "-c", "more.yaml", "--trainer.max_steps", "6"])
    cfg = cli.final_cfg  # type: ignore[attr-defined]
    assert cfg.model == dict(type="ToyCliNet", hidden=3)
    assert cfg.train_cfg == dict(by_epoch=False, max_iters=6, val_interval=1)
    assert cfg.work_dir == (project / "work").as_posix()
    assert cfg.filename == str(project / "toy.py")


def test_config_in_a_subfolder_given_relative_to_cwd(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """jsonargparse loads with the config's folder as cwd; the path must still work later."""
    (project / "configs").mkdir()
    (project / "toy.py").rename(project / "configs" / "toy.py")
    monkeypatch.chdir(project)
    monkeypatch.syspath_prepend(str(project))
    cli, _ = _cli(["test", "-c", "configs/toy.py"])
    assert cli.final_cfg.filename == str(project / "configs" / "toy.py")  # type: ignore[attr-defined]


def test_console_scripts_installed() -> None:
    bin_dir = Path(sys.executable).parent
    for name in ("mmlight", "mmlight-train", "mmlight-test"):
        assert (bin_dir / name).exists(), f"{name} missing: pip install -e . --no-deps"

"""In-process checks of the parsing and translation logic behind the commands."""

from __future__ import annotations

import argparse
import inspect
import subprocess
import sys
from pathlib import Path

import pytest

from mmlight.cli.argv import split_argv
from mmlight.cli.errors import CLIError
from mmlight.config import Config


def test_trainer_mapping_names_every_trainer_argument() -> None:
    import lightning.pytorch as pl

    from mmlight.cli.trainer_mapping import CONFIG_FLAGS, PASS_THROUGH, TRAINER_FLAGS

    params = set(inspect.signature(pl.Trainer.__init__).parameters) - {"self"}
    assert set(TRAINER_FLAGS) == params
    assert not set(CONFIG_FLAGS) & set(PASS_THROUGH)


def _cfg(**train_cfg: object) -> Config:
    return Config(dict(train_cfg=train_cfg, optim_wrapper=dict(optimizer=dict(type="SGD"))))


def test_max_steps_and_max_epochs_switch_loop_kind() -> None:
    from mmlight.cli.trainer_mapping import apply_trainer_flags

    cfg = _cfg(by_epoch=True, max_epochs=3, val_interval=1)
    apply_trainer_flags(cfg, dict(max_steps=7))
    assert cfg.train_cfg == dict(by_epoch=False, max_iters=7, val_interval=1)
    cfg = _cfg(type="IterBasedTrainLoop", max_iters=10)
    apply_trainer_flags(cfg, dict(max_epochs=2))
    assert cfg.train_cfg == dict(type="EpochBasedTrainLoop", max_epochs=2)


def test_config_flags_and_pass_through() -> None:
    from lightning.pytorch.callbacks import Timer

    from mmlight.cli.trainer_mapping import apply_seed, apply_trainer_flags, changed_trainer_flags

    cfg = _cfg(max_epochs=3)
    timer = Timer()
    flags = changed_trainer_flags(dict(
        accelerator="cpu", devices=1, max_steps=-1, accumulate_grad_batches=4,
        gradient_clip_val=1.5, gradient_clip_algorithm="value", default_root_dir="wd",
        check_val_every_n_epoch=2, callbacks=[timer], deterministic=True,
    ))
    assert "max_steps" not in flags  # Lightning's default: leaves the config alone
    objects = apply_trainer_flags(cfg, flags)
    apply_seed(cfg, 5)
    assert objects == dict(callbacks=[timer])
    assert cfg.trainer == dict(accelerator="cpu", devices=1)
    assert cfg.work_dir == "wd"
    assert cfg.train_cfg == dict(max_epochs=3, val_interval=2)
    assert cfg.optim_wrapper.accumulative_counts == 4
    assert cfg.optim_wrapper.clip_grad == dict(type="value", clip_value=1.5)
    assert cfg.randomness == dict(deterministic=True, seed=5)


def test_config_flag_errors_name_the_flag() -> None:
    from mmlight.cli.trainer_mapping import apply_trainer_flags

    with pytest.raises(CLIError, match="val_check_interval does not fit this epoch"):
        apply_trainer_flags(_cfg(max_epochs=3), dict(val_check_interval=5))
    with pytest.raises(CLIError, match="max_epochs edits train_cfg, but the config has no"):
        apply_trainer_flags(Config(dict(model=dict())), dict(max_epochs=1))


def test_split_argv() -> None:
    split = split_argv([
        "fit", "-c", "a.py", "--cfg-options", "x=1", "y.z=[1,2]", "--cfg.model.depth", "50",
        "--cfg.a=b", "--print_config=skip_null", "--trainer.devices", "2",
    ])
    assert split.rest == ["fit", "-c", "a.py", "--trainer.devices", "2"]
    assert split.cfg_options == ["x=1", "y.z=[1,2]", "model.depth=50", "a=b"]
    assert split.print_config == "skip_null"
    with pytest.raises(CLIError, match="--cfg-options expects KEY=VALUE"):
        split_argv(["--cfg-options", "--trainer.devices", "2"])


def _train_args(config: str, *extra: str) -> argparse.Namespace:
    from mmlight.cli.train import build_parser

    return build_parser().parse_args([config, *extra])


def test_train_prepare_config_like_tools_train(tmp_path: Path) -> None:
    from mmlight.cli.train import prepare_config

    config = tmp_path / "my_exp.py"
    config.write_text(
        "model = dict(type='M')\n"
        "optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.1))\n"
        "auto_scale_lr = dict(enable=False, base_batch_size=16)\n"
    )
    cfg = prepare_config(_train_args(str(config), "--amp", "--auto-scale-lr", "--resume"))
    assert cfg.work_dir == "./work_dirs/my_exp"  # no --work-dir, none in the config
    assert cfg.optim_wrapper.type == "AmpOptimWrapper"
    assert cfg.optim_wrapper.loss_scale == "dynamic"
    assert cfg.auto_scale_lr.enable is True
    assert cfg.resume is True and cfg.load_from is None
    assert cfg.launcher == "none"
    cfg = prepare_config(_train_args(
        str(config), "--work-dir", "cli_wd", "--cfg-options", "work_dir=cfg_wd",
        "--launcher", "pytorch",
    ))
    assert cfg.work_dir == "cli_wd" and cfg.launcher == "pytorch"
    cfg = prepare_config(_train_args(str(config), "--cfg-options", "work_dir=cfg_wd"))
    assert cfg.work_dir == "cfg_wd"


def test_test_prepare_config_sets_load_from(tmp_path: Path) -> None:
    from mmlight.cli.test import build_parser, prepare_config
    from tests.cli.conftest import write_checkpoint

    config = tmp_path / "t.py"
    config.write_text("model = dict(type='M')\nwork_dir = 'w'\n")
    ckpt = write_checkpoint(tmp_path / "c.pth")
    cfg = prepare_config(build_parser().parse_args([str(config), str(ckpt)]))
    assert cfg.load_from == str(ckpt) and cfg.work_dir == "w"
    with pytest.raises(CLIError, match="visualization"):
        prepare_config(build_parser().parse_args([str(config), str(ckpt), "--show-dir", "x"]))


def test_mmlight_help_is_fast_and_light() -> None:
    code = (
        "import sys, time, io, contextlib\n"
        "t = time.perf_counter()\n"
        "from mmlight.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out: rc = main(['--help'])\n"
        "print(rc, 'torch' in sys.modules, 'lightning' in sys.modules, 'fit' in out.getvalue())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["0", "False", "False", "True"]


def test_print_config_helper(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from mmlight.cli.main import main

    (tmp_path / "base.py").write_text("model = dict(type='M', depth=18)\nlr = 0.1\n")
    (tmp_path / "child.py").write_text(
        "_base_ = ['base.py']\noptim = dict(lr={{_base_.lr}})\n"
    )
    assert main(["print-config", str(tmp_path / "child.py"), "--cfg-options",
                 "model.depth=50", "--format", "json"]) == 0
    import json

    data = json.loads(capsys.readouterr().out)
    assert data == dict(model=dict(type="M", depth=50), lr=0.1, optim=dict(lr=0.1))


def test_registry_listing(capsys: pytest.CaptureFixture[str]) -> None:
    from mmlight.cli.main import main

    assert main(["registry", "optimizer"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("OPTIMIZERS (mmlight::optimizer):")
    assert "\n  SGD\n" in out

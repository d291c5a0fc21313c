"""The flags several commands share are spelled, defaulted and applied the same everywhere."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mmlight.cli import check, flags, print_config, test, train
from mmlight.cli.resolve import load_edited_config


def test_launchers_match_the_dist_package() -> None:
    from mmlight.dist import LAUNCHERS  # imports torch: kept out of the CLI's parser

    assert flags.LAUNCHERS == LAUNCHERS


@pytest.mark.parametrize("module", [train, test], ids=["train", "test"])
def test_scripts_share_launch_and_safety_flags(module: object) -> None:
    parser = module.build_parser()  # type: ignore[attr-defined]
    positional = ["c.py"] if module is train else ["c.py", "w.pth"]
    args = parser.parse_args(positional)
    assert (args.launcher, args.local_rank, args.unsafe_load, args.debug) == (
        "none", 0, False, False,
    )  # fmt: skip
    args = parser.parse_args([
        *positional, "--launcher", "slurm", "--local-rank", "3", "--unsafe-load", "--debug",
        "--cfg-options", "a.b=1", "c=[1,2]",
    ])  # fmt: skip
    assert (args.launcher, args.local_rank, args.unsafe_load, args.debug) == (
        "slurm", 3, True, True,
    )  # fmt: skip
    assert args.cfg_options == {"a.b": 1, "c": [1, 2]}
    with pytest.raises(SystemExit):
        parser.parse_args([*positional, "--launcher", "kubernetes"])


@pytest.mark.parametrize("module", [check, print_config], ids=["check", "print_config"])
def test_helpers_edit_the_config_like_the_scripts(module: object, tmp_path: Path) -> None:
    config = tmp_path / "c.py"
    config.write_text("model = dict(type='M', depth=18)\nlauncher = 'none'\n")
    args = module.build_parser().parse_args(  # type: ignore[attr-defined]
        [str(config), "--cfg-options", "model.depth=50", "--debug"]
    )
    cfg = load_edited_config(args)
    assert cfg.model.depth == 50 and cfg.launcher == "none" and args.debug is True


def test_cfg_options_override_the_launcher_flag(tmp_path: Path) -> None:
    config = tmp_path / "c.py"
    config.write_text("model = dict(type='M')\n")
    args = train.build_parser().parse_args(
        [str(config), "--launcher", "pytorch", "--cfg-options", "launcher=slurm"]
    )
    assert load_edited_config(args, launcher=args.launcher).launcher == "slurm"


def test_export_local_rank_keeps_what_the_launcher_set(monkeypatch: pytest.MonkeyPatch) -> None:
    args = train.build_parser().parse_args(["c.py", "--local_rank", "2"])
    monkeypatch.delenv("LOCAL_RANK", raising=False)
    flags.export_local_rank(args)
    assert os.environ["LOCAL_RANK"] == "2"
    monkeypatch.setenv("LOCAL_RANK", "5")
    flags.export_local_rank(args)
    assert os.environ["LOCAL_RANK"] == "5"

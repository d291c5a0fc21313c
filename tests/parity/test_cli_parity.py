"""``--cfg-options`` values parse exactly as mmengine's DictAction parses them, and the
config ``mmlight-train`` prepares matches what mmengine's tools/train.py steps produce."""

from __future__ import annotations

from pathlib import Path

import pytest

mmengine = pytest.importorskip("mmengine")

OPTIONS = [
    "a=1", "b=1.5", "c=true", "d=None", "e=x,y", "f=[1,(2,3),[4,5]]", "g=(1,)", "h='q'",
    "i=[a,b]", "j.k.l=False",
]


def test_cfg_options_parse_like_dict_action() -> None:
    import argparse

    from mmengine.config import DictAction

    from mmlight.cli.resolve import parse_cfg_options

    parser = argparse.ArgumentParser()
    parser.add_argument("--cfg-options", nargs="+", action=DictAction)
    expected = parser.parse_args(["--cfg-options", *OPTIONS]).cfg_options
    assert parse_cfg_options(OPTIONS) == expected


def test_train_config_matches_tools_train_steps(tmp_path: Path) -> None:
    """The edits tools/train.py makes (written out from its source) give the same dict."""
    from mmengine.config import Config as MMConfig
    from mmengine.config import DictAction

    from mmlight.cli.train import build_parser, prepare_config

    config = tmp_path / "exp.py"
    config.write_text(
        "model = dict(type='M', depth=18)\n"
        "optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.1))\n"
        "auto_scale_lr = dict(enable=False, base_batch_size=16)\n"
    )
    argv = [str(config), "--amp", "--auto-scale-lr", "--resume", "x.pth", "--cfg-options",
            "model.depth=50", "optim_wrapper.optimizer.lr=0.02"]
    import torch

    torch.save({"state_dict": {}}, tmp_path / "x.pth")
    argv[4] = str(tmp_path / "x.pth")

    import argparse

    reference = MMConfig.fromfile(str(config))
    reference.launcher = "none"
    opts = argparse.ArgumentParser()
    opts.add_argument("--o", nargs="+", action=DictAction)
    reference.merge_from_dict(opts.parse_args(["--o", *argv[6:]]).o)
    reference.work_dir = "./work_dirs/exp"
    reference.optim_wrapper.type = "AmpOptimWrapper"
    reference.optim_wrapper.loss_scale = "dynamic"
    reference.auto_scale_lr.enable = True
    reference.resume = True
    reference.load_from = argv[4]

    ours = prepare_config(build_parser().parse_args(argv))
    assert ours.to_dict() == reference.to_dict()

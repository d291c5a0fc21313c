"""``mmlight fit -c CONFIG``: the config the Runner gets keeps the config files' tuples.

jsonargparse holds the config as YAML-like data (lists only); OpenMMLab transforms insist on
tuples (mmseg's ``RandomCrop(crop_size=...)`` asserts one), so the CLI puts them back.
"""

from __future__ import annotations

import io
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import pytest

from mmlight.cli.lightning_cli import MMLightCLI, with_tuples


def test_with_tuples_restores_the_tuples_the_config_had() -> None:
    typed = dict(crop=(2, 4), nested=[dict(scale=(8, 4), keep=[1])], other=1)
    parsed = dict(crop=[2, 4], nested=[dict(scale=[8, 4], keep=[1])], other=1, new=[3])

    assert with_tuples(parsed, typed) == dict(
        crop=(2, 4), nested=[dict(scale=(8, 4), keep=[1])], other=1, new=[3]
    )
    assert type(with_tuples(parsed, typed)["nested"][0]["keep"]) is list


def test_a_list_given_where_the_config_has_a_tuple_becomes_a_tuple() -> None:
    assert with_tuples(dict(crop=[1, 2, 3]), dict(crop=(2, 4))) == dict(crop=(1, 2, 3))
    assert with_tuples(dict(crop=5), dict(crop=(2, 4))) == dict(crop=5)


def _final_cfg(args: list[str]) -> Any:
    with redirect_stdout(io.StringIO()):
        return MMLightCLI(args=args, build=False).final_cfg


def test_fit_keeps_the_config_files_tuples(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "base.py").write_text("crop_size = (32, 64)\nscales = [(1, 2), (3, 4)]\n")
    (tmp_path / "child.py").write_text(
        "_base_ = './base.py'\nwork_dir = 'wd'\n"
        "model = dict(type='Linear', in_features=1, out_features=1)\n"
        "pipeline = [dict(type='RandomCrop', crop_size=(32, 64))]\n"
    )
    (tmp_path / "more.yaml").write_text("crop_size: [16, 32]\n")

    cfg = _final_cfg(["fit", "-c", "child.py", "-c", "more.yaml",
                      "--cfg.scales", "[(5,6),[7,8]]"])

    assert cfg.pipeline[0]["crop_size"] == (32, 64)
    assert cfg.crop_size == (16, 32)  # YAML has no tuples: the .py config's type is kept
    assert cfg.scales == [(5, 6), [7, 8]]  # command-line edits: as OpenMMLab's DictAction

"""traverse_registry_tree and count_registered_modules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mmlight.registry import Registry, count_registered_modules, traverse_registry_tree
from mmlight.registry import utils as reg_utils


class Alpha:
    pass


def beta() -> None:
    pass


def test_traverse_registry_tree_from_any_node() -> None:
    top = Registry("thing", scope="tr_root")
    child = Registry("thing", parent=top, scope="tr_child")
    top.register_module(module=Alpha)
    child.register_module(module=beta)
    child.register_module(name="gamma", module=Alpha)
    info = traverse_registry_tree(child, verbose=False)
    folder = "/".join(__name__.split(".")[:-1])
    assert info == [
        {"num_modules": 1, "scope": "tr_root", folder: ["Alpha"]},
        {"num_modules": 2, "scope": "tr_child", folder: ["beta", "gamma"]},
    ]


def test_count_registered_modules_writes_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reg_utils, "_REGISTERING_PACKAGES", ("regtest_count_missing",))
    data = count_registered_modules(save_path=str(tmp_path), verbose=False)
    assert "OPTIMIZERS" in data["registries"] and "COLLATE_FUNCTIONS" not in data["registries"]
    assert data["registries"]["MODELS"][0]["scope"] == "mmlight"
    saved = json.loads((tmp_path / "modules_statistic_results.json").read_text())
    assert saved == data

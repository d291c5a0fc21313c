"""What a user sees of mmengine's registrations from mmlight: ``mmlight registry`` lists them
(marked ``from mmengine``), lookups and ``in`` resolve them, ``len``/``module_dict`` count
mmlight's own (as mmengine's registries count their own)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mmlight.cli.registry_list import main
from mmlight.registry import MODELS
from tests.bridge.conftest import MakeDownstream

pytestmark = pytest.mark.interop

pytest.importorskip("mmcv.cnn")  # registers BN, ConvModule, ... in mmengine's root MODELS


def _sections(out: str) -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    header = ""
    for line in out.splitlines():
        if line.startswith("  "):
            sections[header].append(line.strip())
        else:
            header = line.rsplit(":", 1)[0]
            sections[header] = []
    return sections


def test_mmcvs_names_resolve_but_count_in_mmengines_root() -> None:
    assert "BN" in MODELS and "ConvModule" in MODELS  # lookups cross
    assert MODELS.get("BN") is not None
    assert "BN" not in MODELS.module_dict  # mmlight's own table
    assert len(MODELS) == len(MODELS.module_dict)


def test_listing_with_a_downstream_default_scope(
    make_downstream: MakeDownstream, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pkg = make_downstream()
    cfg = tmp_path / "cfg.py"
    cfg.write_text(f"default_scope = '{pkg}'\nmodel = dict(type='TinyHead')\n")

    assert main(["MODELS", "-c", str(cfg)]) == 0
    sections = _sections(capsys.readouterr().out)

    headers = list(sections)
    assert headers[0] == "MODELS (mmlight::model)"  # mmlight's own first, unmarked
    assert "MODELS (mmengine::model, from mmengine)" in headers
    assert f"MODELS ({pkg}::model, from mmengine)" in headers
    assert headers.index("MODELS (mmengine::model, from mmengine)") < headers.index(
        f"MODELS ({pkg}::model, from mmengine)"
    )
    engine_root = sections["MODELS (mmengine::model, from mmengine)"]
    assert {"BN", "ConvModule", "SyncBN"} <= set(engine_root)
    assert "BN" not in sections["MODELS (mmlight::model)"]
    # the package's locations were imported for the listing
    own = sections[f"MODELS ({pkg}::model, from mmengine)"]
    assert {"TinyHead", "TinyNorm", "ConvNet"} <= set(own)
    assert len(headers) == len(set(headers))  # each registry once


def test_a_registry_whose_locations_fail_is_listed_with_the_reason(
    make_downstream: MakeDownstream, capsys: pytest.CaptureFixture[str]
) -> None:
    import importlib
    import sys

    pkg = make_downstream()
    registry = importlib.import_module(f"{pkg}.registry")
    broken = registry.Registry(
        "model", parent=registry.MODELS, scope=f"{pkg}_broken", locations=[f"{pkg}.no_such"]
    )
    assert broken.scope in registry.MODELS.children
    assert main(["MODELS"]) == 0
    out = capsys.readouterr().out
    assert f"MODELS ({pkg}_broken::model, from mmengine): 0 registered\n" in out
    assert "  (its locations did not import: ModuleNotFoundError: No module named" in out
    sys.modules.pop(f"{pkg}.no_such", None)


def test_taking_a_view_again_imports_no_locations(make_downstream: MakeDownstream) -> None:
    import importlib

    from mmlight.bridge import registry as registry_bridge

    pkg = make_downstream()
    registry = importlib.import_module(f"{pkg}.registry")
    lazy = registry.Registry(
        "model", parent=registry.MODELS, scope=f"{pkg}_lazy", locations=[f"{pkg}.no_such"]
    )
    bridge = registry_bridge.installed()
    assert bridge is not None
    first = bridge.view(lazy)
    second = bridge.view(lazy)  # (asked whether it still hangs: no truth test of the registry)

    assert first is second
    assert not lazy._imported  # its locations wait for a lookup

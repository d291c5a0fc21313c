"""One current default scope: mmengine's newest ``DefaultScope`` is mmlight's when newer."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mmlight.registry import MODELS, DefaultScope
from tests.bridge.conftest import MakeDownstream

pytestmark = pytest.mark.interop

mmengine_registry = pytest.importorskip("mmengine.registry")
EngineScope = mmengine_registry.DefaultScope

ROOT = Path(__file__).resolve().parents[2]
STANDIN = Path(__file__).with_name("mmcv_ops_standin")


def _current() -> str | None:
    current = DefaultScope.get_current_instance()
    return None if current is None else current.scope_name


def test_a_scope_set_through_mmengine_is_mmlights_current(make_downstream: MakeDownstream) -> None:
    pkg = make_downstream()
    EngineScope.get_instance(f"{pkg}-set-by-package", scope_name=pkg)

    assert _current() == pkg
    assert DefaultScope.get_current_instance() is DefaultScope.get_current_instance()
    model = MODELS.build(dict(type="TinyHead"))  # outside a Runner, found in pkg's registry
    assert type(model).__module__ == f"{pkg}.models"


def test_the_newer_scope_wins_on_either_side(make_downstream: MakeDownstream) -> None:
    first, second = make_downstream(), make_downstream()
    EngineScope.get_instance(f"{first}-engine", scope_name=first)
    DefaultScope.get_instance(f"{second}-mmlight", scope_name=second)
    assert _current() == second

    EngineScope.get_instance(f"{first}-engine-again", scope_name=first)
    assert _current() == first

    with DefaultScope.overwrite_default_scope(second):  # mmlight's block: mmlight's scope
        assert _current() == second
    assert _current() == first
    with EngineScope.overwrite_default_scope(second):  # mmengine's block (restores copies)
        assert _current() == second
    assert _current() == first


def test_the_runs_scope_shared_with_mmengine_stands_for_mmlights(
    make_downstream: MakeDownstream,
) -> None:
    from mmlight import bridge

    pkg = make_downstream()
    EngineScope.get_instance(f"{pkg}-engine", scope_name="mmengine")
    run_scope = DefaultScope.get_instance(f"{pkg}-run", scope_name=pkg)
    bridge.share_run_globals(default_scope=run_scope)  # a RunScope goes last in mmengine's

    assert EngineScope.get_current_instance().scope_name == pkg
    assert DefaultScope.get_current_instance() is run_scope


def test_mmengines_builders_start_in_mmlights_newer_scope(make_downstream: MakeDownstream) -> None:
    pkg, other = make_downstream(), make_downstream()
    EngineScope.get_instance(f"{other}-engine", scope_name=other)
    DefaultScope.get_instance(f"{pkg}-mmlight", scope_name=pkg)  # newer: in force on both sides

    current = EngineScope.get_current_instance()
    assert current is not None and current.scope_name == pkg
    assert isinstance(current, EngineScope)
    built = mmengine_registry.MODELS.build(dict(type="TinyHead"))  # mmengine's root builder
    assert type(built).__module__ == f"{pkg}.models"

    with EngineScope.overwrite_default_scope(other):  # mmengine's own block still wins inside
        assert EngineScope.get_current_instance().scope_name == other
        assert _current() == other
    assert EngineScope.get_current_instance().scope_name == pkg

    DefaultScope.get_instance(f"{pkg}-root", scope_name="mmlight")
    assert EngineScope.get_current_instance().scope_name == "mmengine"  # the root of its tree


def test_without_the_bridge_each_side_sees_its_own(make_downstream: MakeDownstream) -> None:
    from mmlight import bridge
    from mmlight.bridge import default_scope

    original = default_scope._original_current
    pkg, other = make_downstream(), make_downstream()
    EngineScope.get_instance(f"{pkg}-engine", scope_name=pkg)
    assert vars(EngineScope)["get_current_instance"] is not original  # the bridge's answer
    bridge.deactivate()
    assert vars(EngineScope)["get_current_instance"] is original
    DefaultScope.get_instance(f"{other}-mmlight", scope_name=other)
    EngineScope.get_instance(f"{pkg}-engine-again", scope_name=pkg)
    DefaultScope.get_instance(f"{other}-mmlight-again", scope_name=other)
    assert _current() == other
    assert EngineScope.get_current_instance().scope_name == pkg


@pytest.mark.skipif(importlib.util.find_spec("mmseg") is None, reason="needs mmsegmentation")
def test_mmseg_register_all_modules_then_mmlight_builds_and_infers() -> None:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(STANDIN), str(ROOT)]),  # STANDIN: mmcv.ops
        "OMP_NUM_THREADS": "1",
    }
    done = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("default_scope_script.py"))],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = dict(line.split("=", 1) for line in done.stdout.splitlines() if "=" in line)
    assert lines["scope"] == "mmseg"
    assert lines["model"] == "mmseg.models.segmentors.encoder_decoder.EncoderDecoder"
    assert lines["head_loss"].startswith("mmseg.models.losses")
    assert lines["logit_channels"] == "3"
    assert lines["inferencer_scope"] == "mmseg"
    assert lines["metafile_model"] == "EncoderDecoder weights_https=True"
    assert lines["fake_model"] == "True"

"""``mmlight.bridge`` (its ``__init__``): when the bridge activates, and that mmlight never
imports mmengine itself. Each scenario runs in a fresh interpreter, where what is imported is
exactly what the scenario imports."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import mmengine.registry as mmengine_registry
import pytest

from mmlight import bridge
from mmlight.registry import MODEL_WRAPPERS, MODELS, UnknownTypeError
from tests.bridge.conftest import write_downstream

pytestmark = pytest.mark.interop

ROOT = Path(__file__).resolve().parents[2]

BLOCK_MMENGINE = "import sys; sys.modules['mmengine'] = None  # as if not installed\n"


def run_python(code: str, *paths: Path, without_mmengine: bool = False) -> str:
    """Run ``code`` in a fresh interpreter (repo and ``paths`` importable); its stdout."""
    path = ":".join([str(ROOT), *map(str, paths)])
    source = (BLOCK_MMENGINE if without_mmengine else "") + textwrap.dedent(code)
    result = subprocess.run(
        [sys.executable, "-c", source],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": path, "PATH": "/usr/bin:/bin"},
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_mmlight_lookups_alone_import_no_mmengine() -> None:
    out = run_python(
        """
        import sys
        import mmlight, mmlight.registry
        from mmlight import bridge
        from mmlight.registry import MODELS, TRANSFORMS, DefaultScope
        MODELS.get('Nope'); MODELS.get('nopkg.Nope'); TRANSFORMS.get('torch.nn.ReLU')
        with DefaultScope.overwrite_default_scope('nopkg'):
            try:
                MODELS.build(dict(type='Nope'))
            except KeyError:
                pass
        heavy = [m for m in sys.modules if m.split('.')[0] in ('mmengine', 'mmcv')]
        print(heavy, bridge.is_active(), 'mmlight.bridge.registry' in sys.modules)
        """
    )
    assert out == "[] False False"


def test_importing_mmlight_bridge_alone_activates_it_only_beside_mmengine() -> None:
    # what ``custom_imports=dict(imports=['mmlight.bridge'])`` does in a config mmengine reads
    alone = run_python(
        """
        import sys
        import mmlight.bridge
        from mmlight import bridge
        heavy = [m for m in sys.modules if m.split('.')[0] in ('mmengine', 'mmcv')]
        print(heavy, bridge.is_active(), 'mmlight.registry' in sys.modules)
        """
    )
    assert alone == "[] False True"
    beside = run_python(
        """
        import mmengine.registry
        import mmlight.bridge
        from mmengine.registry import RUNNERS
        print(mmlight.bridge.is_active(), RUNNERS.get('MMLightRunner').__module__)
        """
    )
    assert beside == "True mmlight.runner.runner"


def test_import_mmlight_registry_loads_only_the_watcher() -> None:
    out = run_python(
        """
        import sys
        import mmlight.registry
        print(sorted(m for m in sys.modules if m.startswith('mmlight.bridge')))
        print(sum(type(f).__name__ == '_AfterImportFinder' for f in sys.meta_path))
        """
    )
    assert out.splitlines() == ["['mmlight.bridge', 'mmlight.bridge.import_watch']", "1"]


def test_without_mmengine_errors_read_as_before() -> None:
    out = run_python(
        """
        from mmlight import bridge
        from mmlight.registry import MODELS
        try:
            MODELS.build(dict(type='BNN'))
        except KeyError as err:
            print(err.searched, bridge.activate(), bridge.is_active())
        """,
        without_mmengine=True,
    )
    assert out == "['mmlight::model'] False False"


def test_without_mmengine_a_downstream_package_fails_on_its_own_import(tmp_path: Path) -> None:
    write_downstream(tmp_path, "nodown")
    out = run_python(
        """
        from mmlight.registry import MODELS, DefaultScope
        try:
            with DefaultScope.overwrite_default_scope('nodown'):
                MODELS.build(dict(type='TinyHead'))
        except ImportError as err:
            print(type(err).__name__, err.name.split('.')[0])
            print(err.__notes__)
        """,
        tmp_path,
        without_mmengine=True,
    )
    assert out.splitlines() == [
        "ModuleNotFoundError mmengine",
        "[\"(scope 'nodown': nodown.registry is written against mmengine; install it with "
        "`pip install 'mmlight[mmengine]'`)\"]",
    ]


def test_activates_when_mmengine_registry_is_imported_later() -> None:
    out = run_python(
        """
        from mmlight import bridge
        from mmlight.registry import MODELS, OPTIM_WRAPPERS
        before = bridge.is_active()
        import mmengine.registry
        # only mmengine registers ColossalAIOptimWrapper (mmengine.runner imports it)
        print(before, bridge.is_active(), OPTIM_WRAPPERS.get('ColossalAIOptimWrapper'))
        import mmengine.model, mmengine.hooks, mmengine.runner
        print(OPTIM_WRAPPERS.get('ColossalAIOptimWrapper').__module__.split('.')[0])
        print(MODELS.get('BaseDataPreprocessor').__module__.split('.')[0])
        """
    )
    # mmengine's root holds what its imported modules registered: mmlight's names first
    assert out.splitlines() == ["False True None", "mmengine", "mmlight"]


def test_activates_at_once_when_mmengine_came_first() -> None:
    out = run_python(
        """
        import mmengine.registry
        from mmlight import bridge
        import mmlight.registry
        print(bridge.is_active())
        """
    )
    assert out == "True"


def test_a_default_scope_naming_a_downstream_package_activates_it(tmp_path: Path) -> None:
    write_downstream(tmp_path, "scopedown")
    out = run_python(
        """
        import sys
        from mmlight import bridge
        from mmlight.registry import MODELS, DefaultScope
        with DefaultScope.overwrite_default_scope('scopedown'):
            head = MODELS.build(dict(type='TinyHead'))
        print(type(head).__module__, bridge.is_active())
        """,
        tmp_path,
    )
    assert out == "scopedown.models True"


def test_custom_imports_of_a_downstream_package_activate_it(tmp_path: Path) -> None:
    write_downstream(tmp_path, "importdown")
    config = tmp_path / "cfg.py"
    config.write_text(
        "custom_imports = dict(imports=['importdown.metrics'])\n"
        "metric = dict(type='importdown.TinyMetric')\n"
    )
    out = run_python(
        f"""
        from mmlight import bridge
        from mmlight.config import Config
        from mmlight.registry import METRICS
        cfg = Config.fromfile({str(config)!r})
        print(bridge.is_active(), type(METRICS.build(cfg.metric)).__name__)
        """,
        tmp_path,
    )
    assert out.splitlines()[-1] == "True TinyMetric"  # after mmengine's "prefix" warning


def test_deactivate_and_activate_again() -> None:

    @MODELS.register_module()
    class OnlyInMmlight:
        pass

    try:
        assert mmengine_registry.MODELS.get("OnlyInMmlight") is OnlyInMmlight
        bridge.deactivate()
        assert not bridge.is_active()
        assert "get" not in vars(mmengine_registry.MODELS)
        assert mmengine_registry.MODELS.get("OnlyInMmlight") is None
        # a name only mmengine's root has is not found while the bridge is off
        mmengine_registry.MODEL_WRAPPERS.register_module(name="OnlyInMmengine", module=dict)
        with pytest.raises(UnknownTypeError) as info:
            MODEL_WRAPPERS.build(dict(type="OnlyInMmengine"))
        assert info.value.searched == ["mmlight::model_wrapper"]
        assert bridge.activate()
        assert mmengine_registry.MODELS.get("OnlyInMmlight") is OnlyInMmlight
    finally:
        MODELS._module_dict.pop("OnlyInMmlight", None)
        mmengine_registry.MODEL_WRAPPERS._module_dict.pop("OnlyInMmengine", None)


def test_mmengine_users_who_load_no_mmlight_registry_are_untouched() -> None:
    out = run_python(
        """
        import sys
        import mmengine.registry as r
        import mmlight  # the package alone: no registry, no bridge
        print('get' in vars(r.MODELS), 'mmlight.registry' in sys.modules)
        print(any(type(f).__name__ == '_AfterImportFinder' for f in sys.meta_path))
        """
    )
    assert out.splitlines() == ["False False", "False"]

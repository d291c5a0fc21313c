"""Pure-Python ("lazy import") configs: read_base, lazy imports, edits, to_dict, errors."""

from __future__ import annotations

import copy
import importlib
import json
import pickle
import re
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from mmlight.config import Config, ConfigDict, LazyAttr, LazyObject

Write = Callable[[str, str], str]
REPO = Path(__file__).parents[2]


def load(path: str | Path, **kwargs: object) -> Config:
    return Config.fromfile(str(path), **kwargs)  # type: ignore[arg-type]


def test_toy_config_values_and_edits(data: Path) -> None:
    cfg = load(data / "lazy/toy.py")
    lazy = cfg._to_lazy_dict()
    assert isinstance(lazy["optimizer"]["type"], LazyObject)
    assert isinstance(lazy["activation"]["type"], LazyAttr)
    plain = cfg.to_dict()
    assert plain["optimizer"] == {"type": "torch.optim.SGD", "lr": 0.01}  # .update() edit
    assert plain["param_scheduler"] == {
        "type": "torch.optim.lr_scheduler.MultiStepLR",
        "milestones": [2, 4],  # attribute edit
    }
    assert plain["model"] == {"type": "torch.nn.Linear", "in_features": 2, "out_features": 3}
    assert plain["activation"] == {"type": "torch.nn.ReLU", "inplace": True}
    assert plain["registry_cls"] == "mmengine.registry.Registry"
    assert plain["train_cfg"] == {"max_epochs": 5}
    assert type(cfg._cfg_dict["model"]) is ConfigDict


def test_imported_names_left_out_of_to_dict_unless_asked(data: Path) -> None:
    cfg = load(data / "lazy/toy.py")
    imported = {"SGD", "MultiStepLR", "Linear", "nn", "Registry", "read_base"}
    assert not imported & set(cfg.to_dict())
    kept = cfg.to_dict(keep_imported=True)
    assert kept["SGD"] == "torch.optim.SGD" and kept["nn"] == "torch.nn.torch.nn"
    assert imported <= set(cfg._to_lazy_dict(keep_imported=True))


def test_mmengine_names_build_as_mmlight_objects(data: Path) -> None:
    from mmlight.registry import Registry

    cfg = load(data / "lazy/toy.py")
    assert cfg.registry_cls is Registry


def test_lazy_values_build_when_read(write: Write) -> None:
    import yaml

    path = write(
        "cfg.py",
        """
        from yaml import safe_load
        import yaml.constructor

        loader = dict(type=safe_load, nested=[dict(fn=safe_load)])
        ctor = yaml.constructor.SafeConstructor
        """,
    )
    cfg = load(path)
    assert cfg.loader.type is yaml.safe_load
    assert cfg.loader.nested[0].fn is yaml.safe_load
    assert cfg.ctor is yaml.constructor.SafeConstructor
    assert cfg.to_dict()["ctor"] == "yaml.constructor.SafeConstructor"


def test_read_base_from_mmlight_with_named_imports(data: Path) -> None:
    cfg = load(data / "lazy/toy_mmlight.py")
    assert cfg.to_dict() == {
        "opt": {"type": "torch.optim.SGD", "lr": 0.5},
        "train_cfg": {"max_epochs": 5},
    }


def test_parent_relative_base(data: Path) -> None:
    cfg = load(data / "lazy/sub/child.py")
    assert cfg.to_dict() == {
        "model": {"type": "torch.nn.Linear", "in_features": 2, "out_features": 7}
    }


def test_builtin_imports_run_eagerly(data: Path) -> None:
    cfg = load(data / "lazy/builtin.py")
    assert cfg.to_dict() == {"path": "a/b", "chained": [1, 2], "name": "builtin.py"}
    assert "osp" in cfg and "partial" in cfg  # readable, but not dumped


def test_plain_stdlib_import_is_not_dumped(write: Write) -> None:
    cfg = load(write("cfg.py", "import os\nimport numpy\nsep = os.sep\n"))
    assert cfg.to_dict() == {"sep": "/"} or cfg.to_dict() == {"sep": "\\"}
    assert cfg.pretty_text.startswith("sep = ")


def test_absolute_base_import_from_installed_package(
    tmp_path: Path, write: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    write("mmlight_test_cfgpkg/__init__.py", "")
    write("mmlight_test_cfgpkg/configs/base.py", "lr = 0.1\nsteps = [1, 2]\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    path = write(
        "user/cfg.py",
        """
        from mmengine.config import read_base

        with read_base():
            from mmlight_test_cfgpkg.configs.base import *

        lr = lr * 10
        """,
    )
    assert load(path).to_dict() == {"lr": 1.0, "steps": [1, 2]}


def test_several_modules_in_one_import(write: Write) -> None:
    cfg = load(write("cfg.py", "import json, yaml\na = dict(t=yaml.Loader, d=json.dumps)\n"))
    assert cfg.to_dict()["a"] == {"t": "yaml.Loader", "d": json.dumps}


def test_copy_pickle_and_dump_roundtrip(data: Path, tmp_path: Path) -> None:
    cfg = load(data / "lazy/toy.py")
    for other in (copy.copy(cfg), copy.deepcopy(cfg), pickle.loads(pickle.dumps(cfg))):
        assert other.to_dict() == cfg.to_dict()
        assert other._imported_names == cfg._imported_names
    cfg.dump(tmp_path / "dumped.py")
    assert load(tmp_path / "dumped.py").to_dict() == cfg.to_dict()


def test_lazy_flag_restored_after_errors(write: Write) -> None:
    with pytest.raises(RuntimeError):
        load(write("bad.py", "from x_mmlight_pkg import *\n"))
    assert ConfigDict.lazy is False


def test_same_result_as_mmengine(data: Path, tmp_path: Path) -> None:
    mmengine_config = pytest.importorskip("mmengine.config")
    # mmengine runs only its own read_base eagerly: give it a copy that imports that one
    twin = tmp_path / "lazy"
    shutil.copytree(data / "lazy", twin)
    for path in twin.rglob("*.py"):
        path.write_text(path.read_text().replace("mmlight.config", "mmengine.config"))
    for name in ("toy.py", "toy_mmlight.py", "sub/child.py"):
        theirs = mmengine_config.Config.fromfile(str(twin / name))
        ours = load(data / "lazy" / name)
        assert ours.to_dict() == theirs.to_dict(), name
        assert ours._imported_names == theirs._imported_names, name


# ---- errors -----------------------------------------------------------------------------


def test_lazy_config_with_text_base_is_refused(data: Path) -> None:
    with pytest.raises(RuntimeError, match=r"`_base_ = \"\.\.\.\"` in .*multi\.py, line 2"):
        load(data / "lazy/lazy_child_of_text.py")


def test_forced_lazy_import(write: Write) -> None:
    plain = write("plain.py", "a = 1\nb = dict(c='{{ fileBasename }}')\n")
    cfg = load(plain, lazy_import=True)
    assert cfg.to_dict() == {"a": 1, "b": {"c": "{{ fileBasename }}"}}  # no substitution
    with pytest.raises(RuntimeError, match=re.escape('`_base_ = "..."`')):
        load(write("child.py", "_base_ = './plain.py'\n"), lazy_import=True)
    with pytest.raises(RuntimeError, match=r"lazy_import=True applies to .* only.*\.json"):
        load(write("x.json", "{}"), lazy_import=True)


def test_star_import_outside_read_base(write: Write) -> None:
    with pytest.raises(
        RuntimeError,
        match=r"`from xxx import \*` is not allowed .*`from torch\.optim import \*` in "
        r".*star\.py, line 1",
    ):
        load(write("star.py", "from torch.optim import *\n"))


def test_star_import_of_builtin(write: Write) -> None:
    with pytest.raises(RuntimeError, match=r"Cannot import \* from non-base config.*os\.path"):
        load(write("star.py", "import numpy\nfrom os.path import *\n"))


def test_other_with_statement(write: Write) -> None:
    path = write("w.py", "import numpy\nwith open(__file__) as f:\n    x = 1\n")
    with pytest.raises(RuntimeError, match=r"Only `read_base` .*w\.py, line 2"):
        load(path)


def test_read_base_body_must_be_from_imports(write: Write) -> None:
    path = write(
        "rb.py",
        """
        from mmengine.config import read_base

        with read_base():
            x = 1
        """,
    )
    with pytest.raises(RuntimeError, match=r"Only `from \.\.\. import \.\.\.` .*rb\.py, line 4"):
        load(path)


def test_missing_base_module(write: Write) -> None:
    path = write(
        "cfg.py",
        """
        from mmengine.config import read_base

        with read_base():
            from ._base_.nope import *
        """,
    )
    with pytest.raises(
        FileNotFoundError, match=r"_base_/nope\.py not found!.*`from \._base_\.nope import \.\.\.`"
    ) as error:
        load(path)
    assert isinstance(error.value, RuntimeError)  # mmengine raises a RuntimeError here


def test_missing_name_in_base(write: Write) -> None:
    write("base.py", "optimizer = dict(lr=0.1)\n")
    path = write(
        "cfg.py",
        """
        from mmlight.config import read_base

        with read_base():
            from .base import optimzer
        """,
    )
    with pytest.raises(
        KeyError, match=r"base\.py has no variable 'optimzer'.*Did you mean 'optimizer'"
    ):
        load(path)


def test_absolute_base_needs_a_package_path(write: Write) -> None:
    path = write(
        "cfg.py", "from mmlight.config import read_base\nwith read_base():\n    from x import *\n"
    )
    with pytest.raises(RuntimeError, match="should not be an independent package x"):
        load(path)
    path = write(
        "cfg2.py",
        "from mmlight.config import read_base\n"
        "with read_base():\n    from mmlight_nope_pkg.c import *\n",
    )
    with pytest.raises(ModuleNotFoundError, match="package 'mmlight_nope_pkg' is not installed"):
        load(path)


def test_lazy_inheritance_cycle(write: Write) -> None:
    head = "from mmlight.config import read_base\nwith read_base():\n"
    write("a.py", head + "    from .b import *\n")
    path = write("b.py", head + "    from .a import *\n")
    with pytest.raises(RecursionError, match=r"cycle: .*b\.py -> .*a\.py -> .*b\.py"):
        load(path)


def test_missing_attribute_while_config_runs(data: Path, write: Write) -> None:
    path = write(
        "cfg.py",
        """
        from mmlight.config import read_base

        with read_base():
            from .base import *

        optimizer.lrr += 1
        """,
    )
    write("base.py", "optimizer = dict(lr=0.1)\n")
    with pytest.raises(AttributeError, match=r"'lrr'.*Did you mean 'lr'.*cfg\.py, line 6"):
        load(path)


def test_unknown_import_fails_when_used_not_when_loaded(write: Write) -> None:
    cfg = load(
        write("cfg.py", "from mmlight_no_such_pkg.mod import Thing\nmodel = dict(type=Thing)\n")
    )
    assert cfg.to_dict() == {"model": {"type": "mmlight_no_such_pkg.mod.Thing"}}
    with pytest.raises(ModuleNotFoundError, match=r"mmlight_no_such_pkg\.mod.*cfg\.py, line 1"):
        cfg.model.type  # noqa: B018


# ---- runs without mmengine and without importing torch -----------------------------------


def _run(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_loads_without_mmengine_installed(data: Path) -> None:
    out = _run(
        f"""
        import sys
        sys.modules['mmengine'] = None  # as if mmengine were not installed
        from mmlight.config import Config
        cfg = Config.fromfile({str(data / "lazy/toy.py")!r})
        d = cfg.to_dict()
        assert d['optimizer']['type'] == 'torch.optim.SGD', d
        assert d['registry_cls'] == 'mmengine.registry.Registry', d
        assert 'torch' not in sys.modules, 'loading imported torch'
        import mmlight.registry
        assert cfg.registry_cls is mmlight.registry.Registry
        text = Config.fromfile({str(data / "text/multi.py")!r})
        assert text.item2 == dict(a=0, b=1)
        print('ok')
        """
    )
    assert out.strip() == "ok"


def test_import_is_light() -> None:
    out = _run(
        """
        import sys
        import mmlight.config
        heavy = [m for m in ('torch', 'lightning', 'mmengine', 'addict', 'yapf', 'rich',
                             'termcolor', 'fsspec') if m in sys.modules]
        print(heavy)
        """
    )
    assert out.strip() == "[]"

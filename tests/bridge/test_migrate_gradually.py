"""Gradual migration: a repository's imports rewritten to mmlight, its dependencies (mmcv) not.

``s/mmengine/mmlight/`` in a repository's code (``tests/bridge/migrate.py``) moves its registries
under mmlight's roots while mmcv keeps building layers through mmengine's. The bridge has to
make each tree see the other for that to work:

- the downstream package of ``conftest.py``, migrated: mmcv's unmodified ``build_norm_layer``
  and ``ConvModule`` build the package's own norm layer (registered in its migrated ``MODELS``, a
  child of mmlight's), and the migrated package and training script train under mmlight's Runner
  to the losses and weights the unmigrated ones reach under mmengine's;
- mmsegmentation 1.2.2, copied from site-packages and migrated, imports cleanly and trains the
  FCN child config of ``test_mmseg_fcn.py`` (its migrated ``tools/train.py`` steps) to the same
  per-iteration losses, accuracies, learning rates, validation metrics and final weights as
  mmengine; its ``mmseg.apis`` infer from the run's checkpoint and its migrated ``tools/test.py``
  steps give mmengine's final validation metrics from mmengine's checkpoint. mmseg's
  ``__init__`` needs one edit by hand: its mmengine version check reads mmlight's version.

Each run is a fresh interpreter at one thread (the unmigrated and the migrated package share a
name, so they cannot share a process).
"""

from __future__ import annotations

import importlib
import itertools
import json
import os
import pkgutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import torch

from mmlight import bridge
from mmlight.registry import MODELS, TRANSFORMS
from tests.bridge.conftest import write_downstream
from tests.bridge.migrate import migrate_source, migrate_tree

pytestmark = pytest.mark.interop

ROOT = Path(__file__).resolve().parents[2]
STANDIN = Path(__file__).with_name("mmcv_ops_standin")

_names = itertools.count()


def _python(script: Path, *args: str, cwd: Path, path: list[Path]) -> str:
    """Run ``script`` in a fresh interpreter, ``path`` first on ``sys.path``; its stdout."""
    return _python_run(script, *args, cwd=cwd, path=path).stdout


def _python_run(
    script: Path, *args: str, cwd: Path, path: list[Path]
) -> subprocess.CompletedProcess[str]:
    """Run ``script`` in a fresh interpreter, ``path`` first on ``sys.path``."""
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "HOME": str(cwd),
        "PYTHONPATH": os.pathsep.join(map(str, [*path, STANDIN, ROOT])),  # STANDIN: mmcv.ops
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    result = subprocess.run(
        [sys.executable, str(script), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=600,
    )
    assert result.returncode == 0, f"{script}\n{result.stdout[-2000:]}\n{result.stderr[-6000:]}"
    return result


def _last_json(stdout: str) -> Any:
    return json.loads(stdout.strip().splitlines()[-1])


def _scalars(work_dir: Path) -> list[dict[str, Any]]:
    (path,) = work_dir.glob("*/vis_data/scalars.json")
    return [json.loads(line) for line in path.read_text().splitlines()]


# ----------------------------------------------------------------------------- the rewrite


def test_migrate_source_renames_the_module_in_code_only() -> None:
    source = textwrap.dedent(
        '''
        """See :class:`mmengine.fileio` and https://mmengine.readthedocs.io."""
        import mmengine
        import mmengine.fileio as fileio
        from mmengine.registry import MODELS as MMENGINE_MODELS
        from mmengine import (Config,
                              DictAction)
        from mmcv.cnn import ConvModule  # mmcv keeps using mmengine
        lines = mmengine.list_from_file('mmengine.txt')
        mmengine_version = mmengine.__version__
        message = f'MMEngine=={mmengine.__version__} {"mmengine"}'
        '''
    )

    migrated, count = migrate_source(source)

    assert count == 7
    assert migrated == textwrap.dedent(
        '''
        """See :class:`mmengine.fileio` and https://mmengine.readthedocs.io."""
        import mmlight
        import mmlight.fileio as fileio
        from mmlight.registry import MODELS as MMENGINE_MODELS
        from mmlight import (Config,
                              DictAction)
        from mmcv.cnn import ConvModule  # mmcv keeps using mmengine
        lines = mmlight.list_from_file('mmengine.txt')
        mmengine_version = mmlight.__version__
        message = f'MMEngine=={mmlight.__version__} {"mmengine"}'
        '''
    )


def test_migrate_tree_copies_and_counts_without_bytecode(tmp_path: Path) -> None:
    src = tmp_path / "src" / "pkg"
    (src / "__pycache__").mkdir(parents=True)
    (src / "__pycache__" / "mod.cpython-311.pyc").write_bytes(b"old")
    (src / "mod.py").write_text("from mmengine.model import BaseModule\nimport mmcv\n")
    (src / "plain.py").write_text("x = 'mmengine'\n")
    (src / "data.txt").write_text("mmengine\n")

    counts = migrate_tree(src, tmp_path / "dst" / "pkg")

    dst = tmp_path / "dst" / "pkg"
    assert counts == {"mod.py": 1}
    assert (dst / "mod.py").read_text() == "from mmlight.model import BaseModule\nimport mmcv\n"
    assert (dst / "plain.py").read_text() == "x = 'mmengine'\n"
    assert (dst / "data.txt").read_text() == "mmengine\n"
    assert not (dst / "__pycache__").exists()


# ------------------------------------------------------------------- the downstream package


@pytest.fixture
def migrated_downstream(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """conftest's downstream package, migrated, importable in this process; its name (scope)."""
    name = f"mydown_migrated_{next(_names)}"
    migrate_tree(write_downstream(tmp_path / "plain", name), tmp_path / "migrated" / name)
    monkeypatch.syspath_prepend(str(tmp_path / "migrated"))
    yield name
    for module in list(sys.modules):
        if module == name or module.startswith(name + "."):
            del sys.modules[module]


def test_every_module_of_a_migrated_package_imports_mmlight_only(
    migrated_downstream: str,
) -> None:
    package = importlib.import_module(migrated_downstream)
    names = [info.name for info in pkgutil.iter_modules(package.__path__)]

    modules = [importlib.import_module(f"{migrated_downstream}.{name}") for name in names]

    assert len(modules) == 12
    # what each module imported from an OpenMMLab engine is mmlight's
    engines = {
        getattr(value, "__module__", "").split(".")[0]
        for module in modules
        for value in vars(module).values()
        if isinstance(value, type) or callable(value)
    }
    assert "mmlight" in engines
    assert "mmengine" not in engines


def test_mmengine_builders_start_at_a_migrated_scopes_registry(migrated_downstream: str) -> None:
    pytest.importorskip("mmcv")
    from mmcv.transforms import Compose
    from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
    from mmengine.registry import DefaultScope as MmengineDefaultScope

    registry = importlib.import_module(f"{migrated_downstream}.registry")
    assert registry.TRANSFORMS.parent is TRANSFORMS

    with MmengineDefaultScope.overwrite_default_scope(migrated_downstream):
        # mmcv's Compose builds through mmengine's TRANSFORMS: the scope's own LoadAnnotations
        # wins over the one mmcv registers in mmengine's root, as it would unmigrated
        (loader,) = Compose([dict(type="LoadAnnotations")]).transforms
        assert type(loader).__module__ == f"{migrated_downstream}.transforms"
        assert MMENGINE_TRANSFORMS._search_child(migrated_downstream) is registry.TRANSFORMS
    # mmlight's root is no answer for a scope 'mmlight': mmengine's tree keeps its own rules
    assert MMENGINE_TRANSFORMS._search_child("mmlight") is None

    bridge.deactivate()
    assert MMENGINE_TRANSFORMS._search_child(migrated_downstream) is None


def test_outside_a_run_mmlights_default_scope_steers_mmengine_builders(
    migrated_downstream: str,
) -> None:
    pytest.importorskip("mmcv")
    from mmcv.transforms import Compose

    from mmlight.registry import DefaultScope

    importlib.import_module(f"{migrated_downstream}.registry")
    with DefaultScope.overwrite_default_scope(migrated_downstream):  # a migrated init_default_scope
        (loader,) = Compose([dict(type="LoadAnnotations")]).transforms
    assert type(loader).__module__ == f"{migrated_downstream}.transforms"


def test_mmcvs_builders_build_a_migrated_packages_norm(migrated_downstream: str) -> None:
    pytest.importorskip("mmcv")
    from mmcv.cnn import ConvModule, build_norm_layer
    from mmengine.registry import DefaultScope as MmengineDefaultScope

    models = importlib.import_module(f"{migrated_downstream}.models")
    assert importlib.import_module(f"{migrated_downstream}.registry").MODELS.parent is MODELS

    with MmengineDefaultScope.overwrite_default_scope(migrated_downstream):
        abbr, norm = build_norm_layer(dict(type="TinyNorm"), 4)
        conv = ConvModule(1, 3, 3, conv_cfg=dict(type="Conv1d"), norm_cfg=dict(type="TinyNorm"))
    assert (abbr, type(norm), conv.norm_name, type(conv.norm)) == (
        "tn",
        models.TinyNorm,
        "tn",
        models.TinyNorm,
    )


# Added to the package's models.py: a model whose norm layers come from mmcv's builders.
CLASSIFIER_PY = """

import torch.nn.functional as F
from mmcv.cnn import ConvModule, build_norm_layer
from mmengine.model import BaseModel


@MODELS.register_module()
class PointClassifier(BaseModel):
    '''Norm layers of the config's type, built by mmcv's build_norm_layer and ConvModule.'''

    def __init__(self, norm_cfg=dict(type='TinyNorm'), data_preprocessor=None, init_cfg=None):
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.norm_name, norm = build_norm_layer(norm_cfg, 4)
        self.add_module(self.norm_name, norm)
        self.conv = ConvModule(
            1, 3, 3, padding=1, conv_cfg=dict(type='Conv1d'), norm_cfg=norm_cfg)
        self.fc = nn.Linear(12, 3)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        x = getattr(self, self.norm_name)(torch.stack(inputs))
        logits = self.fc(self.conv(x.unsqueeze(1)).flatten(1))
        if mode == 'loss':
            return dict(loss=F.cross_entropy(logits, torch.tensor(data_samples)))
        return logits
"""

# The package's training script, written against mmengine; migrated with the package.
DOWNSTREAM_TRAIN_PY = """
import importlib
import json
import sys

from mmcv.cnn import ConvModule, build_norm_layer
from mmengine.registry import MODELS as ROOT_MODELS
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

package, work_dir = sys.argv[1:3]
registry = importlib.import_module(package + '.registry')
init_default_scope(package)

def qualname(obj):
    return type(obj).__module__ + '.' + type(obj).__qualname__

# mmcv's builders, outside a run: the package's norm under the package's scope
abbr, norm = build_norm_layer(dict(type='TinyNorm'), 4)
conv = ConvModule(1, 3, 3, conv_cfg=dict(type='Conv1d'), norm_cfg=dict(type='TinyNorm'))
report = dict(
    engine=ROOT_MODELS.__module__.split('.')[0],
    models_parent=[registry.MODELS.parent.__module__.split('.')[0], registry.MODELS.parent.scope],
    norm=[abbr, qualname(norm), conv.norm_name, qualname(conv.norm)],
)
runner = Runner(
    model=dict(type='PointClassifier'),
    work_dir=work_dir,
    experiment_name='migrate',
    train_dataloader=dict(
        batch_size=8,
        num_workers=0,
        sampler=dict(type='DefaultSampler', shuffle=True),
        dataset=dict(type='TinyPointsDataset', size=32, pipeline=[dict(type='PackPoint')])),
    train_cfg=dict(by_epoch=True, max_epochs=2),
    optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9)),
    default_hooks=dict(logger=dict(type='LoggerHook', interval=1), checkpoint=None),
    default_scope=package,
    randomness=dict(seed=0),
)
runner.train()
model = runner.model
report['trained_norms'] = [qualname(getattr(model, model.norm_name)), qualname(model.conv.norm)]
report['weights'] = {k: v.tolist() for k, v in model.state_dict().items()}
print(json.dumps(report))
"""


def test_a_migrated_package_builds_its_norm_through_mmcv_and_trains_as_under_mmengine(
    tmp_path: Path,
) -> None:
    pytest.importorskip("mmcv")
    name = "mydown_migrate"  # a fresh interpreter per run: no clash with in-process packages
    plain = write_downstream(tmp_path / "plain", name)
    with (plain / "models.py").open("a") as models:
        models.write(textwrap.dedent(CLASSIFIER_PY))
    script = tmp_path / "plain" / "train.py"
    script.write_text(textwrap.dedent(DOWNSTREAM_TRAIN_PY))

    counts = migrate_tree(plain, tmp_path / "migrated" / name)
    migrated_script = tmp_path / "migrated" / "train.py"
    migrated_script.write_text(migrate_source(script.read_text())[0])

    assert counts == {
        "base_datasets.py": 1,
        "hooks.py": 1,
        "loops.py": 1,
        "metrics.py": 1,
        "models.py": 2,
        "optim_constructors.py": 2,
        "registry.py": 12,
        "schedulers.py": 1,
        "visualization.py": 1,
    }
    oracle = _last_json(
        _python(script, name, str(tmp_path / "mmengine"), cwd=tmp_path, path=[tmp_path / "plain"])
    )
    ours = _last_json(
        _python(
            migrated_script,
            name,
            str(tmp_path / "mmlight"),
            cwd=tmp_path,
            path=[tmp_path / "migrated"],
        )
    )

    norm = f"{name}.models.TinyNorm"
    assert oracle["engine"] == "mmengine"
    assert ours["engine"] == "mmlight"
    assert oracle["models_parent"] == ["mmengine", "mmengine"]
    assert ours["models_parent"] == ["mmlight", "mmlight"]
    assert ours["norm"] == oracle["norm"] == ["tn", norm, "tn", norm]
    assert ours["trained_norms"] == oracle["trained_norms"] == [norm, norm]
    # bit for bit: per-iteration losses (2 epochs of 4 batches) and the final weights
    losses = {
        engine: [(s["iter"], s["loss"]) for s in _scalars(tmp_path / engine) if "loss" in s]
        for engine in ("mmengine", "mmlight")
    }
    assert [i for i, _ in losses["mmengine"]] == list(range(1, 9))
    assert losses["mmlight"] == losses["mmengine"]
    assert ours["weights"] == oracle["weights"]


# ------------------------------------------------------------------------ mmsegmentation

# mmseg's __init__ checks the version of the module it calls mmengine against mmengine's
# releases (>=0.5.0, <1.0.0); migrated, that is mmlight's own version. The one edit by hand.
MMSEG_VERSION_LINE = "mmengine_version = digit_version(mmlight.__version__)"
MMSEG_VERSION_EDIT = "mmengine_version = mmengine_min_version  # mmlight: mmengine's API"

# Appended to the migrated tools/train.py steps: mmseg.apis on the run's checkpoint, then
# tools/test.py's steps on mmengine's checkpoint (argv[3]).
INFER_AND_TEST_PY = """
import numpy as np

from mmseg.apis import inference_model, init_model

model = init_model(sys.argv[1], cfg.work_dir + '/iter_2.pth', device='cpu')
result = inference_model(model, np.zeros((64, 128, 3), np.uint8))
print(json.dumps(dict(prediction=list(result.pred_sem_seg.data.shape))))

cfg.load_from = sys.argv[3]
cfg.work_dir = sys.argv[2] + '_test'
metrics = Runner.from_cfg(cfg).test()
print(json.dumps(dict(test={k: float(metrics[k]) for k in ('aAcc', 'mIoU', 'mAcc')})))
"""

# Appended to tools/train.py's steps (before migrating them): what the process imported.
IMPORTED_PY = """
import mmcv.cnn.bricks.norm
import mmseg
from mmseg.registry import MODELS as MMSEG_MODELS
print(json.dumps(dict(
    mmseg=mmseg.__file__,
    models_parent=MMSEG_MODELS.parent.__module__.split('.')[0],
    mmcv_models=mmcv.cnn.bricks.norm.MODELS.__module__.split('.')[0],
)))
"""


def test_migrated_mmsegmentation_imports_and_trains_fcn_as_under_mmengine(
    tmp_path: Path,
) -> None:
    pytest.importorskip("mmseg")
    pytest.importorskip("cv2")
    import mmseg

    from tests.bridge import test_mmseg_fcn as fcn

    migrated = tmp_path / "migrated"
    counts = migrate_tree(Path(mmseg.__file__).parent, migrated / "mmseg")
    init = migrated / "mmseg" / "__init__.py"
    assert init.read_text().count(MMSEG_VERSION_LINE) == 1
    init.write_text(init.read_text().replace(MMSEG_VERSION_LINE, MMSEG_VERSION_EDIT))
    assert counts["__init__.py"] == 3  # import, version check, its message
    assert not any(
        line.lstrip().startswith(("import mmengine", "from mmengine"))
        for path in (migrated / "mmseg").rglob("*.py")
        for line in path.read_text().splitlines()
    )

    fcn._write_cityscapes(tmp_path / "cityscapes")
    train_py = textwrap.dedent(fcn.TRAIN_PY) + textwrap.dedent(IMPORTED_PY)
    (tmp_path / "train.py").write_text(train_py)
    migrated_train_py = migrate_source(train_py + textwrap.dedent(INFER_AND_TEST_PY))[0]
    (tmp_path / "train_migrated.py").write_text(migrated_train_py)
    migrated_config = migrated / "mmseg" / fcn.FCN_CONFIG.relative_to(fcn.FCN_CONFIG.parents[3])
    for name, base in (("child", fcn.FCN_CONFIG), ("child_migrated", migrated_config)):
        (tmp_path / f"{name}.py").write_text(
            fcn.CHILD_PY.format(
                base=base,
                runner_lines="",
                data_root=tmp_path / "cityscapes",
                num_classes=fcn.NUM_CLASSES,
                iters=2,
            )
        )

    oracle = _python(
        tmp_path / "train.py", "child.py", str(tmp_path / "mmengine"), cwd=tmp_path, path=[]
    )
    ours_run = _python_run(
        tmp_path / "train_migrated.py",
        "child_migrated.py",
        str(tmp_path / "mmlight"),
        str(tmp_path / "mmengine" / "iter_2.pth"),
        cwd=tmp_path,
        path=[migrated],
    )

    runner, imported, inferred, tested = (
        json.loads(line) for line in ours_run.stdout.splitlines() if line.startswith("{")
    )
    assert runner == {"runner": "mmlight.runner.runner.Runner"}
    assert imported == dict(
        mmseg=str(migrated / "mmseg" / "__init__.py"),
        models_parent="mmlight",
        mmcv_models="mmengine",
    )
    assert json.loads(oracle.strip().splitlines()[-1])["mmseg"] == mmseg.__file__
    assert inferred == dict(prediction=[1, 64, 128])
    # mmcv's builders (ConvModule's norm, TRANSFORMS) found mmseg's scope in mmlight's tree
    assert "Failed to search registry" not in ours_run.stderr

    def numbers(work_dir: Path) -> tuple[dict[int, Any], dict[int, Any]]:
        scalars = _scalars(work_dir)
        train = {s["iter"]: {k: s[k] for k in fcn.TRAIN_KEYS} for s in scalars if "loss" in s}
        val = {s["step"]: {k: s[k] for k in fcn.METRIC_KEYS} for s in scalars if "mIoU" in s}
        return train, val

    (train, val), (expected_train, expected_val) = (
        numbers(tmp_path / "mmlight"),
        numbers(tmp_path / "mmengine"),
    )
    assert sorted(expected_train) == [1, 2]
    assert sorted(expected_val) == [2]
    assert train == expected_train
    assert val == expected_val
    # the migrated tools/test.py on mmengine's checkpoint: mmengine's final validation
    assert tested == dict(test=expected_val[2])
    weights, expected = (
        torch.load(tmp_path / engine / "iter_2.pth", map_location="cpu", weights_only=False)[
            "state_dict"
        ]
        for engine in ("mmlight", "mmengine")
    )
    assert weights.keys() == expected.keys()
    for key, value in expected.items():
        assert torch.equal(weights[key], value), key

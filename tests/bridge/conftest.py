"""A small downstream package written against mmengine, made fresh for each test that wants one.

``make_downstream()`` writes a package (unique name, also its registry scope) into the test's tmp
dir, the way an OpenMMLab repository is laid out: ``<pkg>/registry.py`` hangs child registries
with the package's scope under mmengine's roots, each with ``locations`` naming the module that
fills it, and those modules are imported only by a lookup. A unique name per test keeps
mmengine's registry tree (global, and refusing a scope twice) clean between tests.
"""

from __future__ import annotations

import importlib.util
import itertools
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from mmlight import bridge
from mmlight.registry import DefaultScope, root

MakeDownstream = Callable[[], str]

# mmengine comes with the dev extra; where it is absent there is nothing to bridge to.
if importlib.util.find_spec("mmengine") is None:
    collect_ignore_glob = ["test_*.py"]

_names = itertools.count()

REGISTRY_PY = """
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import PARAM_SCHEDULERS as MMENGINE_PARAM_SCHEDULERS
from mmengine.registry import TASK_UTILS as MMENGINE_TASK_UTILS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import LOOPS as MMENGINE_LOOPS
from mmengine.registry import OPTIM_WRAPPER_CONSTRUCTORS as MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS
from mmengine.registry import VISBACKENDS as MMENGINE_VISBACKENDS
from mmengine.registry import VISUALIZERS as MMENGINE_VISUALIZERS
from mmengine.registry import Registry, build_from_cfg

MODELS = Registry('model', parent=MMENGINE_MODELS, scope='{scope}', locations=['{scope}.models'])
TRANSFORMS = Registry(
    'transform', parent=MMENGINE_TRANSFORMS, scope='{scope}', locations=['{scope}.transforms'])
HOOKS = Registry('hook', parent=MMENGINE_HOOKS, scope='{scope}', locations=['{scope}.hooks'])
METRICS = Registry(
    'metric', parent=MMENGINE_METRICS, scope='{scope}', locations=['{scope}.metrics'])
DATASETS = Registry('dataset', parent=MMENGINE_DATASETS, scope='{scope}',
                    locations=['{scope}.datasets', '{scope}.base_datasets'])
PARAM_SCHEDULERS = Registry('parameter scheduler', parent=MMENGINE_PARAM_SCHEDULERS,
                            scope='{scope}', locations=['{scope}.schedulers'])


def build_task_util(cfg, registry, default_args=None):
    obj = build_from_cfg(cfg, registry, default_args)
    obj.built_by = ('package builder', registry.scope)
    return obj


TASK_UTILS = Registry('task util', parent=MMENGINE_TASK_UTILS, scope='{scope}',
                      build_func=build_task_util, locations=['{scope}.task_utils'])
OPTIM_WRAPPER_CONSTRUCTORS = Registry(
    'optimizer wrapper constructor', parent=MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS, scope='{scope}',
    locations=['{scope}.optim_constructors'])
LOOPS = Registry('loop', parent=MMENGINE_LOOPS, scope='{scope}', locations=['{scope}.loops'])
VISUALIZERS = Registry('visualizer', parent=MMENGINE_VISUALIZERS, scope='{scope}',
                       locations=['{scope}.visualization'])
VISBACKENDS = Registry('vis_backend', parent=MMENGINE_VISBACKENDS, scope='{scope}',
                       locations=['{scope}.visualization'])
"""

MODELS_PY = """
import torch
from torch import nn
from mmengine.model import BaseModule

from {scope}.registry import MODELS


@MODELS.register_module()
class TinyNorm(nn.BatchNorm1d):
    _abbr_ = 'tn'


@MODELS.register_module()
class TinyHead(BaseModule):
    '''Builds its norm through the package's (mmengine) MODELS, as OpenMMLab model code does.'''

    def __init__(self, channels=2, norm_cfg=dict(type='TinyNorm')):
        super().__init__()
        self.fc = nn.Linear(channels, 1)
        self.norm = MODELS.build(dict(norm_cfg, num_features=channels))

    def forward(self, x):
        return self.fc(self.norm(x))


@MODELS.register_module()
class ConvNet(BaseModule):
    '''mmcv layers: ConvModule builds its conv, norm and activation through mmcv's builders.'''

    def __init__(self, norm_cfg=dict(type='BN')):
        super().__init__()
        from mmcv.cnn import ConvModule
        self.block = ConvModule(3, 4, 3, padding=1, norm_cfg=norm_cfg)

    def forward(self, x):
        return self.block(x)
"""

TRANSFORMS_PY = """
from {scope}.registry import TRANSFORMS


@TRANSFORMS.register_module()
class LoadAnnotations:
    '''Same name as mmcv's transform in mmengine's root: the scope's own must win.'''

    def __call__(self, results):
        return dict(results, loaded_by='{scope}')


@TRANSFORMS.register_module()
class PackPoint:
    '''dict(point, label) -> what the toy models take: inputs and data_samples.'''

    def __init__(self, scale=1.0):
        self.scale = scale

    def __call__(self, results):
        return dict(inputs=results['point'] * self.scale, data_samples=results['label'])


@TRANSFORMS.register_module()
class AddOne:
    def __call__(self, results):
        return dict(results, value=results.get('value', 0) + 1)
"""

HOOKS_PY = """
from mmengine.hooks import Hook

from {scope}.registry import HOOKS


@HOOKS.register_module()
class TinyHook(Hook):
    priority = 'LOW'


@HOOKS.register_module()
class CheckpointHook(Hook):
    '''Same name as mmengine's and mmlight's root hook: under this scope, this one.'''
"""

METRICS_PY = """
from mmengine.evaluator import BaseMetric

from {scope}.registry import METRICS


@METRICS.register_module()
class TinyMetric(BaseMetric):
    def process(self, data_batch, data_samples):
        self.results.append(len(data_samples))

    def compute_metrics(self, results):
        return dict(count=sum(results))
"""

DATASETS_PY = """
from {scope}.registry import DATASETS


@DATASETS.register_module()
class TinyDataset:
    def __init__(self, n=4):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return i
"""

BASE_DATASETS_PY = """
import torch
from mmengine.dataset import BaseDataset

from {scope}.registry import DATASETS


@DATASETS.register_module()
class TinyPointsDataset(BaseDataset):
    '''mmengine's BaseDataset: the data list made in load_data_list, a pipeline of the
    package's transforms (built by mmengine's Compose under the package's scope).'''

    METAINFO = dict(classes=('a', 'b', 'c'))

    def __init__(self, size=40, seed=0, noise=1.0, **kwargs):
        self.size, self.seed, self.noise = size, seed, noise
        super().__init__(**kwargs)

    def load_data_list(self):
        generator = torch.Generator().manual_seed(self.seed)
        labels = torch.randint(0, 3, (self.size,), generator=generator)
        centers = torch.tensor([[2.0, 0, 0, 0], [0, 2.0, 0, 0], [0, 0, 2.0, 0]])
        points = centers[labels] + self.noise * torch.randn(self.size, 4, generator=generator)
        return [dict(point=p, label=int(y)) for p, y in zip(points, labels)]
"""

TASK_UTILS_PY = """
from {scope}.registry import TASK_UTILS


@TASK_UTILS.register_module()
class TinyAssigner:
    pass
"""

SCHEDULERS_PY = """
from mmengine.optim.scheduler import LinearLR

from {scope}.registry import PARAM_SCHEDULERS


@PARAM_SCHEDULERS.register_module()
class TinyWarmupLR(LinearLR):
    pass
"""

OPTIM_CONSTRUCTORS_PY = """
from mmengine.optim import OptimWrapperDict
from mmengine.registry import OPTIM_WRAPPERS, OPTIMIZERS

from {scope}.registry import OPTIM_WRAPPER_CONSTRUCTORS


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class LayerDecayConstructor:
    '''Layer-wise learning-rate decay: the n-th of L layers with parameters (module order)
    gets lr * decay ** (L - 1 - n). Returns mmengine's OptimWrapper.'''

    def __init__(self, optim_wrapper_cfg, paramwise_cfg=None):
        self.optim_wrapper_cfg = dict(optim_wrapper_cfg)
        self.decay = (paramwise_cfg or {}).get('layer_decay_rate', 0.5)

    def __call__(self, model):
        cfg = dict(self.optim_wrapper_cfg)
        optimizer_cfg = dict(cfg.pop('optimizer'))
        layers = [m for m in model.modules() if list(m.parameters(recurse=False))]
        base_lr = optimizer_cfg['lr']
        optimizer_cfg['params'] = [
            dict(params=list(layer.parameters(recurse=False)),
                 lr=base_lr * self.decay ** (len(layers) - 1 - n))
            for n, layer in enumerate(layers)
        ]
        cfg.setdefault('type', 'OptimWrapper')
        cfg['optimizer'] = OPTIMIZERS.build(optimizer_cfg)
        return OPTIM_WRAPPERS.build(cfg)


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class TwoPartConstructor:
    '''One optimizer per submodule named in the config (a GAN-style model):
    optim_wrapper=dict(constructor=..., <name>=dict(optimizer=...), ...).
    Returns mmengine's OptimWrapperDict.'''

    def __init__(self, optim_wrapper_cfg, paramwise_cfg=None):
        self.optim_wrapper_cfg = dict(optim_wrapper_cfg)

    def __call__(self, model):
        wrappers = {}
        for name, part_cfg in self.optim_wrapper_cfg.items():
            cfg = dict(part_cfg)
            optimizer_cfg = dict(cfg.pop('optimizer'))
            optimizer_cfg['params'] = getattr(model, name).parameters()
            cfg.setdefault('type', 'OptimWrapper')
            cfg['optimizer'] = OPTIMIZERS.build(optimizer_cfg)
            wrappers[name] = OPTIM_WRAPPERS.build(cfg)
        return OptimWrapperDict(**wrappers)
"""

LOOPS_PY = """
from mmengine.runner import IterBasedTrainLoop, ValLoop

from {scope}.registry import LOOPS


class Counting:
    '''A mixin that is no loop: kept as it is when the loop is adopted.'''

    extra_steps = 0


@LOOPS.register_module()
class ExtraStepLoop(Counting, IterBasedTrainLoop):
    '''Each iteration first takes one extra optimizer step on the same batch (its loss
    weighted by extra_weight), then the usual one.'''

    def __init__(self, runner, dataloader, max_iters, extra_weight=1.0, **kwargs):
        super().__init__(runner, dataloader, max_iters, **kwargs)
        self.extra_weight = extra_weight

    def run_iter(self, data_batch):
        model = self.runner.model
        wrapper = self.runner.optim_wrapper
        with wrapper.optim_context(model):
            data = model.data_preprocessor(data_batch, True)
            losses = model._run_forward(data, mode='loss')
        loss, _ = model.parse_losses(losses)
        wrapper.update_params(loss * self.extra_weight)
        self.extra_steps += 1
        super().run_iter(data_batch)


@LOOPS.register_module()
class CountingValLoop(ValLoop):
    '''Counts the batches it evaluated.'''

    seen = 0

    def run_iter(self, idx, data_batch):
        self.seen += 1
        super().run_iter(idx, data_batch)
"""

VISUALIZATION_PY = """
import json
import os
import os.path as osp

from mmengine.visualization import BaseVisBackend, Visualizer

from {scope}.registry import VISBACKENDS, VISUALIZERS


@VISBACKENDS.register_module()
class JsonLinesVisBackend(BaseVisBackend):
    '''Writes each scalar dict as one JSON line of <save_dir>/scalars.jsonl.'''

    def _init_env(self):
        os.makedirs(self._save_dir, exist_ok=True)
        self._path = osp.join(self._save_dir, 'scalars.jsonl')

    @property
    def experiment(self):
        return self

    def add_config(self, config, **kwargs):
        self._init_env()
        with open(osp.join(self._save_dir, 'config_seen.txt'), 'w') as f:
            f.write(type(config).__module__ + '.' + type(config).__name__)

    def add_scalars(self, scalar_dict, step=0, file_path=None, **kwargs):
        self._init_env()
        with open(self._path, 'a') as f:
            values = {k: float(v) for k, v in scalar_dict.items()}
            f.write(json.dumps(dict(step=int(step), **values)) + '\\n')


@VISUALIZERS.register_module()
class TinyVisualizer(Visualizer):
    '''A downstream visualizer: counts the scalar dicts passed through it.'''

    def __init__(self, name='visualizer', **kwargs):
        super().__init__(name=name, **kwargs)
        self.scalar_calls = 0

    def add_scalars(self, scalar_dict, step=0, file_path=None, **kwargs):
        self.scalar_calls += 1
        super().add_scalars(scalar_dict, step=step, file_path=file_path, **kwargs)
"""

FILES = {
    "__init__.py": "",
    "registry.py": REGISTRY_PY,
    "models.py": MODELS_PY,
    "transforms.py": TRANSFORMS_PY,
    "hooks.py": HOOKS_PY,
    "metrics.py": METRICS_PY,
    "datasets.py": DATASETS_PY,
    "task_utils.py": TASK_UTILS_PY,
    "schedulers.py": SCHEDULERS_PY,
    "base_datasets.py": BASE_DATASETS_PY,
    "optim_constructors.py": OPTIM_CONSTRUCTORS_PY,
    "loops.py": LOOPS_PY,
    "visualization.py": VISUALIZATION_PY,
}


def write_downstream(where: Path, name: str) -> Path:
    """Write the downstream package ``name`` (also its scope) under ``where``."""
    pkg = where / name
    pkg.mkdir(parents=True)
    for rel, text in FILES.items():
        (pkg / rel).write_text(textwrap.dedent(text).replace("{scope}", name))
    return pkg


@pytest.fixture
def make_downstream(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MakeDownstream]:
    """Write a fresh ``mydown_<n>`` package on sys.path; returns its name (= its scope)."""
    monkeypatch.syspath_prepend(str(tmp_path))
    made: list[str] = []

    def make() -> str:
        name = f"mydown_{next(_names)}"
        write_downstream(tmp_path, name)
        made.append(name)
        return name

    yield make
    for mod in list(sys.modules):
        if any(mod == n or mod.startswith(n + ".") for n in made):
            del sys.modules[mod]


_ENGINE_GLOBALS = (
    ("mmengine.registry.default_scope", "DefaultScope"),
    ("mmengine.logging.message_hub", "MessageHub"),
    ("mmengine.logging.logger", "MMLogger"),
    ("mmengine.visualization.visualizer", "Visualizer"),
)


def _engine_global_tables() -> dict[type, Any]:
    """Copies of the instance tables of mmengine's global classes imported so far."""
    tables: dict[type, Any] = {}
    for module, name in _ENGINE_GLOBALS:
        if module in sys.modules:
            cls = getattr(sys.modules[module], name)
            tables[cls] = cls._instance_dict.copy()
    return tables


@pytest.fixture(autouse=True)
def _bridge_active() -> Iterator[None]:
    """The bridge installed (mmengine is a dev dependency), mmlight's global state restored."""
    import mmengine.registry  # noqa: F401  (the import activates the bridge)

    assert bridge.is_active() or bridge.activate()
    saved_scopes = DefaultScope._instance_dict.copy()
    saved_engine_tables = _engine_global_tables()
    saved_run_globals = dict(bridge._run_globals)
    children = {
        name: dict(reg.children)
        for name, reg in vars(root).items()
        if isinstance(reg, root.Registry)
    }
    yield
    DefaultScope._instance_dict = saved_scopes
    # mmengine's current scope/hub/logger/visualizer: a Runner (mmengine's or mmlight's, which
    # shares its globals) would otherwise leave its scope in force for the next test's builds
    for cls, table in _engine_global_tables().items():
        cls._instance_dict = saved_engine_tables.get(cls, type(table)())  # type: ignore[attr-defined]
    bridge._run_globals.clear()
    bridge._run_globals.update(saved_run_globals)
    for name, before in children.items():
        reg = getattr(root, name)
        reg.children.clear()
        reg.children.update(before)
    bridge.activate()  # a test may have deactivated it

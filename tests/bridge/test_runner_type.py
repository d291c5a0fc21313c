"""A repo's own ``tools/train.py``, written against mmengine, trains on mmlight's Runner with a
config change only: ``runner_type='MMLightRunner'`` plus ``custom_imports`` of ``mmlight.bridge``.

The script and the repo's code (an mmengine model and dataset registered in mmengine's
registries) run in a fresh interpreter, as ``python tools/train.py CONFIG`` would.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.interop

ROOT = Path(__file__).resolve().parents[2]

TRAIN_PY = """
# tools/train.py of an OpenMMLab-style repo, reduced to what it does with the config
import json
import sys

from mmengine.config import Config
from mmengine.runner import Runner
from mmengine.registry import RUNNERS

cfg = Config.fromfile(sys.argv[1])
cfg.work_dir = sys.argv[2]
if 'runner_type' not in cfg:
    runner = Runner.from_cfg(cfg)
else:
    runner = RUNNERS.build(cfg)
runner.train()

from mmengine.logging import MessageHub
model = runner.model.module if hasattr(runner.model, 'module') else runner.model
print(json.dumps(dict(
    runner=f'{type(runner).__module__}.{type(runner).__name__}',
    config=f'{type(runner.cfg).__module__}.{type(runner.cfg).__name__}',
    filename=runner.cfg.filename,
    text_kept='runner_type' in runner.cfg.text,
    iter=runner.iter,
    loss=float(MessageHub.get_current_instance().get_scalar('train/loss').current()),
    weights={k: v.tolist() for k, v in model.state_dict().items()},
)))
"""

REPO_MODELS_PY = """
import torch
import torch.nn.functional as F
from torch import nn
from mmengine.model import BaseModel
from mmengine.registry import DATASETS, MODELS


@MODELS.register_module()
class RepoToyModel(BaseModel):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(2, 1)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        out = self.linear(torch.stack(inputs)).squeeze(1)
        if mode == 'loss':
            return dict(loss=F.mse_loss(out, torch.tensor(data_samples)))
        return out


@DATASETS.register_module()
class RepoToyDataset:
    def __len__(self):
        return 12

    def __getitem__(self, i):
        return dict(inputs=torch.tensor([i / 12, 1.0]), data_samples=float(i % 3))
"""

CONFIG_PY = """
custom_imports = dict(imports=['repo_models'{bridge}], allow_failed_imports=False)
{runner_type}
model = dict(type='RepoToyModel')
train_dataloader = dict(
    dataset=dict(type='RepoToyDataset'),
    sampler=dict(type='DefaultSampler', shuffle=True),
    batch_size=4,
)
train_cfg = dict(by_epoch=True, max_epochs=2)
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1))
default_hooks = dict(checkpoint=dict(type='CheckpointHook', interval=1))
randomness = dict(seed=3)
log_level = 'DEBUG'
"""


def _train(tmp_path: Path, name: str, on_lightning: bool) -> dict:
    repo = tmp_path / "repo"
    repo.mkdir(exist_ok=True)
    (repo / "repo_models.py").write_text(textwrap.dedent(REPO_MODELS_PY))
    (repo / "train.py").write_text(textwrap.dedent(TRAIN_PY))
    config = repo / f"{name}.py"
    config.write_text(
        CONFIG_PY.format(
            bridge=", 'mmlight.bridge'" if on_lightning else "",
            runner_type="runner_type = 'MMLightRunner'" if on_lightning else "",
        )
    )
    result = subprocess.run(
        [sys.executable, str(repo / "train.py"), str(config), str(tmp_path / name)],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": f"{ROOT}:{repo}", "PATH": "/usr/bin:/bin"},
        cwd=repo,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    out: dict = json.loads(result.stdout.strip().splitlines()[-1])
    out["log"] = "\n".join(p.read_text() for p in (tmp_path / name).glob("*/*.log"))
    return out


def test_tools_train_with_runner_type_trains_on_mmlight(tmp_path: Path) -> None:
    on_lightning = _train(tmp_path, "on_lightning", on_lightning=True)
    on_mmengine = _train(tmp_path, "on_mmengine", on_lightning=False)

    assert on_lightning["runner"] == "mmlight.runner.runner.Runner"
    assert on_lightning["config"] == "mmlight.config.config.Config"
    assert on_lightning["filename"].endswith("on_lightning.py")
    assert on_lightning["text_kept"]
    assert on_lightning["iter"] == on_mmengine["iter"] == 6
    # mmengine's build_runner_from_cfg logs through MMLogger.get_current_instance(): the run's
    assert (
        "An `Runner` instance is built from registry, its implementation can be found "
        "inmmlight.runner.runner"  # (sic: mmengine's words)
    ) in on_lightning["log"]
    assert (tmp_path / "on_lightning" / "epoch_2.pth").is_file()
    # the same training as mmengine's Runner on the same config
    assert on_lightning["loss"] == on_mmengine["loss"]
    assert on_lightning["weights"] == on_mmengine["weights"]

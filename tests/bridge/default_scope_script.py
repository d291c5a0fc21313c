"""Run in a subprocess by test_default_scope.py (mmseg's models import ``mmcv.ops``: the
stand-in is on PYTHONPATH there, never in the test process).

mmseg's ``register_all_modules()`` sets mmengine's default scope; mmlight's lookups outside a
Runner must see it: ``MODELS.build`` of mmseg's ``EncoderDecoder`` and mmengine's
``test_load_model_from_meta`` (adapted from mmdet to mmseg) on mmlight's ``BaseInferencer``.
Prints one ``name=value`` line per check.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import torch

from mmlight.dataset import Compose
from mmlight.infer import BaseInferencer
from mmlight.registry import MODELS, TRANSFORMS, DefaultScope

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "infer"))  # (another `tests` shadows)
from _toys import (
    CONFIG_TEXT,
    make_inferencer_class,
    register_toys,
    write_checkpoint,
)
from mmseg.utils import register_all_modules

assert DefaultScope.get_current_instance() is None
register_all_modules()
current = DefaultScope.get_current_instance()
print(f"scope={current.scope_name if current is not None else None}")

norm = dict(type="BN", requires_grad=True)
model = MODELS.build(
    dict(
        type="EncoderDecoder",
        backbone=dict(type="ResNetV1c", depth=18, num_stages=4, out_indices=(3,),
                      norm_cfg=norm, contract_dilation=True),
        decode_head=dict(type="FCNHead", in_channels=512, in_index=0, channels=16,
                         num_convs=1, num_classes=3, norm_cfg=norm, align_corners=False,
                         loss_decode=dict(type="CrossEntropyLoss", use_sigmoid=False,
                                          loss_weight=1.0)),
        train_cfg=dict(), test_cfg=dict(mode="whole"),
    )
)
print(f"model={type(model).__module__}.{type(model).__name__}")
print(f"head_loss={type(model.decode_head.loss_decode).__module__}")
with torch.no_grad():
    out = model.eval()(torch.zeros(1, 3, 64, 64), mode="tensor")
print(f"logit_channels={out.shape[1]}")

# mmengine's tests/test_infer/test_infer.py::test_load_model_from_meta, mmdet -> mmseg
register_toys(MODELS, TRANSFORMS)
TinySegInferencer = make_inferencer_class(BaseInferencer, Compose)
with tempfile.TemporaryDirectory() as tmp:
    cfg_path = Path(tmp) / "tiny_cfg.py"
    cfg_path.write_text(CONFIG_TEXT)
    ckpt = Path(tmp) / "tiny.pth"
    write_checkpoint(ckpt)
    inferencer = TinySegInferencer(str(cfg_path), str(ckpt), device="cpu")
    print(f"inferencer_scope={inferencer.scope}")
    cfg, weights = inferencer._load_model_from_metafile("fcn_r18-d8_4xb2-80k_cityscapes-512x1024")
    print(f"metafile_model={cfg.model.type} weights_https={weights.startswith('https://')}")
    try:
        inferencer._load_model_from_metafile("fake_model")
    except ValueError as err:
        print(f"fake_model={'Cannot find model' in str(err)}")
sys.stdout.flush()

"""The same model scenarios under mmengine.model and mmlight.model must give identical numbers."""

from collections import OrderedDict, namedtuple
from types import ModuleType
from typing import Any

import pytest
import torch
import torch.nn.functional as F
from torch import nn

mmengine = pytest.importorskip("mmengine")

import mmengine.model as mm_model  # noqa: E402
from mmengine.optim import OptimWrapper  # noqa: E402

import mmlight.model as ml_model  # noqa: E402

LIBS = {"mmengine": mm_model, "mmlight": ml_model}


# ---- init_weights ---------------------------------------------------------------------------


def make_net(lib: ModuleType, net_cfg: Any, block_cfg: Any, seq_cfg: Any, list_cfg: Any):
    """Build the same network on ``lib``'s BaseModule family; records the init-info table."""

    class Block(lib.BaseModule):
        def __init__(self, init_cfg=None):
            super().__init__(init_cfg)
            self.conv1 = nn.Conv2d(3, 8, 3)
            self.bn = nn.BatchNorm2d(8)
            self.conv2 = nn.Conv2d(8, 8, 1, bias=False)
            self.gn = nn.GroupNorm(2, 8)

    class Net(lib.BaseModule):
        def __init__(self):
            super().__init__(net_cfg)
            self.stem = nn.Conv2d(3, 3, 1)
            self.backbone = Block(block_cfg)
            self.neck = lib.Sequential(nn.Linear(8, 8), nn.Linear(8, 4), init_cfg=seq_cfg)
            self.heads = lib.ModuleList([nn.Linear(4, 2), nn.Linear(4, 3)], init_cfg=list_cfg)
            self.reg = nn.Linear(4, 4)
            self.cls = nn.Linear(4, 10)
            self.recorded: dict[str, str] = {}

        def _dump_init_info(self):
            self.recorded = {
                name: self._params_init_info[p]["init_info"] for name, p in self.named_parameters()
            }

    return Net()


INIT_SCENARIOS = {
    "single": (dict(type="Kaiming", layer="Conv2d"), None, None, None),
    "list": (
        [
            dict(type="Normal", layer="Linear", std=0.01),
            dict(type="Xavier", layer="Conv2d", distribution="uniform", gain=2),
        ],
        None,
        None,
        None,
    ),
    "layer_list": (
        dict(type="Uniform", layer=["Conv2d", "Linear"], a=-0.5, b=0.5),
        None,
        None,
        None,
    ),
    "override_with_type": (
        dict(
            type="Constant",
            layer="Conv2d",
            val=1,
            bias=2,
            override=dict(type="Normal", name="reg", std=0.02, bias=0.1),
        ),
        None,
        None,
        None,
    ),
    "override_name_only_and_list": (
        dict(
            type="Caffe2Xavier",
            layer="Conv2d",
            bias=0.3,
            override=[
                dict(name="cls"),
                dict(name="reg", type="TruncNormal", std=0.02, a=-0.03, b=0.03),
            ],
        ),
        None,
        None,
        None,
    ),
    "nested_own_init_cfg": (
        dict(type="Kaiming", layer=["Conv2d", "Linear"], mode="fan_in", distribution="uniform"),
        dict(type="TruncNormal", layer="Conv2d", std=0.1),
        dict(type="Constant", layer="Linear", val=0.5),
        dict(type="Normal", layer="Linear", mean=1, std=2),
    ),
    "bias_prob": (
        dict(
            type="Normal",
            layer="Linear",
            std=0.01,
            bias_prob=0.01,
            override=dict(name="cls", type="Normal", std=0.01, bias_prob=0.05),
        ),
        None,
        None,
        None,
    ),
    "base_class_names": (
        [
            dict(type="Kaiming", layer="Conv2d"),
            dict(type="Constant", layer=["_BatchNorm", "GroupNorm"], val=1, bias=0),
        ],
        None,
        None,
        None,
    ),
    "trunc_normal_whole": (
        dict(type="TruncNormal", layer="Linear", mean=0.1, std=0.5),
        None,
        None,
        None,
    ),
}


def _init_both(*cfgs: Any) -> dict[str, Any]:
    nets = {}
    for name, lib in LIBS.items():
        torch.manual_seed(0)
        net = make_net(lib, *cfgs)
        net.init_weights()
        nets[name] = net
    return nets


def _assert_same_weights(a: nn.Module, b: nn.Module) -> None:
    sa, sb = a.state_dict(), b.state_dict()
    assert list(sa) == list(sb)
    for key in sa:
        assert torch.equal(sa[key], sb[key]), key


def _assert_same_init_info(a: dict[str, str], b: dict[str, str]) -> None:
    # mmlight drops the stray space mmengine prints in KaimingInit's "distribution =" text
    assert {k: v.replace("distribution =", "distribution=") for k, v in a.items()} == b


@pytest.mark.parametrize("scenario", sorted(INIT_SCENARIOS))
def test_init_weights_same_weights_and_init_info(scenario):
    nets = _init_both(*INIT_SCENARIOS[scenario])
    _assert_same_weights(nets["mmengine"], nets["mmlight"])
    _assert_same_init_info(nets["mmengine"].recorded, nets["mmlight"].recorded)
    assert nets["mmlight"].recorded  # the table was filled


def test_pretrained_with_and_without_prefix(tmp_path):
    torch.manual_seed(1)
    source = make_net(ml_model, None, None, None, None)
    full = OrderedDict(("module." + k, v + 0.25) for k, v in source.state_dict().items())
    torch.save(full, tmp_path / "whole.pth")
    wrapped = OrderedDict(
        ("model." + k, v * 2) for k, v in source.state_dict().items() if k.startswith("backbone.")
    )
    torch.save({"state_dict": wrapped, "meta": {}}, tmp_path / "parts.pth")
    cfgs = (
        [
            dict(type="Pretrained", checkpoint=str(tmp_path / "whole.pth")),
            dict(type="Kaiming", layer="Conv2d"),
        ],
        dict(type="Pretrained", checkpoint=str(tmp_path / "parts.pth"), prefix="model.backbone"),
        dict(type="Constant", layer="Linear", val=3),
        None,
    )
    nets = _init_both(*cfgs)
    _assert_same_weights(nets["mmengine"], nets["mmlight"])
    _assert_same_init_info(nets["mmengine"].recorded, nets["mmlight"].recorded)


def test_functional_initializers_draw_the_same_numbers():
    names = [
        "constant_init",
        "xavier_init",
        "normal_init",
        "trunc_normal_init",
        "uniform_init",
        "kaiming_init",
        "caffe2_xavier_init",
    ]
    args: dict[str, tuple] = {"constant_init": (0.3,)}
    for fn in names:
        results = []
        for lib in LIBS.values():
            torch.manual_seed(5)
            layer = nn.Conv2d(4, 6, 3)
            getattr(lib, fn)(layer, *args.get(fn, ()))
            results.append(layer.state_dict())
        for key in results[0]:
            assert torch.equal(results[0][key], results[1][key]), (fn, key)
    for prob in (0.01, 0.1, 0.5, 0.9):
        assert mm_model.bias_init_with_prob(prob) == ml_model.bias_init_with_prob(prob)


# ---- parse_losses ---------------------------------------------------------------------------


def make_toy(lib: ModuleType, data_preprocessor: Any = None):
    class Toy(lib.BaseModel):
        def __init__(self):
            super().__init__(
                data_preprocessor=data_preprocessor, init_cfg=dict(type="Kaiming", layer="Conv2d")
            )
            self.conv = nn.Conv2d(3, 4, 3)
            self.fc = nn.Linear(4, 3)

        def forward(self, inputs, data_samples=None, mode="tensor"):
            feat = self.conv(inputs).mean((2, 3))
            logits = self.fc(feat)
            if mode == "loss":
                target = torch.stack(data_samples)
                return dict(
                    loss_cls=F.cross_entropy(logits, target),
                    acc=(logits.argmax(1) == target).float().mean(),
                    loss_aux=[logits.pow(2).mean(), feat.abs()],
                )
            if mode == "predict":
                return list(logits)
            return logits

    return Toy()


LOSS_CASES = [
    dict(loss=torch.tensor([1.0, 2.0, 4.0])),
    dict(
        loss_cls=torch.rand(4, 3), acc=torch.tensor(0.75), loss_bbox=[torch.rand(2), torch.rand(5)]
    ),
    dict(acc=torch.tensor(1.0), top_k=torch.rand(3)),  # nothing to optimise: loss is 0
    dict(loss_empty=[], aux_loss_x=torch.tensor(2.0), my_loss_y=torch.rand(2, 2)),
]


@pytest.mark.parametrize("case", range(len(LOSS_CASES)))
def test_parse_losses_same_outputs(case):
    torch.manual_seed(0)
    losses = LOSS_CASES[case]
    out = {name: make_toy(lib).parse_losses(losses) for name, lib in LIBS.items()}
    (mm_loss, mm_vars), (ml_loss, ml_vars) = out["mmengine"], out["mmlight"]
    assert type(mm_loss) is type(ml_loss)
    assert torch.equal(torch.as_tensor(mm_loss), torch.as_tensor(ml_loss))
    assert type(mm_vars) is type(ml_vars)
    assert list(mm_vars) == list(ml_vars)
    for key in mm_vars:
        assert torch.equal(torch.as_tensor(mm_vars[key]), torch.as_tensor(ml_vars[key])), key


@pytest.mark.parametrize(
    "bad", [dict(loss=1.0), dict(loss=(torch.tensor(1.0),)), dict(loss=[torch.tensor(1.0), 2.0])]
)
def test_parse_losses_same_error_type(bad):
    for lib in LIBS.values():
        with pytest.raises(TypeError, match="loss is not a tensor or list of tensors"):
            make_toy(lib).parse_losses(bad)


# ---- preprocessors --------------------------------------------------------------------------


PREPROCESSOR_CFGS = [
    dict(),
    dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], bgr_to_rgb=True),
    dict(mean=[127.5], std=[127.5], pad_size_divisor=32, pad_value=-1),
    dict(mean=[1, 2, 3], std=[3, 2, 1], rgb_to_bgr=True, pad_size_divisor=5, pad_value=0.5),
]


def _images() -> list[torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    return [
        torch.randint(0, 256, (3, h, w), generator=g, dtype=torch.uint8)
        for h, w in [(7, 9), (10, 4), (3, 3)]
    ]


@pytest.mark.parametrize("cfg", PREPROCESSOR_CFGS)
@pytest.mark.parametrize("as_batch", [False, True])
def test_img_data_preprocessor_same_outputs(cfg, as_batch):
    images = _images()
    inputs = torch.stack([img[:, :3, :3] for img in images]) if as_batch else images
    outs = []
    for lib in LIBS.values():
        pre = lib.ImgDataPreprocessor(**cfg)
        data = {"inputs": inputs, "data_samples": ["a", "b", "c"]}
        outs.append(pre(data, training=True))
    assert torch.equal(outs[0]["inputs"], outs[1]["inputs"])
    assert outs[0]["inputs"].dtype == outs[1]["inputs"].dtype
    assert outs[0]["data_samples"] == outs[1]["data_samples"]


def test_img_data_preprocessor_gray_list():
    images = [torch.rand(1, 5, 6) * 255, torch.rand(1, 2, 8) * 255]
    outs = [
        lib.ImgDataPreprocessor(mean=[100.0], std=[50.0], pad_size_divisor=4)({"inputs": images})
        for lib in LIBS.values()
    ]
    assert torch.equal(outs[0]["inputs"], outs[1]["inputs"])
    assert outs[0]["data_samples"] is None and outs[1]["data_samples"] is None


@pytest.mark.parametrize(
    ("shapes", "divisor", "value"),
    [
        ([(3, 4, 4), (3, 4, 4)], 1, 0),
        ([(3, 4, 5), (3, 6, 2), (3, 1, 1)], 1, 0),
        ([(3, 4, 5), (3, 6, 2)], 8, 2.5),
        ([(2, 3), (2, 7)], 3, -1),
        ([(1, 2, 3, 4), (1, 4, 3, 2)], 2, 1),
    ],
)
def test_stack_batch_same_outputs(shapes, divisor, value):
    tensors = [torch.rand(*s) for s in shapes]
    a = mm_model.stack_batch(tensors, divisor, value)
    b = ml_model.stack_batch(tensors, divisor, value)
    assert torch.equal(a, b)


def _same_structure(a: Any, b: Any) -> None:
    assert type(a) is type(b)
    if isinstance(a, dict):
        assert list(a) == list(b)
        for key in a:
            _same_structure(a[key], b[key])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _same_structure(x, y)
    elif isinstance(a, torch.Tensor):
        assert torch.equal(a, b)
    else:
        assert a == b


def test_base_data_preprocessor_cast_same_structure():
    Pair = namedtuple("Pair", ["x", "y"])
    data = {
        "inputs": [torch.rand(2), (torch.rand(1), "name", None)],
        "meta": OrderedDict(a=1, b=b"raw", c=Pair(torch.ones(1), [3.5])),
    }
    outs = [lib.BaseDataPreprocessor()(data) for lib in LIBS.values()]
    _same_structure(outs[0], outs[1])


# ---- train_step / val_step with mmengine's OptimWrapper -------------------------------------


def _batches() -> list[dict[str, Any]]:
    g = torch.Generator().manual_seed(3)
    batches = []
    for _ in range(3):
        sizes = [(8, 9), (6, 11)]
        inputs = [
            torch.randint(0, 256, (3, h, w), generator=g, dtype=torch.uint8) for h, w in sizes
        ]
        labels = [torch.randint(0, 3, (), generator=g) for _ in sizes]
        batches.append({"inputs": inputs, "data_samples": labels})
    return batches


def test_three_train_steps_same_losses_and_weights():
    pre_cfg = dict(
        type="ImgDataPreprocessor",
        mean=[120.0, 110.0, 100.0],
        std=[60.0, 55.0, 50.0],
        bgr_to_rgb=True,
        pad_size_divisor=4,
    )
    models, logs = {}, {}
    for name, lib in LIBS.items():
        torch.manual_seed(0)
        model = make_toy(lib, dict(pre_cfg))
        model.init_weights()
        wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9))
        logs[name] = [model.train_step(batch, wrapper) for batch in _batches()]
        models[name] = model
    assert type(models["mmlight"].data_preprocessor) is ml_model.ImgDataPreprocessor
    assert type(models["mmengine"].data_preprocessor) is mm_model.ImgDataPreprocessor
    for mm_vars, ml_vars in zip(logs["mmengine"], logs["mmlight"]):
        assert list(mm_vars) == list(ml_vars) == ["loss", "loss_cls", "acc", "loss_aux"]
        for key in mm_vars:
            assert torch.equal(mm_vars[key], ml_vars[key]), key
    _assert_same_weights(models["mmengine"], models["mmlight"])
    batch = _batches()[0]
    preds = [m.val_step(batch) for m in models.values()]
    tests = [m.test_step(batch) for m in models.values()]
    for a, b in zip(preds[0] + tests[0], preds[1] + tests[1]):
        assert torch.equal(a, b)


# ---- API surface ----------------------------------------------------------------------------

# every public name of mmengine.model is in mmlight.model
NOT_YET: set[str] = set()
# deliberate: Caffe2XavierInit spells out the keyword arguments mmengine hides in **kwargs;
# is_model_wrapper's registry default is None (= MODEL_WRAPPERS, looked up when called)
DIFFERENT_SIGNATURE = {"Caffe2XavierInit", "is_model_wrapper"}


def _named_params(obj: Any) -> list[tuple[str, str, Any]]:
    import inspect

    params = inspect.signature(obj).parameters.values()
    return [(p.name, p.kind.name, p.default) for p in params if p.kind is not p.VAR_KEYWORD]


def test_public_names_and_signatures_match_mmengine():
    assert set(mm_model.__all__) - set(ml_model.__all__) == NOT_YET
    assert set(ml_model.__all__) <= set(mm_model.__all__)
    for name in sorted(set(mm_model.__all__) & set(ml_model.__all__) - DIFFERENT_SIGNATURE):
        ours, theirs = getattr(ml_model, name), getattr(mm_model, name)
        assert _named_params(ours) == _named_params(theirs), name

import functools
import http.server
import threading
from collections import OrderedDict

import numpy as np
import pytest
import torch
from torch import nn

from mmlight.model import (
    Caffe2XavierInit,
    ConstantInit,
    KaimingInit,
    NormalInit,
    PretrainedInit,
    TruncNormalInit,
    UniformInit,
    XavierInit,
    bias_init_with_prob,
    initialize,
)
from mmlight.registry import WEIGHT_INITIALIZERS
from mmlight.runner.checkpoint import UnsafeCheckpointError


class FooNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.feat = nn.Conv2d(1, 2, 1)
        self.reg = nn.Conv2d(2, 2, 1)
        self.cls = nn.Sequential(nn.Conv1d(2, 2, 1), nn.Linear(2, 2))


def _all(t: torch.Tensor, value: float) -> bool:
    return bool(torch.all(t == value))


def test_initializers_are_registered_under_mmengine_names():
    expected = {
        "Constant": ConstantInit,
        "Xavier": XavierInit,
        "Normal": NormalInit,
        "TruncNormal": TruncNormalInit,
        "Uniform": UniformInit,
        "Kaiming": KaimingInit,
        "Caffe2Xavier": Caffe2XavierInit,
        "Pretrained": PretrainedInit,
    }
    for name, cls in expected.items():
        assert WEIGHT_INITIALIZERS.get(name) is cls


def test_layer_selects_by_class_name():
    model = FooNet()
    initialize(model, dict(type="Constant", layer="Conv2d", val=1, bias=2))
    assert _all(model.feat.weight, 1) and _all(model.reg.bias, 2)
    assert not _all(model.cls[1].weight, 1)


def test_layer_list_and_cfg_list_apply_in_order():
    model = FooNet()
    initialize(
        model,
        [
            dict(type="Constant", layer=["Conv2d", "Linear"], val=1),
            dict(type="Constant", layer="Linear", val=4),
        ],
    )
    assert _all(model.feat.weight, 1) and _all(model.cls[1].weight, 4)
    assert not _all(model.cls[0].weight, 1)


def test_layer_matches_direct_base_class_names():
    class MyConv(nn.Conv2d):
        pass

    model = nn.Sequential(MyConv(1, 1, 1))
    initialize(model, dict(type="Constant", layer="Conv2d", val=7))
    assert _all(model[0].weight, 7)


def test_override_with_own_type_initialises_the_whole_named_child():
    model = FooNet()
    initialize(
        model,
        dict(
            type="Constant",
            layer="Conv2d",
            val=1,
            bias=2,
            override=dict(type="Constant", name="cls", val=3, bias=4),
        ),
    )
    # the override ignores `layer`: Conv1d and Linear inside cls are both set
    assert _all(model.cls[0].weight, 3) and _all(model.cls[1].bias, 4)
    assert _all(model.reg.weight, 1)


def test_override_with_only_name_reuses_outer_cfg_without_layer():
    model = FooNet()
    initialize(
        model,
        dict(type="Constant", layer="Conv2d", val=5, bias=6, override=[dict(name="cls")]),
    )
    assert _all(model.cls[1].weight, 5) and _all(model.cls[1].bias, 6)


def test_shared_cfg_is_not_mutated():
    cfg = dict(type="Constant", val=1, layer="Conv2d", override=dict(name="cls"))
    snapshot = repr(cfg)
    initialize(FooNet(), cfg)
    initialize(FooNet(), [cfg])
    assert repr(cfg) == snapshot


def test_bias_prob_sets_prior_bias():
    model = FooNet()
    initialize(model, dict(type="Normal", layer="Conv2d", std=0.01, bias_prob=0.01))
    assert torch.allclose(model.reg.bias, torch.full((2,), bias_init_with_prob(0.01)))


@pytest.mark.parametrize(
    ("cfg", "exc", "match"),
    [
        (5, TypeError, r"init_cfg must be a dict or a list of dicts, but got 5 \(int\)"),
        ([5], TypeError, r"each entry of init_cfg must be a dict, but got 5"),
        (
            dict(type="Constant", val=1, override=dict(val=2, type="Constant")),
            ValueError,
            "has no 'name' key",
        ),
        (
            dict(type="Constant", val=1, override=dict(name="reg", val=2)),
            ValueError,
            r"override for 'reg' sets \['val'\] but no 'type'",
        ),
        (
            dict(type="Constant", val=1, override=dict(name="regg")),
            RuntimeError,
            r"names 'regg', but FooNet has no such attribute .*did you mean 'reg'\?",
        ),
        (
            dict(type="Constant", val=1, override="reg"),
            TypeError,
            "override must be a dict or a list of dicts",
        ),
        (dict(type="Constant", val=1, bias="0"), TypeError, "ConstantInit: bias must be a number"),
        (
            dict(type="Normal", bias_prob=1),
            TypeError,
            r"NormalInit: bias_prob must be a float.*got 1 \(int\)",
        ),
        (dict(type="Normal", layer=3), TypeError, "NormalInit: layer must be a layer type name"),
        (dict(type="Xavier", distribution="x"), ValueError, "XavierInit: distribution must be"),
        (
            dict(type="Kaiming", layerr="Conv2d"),
            TypeError,
            r"KaimingInit got unexpected init_cfg argument\(s\) 'layerr' \(did you mean 'layer'\?\)"
            r"; it accepts \['a', 'mode', 'nonlinearity', 'distribution', 'bias'",
        ),
        (dict(type="Caffe2Xavier", bais=1), TypeError, r"'bais' \(did you mean 'bias'\?\)"),
    ],
)
def test_bad_init_cfg_messages(cfg, exc, match):
    with pytest.raises(exc, match=match):
        initialize(FooNet(), cfg)


def test_unknown_initializer_type_is_a_key_error():
    with pytest.raises(KeyError, match="Kaming"):
        initialize(FooNet(), dict(type="Kaming"))


def test_init_info_strings():
    assert ConstantInit(val=1)._get_init_info() == "ConstantInit: val=1, bias=0"
    assert KaimingInit()._get_init_info() == (
        "KaimingInit: a=0, mode=fan_out, nonlinearity=relu, distribution=normal, bias=0"
    )
    assert Caffe2XavierInit()._get_init_info().startswith("Caffe2XavierInit: a=1, mode=fan_in")
    assert PretrainedInit("x.pth")._get_init_info() == "PretrainedInit: load from x.pth"


# ---- Pretrained ----------------------------------------------------------------------------


def _weights_of(model: nn.Module, value: float) -> OrderedDict:
    sd = model.state_dict()
    return OrderedDict((k, torch.full_like(v, value)) for k, v in sd.items())


def test_pretrained_loads_plain_state_dict_and_strips_module_prefix(tmp_path):
    src = FooNet()
    sd = OrderedDict(("module." + k, v) for k, v in _weights_of(src, 0.25).items())
    path = tmp_path / "w.pth"
    torch.save(sd, path)
    model = FooNet()
    initialize(model, dict(type="Pretrained", checkpoint=str(path)))
    assert all(_all(v, 0.25) for v in model.state_dict().values())


def test_pretrained_reads_state_dict_key_and_prefix(tmp_path):
    full = OrderedDict(("backbone." + k, v) for k, v in _weights_of(FooNet(), 1.5).items())
    full["head.w"] = torch.zeros(1)
    path = tmp_path / "ckpt.pth"
    torch.save({"state_dict": full, "meta": {"epoch": 3}}, path)
    model = FooNet()
    initialize(model, dict(type="Pretrained", checkpoint=str(path), prefix="backbone"))
    assert all(_all(v, 1.5) for v in model.state_dict().values())


def test_pretrained_through_fsspec_memory_filesystem():
    import fsspec

    with fsspec.open("memory://weights/foo.pth", "wb") as f:
        torch.save(_weights_of(FooNet(), 2.0), f)
    model = FooNet()
    PretrainedInit("memory://weights/foo.pth")(model)
    assert _all(model.reg.weight, 2.0)


def test_pretrained_is_tolerant_and_logs_mismatches(tmp_path, mm_log):
    sd = _weights_of(FooNet(), 3.0)
    sd["feat.weight"] = torch.zeros(5, 5)  # wrong shape
    sd["extra.weight"] = torch.zeros(1)
    del sd["reg.bias"]
    path = tmp_path / "w.pth"
    torch.save(sd, path)
    model = FooNet()
    PretrainedInit(str(path))(model)
    assert _all(model.reg.weight, 3.0)
    assert not _all(model.feat.weight, 0.0)
    text = mm_log.text
    assert "do not match exactly" in text
    assert "size mismatch for feat.weight" in text
    assert "unexpected key in source state_dict: extra.weight" in text
    assert "missing keys in source state_dict: reg.bias" in text


def test_pretrained_refuses_arbitrary_pickles_as_load_from_does(tmp_path):
    path = tmp_path / "train.pth"
    torch.save({"state_dict": {}, "message_hub": functools.partial(print, 1)}, path)
    with pytest.raises(UnsafeCheckpointError, match=rf"{path}.*functools\.partial"):
        PretrainedInit(str(path))(FooNet())


def test_pretrained_reads_training_checkpoints_through_the_allow_list(tmp_path):
    """A training checkpoint (numpy values in its meta and message hub, as mmengine writes
    them) is a model-zoo file like any other; torch's own allow-list refuses numpy."""
    path = tmp_path / "epoch_12.pth"
    meta = {"best_score": np.float64(0.75), "cm": np.eye(3, dtype=np.float32)}
    torch.save({"meta": meta, "state_dict": _weights_of(FooNet(), 0.5)}, path)
    with pytest.raises(Exception, match="numpy"):
        torch.load(path, weights_only=True)
    model = FooNet()
    PretrainedInit(str(path))(model)
    assert all(_all(v, 0.5) for v in model.state_dict().values())


def test_pretrained_reads_model_zoo_names_from_the_torch_hub_cache(tmp_path, monkeypatch):
    """torchvision:// goes through the one checkpoint loader: the name's URL is found in the
    table and, its file being in torch.hub's cache already, nothing is downloaded."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch_home"))
    cache = tmp_path / "torch_home" / "hub" / "checkpoints"
    cache.mkdir(parents=True)
    torch.save(_weights_of(FooNet(), 2.0), cache / "resnet50-0676ba61.pth")
    model = FooNet()
    PretrainedInit("torchvision://resnet50")(model)
    assert all(_all(v, 2.0) for v in model.state_dict().values())


def test_pretrained_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"'nope.pth' can not be found"):
        PretrainedInit("nope.pth")(FooNet())
    path = tmp_path / "w.pth"
    torch.save({"backbone.x": torch.zeros(1)}, path)
    with pytest.raises(
        ValueError, match=r"no keys starting with prefix 'neck\.'.*\['backbone\.'\]"
    ):
        PretrainedInit(str(path), prefix="neck")(FooNet())
    torch.save([1, 2], path)
    with pytest.raises(TypeError, match="holds a list; expected a state dict"):
        PretrainedInit(str(path))(FooNet())


def test_pretrained_http_download_goes_through_torch_hub_cache(tmp_path, monkeypatch):
    served = tmp_path / "srv"
    served.mkdir()
    torch.save(_weights_of(FooNet(), 4.0), served / "foo.pth")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    handler.log_message = lambda *a, **k: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch_home"))
    try:
        model = FooNet()
        url = f"http://127.0.0.1:{server.server_address[1]}/foo.pth"
        PretrainedInit(url)(model)
    finally:
        server.shutdown()
    assert _all(model.reg.weight, 4.0)
    assert (tmp_path / "torch_home" / "hub" / "checkpoints" / "foo.pth").exists()

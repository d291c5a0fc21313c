import math

import pytest
import torch
from torch import nn

from mmlight.model import (
    bias_init_with_prob,
    caffe2_xavier_init,
    constant_init,
    kaiming_init,
    normal_init,
    trunc_normal_init,
    uniform_init,
    update_init_info,
    xavier_init,
)
from mmlight.model.errors import ModelRuntimeError
from mmlight.model.init_functions import trunc_normal_


def test_constant_init_sets_weight_and_bias():
    conv = nn.Conv2d(3, 4, 3)
    constant_init(conv, 0.5, bias=2)
    assert torch.all(conv.weight == 0.5)
    assert torch.all(conv.bias == 2)


def test_helpers_skip_missing_or_none_bias():
    linear = nn.Linear(3, 4, bias=False)
    constant_init(linear, 1.0, bias=5)
    assert linear.bias is None
    assert torch.all(linear.weight == 1)
    # modules without weight/bias are left alone
    constant_init(nn.ReLU(), 1.0)


def test_normal_uniform_and_xavier_match_torch_with_same_seed():
    for ours, theirs in [
        (lambda m: normal_init(m, 0.5, 0.1), lambda w: nn.init.normal_(w, 0.5, 0.1)),
        (lambda m: uniform_init(m, -2, 3), lambda w: nn.init.uniform_(w, -2, 3)),
        (lambda m: xavier_init(m, gain=2), lambda w: nn.init.xavier_normal_(w, gain=2)),
        (
            lambda m: xavier_init(m, distribution="uniform"),
            lambda w: nn.init.xavier_uniform_(w),
        ),
        (
            lambda m: kaiming_init(m, mode="fan_in", distribution="uniform"),
            lambda w: nn.init.kaiming_uniform_(w, mode="fan_in", nonlinearity="relu"),
        ),
        (
            lambda m: kaiming_init(m),
            lambda w: nn.init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu"),
        ),
    ]:
        a, b = nn.Linear(8, 6), nn.Linear(8, 6)
        torch.manual_seed(3)
        ours(a)
        torch.manual_seed(3)
        theirs(b.weight)
        assert torch.equal(a.weight, b.weight)
        assert torch.all(a.bias == 0)


def test_caffe2_xavier_is_leaky_relu_kaiming_uniform_fan_in():
    a, b = nn.Conv2d(4, 4, 3), nn.Conv2d(4, 4, 3)
    torch.manual_seed(0)
    caffe2_xavier_init(a, bias=1)
    torch.manual_seed(0)
    nn.init.kaiming_uniform_(b.weight, a=1, mode="fan_in", nonlinearity="leaky_relu")
    assert torch.equal(a.weight, b.weight)
    assert torch.all(a.bias == 1)


def test_bad_distribution_is_a_value_error_and_assertion_error():
    with pytest.raises(ValueError, match=r"distribution must be 'uniform' or 'normal'.*'gauss'"):
        xavier_init(nn.Linear(2, 2), distribution="gauss")
    with pytest.raises(AssertionError):
        kaiming_init(nn.Linear(2, 2), distribution="gauss")


def test_bias_init_with_prob_inverts_sigmoid():
    bias = bias_init_with_prob(0.01)
    assert isinstance(bias, float)
    assert math.isclose(1 / (1 + math.exp(-bias)), 0.01)


def test_trunc_normal_stays_in_bounds_and_uses_one_uniform_draw_per_element():
    torch.manual_seed(0)
    t = torch.empty(10000)
    trunc_normal_(t, mean=0.0, std=1.0, a=-0.5, b=1.5)
    after_ours = torch.rand(3)
    assert t.min() >= -0.5 and t.max() <= 1.5
    # inverse-CDF sampling consumes the generator exactly like one uniform_ fill (torch's own
    # rejection sampler does not), which is what makes seeded runs match mmengine
    torch.manual_seed(0)
    torch.empty(10000).uniform_()
    assert torch.equal(torch.rand(3), after_ours)


def test_trunc_normal_init_fills_bias_and_warns_for_far_mean():
    m = nn.Linear(50, 50)
    trunc_normal_init(m, mean=0, std=0.02, a=-0.04, b=0.04, bias=0.3)
    assert m.weight.abs().max() <= 0.04
    assert torch.all(m.bias == 0.3)
    with pytest.warns(UserWarning, match="mean is more than 2 std"):
        trunc_normal_(torch.empty(3), mean=10.0, std=1.0, a=-2.0, b=2.0)


def test_update_init_info_records_changed_params_only():
    model = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2))
    table = {p: {"init_info": "old", "tmp_mean_value": p.data.mean()} for p in model.parameters()}
    for m in model.modules():
        m._params_init_info = table
    constant_init(model[0], 3.0)
    update_init_info(model, "set to 3")
    assert table[model[0].weight]["init_info"] == "set to 3"
    assert table[model[1].weight]["init_info"] == "old"


def test_update_init_info_outside_init_weights_is_explained():
    with pytest.raises(ModelRuntimeError, match=r"only exists while BaseModule.init_weights"):
        update_init_info(nn.Linear(2, 2), "x")


def test_update_init_info_rejects_parameters_added_during_init():
    model = nn.Linear(2, 2)
    model._params_init_info = {model.weight: {"init_info": "", "tmp_mean_value": 0}}
    with pytest.raises(RuntimeError, match="Parameter `bias` of Linear appeared"):
        update_init_info(model, "x")


import pytest
import torch
from torch import nn

from mmlight.model import (
    convert_sync_batchnorm,
    detect_anomalous_params,
    merge_dict,
    revert_sync_batchnorm,
    stack_batch,
)


def test_stack_batch_same_size_is_plain_stack():
    tensors = [torch.ones(3, 4, 4), torch.zeros(3, 4, 4)]
    assert torch.equal(stack_batch(tensors), torch.stack(tensors))


def test_stack_batch_pads_every_dim_but_channels_to_divisor():
    a, b = torch.ones(2, 3, 5), torch.ones(2, 6, 2)
    out = stack_batch([a, b], pad_size_divisor=4, pad_value=7)
    assert out.shape == (2, 2, 8, 8)
    assert torch.all(out[0, :, :3, :5] == 1) and torch.all(out[0, :, 3:, :] == 7)
    assert torch.all(out[1, :, :6, :2] == 1) and torch.all(out[1, :, :, 2:] == 7)


def test_stack_batch_1d_and_4d():
    assert stack_batch([torch.ones(2), torch.ones(2)], 4).shape == (2, 2)  # channel dim only
    out = stack_batch([torch.ones(1, 2, 3, 1), torch.ones(1, 1, 1, 1)], 2)
    assert out.shape == (2, 1, 2, 4, 2)


@pytest.mark.parametrize(
    ("args", "exc", "match"),
    [
        (((torch.ones(1),),), TypeError, "expects a list of tensors, but got tuple"),
        (([],), ValueError, "empty list"),
        (([torch.ones(1, 2), torch.ones(1)],), ValueError, r"same number of dims.*\[2, 1\]"),
        (([torch.ones(1, 2)], 0), ValueError, "pad_size_divisor must be a positive int"),
    ],
)
def test_stack_batch_errors(args, exc, match):
    with pytest.raises(exc, match=match):
        stack_batch(*args)
    with pytest.raises(AssertionError):
        stack_batch(*args)


def test_merge_dict_merges_left_to_right():
    assert merge_dict({"a": 1}, {"b": 2}, {"a": 3}) == {"a": 3, "b": 2}
    assert merge_dict() == {}
    with pytest.raises(TypeError, match="should be dicts, but got list"):
        merge_dict({"a": 1}, [1])


def test_detect_anomalous_params_logs_unused(mm_log):
    model = nn.ModuleDict({"used": nn.Linear(2, 1), "unused": nn.Linear(2, 1)})
    model["unused"].bias.requires_grad_(False)
    loss = model["used"](torch.ones(1, 2)).sum()
    detect_anomalous_params(loss, model)
    assert (
        "unused.weight with shape torch.Size([1, 2]) is not in the computational graph"
        in mm_log.text
    )
    assert "used.weight with shape" not in mm_log.text.replace("unused.weight", "")
    assert "unused.bias" not in mm_log.text  # frozen parameters are not reported


def test_revert_and_convert_sync_batchnorm_roundtrip():
    model = nn.Sequential(nn.Conv2d(3, 4, 1), nn.BatchNorm2d(4), nn.Sequential(nn.BatchNorm1d(4)))
    model[1].running_mean.fill_(0.5)
    synced = convert_sync_batchnorm(model)
    assert isinstance(synced[1], nn.SyncBatchNorm) and isinstance(synced[2][0], nn.SyncBatchNorm)
    assert torch.all(synced[1].running_mean == 0.5)
    assert synced[1].weight is model[1].weight
    synced.eval()
    reverted = revert_sync_batchnorm(synced)
    bn = reverted[1]
    assert isinstance(bn, nn.modules.batchnorm._BatchNorm)
    assert not isinstance(bn, nn.SyncBatchNorm) and not bn.training
    assert torch.all(bn.running_mean == 0.5)
    # the reverted BN accepts any input rank on CPU
    assert reverted(torch.ones(2, 3, 2, 2)).shape == (2, 4, 2, 2)
    assert isinstance(reverted[2][0], type(bn))


def test_convert_sync_batchnorm_bad_implementation():
    with pytest.raises(
        ValueError, match="implementation must be 'torch' or 'mmcv', but got 'apex'"
    ):
        convert_sync_batchnorm(nn.BatchNorm2d(2), implementation="apex")

import logging
from collections import OrderedDict

import pytest
import torch
from torch import nn

from mmlight.logging import MMLogger
from mmlight.model import BaseModule, ModuleDict, ModuleList, Sequential


def _all(t: torch.Tensor, value: float) -> bool:
    return bool(torch.all(t == value))


class Leaf(BaseModule):
    def __init__(self, init_cfg=None) -> None:
        super().__init__(init_cfg)
        self.conv = nn.Conv2d(1, 1, 1)


class CustomInit(nn.Module):
    """A plain module with its own init_weights (not a BaseModule)."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(1, 1)
        self.calls = 0

    def init_weights(self) -> None:
        self.calls += 1
        nn.init.constant_(self.fc.weight, 9.0)


class Net(BaseModule):
    def __init__(self, init_cfg=None, leaf_cfg=None) -> None:
        super().__init__(init_cfg)
        self.conv = nn.Conv2d(1, 1, 1)
        self.leaf = Leaf(leaf_cfg)
        self.custom = CustomInit()


def test_init_cfg_is_deep_copied():
    cfg = dict(type="Constant", val=1)
    module = BaseModule(cfg)
    assert module.init_cfg == cfg and module.init_cfg is not cfg


def test_children_init_cfg_wins_over_parent():
    net = Net(
        init_cfg=dict(type="Constant", layer="Conv2d", val=1),
        leaf_cfg=dict(type="Constant", layer="Conv2d", val=2),
    )
    net.init_weights()
    assert _all(net.conv.weight, 1)
    assert _all(net.leaf.conv.weight, 2)  # applied after the parent's cfg
    assert _all(net.custom.fc.weight, 9)
    assert net.is_init and net.leaf.is_init


def test_is_init_children_are_skipped():
    net = Net(leaf_cfg=dict(type="Constant", layer="Conv2d", val=2))
    net.leaf.is_init = True
    before = net.leaf.conv.weight.clone()
    net.init_weights()
    assert torch.equal(net.leaf.conv.weight, before)


def test_second_call_warns_and_does_nothing(mm_log):
    net = Net(init_cfg=dict(type="Constant", layer="Conv2d", val=1))
    net.init_weights()
    nn.init.constant_(net.conv.weight, 5.0)
    net.init_weights()
    assert "init_weights of Net has been called more than once." in mm_log.text
    assert _all(net.conv.weight, 5)
    assert net.custom.calls == 1


def test_bookkeeping_attribute_is_removed_afterwards():
    net = Net(init_cfg=dict(type="Constant", layer="Conv2d", val=1))
    net.init_weights()
    assert not any(hasattr(m, "_params_init_info") for m in net.modules())


def test_pretrained_runs_last_even_when_listed_first(tmp_path):
    net = Net()
    sd = OrderedDict((k, torch.full_like(v, 0.5)) for k, v in net.state_dict().items())
    path = tmp_path / "w.pth"
    torch.save(sd, path)
    net = Net(
        init_cfg=[
            dict(type="Pretrained", checkpoint=str(path)),
            dict(type="Constant", layer="Conv2d", val=1),
        ],
        leaf_cfg=dict(type="Constant", layer="Conv2d", val=2),
    )
    net.init_weights()
    # children and non-pretrained cfgs ran first, then the checkpoint overwrote everything
    assert all(_all(v, 0.5) for v in net.state_dict().values())


def test_init_info_is_written_to_file_handlers(tmp_path):
    log_file = tmp_path / "init.log"
    handler = logging.FileHandler(log_file)
    logger = MMLogger.get_current_instance()  # the run's logger, as mmengine's
    logger.addHandler(handler)
    try:
        net = Net(
            init_cfg=dict(type="Constant", layer="Conv2d", val=1, bias=0.5),
            leaf_cfg=dict(type="Normal", layer="Conv2d", std=0.01),
        )
        net.init_weights()
    finally:
        logger.removeHandler(handler)
        handler.close()
    text = log_file.read_text()
    # (the logger's own INFO records, "initialize Net with init_cfg ...", come first)
    assert "Name of parameter - Initialization information\n" in text
    assert "conv.weight - torch.Size([1, 1, 1, 1]): \nConstantInit: val=1, bias=0.5 \n" in text
    assert "leaf.conv.weight - torch.Size([1, 1, 1, 1]): \nNormalInit: mean=0, std=0.01" in text
    assert (
        "custom.fc.weight - torch.Size([1, 1]): \nInitialized by user-defined `init_weights`"
        " in CustomInit" in text
    )


def test_init_info_goes_to_logger_without_file_handler(mm_log):
    net = Net()
    net.init_weights()
    assert (
        "leaf.conv.bias - torch.Size([1]): \nThe value is the same before and after calling"
        " `init_weights` of Net" in mm_log.text
    )


def test_non_dict_entry_in_init_cfg_list_names_the_module():
    with pytest.raises(TypeError, match=r"Leaf.init_cfg\[1\] must be a dict, but got 'Normal'"):
        Leaf([dict(type="Normal", layer="Conv2d"), "Normal"]).init_weights()


def test_failed_init_weights_cleans_up_and_can_be_retried():
    net = Net(leaf_cfg=dict(type="Constant", layer="Conv2d", vall=2))
    with pytest.raises(TypeError, match="missing required argument 'val'"):
        net.init_weights()
    assert not any(hasattr(m, "_params_init_info") for m in net.modules())
    net.leaf.init_cfg = dict(type="Constant", layer="Conv2d", val=2)
    net.init_weights()
    assert _all(net.leaf.conv.weight, 2)


def test_repr_shows_init_cfg():
    assert "init_cfg={'type': 'Constant', 'val': 1}" in repr(Leaf(dict(type="Constant", val=1)))
    assert "init_cfg" not in repr(Leaf())


def test_containers_carry_their_own_init_cfg():
    seq = Sequential(
        nn.Linear(1, 1),
        Leaf(dict(type="Constant", layer="Conv2d", val=3)),
        init_cfg=dict(type="Constant", layer=["Linear", "Conv2d"], val=1),
    )
    mlist = ModuleList([nn.Linear(1, 1)], init_cfg=dict(type="Constant", layer="Linear", val=4))
    mdict = ModuleDict(
        {"a": nn.Linear(1, 1)}, init_cfg=dict(type="Constant", layer="Linear", val=5)
    )

    class Holder(BaseModule):
        def __init__(self) -> None:
            super().__init__(dict(type="Constant", layer="Linear", val=-1))
            self.seq, self.mlist, self.mdict = seq, mlist, mdict

    holder = Holder()
    holder.init_weights()
    assert _all(seq[0].weight, 1) and _all(seq[1].conv.weight, 3)
    assert _all(mlist[0].weight, 4) and _all(mdict["a"].weight, 5)
    assert len(seq) == 2 and isinstance(seq, nn.Sequential)


def test_wrapped_child_without_init_weights_is_unwrapped():
    class Inner(BaseModule):
        def __init__(self) -> None:
            super().__init__(dict(type="Constant", layer="Linear", val=6))
            self.fc = nn.Linear(1, 1)

    class Outer(BaseModule):
        def __init__(self) -> None:
            super().__init__()
            self.wrapped = nn.DataParallel(Inner())

    outer = Outer()
    outer.init_weights()
    assert _all(outer.wrapped.module.fc.weight, 6)

from torch import nn

from mmlight.model import is_model_wrapper
from mmlight.registry import MODEL_WRAPPERS, Registry


def test_torch_wrappers_are_registered_and_recognised():
    assert MODEL_WRAPPERS.get("DistributedDataParallel") is nn.parallel.DistributedDataParallel
    assert is_model_wrapper(nn.DataParallel(nn.Linear(1, 1)))
    assert not is_model_wrapper(nn.Linear(1, 1))


def test_wrappers_registered_in_child_registries_count():
    class MyWrapper(nn.Module):
        def __init__(self, module: nn.Module) -> None:
            super().__init__()
            self.module = module

    child = Registry("model_wrapper", parent=MODEL_WRAPPERS, scope="mmlight_test_wrappers")
    try:
        child.register_module(module=MyWrapper)
        assert is_model_wrapper(MyWrapper(nn.Linear(1, 1)))
    finally:
        MODEL_WRAPPERS.children.pop("mmlight_test_wrappers")
    own = Registry("own wrappers", scope="mmlight_test_own")
    assert not is_model_wrapper(MyWrapper(nn.Linear(1, 1)), registry=own)

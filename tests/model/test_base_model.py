from contextlib import contextmanager

import pytest
import torch
from torch import nn

from mmlight.model import BaseDataPreprocessor, BaseModel, ImgDataPreprocessor


class ToyModel(BaseModel):
    def __init__(self, data_preprocessor=None, init_cfg=None) -> None:
        super().__init__(data_preprocessor, init_cfg)
        self.fc = nn.Linear(2, 1)

    def forward(self, inputs, data_samples=None, mode="tensor"):
        out = self.fc(inputs)
        if mode == "loss":
            return dict(loss=((out.squeeze(1) - data_samples) ** 2).mean(), acc=out.detach().sum())
        if mode == "predict":
            return [o for o in out]
        return out


class RecordingOptimWrapper:
    """Test double for mmlight.optim.OptimWrapper, which is not written yet.

    BaseModel.train_step may only use ``optim_context(model)`` and ``update_params(loss)``;
    this double records those calls and performs a real SGD step so the effect is observable.
    """

    def __init__(self, model: nn.Module, lr: float = 0.1) -> None:
        self.optimizer = torch.optim.SGD(model.parameters(), lr=lr)
        self.events: list[str] = []

    @contextmanager
    def optim_context(self, model):
        self.events.append("enter")
        yield
        self.events.append("exit")

    def update_params(self, loss):
        self.events.append("update")
        loss.backward()
        self.optimizer.step()
        self.optimizer.zero_grad()


def _batch():
    return dict(
        inputs=torch.tensor([[1.0, 2.0], [3.0, 4.0]]), data_samples=torch.tensor([1.0, 0.0])
    )


def test_default_preprocessor_is_built_from_models():
    model = ToyModel()
    assert type(model.data_preprocessor) is BaseDataPreprocessor


def test_preprocessor_from_dict_and_module():
    model = ToyModel(dict(type="ImgDataPreprocessor", mean=[0.0], std=[1.0]))
    assert isinstance(model.data_preprocessor, ImgDataPreprocessor)
    pre = BaseDataPreprocessor()
    assert ToyModel(pre).data_preprocessor is pre


def test_bad_preprocessor_type():
    with pytest.raises(
        TypeError, match=r"ToyModel: data_preprocessor should be a config dict.*str"
    ):
        ToyModel("ImgDataPreprocessor")


def test_forward_is_abstract():
    class NoForward(BaseModel):
        pass

    with pytest.raises(TypeError, match="abstract"):
        NoForward()


def test_train_step_calls_only_the_wrapper_api_in_order():
    torch.manual_seed(0)
    model = ToyModel()
    wrapper = RecordingOptimWrapper(model)
    before = model.fc.weight.detach().clone()
    log_vars = model.train_step(_batch(), wrapper)
    assert wrapper.events == ["enter", "exit", "update"]
    assert list(log_vars) == ["loss", "acc"]
    assert not torch.equal(before, model.fc.weight)


def test_val_and_test_step_predict_mode():
    model = ToyModel()
    assert len(model.val_step(_batch())) == 2
    assert len(model.test_step(_batch())) == 2


def test_run_forward_dict_list_and_error():
    model = ToyModel()
    x = torch.ones(1, 2)
    assert model._run_forward({"inputs": x}, mode="tensor").shape == (1, 1)
    assert model._run_forward([x], mode="tensor").shape == (1, 1)
    assert model._run_forward((x, None), mode="tensor").shape == (1, 1)
    with pytest.raises(TypeError, match="should be list, tuple or dict, but got Tensor"):
        model._run_forward(x, mode="tensor")


def test_parse_losses_rules():
    model = ToyModel()
    losses = dict(
        loss_cls=torch.tensor([1.0, 3.0]),
        acc=torch.tensor(0.5),
        loss_bbox=[torch.tensor([2.0, 4.0]), torch.tensor(1.0)],
        aux_loss_extra=torch.tensor(10.0),
    )
    loss, log_vars = model.parse_losses(losses)
    assert list(log_vars) == ["loss", "loss_cls", "acc", "loss_bbox", "aux_loss_extra"]
    assert log_vars["loss_cls"].item() == 2.0
    assert log_vars["loss_bbox"].item() == 4.0
    assert loss.item() == 16.0  # 2 + 4 + 10; 'acc' is logged only
    assert log_vars["loss"] is loss


def test_parse_losses_rejects_other_values_with_the_key():
    with pytest.raises(
        TypeError, match=r"loss_x is not a tensor or list of tensors.*'loss_x' = float"
    ):
        ToyModel().parse_losses(dict(loss_x=1.0))
    with pytest.raises(TypeError, match="loss_t is not a tensor"):
        ToyModel().parse_losses(dict(loss_t=(torch.tensor(1.0),)))


def test_to_and_cpu_update_preprocessor_device():
    model = ToyModel()
    model.data_preprocessor._device = torch.device("meta")
    model.to("cpu")
    assert model.data_preprocessor.device == torch.device("cpu")
    model.data_preprocessor._device = torch.device("meta")
    model.to(torch.float64)  # dtype only: device unchanged
    assert model.data_preprocessor.device == torch.device("meta")
    assert model.fc.weight.dtype == torch.float64
    model.cpu()
    assert model.data_preprocessor.device == torch.device("cpu")
    model.to(device="meta")
    assert model.data_preprocessor.device == torch.device("meta")
    assert model.fc.weight.is_meta


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU")
def test_cuda_moves_model_and_batches():
    model = ToyModel().cuda()
    assert model.data_preprocessor.device == torch.device("cuda")
    out = model.val_step(_batch())
    assert out[0].is_cuda
    model.cuda(0)
    assert model.data_preprocessor.device == torch.device("cuda", 0)
    model.cpu()
    assert model.val_step(_batch())[0].device.type == "cpu"

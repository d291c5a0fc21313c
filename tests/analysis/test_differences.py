"""Where mmlight.analysis deliberately differs from mmengine 0.10.7, and why mmlight's
answer is the right one. Each test shows both results side by side."""

from __future__ import annotations

import pytest

pytest.importorskip("torch")
import torch
from torch import nn

import mmlight.analysis as ml_analysis
from mmlight.analysis.stats_tree import remove_zero_statistics


class MatMul(nn.Module):
    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return torch.matmul(a, b)


class Einsum(nn.Module):
    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return torch.einsum("ij,jk->ik", a, b)


def _flop_counter_macs(model: nn.Module, *inputs: torch.Tensor) -> int:
    """Multiply-adds by torch's own counter (which counts a multiply and an add apiece)."""
    from torch.utils.flop_counter import FlopCounterMode

    with FlopCounterMode(display=False) as counter:
        model(*inputs)
    return counter.get_total_flops() // 2


def test_matmul_counts_the_batch_of_the_second_operand() -> None:
    """``(4, 8) @ (3, 8, 5)`` runs 3 matrix products of 4*8*5 multiply-adds: 480.

    mmengine takes the batch from the first operand only and says 160; torch's FlopCounterMode
    agrees with mmlight.
    """
    a, b = torch.randn(4, 8), torch.randn(3, 8, 5)
    ours = ml_analysis.FlopAnalyzer(MatMul(), (a, b)).total()
    assert ours == 3 * 4 * 8 * 5 == _flop_counter_macs(MatMul(), a, b)
    # the broadcast batch of both operands: (2, 1) x (1, 3) -> 6 products
    a, b = torch.randn(2, 1, 4, 8), torch.randn(3, 8, 5)
    assert ml_analysis.FlopAnalyzer(MatMul(), (a, b)).total() == 6 * 4 * 8 * 5
    assert _flop_counter_macs(MatMul(), a, b) == 6 * 4 * 8 * 5
    # where the first operand carries the batch, both agree
    a, b = torch.randn(3, 4, 8), torch.randn(8, 5)
    assert ml_analysis.FlopAnalyzer(MatMul(), (a, b)).total() == 480

    mm_analysis = pytest.importorskip("mmengine.analysis")
    a, b = torch.randn(4, 8), torch.randn(3, 8, 5)
    assert mm_analysis.FlopAnalyzer(MatMul(), (a, b)).total() == 4 * 8 * 5
    a, b = torch.randn(3, 4, 8), torch.randn(8, 5)
    assert mm_analysis.FlopAnalyzer(MatMul(), (a, b)).total() == 480


def test_einsum_counts_are_integers() -> None:
    """A flop count is a whole number: mmlight's generic einsum count is an int where
    mmengine's is a float of the same value (which a table would print as ``40.0``)."""
    a, b = torch.randn(2, 4), torch.randn(4, 5)
    ours = ml_analysis.FlopAnalyzer(Einsum(), (a, b)).total()
    assert ours == 40 and isinstance(ours, int)
    assert ml_analysis.get_model_complexity_info(Einsum(), inputs=(a, b))["flops_str"] == "40"

    mm_analysis = pytest.importorskip("mmengine.analysis")
    theirs = mm_analysis.FlopAnalyzer(Einsum(), (a, b)).total()
    assert theirs == 40.0 and isinstance(theirs, float)


class AddNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x) + x


def test_copy_keeps_every_setting() -> None:
    """``copy()`` promises all settings; mmengine's loses ops set to None and the ancestor
    mode, so its copy reports ``aten::add`` as unsupported again."""
    x = torch.randn(1, 4)
    ours = ml_analysis.FlopAnalyzer(AddNet(), x).set_op_handle("aten::add", None)
    ours.ancestor_mode("caller").unsupported_ops_warnings(False)
    copied = ours.copy()
    assert copied.total() == ours.total() == 16
    assert copied.unsupported_ops() == {}
    assert copied._ancestor_mode == "caller"

    mm_analysis = pytest.importorskip("mmengine.analysis")
    theirs = mm_analysis.FlopAnalyzer(AddNet(), x).set_op_handle("aten::add", None)
    theirs.ancestor_mode("caller").unsupported_ops_warnings(False)
    their_copy = theirs.copy().unsupported_ops_warnings(False)
    their_copy.total()
    assert their_copy.unsupported_ops() == {"aten::add": 1}
    assert their_copy._ancestor_mode == "owner"


class Broken(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raise RuntimeError("forward failed")


def _hook_count(model: nn.Module) -> int:
    return sum(len(m._forward_pre_hooks) + len(m._forward_hooks) for m in model.modules())


def test_failed_trace_leaves_no_hooks() -> None:
    """A trace that raises must not leave scope hooks behind (mmengine's do stay)."""
    model = Broken()
    with pytest.raises(RuntimeError, match="forward failed"):
        ml_analysis.FlopAnalyzer(model, torch.randn(1, 4)).total()
    assert _hook_count(model) == 0

    mm_analysis = pytest.importorskip("mmengine.analysis")
    with pytest.raises(RuntimeError, match="forward failed"):
        mm_analysis.FlopAnalyzer(model, torch.randn(1, 4)).total()
    assert _hook_count(model) == 4


def test_model_statistics_always_kept() -> None:
    """The model's own row is always kept. mmengine drops it when it is all zero and some
    module was uncalled (an operator-precedence slip: ``x if y else set() | {''}``)."""
    stats = {"": {"#params": 0}, "id": {"#params": 0}}
    assert remove_zero_statistics(stats, force_keep={"id"}) == stats
    model = nn.Sequential(nn.ReLU(), nn.Identity())
    arch = ml_analysis.complexity_stats_str(ml_analysis.FlopAnalyzer(model, torch.randn(1, 3)))
    assert arch.splitlines()[1] == "Sequential("
    assert arch.splitlines()[2] == "  #params: 0, #flops: 0"

    mm_helper = pytest.importorskip("mmengine.analysis.print_helper")
    assert mm_helper._remove_zero_statistics(stats, force_keep={"id"}) == {"id": {"#params": 0}}


def test_model_without_parameters_gets_cpu_inputs() -> None:
    """``input_shape`` on a parameter-free model: inputs go to the CPU (mmengine fails with
    StopIteration looking for a parameter's device)."""
    model = nn.Sequential(nn.AdaptiveAvgPool2d(1))
    info = ml_analysis.get_model_complexity_info(model, input_shape=(3, 8, 8))
    assert (info["flops"], info["params"]) == (192, 0)

    mm_analysis = pytest.importorskip("mmengine.analysis")
    with pytest.raises(StopIteration):
        mm_analysis.get_model_complexity_info(model, input_shape=(3, 8, 8))


def test_complexity_info_runs_the_model_once() -> None:
    """Flops and activations are counted on one trace (the graph does not depend on the
    handles); mmengine traces twice, so a training-mode model also updates its batch-norm
    statistics twice."""
    model = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4)).train()
    calls: list[int] = []
    model.register_forward_hook(lambda *args: calls.append(1))
    x = torch.randn(2, 4)
    info = ml_analysis.get_model_complexity_info(model, inputs=x, show_table=False)
    assert len(calls) == 1
    assert model[1].num_batches_tracked.item() == 1  # type: ignore[operator]
    assert (info["flops"], info["activations"]) == (32 + 40, 8)

    mm_analysis = pytest.importorskip("mmengine.analysis")
    theirs = mm_analysis.get_model_complexity_info(model, inputs=x, show_table=False)
    assert len(calls) == 3
    assert info == theirs

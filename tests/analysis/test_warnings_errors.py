"""Unsupported and skipped ops, uncalled modules, tracer warnings and the errors of
mmlight.analysis, with their messages pinned (mmengine's wording kept)."""

from __future__ import annotations

import logging
import sys
import unittest
import warnings
from collections import Counter
from typing import Any

import pytest

pytest.importorskip("torch")
import torch
from torch import nn

from mmlight.analysis import (
    ActivationAnalyzer,
    FlopAnalyzer,
    get_model_complexity_info,
    parameter_count_table,
)
from mmlight.analysis.jit_analysis import JitModelAnalysis
from mmlight.logging import MMLogger


class SoftmaxNet(nn.Module):
    def __init__(self, warn: bool = False) -> None:
        super().__init__()
        self.warn = warn
        self.fc = nn.Linear(4, 4)
        self.idle = nn.Linear(4, 4)
        self.box = nn.ModuleList([nn.Identity()])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.fc(x).softmax(-1)
        if self.warn and x.sum() > 0:  # a TracerWarning: data-dependent control flow
            warnings.warn("user warning", RuntimeWarning, stacklevel=1)
        return (y + x).softmax(-1).view(-1)


def _warnings_logged(analyzer: JitModelAnalysis) -> list[str]:
    logger = MMLogger.get_current_instance()
    with unittest.TestCase().assertLogs(logger, logging.WARNING) as cm:
        logger.warning("start")
        analyzer.total()
    return [record.getMessage() for record in cm.records[1:]]


def test_unsupported_ops_are_counted_and_logged() -> None:
    analyzer = FlopAnalyzer(SoftmaxNet(), torch.ones(2, 4))
    logged = _warnings_logged(analyzer)
    assert "Unsupported operator aten::softmax encountered 2 time(s)" in logged
    assert "Unsupported operator aten::add encountered 1 time(s)" in logged
    # zero-cost ops (view) and prim:: nodes are skipped, not unsupported
    assert analyzer.unsupported_ops() == Counter({"aten::softmax": 2, "aten::add": 1})
    assert analyzer.unsupported_ops("fc") == Counter()
    assert analyzer.total() == analyzer.total("fc") == 32


def test_uncalled_modules_are_logged_sorted_without_containers() -> None:
    analyzer = FlopAnalyzer(SoftmaxNet(), torch.ones(2, 4)).unsupported_ops_warnings(False)
    logged = _warnings_logged(analyzer)
    assert logged == [
        "The following submodules of the model were never called during the trace of the "
        "graph. They may be unused, or they were accessed by direct calls to .forward() or via "
        "other python methods. In the latter case they will have zeros for statistics, though "
        "their statistics will still contribute to their parent calling module.\nidle"
    ]
    assert analyzer.uncalled_modules() == {"idle", "box", "box.0"}


def test_silenced_warnings_still_record() -> None:
    analyzer = FlopAnalyzer(SoftmaxNet(), torch.ones(2, 4))
    analyzer.unsupported_ops_warnings(False).uncalled_modules_warnings(False)
    assert _warnings_logged(analyzer) == []
    assert analyzer.unsupported_ops()["aten::softmax"] == 2


def test_ops_set_to_none_are_skipped_and_handles_replace() -> None:
    analyzer = FlopAnalyzer(SoftmaxNet(), torch.ones(2, 4)).unsupported_ops_warnings(False)
    analyzer.set_op_handle("aten::softmax", None, "aten::add", lambda i, o: 3)
    assert analyzer.by_operator() == Counter({"linear": 32, "add": 3})
    assert analyzer.unsupported_ops() == Counter()
    analyzer.clear_op_handles()
    assert analyzer.total() == 0
    assert analyzer.unsupported_ops()["aten::linear"] == 1


class Double(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: torch.Tensor) -> torch.Tensor:
        return x * 2

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> torch.Tensor:
        return grad * 2


class PythonOpNet(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return Double.apply(x)


def test_python_autograd_functions_are_named_and_countable() -> None:
    analyzer = FlopAnalyzer(PythonOpNet(), torch.ones(3)).unsupported_ops_warnings(False)
    assert analyzer.total() == 0
    assert analyzer.unsupported_ops() == Counter({"prim::PythonOp.Double": 1})
    analyzer.set_op_handle("prim::PythonOp.Double", lambda i, o: 3)
    assert analyzer.by_operator() == Counter({"PythonOp.Double": 3})


def test_tracer_warning_modes() -> None:
    model, x = SoftmaxNet(warn=True), torch.ones(2, 4)

    def caught(mode: str) -> set[type[Warning]]:
        analyzer = FlopAnalyzer(model, x).tracer_warnings(mode)
        analyzer.unsupported_ops_warnings(False).uncalled_modules_warnings(False)
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            analyzer.total()
        return {w.category for w in record}

    assert {torch.jit.TracerWarning, RuntimeWarning} <= caught("all")
    no_tracer = caught("no_tracer_warning")
    assert RuntimeWarning in no_tracer and torch.jit.TracerWarning not in no_tracer
    assert caught("none") == set()


def test_setting_errors() -> None:
    analyzer = FlopAnalyzer(SoftmaxNet(), torch.ones(2, 4))
    with pytest.raises(ValueError, match=r"Unrecognized tracer warning mode bogus\."):
        analyzer.tracer_warnings("bogus")
    with pytest.raises(ValueError, match="Unrecognized ancestor mode: bogus"):
        analyzer.ancestor_mode("bogus")
    with pytest.raises(TypeError, match="set_op_handle should be called with pairs of names"):
        analyzer.set_op_handle("aten::add")
    with pytest.raises(
        RuntimeError, match=r"Analysis results should be computed before calling unsupported_ops"
    ):
        analyzer.unsupported_ops()
    with pytest.raises(KeyError, match="Requested module name is not among the descendants"):
        analyzer.total("nope")
    with pytest.raises(AssertionError, match=r"Module name must be a string\."):
        analyzer.canonical_module_name(analyzer._model.fc)  # type: ignore[arg-type]


def test_a_handle_must_return_numbers() -> None:
    analyzer = FlopAnalyzer(SoftmaxNet(), torch.ones(2, 4))
    analyzer.set_op_handle("aten::linear", lambda i, o: Counter({"linear": torch.tensor(1)}))
    with pytest.raises(ValueError, match=r"Invalid type .* for the flop count! Please use a wider"):
        analyzer.total()


class Shared(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Linear(4, 4)
        self.b = self.a

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.b(self.a(x))


def test_shared_module_is_reported_under_its_first_name() -> None:
    analyzer = ActivationAnalyzer(Shared(), torch.ones(1, 4))
    assert analyzer.canonical_module_name("b") == "a"
    assert analyzer.total("b") == analyzer.total("a") == 8
    assert "b" not in analyzer.by_module()


def test_complexity_info_argument_errors() -> None:
    model = nn.Linear(5, 6)
    with pytest.raises(ValueError, match=r'One of "input_shape" and "inputs" should be set\.'):
        get_model_complexity_info(model)
    with pytest.raises(ValueError, match=r'"input_shape" and "inputs" cannot be both set\.'):
        get_model_complexity_info(model, input_shape=(5,), inputs=torch.ones(1, 5))
    with pytest.raises(ValueError, match=r'"input_shape" should be either a `tuple of int`'):
        get_model_complexity_info(model, input_shape=[5])  # type: ignore[arg-type]
    two = get_model_complexity_info(nn.Bilinear(5, 3, 2), input_shape=((5,), (3,)))
    assert (two["flops"], two["params"]) == (0, 32)


def test_tables_without_rich_say_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [m for m in sys.modules if m == "rich" or m.startswith("rich.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "rich", None)
    with pytest.raises(ImportError, match=r"optional package 'rich'.*pip install rich"):
        parameter_count_table(nn.Linear(2, 2))
    info = get_model_complexity_info(nn.Linear(2, 2), (2,), show_table=False)
    assert info["flops"] == 4 and "#params: 6" in info["out_arch"]

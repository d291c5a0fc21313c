"""mmlight.analysis against mmengine.analysis on a ResNet, a ViT and a detector: the same
calls under both must give the same counts, warnings, tables and annotated reprs."""

from __future__ import annotations

import logging
import unittest
from collections.abc import Callable
from typing import Any

import pytest

pytest.importorskip("torch")
import torch

mm_analysis = pytest.importorskip("mmengine.analysis")

import mmlight.analysis as ml_analysis  # noqa: E402
from tests.analysis.toy_models import TinyDetector, TinyResNet, TinyViT  # noqa: E402

CASES: dict[str, tuple[Callable[[], Any], tuple[int, ...]]] = {
    "resnet": (TinyResNet, (3, 32, 32)),
    "vit": (TinyViT, (3, 32, 32)),
    "detector": (TinyDetector, (3, 64, 64)),
}


Case = tuple[Any, tuple[Any, ...], tuple[int, ...]]


@pytest.fixture(params=[(name, train) for name in CASES for train in (False, True)],
                ids=lambda p: f"{p[0]}-{'train' if p[1] else 'eval'}")
def model_and_inputs(request: pytest.FixtureRequest) -> Case:
    name, train = request.param
    factory, shape = CASES[name]
    torch.manual_seed(0)
    model = factory().train(train)
    return model, (torch.randn(2, *shape),), shape


@pytest.fixture(params=list(CASES))
def eval_model_and_inputs(request: pytest.FixtureRequest) -> Case:
    """The models in evaluation mode only, for checks the mode cannot change."""
    factory, shape = CASES[request.param]
    torch.manual_seed(0)
    return factory().eval(), (torch.randn(2, *shape),), shape


def _logged(logger: logging.Logger, call: Callable[[], Any]) -> tuple[Any, list[str]]:
    """``call()``'s result and the warnings it logged (messages only)."""
    case = unittest.TestCase()
    with case.assertLogs(logger, logging.WARNING) as cm:
        logger.warning("start")
        result = call()
    return result, [record.getMessage() for record in cm.records[1:]]


def _analyzers(kind: str, model: Any, inputs: Any) -> tuple[Any, Any]:
    return getattr(mm_analysis, kind)(model, inputs), getattr(ml_analysis, kind)(model, inputs)


@pytest.mark.parametrize("kind", ["FlopAnalyzer", "ActivationAnalyzer"])
@pytest.mark.parametrize("mode", ["owner", "caller"])
def test_counts_per_module_and_operator(model_and_inputs: Any, kind: str, mode: str) -> None:
    model, inputs, _ = model_and_inputs
    theirs, ours = _analyzers(kind, model, inputs)
    theirs.ancestor_mode(mode)
    ours.ancestor_mode(mode)
    theirs.unsupported_ops_warnings(False).uncalled_modules_warnings(False)
    ours.unsupported_ops_warnings(False).uncalled_modules_warnings(False)
    assert ours.total() == theirs.total() > 0
    assert ours.by_module() == theirs.by_module()
    assert list(ours.by_module()) == list(theirs.by_module())
    assert ours.by_module_and_operator() == theirs.by_module_and_operator()
    assert ours.uncalled_modules() == theirs.uncalled_modules()
    for name in ours.by_module():
        assert ours.by_operator(name) == theirs.by_operator(name)
        assert ours.unsupported_ops(name) == theirs.unsupported_ops(name)


@pytest.mark.parametrize("kind", ["FlopAnalyzer", "ActivationAnalyzer"])
def test_warnings_are_mmengines(eval_model_and_inputs: Any, kind: str) -> None:
    from mmengine.logging import MMLogger as MMEngineLogger

    from mmlight.logging import MMLogger

    model, inputs, _ = eval_model_and_inputs
    theirs, ours = _analyzers(kind, model, inputs)
    total_theirs, logged_theirs = _logged(MMEngineLogger.get_current_instance(), theirs.total)
    total_ours, logged_ours = _logged(MMLogger.get_current_instance(), ours.total)
    assert total_ours == total_theirs
    assert logged_ours == logged_theirs
    assert any(m.startswith("Unsupported operator aten::") for m in logged_ours)


def test_parameter_counts_and_table(eval_model_and_inputs: Any) -> None:
    model, _, _ = eval_model_and_inputs
    assert ml_analysis.parameter_count(model) == mm_analysis.parameter_count(model)
    for depth in (1, 3, 5):
        assert ml_analysis.parameter_count_table(model, depth) == (
            mm_analysis.parameter_count_table(model, depth)
        )


def test_flop_and_activation_count(model_and_inputs: Any) -> None:
    model, inputs, _ = model_and_inputs
    assert ml_analysis.flop_count(model, inputs) == mm_analysis.flop_count(model, inputs)
    assert ml_analysis.activation_count(model, inputs) == (
        mm_analysis.activation_count(model, inputs)
    )
    extra = {"aten::softmax": lambda i, o: 7, "aten::add": None}
    assert ml_analysis.flop_count(model, inputs, extra) == (
        mm_analysis.flop_count(model, inputs, extra)
    )


def test_complexity_info_from_inputs(model_and_inputs: Any) -> None:
    model, inputs, _ = model_and_inputs
    ours = ml_analysis.get_model_complexity_info(model, inputs=inputs)
    theirs = mm_analysis.get_model_complexity_info(model, inputs=inputs)
    assert list(ours) == list(theirs)
    assert ours == theirs
    assert ours["out_table"].startswith("\n+--") and ours["out_arch"].startswith("\n")


def test_complexity_info_from_input_shape(model_and_inputs: Any) -> None:
    model, _, shape = model_and_inputs
    ours = ml_analysis.get_model_complexity_info(model, input_shape=shape)
    theirs = mm_analysis.get_model_complexity_info(model, input_shape=shape)
    assert ours == theirs
    bare = ml_analysis.get_model_complexity_info(model, shape, show_table=False, show_arch=False)
    assert bare["out_table"] == bare["out_arch"] == ""
    assert bare["flops"] == ours["flops"]


@pytest.mark.parametrize(("depth", "shapes", "with_acts"),
                         [(0, True, True), (2, False, True), (6, True, False)])
def test_stats_table_and_str(eval_model_and_inputs: Any, depth: int, shapes: bool,
                             with_acts: bool) -> None:
    model, inputs, _ = eval_model_and_inputs

    def render(lib: Any) -> tuple[str, str]:
        flops = lib.FlopAnalyzer(model, inputs)
        acts = lib.ActivationAnalyzer(model, inputs) if with_acts else None
        table = lib.complexity_stats_table(flops, depth, acts, show_param_shapes=shapes)
        return table, lib.complexity_stats_str(flops, acts)

    from mmengine.analysis.print_helper import complexity_stats_str, complexity_stats_table

    theirs = render(type("mm", (), {
        "FlopAnalyzer": mm_analysis.FlopAnalyzer,
        "ActivationAnalyzer": mm_analysis.ActivationAnalyzer,
        "complexity_stats_table": staticmethod(complexity_stats_table),
        "complexity_stats_str": staticmethod(complexity_stats_str),
    }))
    assert render(ml_analysis) == theirs


def test_detector_marks_uncalled_modules() -> None:
    """The backbone runs through ``.features()``, not ``__call__``: its flops go to the model
    and it shows N/A; ``unused`` never runs."""
    torch.manual_seed(0)
    model = TinyDetector().eval()
    info = ml_analysis.get_model_complexity_info(model, (3, 64, 64))
    assert info["out_arch"].startswith("\nN/A indicates a possibly missing statistic")
    assert "(unused): Linear(\n    in_features=4, out_features=4, bias=True\n" in info["out_arch"]
    flops = ml_analysis.FlopAnalyzer(model, torch.randn(1, 3, 64, 64))
    # by ownership, the backbone's children make it count as seen; its unused parts do not
    assert {"backbone.avgpool", "backbone.fc", "unused"} <= flops.uncalled_modules()
    assert "backbone" not in flops.uncalled_modules()
    assert flops.total("backbone") == flops.total("backbone.conv1") + flops.total(
        "backbone.bn1") + flops.total("backbone.layer1") + flops.total("backbone.layer2")


def test_format_size_is_mmengines() -> None:
    from mmengine.analysis.print_helper import _format_size as theirs

    from mmlight.analysis.print_helper import _format_size as ours

    values = [0, 7, 100, 101, 999, 1000, 1500, 100_000, 100_001, 123_456_789, 10**9 + 1,
              2 * 10**11, 3 * 10**14 + 5, -5000, 2.5]
    for value in values:
        for sig_figs in (1, 2, 3):
            for hide_zero in (False, True):
                assert ours(value, sig_figs, hide_zero) == theirs(value, sig_figs, hide_zero)


class ManyOps(torch.nn.Module):
    """Every default flop handle once or more, with the argument variants they branch on."""

    def __init__(self) -> None:
        super().__init__()
        nn = torch.nn
        self.deconv = nn.ConvTranspose2d(4, 6, 3, stride=2)
        self.grouped = nn.Conv2d(6, 6, 3, padding=1, groups=3)
        self.inorm = nn.InstanceNorm2d(6, affine=True)
        self.inorm_plain = nn.InstanceNorm2d(6)
        self.bn_plain = nn.BatchNorm2d(6, affine=False)
        self.gn = nn.GroupNorm(2, 6)
        self.ln = nn.LayerNorm(6)
        self.pool = nn.AdaptiveAvgPool2d(2)

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> tuple[torch.Tensor, ...]:
        import torch.nn.functional as F

        y = self.gn(self.bn_plain(self.inorm_plain(self.inorm(self.grouped(self.deconv(x))))))
        up = F.interpolate(y, scale_factor=2, mode="bilinear", align_corners=False)
        grid = torch.zeros(y.shape[0], 5, 5, 2)
        sampled = F.grid_sample(up, grid, align_corners=False)
        tokens = self.ln(self.pool(sampled).flatten(2).transpose(1, 2))  # (n, 4, 6)
        outs = (
            torch.bmm(tokens, tokens.transpose(1, 2)),
            torch.einsum("nct,ncp->ntp", tokens, tokens),
            torch.einsum("ntg,ncg->nct", tokens, tokens),
            torch.einsum("nij,njk,nkl->nil", tokens, w, tokens),
            torch.addmm(torch.zeros(4), tokens[0], w[0]),
            torch.mm(tokens[0], w[0]),
            torch.matmul(tokens[0, 0], w[0]),
            torch.nn.functional.linear(tokens, w[0].t()),
        )
        return outs


@pytest.mark.parametrize("kind", ["FlopAnalyzer", "ActivationAnalyzer"])
def test_every_default_handle(kind: str) -> None:
    torch.manual_seed(0)
    model = ManyOps().eval()
    inputs = (torch.randn(2, 4, 5, 5), torch.randn(2, 6, 4))
    theirs, ours = _analyzers(kind, model, inputs)
    assert ours.by_module_and_operator() == theirs.by_module_and_operator()
    assert ours.unsupported_ops() == theirs.unsupported_ops()
    if kind == "FlopAnalyzer":
        assert set(ours.by_operator()) >= {
            "conv", "instance_norm", "batch_norm", "group_norm", "layer_norm",
            "upsample_bilinear2d", "grid_sampler", "adaptive_avg_pool2d", "bmm", "einsum",
            "addmm", "mm", "matmul", "linear",
        }


@pytest.mark.parametrize("columns", ["40", "200"])
def test_tables_follow_the_console_width(monkeypatch: pytest.MonkeyPatch, columns: str) -> None:
    """Both draw with rich's default console: a narrow one wraps cells the same way."""
    monkeypatch.setenv("COLUMNS", columns)
    torch.manual_seed(0)
    model = TinyResNet().eval()
    inputs = (torch.randn(1, 3, 32, 32),)
    ours = ml_analysis.get_model_complexity_info(model, inputs=inputs, show_arch=False)
    theirs = mm_analysis.get_model_complexity_info(model, inputs=inputs, show_arch=False)
    assert ours["out_table"] == theirs["out_table"]
    assert max(len(line) for line in ours["out_table"].splitlines()) <= int(columns)
    assert ml_analysis.parameter_count_table(model) == mm_analysis.parameter_count_table(model)

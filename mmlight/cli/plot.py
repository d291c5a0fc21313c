"""``mmlight plot WORK_DIR... [--keys KEY ...] [--out curves.png]``: training curves as a picture.

One panel per key, every run overlaid in it, read from the runs' ``vis_data/scalars.json``
(mmlight's or mmengine's; what OpenMMLab's ``analyze_logs.py plot_curve`` reads). matplotlib is
needed only here and is imported only when the command runs; it draws without a display.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from mmlight.cli.errors import CLIError, Phase, run_guarded
from mmlight.cli.scalar_curves import Curve, PlotInputError, curves_for, read_run

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["draw_curves", "main"]

PROG = "mmlight plot"
INSTALL_HINT = (
    "mmlight plot draws with matplotlib, which is not installed: "
    'pip install "mmlight[plot]" (or pip install matplotlib)'
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Plot logged scalars (loss, lr, validation metrics) of one or more runs.",
    )
    parser.add_argument(
        "runs", nargs="+", metavar="WORK_DIR",
        help="a work_dir (its latest run), a run folder <work_dir>/<timestamp>, or a "
        "vis_data/scalars.json file; several are overlaid",
    )
    parser.add_argument(
        "--keys", nargs="+", metavar="KEY",
        help="what to plot (default: every logged value but time, data_time and memory); "
        "'accuracy' also finds 'accuracy/top1'",
    )
    parser.add_argument(
        "--legend", nargs="+", metavar="NAME", help="one name per run (default: the paths given)"
    )
    parser.add_argument("--title", help="a title over the figure")
    parser.add_argument(
        "--out", default="curves.png", help="image to write; its suffix picks the format "
        "(.png, .pdf, .svg; default: curves.png)"
    )
    return parser


def _matplotlib_figure() -> type[Figure]:
    try:
        from matplotlib.figure import Figure
    except ImportError as error:
        raise CLIError(INSTALL_HINT) from error
    return Figure


def draw_curves(curves: Sequence[Curve], title: str | None = None) -> Figure:
    """A figure with one panel per key and one line per run, drawn off-screen (no pyplot)."""
    figure_type = _matplotlib_figure()
    keys = list(dict.fromkeys(c.key for c in curves))
    columns = min(len(keys), 2)
    rows = math.ceil(len(keys) / columns)
    figure = figure_type(figsize=(6 * columns, 3.6 * rows), layout="constrained")
    for index, key in enumerate(keys, start=1):
        axes = figure.add_subplot(rows, columns, index)
        panel = [c for c in curves if c.key == key]
        for curve in panel:
            marker = "o" if len(curve.xs) <= 20 else None
            axes.plot(curve.xs, curve.ys, label=curve.label, marker=marker, markersize=3)
        axes.set_title(key)
        axes.set_xlabel(" / ".join(dict.fromkeys(c.x_name for c in panel)))
        axes.grid(alpha=0.3)
        if len({c.label for c in curves}) > 1:
            axes.legend(fontsize="small")
    if title:
        figure.suptitle(title)
    return figure


def _body(argv: list[str], phase: Phase) -> None:
    args = _parser().parse_args(argv)
    if args.legend and len(args.legend) != len(args.runs):
        raise CLIError(
            f"--legend gives {len(args.legend)} name(s) for {len(args.runs)} run(s); "
            "give one name per run"
        )
    labels = args.legend or args.runs
    out = Path(args.out)
    if out.suffix.lower() not in {".png", ".pdf", ".svg", ".jpg", ".jpeg"}:
        raise CLIError(f"--out {args.out}: use a .png, .pdf, .svg or .jpg file name")
    try:
        runs = [read_run(path, label) for path, label in zip(args.runs, labels)]
        curves = curves_for(runs, args.keys)
    except PlotInputError as error:
        raise CLIError(str(error)) from None
    if not curves:
        raise CLIError(f"{', '.join(args.runs)}: the scalar log holds no numbers to plot yet")
    figure = draw_curves(curves, args.title)
    out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out, dpi=120)
    keys = list(dict.fromkeys(c.key for c in curves))
    sys.stdout.write(f"wrote {out} ({len(keys)} panel(s): {', '.join(keys)})\n")


def main(argv: Sequence[str] | None = None) -> int:
    return run_guarded(PROG, _body, argv)

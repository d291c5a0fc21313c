"""ASCII tables drawn by ``rich``, as mmengine draws its complexity tables.

``rich`` is optional for mmlight: it is imported when a table is drawn, and a missing
install says how to get it. The console is rich's default one, so the width (and any
wrapping of cells wider than the terminal) is what mmengine's tables get.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["render_table"]

_RICH_HINT = (
    "mmlight.analysis draws its tables with the optional package 'rich', which is not "
    "installed; install it with `pip install rich`"
)


def render_table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], title: str | None = None
) -> str:
    """The table as text, in rich's ``box.ASCII2`` style, without a trailing newline."""
    try:
        from rich import box
        from rich.console import Console
        from rich.table import Table
    except ImportError as err:
        raise ImportError(_RICH_HINT, name="rich") from err

    table = Table(title=title, box=box.ASCII2)
    for header in headers:
        table.add_column(header)
    for row in rows:
        table.add_row(*row)
    console = Console()
    with console.capture() as capture:
        console.print(table, end="")
    return capture.get()

"""Lightning's progress bar for MMEngine runs: on for a terminal, off for files and CI logs.

``progress_trainer_kwargs(runner)`` decides ``enable_progress_bar``:

- ``MMLIGHT_PROGRESS=0`` (or ``false``/``off``/``no``) turns it off, ``MMLIGHT_PROGRESS=1`` (or
  ``true``/``on``/``yes``) turns it on even when stdout is not a terminal;
- otherwise it is on exactly when stdout is a TTY (a redirected or captured stdout gets plain
  log lines only, as with mmengine);
- a config's ``trainer=dict(enable_progress_bar=...)`` (or ``--trainer.enable_progress_bar``)
  overrides both: ``build_trainer`` applies it after this function.

While the bar is on, MMEngine's log lines still go through the runner's logger; its console
handlers are routed through ``tqdm.write`` so a log line clears the bar, prints on its own line,
and the bar is redrawn below it instead of being torn in half.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any, TextIO

__all__ = [
    "ENV_VAR",
    "TqdmAwareStream",
    "progress_bar_for",
    "progress_enabled",
    "progress_trainer_kwargs",
]

ENV_VAR = "MMLIGHT_PROGRESS"
_ON = {"1", "true", "on", "yes"}
_OFF = {"0", "false", "off", "no"}


def progress_enabled(stream: TextIO | None = None) -> bool:
    """Whether the bar should show: ``MMLIGHT_PROGRESS`` if set, else whether stdout is a TTY."""
    value = os.environ.get(ENV_VAR, "").strip().lower()
    if value in _ON:
        return True
    if value in _OFF:
        return False
    if value:
        raise ValueError(
            f"{ENV_VAR}={os.environ[ENV_VAR]!r} is not understood; use {ENV_VAR}=0 to hide the "
            f"progress bar or {ENV_VAR}=1 to show it (unset: shown when stdout is a terminal)"
        )
    stream = sys.stdout if stream is None else stream
    isatty = getattr(stream, "isatty", None)
    return bool(isatty is not None and isatty())


class TqdmAwareStream:
    """A file-like wrapper that prints above whichever progress bar is on screen.

    Lightning draws a ``RichProgressBar`` when ``rich`` is installed and a ``TQDMProgressBar``
    otherwise. Rich redirects ``sys.stdout`` while its bar is live, but a logging handler keeps
    the stream it was created with; so writes are handed to rich's proxy when it is standing in
    for this very stream, and to ``tqdm.write`` (which clears and redraws tqdm bars) otherwise.
    """

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        current = sys.stdout
        if current is not self.stream and getattr(current, "rich_proxied_file", None) is (
            self.stream
        ):
            _print_above_rich_bar(current, text)
            return len(text)
        from tqdm import tqdm

        tqdm.write(text, file=self.stream, end="")
        return len(text)

    def flush(self) -> None:
        current = sys.stdout
        if getattr(current, "rich_proxied_file", None) is self.stream:
            current.flush()
        self.stream.flush()

    def isatty(self) -> bool:
        return bool(getattr(self.stream, "isatty", lambda: False)())

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


def _print_above_rich_bar(proxy: Any, text: str) -> None:
    """Print through the console of rich's stdout proxy without re-wrapping long log lines
    (the proxy's own ``write`` wraps at the terminal width, inserting hard line breaks)."""
    console = getattr(proxy, "_FileProxy__console", None)
    # rich is Lightning's optional dependency, never mmlight's: use the module rich's proxy
    # has already loaded instead of importing it.
    rich_text = sys.modules.get("rich.text")
    if console is None or rich_text is None or not text.endswith("\n"):
        proxy.write(text)  # another rich version, or a partial line
        return
    with console:
        console.print(rich_text.Text.from_ansi(text[:-1]), soft_wrap=True)


def _route_console_through_tqdm(logger: Any) -> None:
    """Wrap the console (non-file) handlers of ``logger`` once; file handlers stay as they are."""
    for handler in getattr(logger, "handlers", []):
        if isinstance(handler, logging.FileHandler) or not isinstance(
            handler, logging.StreamHandler
        ):
            continue
        if not isinstance(handler.stream, TqdmAwareStream):
            handler.setStream(TqdmAwareStream(handler.stream))


def progress_trainer_kwargs(runner: Any) -> dict[str, Any]:
    """``enable_progress_bar`` for the Trainer that runs ``runner``'s stage."""
    enabled = progress_enabled()
    user = getattr(runner, "trainer_kwargs", None) or {}
    if user.get("enable_progress_bar", enabled) and getattr(runner, "rank", 0) == 0:
        _route_console_through_tqdm(getattr(runner, "logger", None))
    return dict(enable_progress_bar=enabled)


def progress_bar_for(runner: Any, enable_progress_bar: bool, callbacks: list[Any]) -> list[Any]:
    """The run's :class:`~mmlight.lightning.progress_bar.MMEngineProgressBar` for the Trainer's
    callbacks; none when the bar is off or the user's callbacks bring a progress bar of theirs."""
    from lightning.pytorch.callbacks import ProgressBar

    if not enable_progress_bar or any(isinstance(c, ProgressBar) for c in callbacks):
        return []
    from mmlight.lightning.progress_bar import MMEngineProgressBar

    return [MMEngineProgressBar(runner)]

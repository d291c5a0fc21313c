"""``mmlight fit --help`` in milliseconds: the stage's help text, kept after it is first built.

LightningCLI builds its parser from ``lightning.Trainer``'s signature, so printing the help
imports torch and Lightning (seconds). The text only changes when mmlight, Lightning,
jsonargparse or torch change, or with the terminal's width; it is kept under
``$XDG_CACHE_HOME/mmlight/help/`` (default ``~/.cache``) keyed by exactly those, and the
first call for a key builds it the slow way and stores it. ``MMLIGHT_HELP_CACHE=0`` turns it off.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

__all__ = ["ENV_VAR", "help_cache_file", "print_stage_help"]

ENV_VAR = "MMLIGHT_HELP_CACHE"
_DEPENDENCIES = ("lightning", "jsonargparse", "torch")
# The modules whose code decides the parser's contents, besides the packages' versions.
_SOURCES = ("lightning_cli.py", "trainer_mapping.py", "help_cache.py")


def _fingerprint(stage: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    import mmlight

    parts = [stage, mmlight.__version__, str(shutil.get_terminal_size().columns)]
    for name in _DEPENDENCIES:
        try:
            parts.append(f"{name}={version(name)}")
        except PackageNotFoundError:
            parts.append(f"{name}=?")
    here = Path(__file__).parent
    parts += [str((here / source).stat().st_mtime_ns) for source in _SOURCES]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def help_cache_file(stage: str) -> Path | None:
    """Where the help of ``stage`` for this installation and terminal is kept (None: off)."""
    if os.environ.get(ENV_VAR, "1").strip().lower() in {"0", "false", "off", "no"}:
        return None
    root = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(root, "mmlight", "help", f"{stage}-{_fingerprint(stage)}.txt")


class _Tee:
    """stdout that also keeps what was written."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.parts: list[str] = []

    def write(self, text: str) -> int:
        self.parts.append(text)
        return self.stream.write(text)

    def __getattr__(self, name: str) -> object:
        return getattr(self.stream, name)


def print_stage_help(stage: str, build: Callable[[Sequence[str]], int]) -> int:
    """Print ``stage``'s help from the cache, or via ``build([stage, '--help'])`` and keep it."""
    cached = help_cache_file(stage)
    if cached is not None and cached.is_file():
        sys.stdout.write(cached.read_text(encoding="utf-8"))
        return 0
    tee = _Tee(sys.stdout)
    sys.stdout = tee
    try:
        code = build([stage, "--help"])
    finally:
        sys.stdout = tee.stream
    if code == 0 and cached is not None and tee.parts:
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            partial = cached.with_suffix(f".{os.getpid()}.tmp")
            partial.write_text("".join(tee.parts), encoding="utf-8")
            partial.replace(cached)  # atomic: a concurrent reader sees all or nothing
        except OSError:
            pass  # a read-only home: the help was printed, only not kept
    return code

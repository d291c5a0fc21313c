"""One place that turns an exception into an exit code and a one-line message.

Every command runs its body through :func:`run_guarded`. Users see ``prog: error: <what>``
naming the culprit (file, key path, type name, did-you-mean) and no traceback unless they pass
``--debug``. Exit codes: 2 for bad input (config, arguments, files, checkpoints), 1 for a failure
while a stage runs, 130 for Ctrl-C.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable, Sequence
from typing import Any

__all__ = [
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_RUNTIME",
    "EXIT_USAGE",
    "CLIError",
    "Phase",
    "exit_code_for",
    "format_error",
    "pop_debug_flag",
    "run_guarded",
]

EXIT_OK = 0
EXIT_RUNTIME = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class CLIError(Exception):
    """Bad command-line input found by the CLI itself; ``code`` is the exit status."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.code = code


class Phase:
    """Where a command is: ``setup`` (reading input, building the Runner) or ``run``.

    Any exception during setup is the user's input being wrong (exit 2); during ``run`` only
    the input-error types below are, everything else is a runtime failure (exit 1).
    """

    def __init__(self) -> None:
        self.name = "setup"

    def running(self) -> None:
        self.name = "run"


def _input_error_types() -> tuple[type[BaseException], ...]:
    """Exception types that mean bad input wherever they are raised (imported lazily)."""
    from argparse import ArgumentError

    from mmlight.config.errors import ConfigError
    from mmlight.registry.errors import RegistryError

    types: tuple[type[BaseException], ...] = (
        CLIError, ConfigError, RegistryError, ArgumentError, FileNotFoundError, ImportError
    )
    # A refused checkpoint (load_from in the config, found only when a stage loads it); the
    # module is not imported here for it: if it is not loaded, nothing raised its error.
    checkpoint = sys.modules.get("mmlight.runner.checkpoint")
    if checkpoint is not None:
        types += (checkpoint.UnsafeCheckpointError,)
    return types


def exit_code_for(error: BaseException, phase: str = "run") -> int:
    if isinstance(error, KeyboardInterrupt):
        return EXIT_INTERRUPTED
    if isinstance(error, CLIError):
        return error.code
    if phase == "setup" or isinstance(error, _input_error_types()):
        return EXIT_USAGE
    return EXIT_RUNTIME


def format_error(error: BaseException, debug: bool = False) -> str:
    """``message (notes)``, cut to its first line unless ``debug`` (long ones name more)."""
    if isinstance(error, KeyboardInterrupt):
        return "interrupted"
    text = str(error)
    if isinstance(error, KeyError) and len(error.args) == 1 and text == repr(error.args[0]):
        text = str(error.args[0])  # a plain KeyError repr-quotes its message
    notes = [str(n) for n in getattr(error, "__notes__", ()) or ()]
    lines = [line for line in text.splitlines() if line.strip()] or [type(error).__name__]
    head = lines[0]
    if not isinstance(error, (CLIError,)) and type(error).__module__ == "builtins":
        head = f"{type(error).__name__}: {head}"
    if notes:
        head += " " + " ".join(notes)
    if len(lines) > 1:
        head += "\n" + "\n".join("  " + line for line in lines[1:]) if debug else (
            " [more with --debug]"
        )
    return head


def pop_debug_flag(argv: Sequence[str]) -> tuple[list[str], bool]:
    """Remove ``--debug`` from ``argv``; every command accepts it anywhere."""
    args = list(argv)
    debug = "--debug" in args
    return [a for a in args if a != "--debug"], debug


def run_guarded(
    prog: str, body: Callable[[list[str], Phase], Any], argv: Sequence[str] | None = None
) -> int:
    """Run ``body(argv, phase)``; map what it raises to an exit status and a stderr line."""
    args, debug = pop_debug_flag(sys.argv[1:] if argv is None else argv)
    phase = Phase()
    try:
        body(args, phase)
    except SystemExit as done:  # argparse --help / usage errors keep their own status
        code = done.code
        return code if isinstance(code, int) else (0 if code is None else EXIT_USAGE)
    except (Exception, KeyboardInterrupt) as error:
        if debug:
            traceback.print_exc()
        sys.stderr.write(f"{prog}: error: {format_error(error, debug)}\n")
        return exit_code_for(error, phase.name)
    return EXIT_OK

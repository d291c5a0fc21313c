"""One place that turns an exception into an exit code and a one-line message.

Every command runs its body through :func:`run_guarded`. Users see ``prog: error: <what>``
naming the culprit (file, key path, type name, did-you-mean) and no traceback unless they pass
``--debug``. Exit codes, the same for every command (``mmlight-train``, ``mmlight-test``,
``mmlight fit|validate|test|predict``, ``mmlight check|print-config|registry``):

- 0: success;
- 2: bad input found before training: arguments, a config that is missing, a directory, does
  not parse or raises while it loads (file and line named), unknown registry names, bad
  values, refused or unreadable checkpoints (a folder, a truncated file, an unsafe pickle,
  weights of other shapes or counters that are not counters on resume). Config, registry and
  checkpoint errors count as bad input even when a stage finds them late (say, ``load_from``,
  or the file ``work_dir/last_checkpoint`` names, when the stage starts);
- 1: a failure while a stage runs (a dataset, metric, model or hook raising; the message names
  the component, its config key, the stage, epoch and iteration), whatever its type: a
  dataset's ``FileNotFoundError`` in epoch 3 is 1, not 2. The message ends with a pointer to
  ``--debug``, which prints the traceback;
- 130: interrupted (Ctrl-C).
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable, Sequence
from typing import Any

__all__ = [
    "DEBUG_HINT",
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
    # A refused, unreadable or unfitting checkpoint (load_from in the config, or the one
    # work_dir/last_checkpoint names, found only when a stage loads it); the module is not
    # imported here for it: if it is not loaded, nothing raised its errors.
    loading = sys.modules.get("mmlight.runner.runner_checkpoint")
    if loading is not None:
        types += loading.CHECKPOINT_INPUT_ERRORS
    checkpoint = sys.modules.get("mmlight.runner.checkpoint")
    if checkpoint is not None:
        types += (checkpoint.UnsafeCheckpointError, checkpoint.NotACheckpointError)
    return types


def _is_config_error(error: BaseException) -> bool:
    from mmlight.config.errors import ConfigError
    from mmlight.registry.errors import RegistryError

    return isinstance(error, (CLIError, ConfigError, RegistryError))


def exit_code_for(error: BaseException, phase: str = "run") -> int:
    if isinstance(error, KeyboardInterrupt):
        return EXIT_INTERRUPTED
    if isinstance(error, CLIError):
        return error.code
    from mmlight.utils.error_notes import run_failure_site

    if run_failure_site(error) is not None and not _is_config_error(error):
        return EXIT_RUNTIME  # raised by a dataset or metric while a stage ran
    if phase == "setup" or isinstance(error, _input_error_types()):
        return EXIT_USAGE
    return EXIT_RUNTIME


DEBUG_HINT = "[--debug shows the traceback]"


def format_error(error: BaseException, debug: bool = False, runtime: bool = False) -> str:
    """``message (notes)``, cut to its first line unless ``debug`` (long ones name more).

    ``runtime`` (a failure while running, exit 1) ends it with :data:`DEBUG_HINT`.
    """
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
    if len(lines) > 1 and debug:
        head += "\n" + "\n".join("  " + line for line in lines[1:])
    elif not debug and runtime:
        head += " " + DEBUG_HINT
    elif len(lines) > 1:
        head += " [more with --debug]"
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
        code = exit_code_for(error, phase.name)
        message = format_error(error, debug, runtime=code == EXIT_RUNTIME)
        sys.stderr.write(f"{prog}: error: {message}\n")
        return code
    return EXIT_OK

"""Where a failure happened, attached to the exception itself (type unchanged).

User code may ``except KeyError`` around ``runner.train()``, so mmlight never wraps a failure
of a dataset, metric or model in an exception of its own: it adds one note (PEP 678) saying
where it happened. Inner code may say a little (``raised by metrics[0] (Acc)``) and outer code
that knows more (config key, stage, epoch, iteration) replaces that note with a complete one,
so the message carries one location, not a stack of partial ones.

Imports nothing heavy: the CLI's error mapping reads :func:`run_failure_site`.
"""

from __future__ import annotations

import contextlib

__all__ = ["mark_run_failure", "note_of", "run_failure_site", "set_note"]

_NOTE_ATTR = "_mmlight_location_note"
_SITE_ATTR = "_mmlight_run_failure"


def note_of(error: BaseException) -> str | None:
    """The location note mmlight attached to ``error``, if any."""
    note = getattr(error, _NOTE_ATTR, None)
    return note if isinstance(note, str) else None


def set_note(error: BaseException, note: str) -> None:
    """Attach ``note`` as ``error``'s one location note, replacing an earlier one."""
    old = note_of(error)
    try:
        setattr(error, _NOTE_ATTR, note)
    except AttributeError:  # an exception type with __slots__: nothing can be attached
        return
    notes = getattr(error, "__notes__", None)
    if isinstance(notes, list) and old is not None and old in notes:
        notes[notes.index(old)] = note
    elif hasattr(error, "add_note"):
        error.add_note(note)
    else:  # Python 3.10: no add_note, but the CLIs read __notes__ all the same
        error.__notes__ = [*(notes or []), note]  # type: ignore[attr-defined]


def mark_run_failure(error: BaseException, site: str) -> None:
    """Record that ``error`` came from ``site`` (a dataset, a metric...) while a stage ran.

    Such an error is a failure while running (exit 1 in the CLIs) whatever its type: a
    ``FileNotFoundError`` for a missing image in epoch 3 is not bad command-line input.
    """
    with contextlib.suppress(AttributeError):
        setattr(error, _SITE_ATTR, site)


def run_failure_site(error: BaseException) -> str | None:
    """The site :func:`mark_run_failure` recorded on ``error``, or None."""
    site = getattr(error, _SITE_ATTR, None)
    return site if isinstance(site, str) else None

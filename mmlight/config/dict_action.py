"""``DictAction``: the argparse action behind ``--cfg-options key=value ...``.

Values are parsed as mmengine does: ``int``, then ``float``, then ``true``/``false``
(any case), then ``None``, else the string; ``a,b`` is a list, ``[...]`` a list, ``(...)``
a tuple, and brackets nest. Spaces inside a value are removed and surrounding quotes
stripped. Repeating the option accumulates keys.
"""

from __future__ import annotations

import copy
from argparse import Action, ArgumentParser, Namespace
from collections.abc import Sequence
from typing import Any

from .errors import DictActionError

__all__ = ["DictAction"]


def _balanced(text: str) -> bool:
    return text.count("(") == text.count(")") and text.count("[") == text.count("]")


def _check_key(key: str, item: str, flag: str) -> None:
    """Refuse an empty key or key part (``=5``, ``a..b=1``): it would become a key ``''``."""
    if key.strip() and all(part.strip() for part in key.split(".")):
        return
    what = "an empty key" if not key.strip() else f"an empty part in the key {key!r}"
    raise DictActionError(
        f"{flag}: {item!r} has {what}; write KEY=VALUE with a dotted key path (e.g. "
        f"{flag} model.backbone.depth=50)"
    )


class DictAction(Action):
    """Collect ``KEY=VALUE`` arguments into a dict, splitting each on its first ``=``."""

    @staticmethod
    def _parse_int_float_bool(val: str) -> Any:
        try:
            return int(val)
        except ValueError:
            pass
        try:
            return float(val)
        except ValueError:
            pass
        if val.lower() in ("true", "false"):
            return val.lower() == "true"
        if val == "None":
            return None
        return val

    @staticmethod
    def _parse_iterable(val: str) -> Any:
        """Parse one value: a scalar, or a (nested) list/tuple."""
        original = val
        val = val.strip("'\"").replace(" ", "")
        if not _balanced(val):
            raise DictActionError(
                f"Imbalanced brackets exist in {original!r}: every '(' needs a ')' and every "
                f"'[' a ']' (e.g. key=[(1,2),(3,4)])"
            )
        is_tuple = False
        if val.startswith("(") and val.endswith(")"):
            is_tuple = True
            val = val[1:-1]
        elif val.startswith("[") and val.endswith("]"):
            val = val[1:-1]
        elif "," not in val:
            return DictAction._parse_int_float_bool(val)

        values = []
        while val:
            end = DictAction._next_comma(val, original)
            if end == len(val) and not is_tuple and val == original.strip("'\"").replace(" ", ""):
                # Commas only inside parentheses, as in dict(a=1,b=2): not a list or tuple.
                # (mmengine recurses until Python's stack runs out here.)
                raise DictActionError(
                    f"cannot parse {original!r}: a value is a number, true/false, None, a "
                    "string, a list [a,b] or a tuple (a,b); calls such as dict(...) are not "
                    "values - set a dict's keys one by one (e.g. key.type=EMAHook "
                    "key.momentum=0.01) or write it in the config file"
                )
            values.append(DictAction._parse_iterable(val[:end]))
            val = val[end + 1 :]
        return tuple(values) if is_tuple else values

    @staticmethod
    def _next_comma(text: str, original: str) -> int:
        """Index of the first top-level comma in ``text`` (its length if none)."""
        if not _balanced(text):
            raise DictActionError(
                f"Imbalanced brackets exist in {original!r}: every '(' needs a ')' and every "
                f"'[' a ']' (e.g. key=[(1,2),(3,4)])"
            )
        for index, char in enumerate(text):
            before = text[:index]
            if char == "," and _balanced(before):
                return index
        return len(text)

    def __call__(
        self,
        parser: ArgumentParser,
        namespace: Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        options = copy.copy(getattr(namespace, self.dest, None) or {})
        if values is not None:
            for item in [values] if isinstance(values, str) else values:
                if "=" not in item:
                    flag = option_string or self.dest
                    raise DictActionError(
                        f"{flag}: expected KEY=VALUE, got {item!r} (e.g. {flag} "
                        f"model.backbone.depth=50 optim_wrapper.optimizer.lr=0.01)"
                    )
                key, val = item.split("=", maxsplit=1)
                _check_key(key, item, option_string or self.dest)
                options[key] = self._parse_iterable(val)
        setattr(namespace, self.dest, options)

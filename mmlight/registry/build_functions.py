"""``build_from_cfg``: turn ``dict(type=..., **kwargs)`` into an object, with helpful errors.

Semantics follow mmengine (``type`` as str or callable, ``default_args`` filled in with
``setdefault``, ``_scope_`` switching, ManagerMixin classes built with ``get_instance``). On top:
``type`` may be any dotted import path, and failures name the type, the registry, the scopes
searched, the closest registered names and, for rejected constructor arguments, the argument.
"""

from __future__ import annotations

import importlib.util
import inspect
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from mmlight.registry.errors import (
    BuildArgumentError,
    ConfigTypeError,
    MissingTypeError,
    RegistryError,
    UnknownTypeError,
    closest_names,
    did_you_mean,
)
from mmlight.utils.imports import get_object_from_string
from mmlight.utils.manager import ManagerMixin

if TYPE_CHECKING:
    from mmlight.registry.registry import Registry

__all__ = [
    "SchedulerConversionError",
    "build_from_cfg",
    "build_scheduler_from_cfg",
    "not_a_config_message",
]

logger = logging.getLogger(__name__)

_P = inspect.Parameter
_NAMED_KINDS = (_P.POSITIONAL_OR_KEYWORD, _P.KEYWORD_ONLY)


def not_a_config_message(cfg: object) -> str:
    """mmengine's words (downstream tests match them), then what was given."""
    return f"cfg should be a dict, ConfigDict or Config, but got {type(cfg)}: {cfg!r:.200}"


def _is_mapping(obj: Any) -> bool:
    """dict, ConfigDict, and Config-like objects that expose ``keys`` and ``__getitem__``."""
    return isinstance(obj, Mapping) or (hasattr(obj, "keys") and hasattr(obj, "__getitem__"))


def _keys(obj: Any) -> list[str]:
    return [str(k) for k in obj]


def _type_label(obj: Any) -> str:
    return getattr(obj, "__name__", None) or repr(obj)


def _is_manager_class(obj: Any) -> bool:
    """ManagerMixin subclasses (mmlight's, or another package's class of that name)."""
    if not inspect.isclass(obj):
        return False
    return issubclass(obj, ManagerMixin) or any(
        base.__name__ == "ManagerMixin" for base in obj.__mro__[1:]
    )


# ---------------------------------------------------------------------- unknown type
def _dotted_suggestions(type_name: str) -> list[str]:
    """For ``'pkg.mod.Nmae'`` whose ``pkg.mod`` imports: close attribute names of ``pkg.mod``."""
    owner_path, dot, leaf = type_name.rpartition(".")
    if not dot:
        return []
    try:
        owner = get_object_from_string(owner_path)
    except Exception:  # the lookup already failed; suggestions must not raise a second error
        return []
    if owner is None:
        return []
    public = [n for n in dir(owner) if not n.startswith("_")]
    return [f"{owner_path}.{n}" for n in closest_names(leaf, public)]


def _unknown_type_error(
    type_name: str, registry: Registry, searched: list[Registry]
) -> UnknownTypeError:
    unique: list[Registry] = []
    for reg in searched:
        if all(reg is not seen for seen in unique):
            unique.append(reg)
    labels = [f"{r.scope}::{r.name}" for r in unique]
    registered = {name for r in unique for name in r.module_dict}
    scope, real_key = registry.split_scope_key(type_name)
    # 'scope.Name' naming a registry scope, as opposed to an import path like 'torch.optim.X'
    scoped = scope is not None and any(r._is_scope(scope) for r in unique)
    suggestions = closest_names(real_key if scoped else type_name, registered)
    if scope is not None and not scoped:
        suggestions += _dotted_suggestions(type_name)
    where = f"{registry.scope}::{registry.name}"
    parts = [f"{type_name!r} is not in the {where} registry"]
    if labels:
        parts.append(f" (searched: {', '.join(labels)})")
    if scope is not None and not scoped:
        parts.append(" and is not an importable dotted path")
        if not scope.isidentifier() or importlib.util.find_spec(scope) is None:
            parts.append(
                f" (no registry has the scope {scope!r} and no package {scope!r} is installed)"
            )
    hint = did_you_mean(suggestions)
    if hint:
        parts.append(f", {hint}")
    elif unique and not registered:
        parts.append(", and nothing is registered there yet.")
    else:
        parts.append(".")
    parts.append(
        " Check the spelling of `type`, and that the module defining it is imported "
        "(e.g. with custom_imports) and registers it in this registry or one of its scopes."
    )
    return UnknownTypeError(
        "".join(parts),
        type_name=type_name,
        registry_name=registry.name,
        scope=registry.scope,
        searched=labels,
        suggestions=suggestions,
    )


# ---------------------------------------------------------------------- bad arguments
def _argument_error(
    obj_cls: Any, kwargs: dict[str, Any], type_name: str, registry: Registry
) -> BuildArgumentError | None:
    """Explain why ``obj_cls(**kwargs)`` cannot bind; None when the signature accepts them.

    Only called after the call raised TypeError: a None here means the TypeError came from
    inside the constructor, not from its arguments, and must propagate untouched.
    """
    try:
        sig = inspect.signature(obj_cls)
    except (TypeError, ValueError):
        return None
    params = sig.parameters
    needs_name = _is_manager_class(obj_cls) and "name" not in kwargs
    try:
        sig.bind(**kwargs)
    except TypeError:
        pass
    else:
        if not needs_name:
            return None
    accepted = [n for n, p in params.items() if p.kind in _NAMED_KINDS]
    takes_any = any(p.kind is _P.VAR_KEYWORD for p in params.values())
    unexpected = [] if takes_any else [k for k in kwargs if k not in accepted]
    missing = [
        n
        for n, p in params.items()
        if p.default is _P.empty
        and (p.kind is _P.POSITIONAL_ONLY or (p.kind in _NAMED_KINDS and n not in kwargs))
    ]
    if needs_name and "name" not in missing:
        missing.insert(0, "name")
    if not unexpected and not missing:
        return None
    suggestions: dict[str, str] = {}
    problems: list[str] = []
    for key in unexpected:
        close = closest_names(key, [a for a in accepted if a not in kwargs], n=1)
        text = f"got an unexpected keyword argument {key!r}"
        if close:
            suggestions[key] = close[0]
            text += f" ({did_you_mean(close)})"
        problems.append(text)
    if missing:
        plural = "s" if len(missing) > 1 else ""
        problems.append(f"missing required argument{plural} " + ", ".join(repr(m) for m in missing))
    message = (
        f"{type_name} (from the {registry.scope}::{registry.name} registry) "
        + "; ".join(problems)
        + f". {_type_label(obj_cls)} accepts: "
        + (", ".join(accepted) or "no keyword arguments")
        + (", **kwargs" if takes_any else "")
        + "."
    )
    return BuildArgumentError(
        message,
        type_name=type_name,
        registry_name=registry.name,
        scope=registry.scope,
        unexpected=unexpected,
        missing=missing,
        suggestions=suggestions,
    )


def _note(err: BaseException, text: str) -> None:
    if hasattr(err, "add_note"):
        err.add_note(text)


def _instantiate(obj_cls: Any, args: dict[str, Any], type_name: str, registry: Registry) -> Any:
    try:
        if _is_manager_class(obj_cls):
            return obj_cls.get_instance(**args)
        return obj_cls(**args)
    except TypeError as err:
        explained = _argument_error(obj_cls, args, type_name, registry)
        if explained is not None:
            raise explained from err
        _note(
            err,
            f"(while building {type_name!r} from the {registry.scope}::{registry.name} registry)",
        )
        raise
    except Exception as err:
        _note(
            err,
            f"(while building {type_name!r} from the {registry.scope}::{registry.name} registry)",
        )
        raise


# ---------------------------------------------------------------------- entry point
def build_from_cfg(cfg: Any, registry: Registry, default_args: Any | None = None) -> Any:
    """Build the object ``cfg['type']`` names, with the rest of ``cfg`` as keyword arguments.

    Args:
        cfg: a dict, ConfigDict or Config with a ``type`` key (str: a registered name,
            ``'scope.Name'`` or a dotted import path; or a class / callable).
        registry: where string types are looked up.
        default_args: arguments used where ``cfg`` does not set them (``type`` included).
    """
    from mmlight.registry.registry import Registry

    if not _is_mapping(cfg):
        raise ConfigTypeError(not_a_config_message(cfg))
    if "type" not in cfg and (default_args is None or "type" not in default_args):
        where = (
            f" to build from the {registry.scope}::{registry.name} registry"
            if isinstance(registry, Registry)
            else ""
        )
        default_keys = f" and default_args keys {_keys(default_args)}" if default_args else ""
        raise MissingTypeError(
            f'`cfg` or `default_args` must contain the key "type"{where}, but got cfg keys '
            f"{_keys(cfg)}{default_keys}",
            registry_name=getattr(registry, "name", None),
            scope=getattr(registry, "scope", None),
            cfg_keys=_keys(cfg),
        )
    if not isinstance(registry, Registry):
        raise ConfigTypeError(
            f"registry must be an mmlight.registry.Registry object, but got "
            f"{type(registry).__name__}"
        )
    if default_args is not None and not _is_mapping(default_args):
        raise ConfigTypeError(
            "default_args should be a dict, ConfigDict, Config or None, but got "
            f"{type(default_args).__name__}",
            registry_name=registry.name,
            scope=registry.scope,
        )

    args: dict[str, Any] = {k: cfg[k] for k in cfg}
    if default_args is not None:
        for key in default_args:
            args.setdefault(key, default_args[key])

    scope = args.pop("_scope_", None)
    with registry.switch_scope_and_registry(scope) as build_registry:
        obj_type = args.pop("type")
        if isinstance(obj_type, str):
            searched: list[Registry] = []
            obj_cls = build_registry._lookup(obj_type, searched)
            if obj_cls is None:
                raise _unknown_type_error(obj_type, build_registry, searched)
            type_name = obj_type
        elif callable(obj_type):
            obj_cls = obj_type
            type_name = _type_label(obj_type)
        else:
            raise ConfigTypeError(
                f"type must be a str or valid type, but got {type(obj_type).__name__}: "
                f"{obj_type!r}",
                registry_name=build_registry.name,
                scope=build_registry.scope,
            )
        obj = _instantiate(obj_cls, args, type_name, build_registry)
        logger.debug(
            "built %s from the %s::%s registry (implementation: %s)",
            type_name,
            build_registry.scope,
            build_registry.name,
            getattr(obj_cls, "__module__", obj_cls),
        )
        return obj


# ---------------------------------------------------------------------- parameter schedulers
class SchedulerConversionError(RegistryError, ValueError, AssertionError):
    """``convert_to_iter_based=True`` on a scheduler that cannot be converted (mmengine asserts)."""


def build_scheduler_from_cfg(cfg: Any, registry: Registry, default_args: Any | None = None) -> Any:
    """PARAM_SCHEDULERS' build function: ``build_from_cfg`` plus epoch -> iteration conversion.

    With ``convert_to_iter_based=True`` the scheduler class's ``build_iter_from_epoch`` builds
    it (``epoch_length``, which the runner passes in ``default_args``, scales the step-counted
    arguments); otherwise ``epoch_length`` is dropped and the class is built as usual.
    """
    from mmlight.registry.registry import Registry

    if not _is_mapping(cfg):
        raise ConfigTypeError(not_a_config_message(cfg))
    if not isinstance(registry, Registry):
        raise ConfigTypeError(
            f"registry must be an mmlight.registry.Registry object, but got "
            f"{type(registry).__name__}"
        )
    args: dict[str, Any] = {k: cfg[k] for k in cfg}
    if default_args is not None:
        for key in default_args:
            args.setdefault(key, default_args[key])
    if not args.pop("convert_to_iter_based", False):
        args.pop("epoch_length", None)
        return build_from_cfg(args, registry)

    scope = args.pop("_scope_", None)
    with registry.switch_scope_and_registry(scope) as build_registry:
        if "type" not in args:
            raise MissingTypeError(
                '`cfg` or `default_args` must contain the key "type" to build from the '
                f"{build_registry.scope}::{build_registry.name} registry, but got cfg keys "
                f"{_keys(cfg)}",
                registry_name=build_registry.name,
                scope=build_registry.scope,
                cfg_keys=_keys(cfg),
            )
        obj_type = args.pop("type")
        obj_cls: Any
        if isinstance(obj_type, str):
            searched: list[Registry] = []
            obj_cls = build_registry._lookup(obj_type, searched)
            if obj_cls is None:
                raise _unknown_type_error(obj_type, build_registry, searched)
            type_name = obj_type
        elif inspect.isclass(obj_type):
            obj_cls, type_name = obj_type, _type_label(obj_type)
        else:
            raise ConfigTypeError(
                f"type must be a str or a class, but got {type(obj_type).__name__}: {obj_type!r}",
                registry_name=build_registry.name,
                scope=build_registry.scope,
            )
        if not args.get("by_epoch", True) or args.get("epoch_length") is None:
            problem = (
                "it has by_epoch=False"
                if not args.get("by_epoch", True)
                else "no epoch_length was given (the runner passes len(train_dataloader))"
            )
            raise SchedulerConversionError(
                f"{type_name} has convert_to_iter_based=True, but {problem}: only an "
                "epoch-based scheduler (by_epoch=True) with a known epoch_length can be "
                "converted to iter-based",
                type_name=type_name,
                registry_name=build_registry.name,
                scope=build_registry.scope,
            )
        try:
            return obj_cls.build_iter_from_epoch(**args)
        except Exception as err:
            _note(
                err,
                f"(while building {type_name!r} with convert_to_iter_based=True from the "
                f"{build_registry.scope}::{build_registry.name} registry)",
            )
            raise

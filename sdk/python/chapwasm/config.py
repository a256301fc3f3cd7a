"""Typed configs: a dataclass whose fields say what a model can be configured with. Its
JSON Schema (what `describe` reports and the service validates configs against) is derived
from the fields' types and defaults; the JSON a call receives becomes an instance of it.

Field types: `bool`, `int`, `float`, `str`, `list[...]` of those, `Optional[...]` (or
`X | None`) of any of them. A field without a default is required. A field's docstring-like
description goes in `field(metadata={"description": ...})`."""

import dataclasses
import json
import types as pytypes
import typing

from .errors import InvalidConfig

_SCALARS = {bool: "boolean", int: "integer", float: "number", str: "string"}


@dataclasses.dataclass(kw_only=True)
class BaseConfig:
    """chapkit's reserved fields, which every config has (the service fills them in).
    Keyword-only, so a subclass may add fields without defaults (required ones)."""

    prediction_periods: int = 3
    additional_continuous_covariates: list[str] = dataclasses.field(default_factory=list)


def _schema_of(annotation, where: str) -> dict:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if annotation in _SCALARS:
        return {"type": _SCALARS[annotation]}
    if origin in (typing.Union, pytypes.UnionType):
        members = [a for a in args if a is not type(None)]
        schemas = [_schema_of(a, where) for a in members]
        if len(members) < len(args):
            schemas.append({"type": "null"})
        return schemas[0] if len(schemas) == 1 else {"anyOf": schemas}
    if origin is list:
        return {"type": "array", "items": _schema_of(args[0], where) if args else {}}
    raise TypeError(f"{where}: a config field cannot be {annotation!r} (bool, int, float, str, list, Optional)")


def schema(config_type) -> dict:
    """The JSON Schema of a config dataclass (`{}`-accepting when `config_type` is None)."""
    if config_type is None:
        return {"type": "object", "properties": {}}
    hints = typing.get_type_hints(config_type)
    properties, required = {}, []
    for field in dataclasses.fields(config_type):
        prop = _schema_of(hints[field.name], f"{config_type.__name__}.{field.name}")
        if "description" in field.metadata:
            prop["description"] = field.metadata["description"]
        if field.default is not dataclasses.MISSING:
            prop["default"] = field.default
        elif field.default_factory is not dataclasses.MISSING:
            prop["default"] = field.default_factory()
        else:
            required.append(field.name)
        properties[field.name] = prop
    result = {"title": config_type.__name__, "type": "object", "properties": properties}
    if required:
        result["required"] = required
    return result


def parse(config_type, text: str):
    """The config a call received (JSON text the service validated) as `config_type`
    (fields it does not declare are dropped), or as a dict without one."""
    try:
        data = json.loads(text) if text else {}
    except ValueError as error:
        raise InvalidConfig(f"the config is not JSON: {error}") from None
    if not isinstance(data, dict):
        raise InvalidConfig("the config must be a JSON object")
    if config_type is None:
        return data
    names = {f.name for f in dataclasses.fields(config_type)}
    try:
        return config_type(**{k: v for k, v in data.items() if k in names})
    except TypeError as error:
        raise InvalidConfig(f"the config does not fit {config_type.__name__}: {error}") from None

"""Trained models as bytes, for the author: whatever `on_train` returns is encoded in the
runner's `model_format` and decoded before `on_predict` sees it."""

import json
import pickle

from .errors import InvalidModel

FORMATS = ("json", "pickle", "bytes")


def encode(model, model_format: str) -> bytes:
    if model_format == "json":
        return json.dumps(model).encode()
    if model_format == "pickle":
        return pickle.dumps(model)
    if not isinstance(model, (bytes, bytearray)):
        raise TypeError(f"model_format 'bytes' needs on_train to return bytes, not {type(model).__name__}")
    return bytes(model)


def decode(data: bytes, model_format: str):
    try:
        if model_format == "json":
            return json.loads(data)
        if model_format == "pickle":
            return pickle.loads(data)
        return data
    except Exception as error:
        raise InvalidModel(f"the model bytes are not {model_format}: {error}") from None

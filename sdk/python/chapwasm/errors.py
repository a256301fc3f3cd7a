"""Failures a model reports. Raise `ModelError` (or one of its kinds) to fail a call with a
message the client sees; any other exception is reported too, as a `failed` model error
carrying its traceback — never as a bare trap."""

INVALID_CONFIG = "invalid-config"
INVALID_DATA = "invalid-data"
INVALID_MODEL = "invalid-model"
FAILED = "failed"

KINDS = (INVALID_CONFIG, INVALID_DATA, INVALID_MODEL, FAILED)


class ModelError(Exception):
    """A failure the model detected. `kind` is one of `KINDS`."""

    def __init__(self, message: str, kind: str = FAILED):
        if kind not in KINDS:
            raise ValueError(f"unknown error kind {kind!r}: one of {', '.join(KINDS)}")
        super().__init__(message)
        self.kind = kind
        self.message = message


class InvalidData(ModelError):
    """The data does not fit the model: a missing column, a wrong type, too few rows."""

    def __init__(self, message: str):
        super().__init__(message, INVALID_DATA)


class InvalidConfig(ModelError):
    """The configuration does not fit the model."""

    def __init__(self, message: str):
        super().__init__(message, INVALID_CONFIG)


class InvalidModel(ModelError):
    """The model bytes given to `predict` cannot be decoded."""

    def __init__(self, message: str):
        super().__init__(message, INVALID_MODEL)

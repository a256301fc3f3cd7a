"""Runners, as chapkit's: `FunctionalModelRunner(on_train=..., on_predict=...)`, or a
`BaseModelRunner` subclass with `on_init`/`on_cleanup` around each call. `component()`
turns one into the class componentize-py exports (`WitWorld`): it parses the config into
the author's dataclass, converts frames, encodes the model, and reports every exception as
a model error — a `ModelError` with its kind, anything else as `failed` with its traceback
— so a Python bug never reaches the host as a bare trap. Hooks may be `async def` as in
chapkit, as long as they wait on nothing (there is no I/O in the sandbox)."""

import inspect
import json
import traceback

from . import config as configs
from . import encoding, wire
from .bindings import Err, types
from .errors import FAILED, ModelError
from .frame import DataFrame
from .info import ModelInfo


class BaseModelRunner:
    """Subclass and override `on_train` and `on_predict` (and the hooks if needed)."""

    def on_init(self):
        """Runs before each `train` or `predict`."""

    def on_cleanup(self):
        """Runs after each `train` or `predict`, whatever its outcome."""

    def on_train(self, config, data: DataFrame, geo=None):
        raise NotImplementedError("on_train")

    def on_predict(self, config, model, historic: DataFrame, future: DataFrame, geo=None) -> DataFrame:
        raise NotImplementedError("on_predict")


class FunctionalModelRunner(BaseModelRunner):
    """A runner from two functions: `on_train(config, data, geo)` returns the model,
    `on_predict(config, model, historic, future, geo)` returns `future` with `sample_0`...
    """

    def __init__(self, on_train, on_predict):
        self._train, self._predict = on_train, on_predict

    def on_train(self, config, data, geo=None):
        return self._train(config, data, geo)

    def on_predict(self, config, model, historic, future, geo=None):
        return self._predict(config, model, historic, future, geo)


def _complete(value):
    """The value of a hook's result, running it to the end if it is a coroutine."""
    if not inspect.iscoroutine(value):
        return value
    try:
        value.send(None)
    except StopIteration as done:
        return done.value
    value.close()
    raise ModelError("an async hook waited on something: nothing can be awaited in the sandbox")


def _failure(error: BaseException):
    """The generated `Err(ModelError)` for an exception."""
    try:
        if isinstance(error, ModelError):
            kind, message = getattr(error, "kind", FAILED), str(getattr(error, "message", error))
        else:
            trace = "".join(traceback.format_exception(error)).rstrip()
            kind, message = FAILED, f"{type(error).__name__}: {error}\n{trace}"
        kind = types.ErrorKind[kind.upper().replace("-", "_")]
    except Exception:  # an exception that cannot even be described (a broken __str__)
        kind, message = types.ErrorKind.FAILED, f"{type(error).__name__} (its message could not be read)"
    return Err(types.ModelError(kind, message))


def _geo(text):
    return None if text is None else json.loads(text)


def component(runner: BaseModelRunner, info: ModelInfo, config=None, model_format: str = "json"):
    """The class to export: `WitWorld = chapwasm.component(runner, info, Config)` in the
    module componentize-py builds. `config` is the config dataclass (or None for a plain
    dict); `model_format` is json, pickle or bytes (what `on_train` returns)."""
    if model_format not in encoding.FORMATS:
        raise ValueError(f"model_format must be one of {', '.join(encoding.FORMATS)}")
    # JSON only (a NaN default would not be): fails here, when the component is built.
    config_schema = json.dumps(configs.schema(config), allow_nan=False)

    def run(hook):
        _complete(runner.on_init())
        try:
            result = _complete(hook())
        except BaseException:
            # The hook's failure is what the job reports, even if cleaning up fails too.
            try:
                _complete(runner.on_cleanup())
            except BaseException:
                pass
            raise
        _complete(runner.on_cleanup())
        return result

    class WitWorld:
        def describe(self):
            return types.ModelInfo(
                info.name,
                info.version,
                info.description,
                config_schema,
                info.target,
                list(info.required_covariates),
                info.allow_free_additional_continuous_covariates,
                types.PeriodType[info.period_type.upper()],
                info.requires_geo,
                info.min_prediction_periods,
                info.max_prediction_periods,
            )

        def train(self, config_text, data, geo):
            try:
                parsed = configs.parse(config, config_text)
                frame = wire.from_wit(data)
                model = run(lambda: runner.on_train(parsed, frame, _geo(geo)))
                return encoding.encode(model, model_format)
            except BaseException as error:
                raise _failure(error) from None

        def predict(self, config_text, model, historic, future, geo):
            try:
                parsed = configs.parse(config, config_text)
                decoded = encoding.decode(model, model_format)
                frames = wire.from_wit(historic), wire.from_wit(future)
                predicted = run(lambda: runner.on_predict(parsed, decoded, *frames, _geo(geo)))
                if not isinstance(predicted, DataFrame):
                    raise TypeError(f"on_predict must return a chapwasm.DataFrame, not {type(predicted).__name__}")
                return wire.to_wit(predicted)
            except BaseException as error:
                raise _failure(error) from None

    return WitWorld

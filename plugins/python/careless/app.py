"""A model with a bug: its training divides by zero. The SDK must report the exception,
traceback included, as a model error (a failed job that says why), never as a bare trap."""

import chapwasm


def average(values):
    return sum(values) / len(values)


def on_train(config, data, geo=None):
    return {"mean": average([])}


def on_predict(config, model, historic, future, geo=None):
    return future


WitWorld = chapwasm.component(
    chapwasm.FunctionalModelRunner(on_train=on_train, on_predict=on_predict),
    chapwasm.ModelInfo("careless-py", description="Fails its training with a Python exception."),
)

"""chapwasm's Python SDK: write a CHAP model as two functions (or a runner class), build it
into a WebAssembly component with `python -m chapwasm.build app.py`, upload the `.wasm` to
a chapwasm server.

    import chapwasm
    from dataclasses import dataclass

    @dataclass
    class Config(chapwasm.BaseConfig):
        scale: float = 1.0

    def on_train(config, data, geo):
        observed = [v for v in data.f64_column("disease_cases") if v is not None]
        return {"mean": config.scale * sum(observed) / len(observed)}

    def on_predict(config, model, historic, future, geo):
        future.set_f64("sample_0", [model["mean"]] * future.num_rows)
        return future

    WitWorld = chapwasm.component(
        chapwasm.FunctionalModelRunner(on_train=on_train, on_predict=on_predict),
        chapwasm.ModelInfo("mean-model"),
        Config,
    )
"""

from .config import BaseConfig
from .errors import InvalidConfig, InvalidData, InvalidModel, ModelError
from .frame import DataFrame
from .host import log, progress
from .info import ModelInfo
from .runner import BaseModelRunner, FunctionalModelRunner, component

__all__ = [
    "BaseConfig",
    "BaseModelRunner",
    "DataFrame",
    "FunctionalModelRunner",
    "InvalidConfig",
    "InvalidData",
    "InvalidModel",
    "ModelError",
    "ModelInfo",
    "component",
    "log",
    "progress",
]

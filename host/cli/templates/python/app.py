"""{{name}}: a CHAP model in Python. Start here: change on_train and on_predict."""

from dataclasses import dataclass, field

import chapwasm


@dataclass
class Config(chapwasm.BaseConfig):
    scale: float = field(default=1.0, metadata={"description": "Multiplier applied to the historical mean"})


def on_train(config: Config, data: chapwasm.DataFrame, geo=None):
    observed = [value for value in data.f64_column("disease_cases") if value is not None]
    if not observed:
        raise chapwasm.InvalidData("no observed disease_cases")
    chapwasm.log(f"training on {len(observed)} of {data.num_rows} rows")
    return {"mean": config.scale * sum(observed) / len(observed)}


def on_predict(config: Config, model, historic, future: chapwasm.DataFrame, geo=None):
    future.set_f64("sample_0", [model["mean"]] * future.num_rows)
    return future


WitWorld = chapwasm.component(
    chapwasm.FunctionalModelRunner(on_train=on_train, on_predict=on_predict),
    chapwasm.ModelInfo("{{name}}", description="Predicts the (scaled) training mean."),
    Config,
)

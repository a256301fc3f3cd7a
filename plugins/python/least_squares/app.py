"""Ordinary least squares of the target on its feature columns, in pure Python (the
standard library only), as a class-style runner: the Python twin of the
`linear-regression` plugin. Predictions go to `sample_0`."""

from dataclasses import dataclass, field
from typing import Optional

import chapwasm

#: CHAP's identifier columns: never features.
IDENTIFIERS = ("time_period", "location", "parent")


@dataclass
class Config(chapwasm.BaseConfig):
    target: Optional[str] = field(
        default=None, metadata={"description": "Column to predict (default disease_cases, else the last column)"}
    )
    features: Optional[list[str]] = field(
        default=None, metadata={"description": "Feature columns (default: every non-identifier column)"}
    )


def solve(matrix: list[list[float]], vector: list[float]) -> list[float]:
    """`matrix` x = `vector` by Gaussian elimination with partial pivoting."""
    n = len(vector)
    rows = [row[:] + [value] for row, value in zip(matrix, vector)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(rows[r][col]))
        if abs(rows[pivot][col]) < 1e-12:
            raise chapwasm.InvalidData("the features are collinear: the fit has no unique solution")
        rows[col], rows[pivot] = rows[pivot], rows[col]
        for r in range(col + 1, n):
            factor = rows[r][col] / rows[col][col]
            for c in range(col, n + 1):
                rows[r][c] -= factor * rows[col][c]
    solution = [0.0] * n
    for r in reversed(range(n)):
        solution[r] = (rows[r][n] - sum(rows[r][c] * solution[c] for c in range(r + 1, n))) / rows[r][r]
    return solution


class LeastSquares(chapwasm.BaseModelRunner):
    def on_init(self):
        chapwasm.log("least squares ready", level="debug")

    def on_train(self, config: Config, data: chapwasm.DataFrame, geo=None):
        names = data.column_names
        if config.target:
            target = config.target
        elif data.has_column("disease_cases"):
            target = "disease_cases"
        elif names:
            target = names[-1]
        else:
            raise chapwasm.InvalidData("no columns")
        features = config.features
        if features is None:
            features = [c for c in names if c != target and c not in IDENTIFIERS]
        missing = [f for f in features if not data.has_column(f)]
        if missing:
            raise chapwasm.InvalidConfig(f"configured features not in the data: {', '.join(missing)}")
        y = data.f64_column(target)
        columns = [data.f64_column(f) for f in features]
        complete = [r for r in range(data.num_rows) if y[r] is not None and all(c[r] is not None for c in columns)]
        if len(complete) <= len(features):
            raise chapwasm.InvalidData(f"{len(complete)} complete rows cannot fit {len(features)} features")
        chapwasm.log(f"fitting {target} on {features} with {len(complete)} complete rows of {data.num_rows}")
        x = [[1.0] + [c[r] for c in columns] for r in complete]
        ys = [y[r] for r in complete]
        width = len(features) + 1
        gram = [[sum(row[i] * row[j] for row in x) for j in range(width)] for i in range(width)]
        moment = [sum(row[i] * value for row, value in zip(x, ys)) for i in range(width)]
        chapwasm.progress(0.5, "solving the normal equations")
        beta = solve(gram, moment)
        means = [sum(c[r] for r in complete) / len(complete) for c in columns]
        return {"features": features, "intercept": beta[0], "coefficients": beta[1:], "means": means}

    def on_predict(self, config: Config, model, historic, future: chapwasm.DataFrame, geo=None):
        columns = [future.f64_filled(f, mean) for f, mean in zip(model["features"], model["means"])]
        predictions = [
            model["intercept"] + sum(b * c[r] for b, c in zip(model["coefficients"], columns))
            for r in range(future.num_rows)
        ]
        future.set_f64("sample_0", predictions)
        return future


WitWorld = chapwasm.component(
    LeastSquares(),
    chapwasm.ModelInfo(
        "least-squares-py",
        description="Ordinary least squares of the target on its features, in pure Python; writes sample_0.",
    ),
    Config,
    model_format="pickle",
)

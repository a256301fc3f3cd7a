"""Upstream chapkit 2.4.1 serving the spec's example model, for scripts/bench-vs-chapkit.sh.

Ordinary least squares (scikit-learn) of `disease_cases` on every other column but CHAP's
identifiers (`time_period`, `location`, `parent`); the prediction is `sample_0`. chapwasm's bundled linear-regression component fits the same
model, so the two servers do the same work. Run with uvicorn from a directory that holds
only this file: chapkit copies the working directory into every job's workspace.
"""

import os

from chapkit import BaseConfig
from chapkit.api import AssessedStatus, MLServiceBuilder, MLServiceInfo, ModelMetadata, PeriodType
from chapkit.artifact import ArtifactHierarchy
from chapkit.data import DataFrame
from chapkit.ml import FunctionalModelRunner
from sklearn.linear_model import LinearRegression

TARGET = "disease_cases"
NOT_FEATURES = {TARGET, "time_period", "location", "parent"}


class BenchConfig(BaseConfig):
    prediction_periods: int = 3


async def on_train(config: BenchConfig, data: DataFrame, geo=None):
    frame = data.to_pandas()
    features = [c for c in frame.columns if c not in NOT_FEATURES]
    model = LinearRegression()
    model.fit(frame[features], frame[TARGET])
    return {"features": features, "model": model}


async def on_predict(config: BenchConfig, model, historic: DataFrame, future: DataFrame, geo=None) -> DataFrame:
    frame = future.to_pandas()
    frame["sample_0"] = model["model"].predict(frame[model["features"]])
    return DataFrame.from_pandas(frame)


info = MLServiceInfo(
    id="chapkit-bench",
    display_name="chapkit bench",
    version="1.0.0",
    description="OLS on all columns but the target and CHAP's identifiers (benchmark reference).",
    model_metadata=ModelMetadata(
        author="chapwasm bench",
        author_assessed_status=AssessedStatus.yellow,
        contact_email="bench@example.com",
    ),
    period_type=PeriodType.any,
    min_prediction_periods=0,
    max_prediction_periods=100,
)

app = MLServiceBuilder(
    info=info,
    config_schema=BenchConfig,
    hierarchy=ArtifactHierarchy(name="bench", level_labels={0: "ml_training_workspace", 1: "ml_prediction"}),
    runner=FunctionalModelRunner(on_train=on_train, on_predict=on_predict),
    database_url=os.environ.get("DATABASE_URL", "sqlite+aiosqlite:///chapkit.db"),
).build()

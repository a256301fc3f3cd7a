"""`ModelInfo`: what a model says about itself, with chapkit's defaults (the Rust SDK's):
target `disease_cases`, period type `any`, horizons 0 to 100, version 0.1.0."""

import dataclasses


@dataclasses.dataclass
class ModelInfo:
    """A model called `name` (a slug such as `mean-model`)."""

    name: str
    version: str = "0.1.0"
    description: str = ""
    target: str = "disease_cases"
    required_covariates: list[str] = dataclasses.field(default_factory=list)
    allow_free_additional_continuous_covariates: bool = False
    #: `weekly`, `monthly` or `any`.
    period_type: str = "any"
    requires_geo: bool = False
    min_prediction_periods: int = 0
    max_prediction_periods: int = 100

    def __post_init__(self):
        if self.period_type not in ("weekly", "monthly", "any"):
            raise ValueError(f"period_type must be weekly, monthly or any, not {self.period_type!r}")

//! `ModelInfo`: what a model says about itself, with chapkit's defaults, built fluently.
//! The config schema is not set here: the SDK derives it from the runner's config type.

/// chapkit's period types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodType {
    Weekly,
    Monthly,
    Any,
}

/// Self-description of a model. Start with [`ModelInfo::new`] and override what differs
/// from chapkit's defaults (target `disease_cases`, period type `any`, horizons 0..=100).
#[derive(Debug, Clone, PartialEq)]
pub struct ModelInfo {
    pub name: String,
    pub version: String,
    pub description: String,
    pub target: String,
    pub required_covariates: Vec<String>,
    pub allow_free_additional_continuous_covariates: bool,
    pub period_type: PeriodType,
    pub requires_geo: bool,
    pub min_prediction_periods: u32,
    pub max_prediction_periods: u32,
}

impl ModelInfo {
    /// A model called `name` (a slug such as `linear-regression`), version 0.1.0.
    pub fn new(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            version: "0.1.0".to_owned(),
            description: String::new(),
            target: "disease_cases".to_owned(),
            required_covariates: Vec::new(),
            allow_free_additional_continuous_covariates: false,
            period_type: PeriodType::Any,
            requires_geo: false,
            min_prediction_periods: 0,
            max_prediction_periods: 100,
        }
    }

    pub fn version(mut self, version: &str) -> Self {
        self.version = version.to_owned();
        self
    }

    pub fn description(mut self, description: &str) -> Self {
        self.description = description.to_owned();
        self
    }

    pub fn target(mut self, target: &str) -> Self {
        self.target = target.to_owned();
        self
    }

    pub fn required_covariates(mut self, columns: &[&str]) -> Self {
        self.required_covariates = columns.iter().map(|c| (*c).to_owned()).collect();
        self
    }

    pub fn allow_free_additional_continuous_covariates(mut self, allow: bool) -> Self {
        self.allow_free_additional_continuous_covariates = allow;
        self
    }

    pub fn period_type(mut self, period_type: PeriodType) -> Self {
        self.period_type = period_type;
        self
    }

    pub fn requires_geo(mut self, requires: bool) -> Self {
        self.requires_geo = requires;
        self
    }

    pub fn prediction_periods(mut self, min: u32, max: u32) -> Self {
        self.min_prediction_periods = min;
        self.max_prediction_periods = max;
        self
    }
}

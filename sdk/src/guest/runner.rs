//! `ModelRunner` (the spec's BaseModelRunner) and `Export`, the adapter that turns a runner
//! into the component's `describe`/`train`/`predict` exports: it parses the config into the
//! runner's type, converts frames, calls the lifecycle hooks around every call, and encodes
//! the model with postcard.

use super::bindings::Guest;
use super::bindings::chap::model::types as wit;
use super::convert::{error_to_wit, frame_from_wit, frame_to_wit, info_to_wit};
use super::geo::Geo;
use super::info::ModelInfo;
use super::log::install_panic_hook;
use crate::{DataFrame, ModelError};
use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::marker::PhantomData;

/// A model in class style. A fresh value (`Default`) is made for every call; `on_init`
/// runs before and `on_cleanup` after `train`/`predict`, also when they fail.
pub trait ModelRunner: Default + 'static {
    /// The configuration; its JSON Schema is what `describe` reports. Unknown keys (such
    /// as chapkit's reserved `prediction_periods`) must be accepted, so do not use
    /// `deny_unknown_fields`.
    type Config: DeserializeOwned + JsonSchema;
    /// The trained model; stored as compact binary between `train` and `predict`.
    type Model: Serialize + DeserializeOwned;

    /// Name, version and chapkit metadata of the model.
    fn info() -> ModelInfo;

    /// Called before `train` or `predict`.
    fn on_init(&mut self) -> Result<(), ModelError> {
        Ok(())
    }

    /// Called after `train` or `predict`, whatever their outcome.
    fn on_cleanup(&mut self) {}

    /// Trains on `data` and returns the model.
    fn train(&mut self, config: &Self::Config, data: &DataFrame, geo: Option<&Geo>) -> Result<Self::Model, ModelError>;

    /// Predicts the rows of `future`: returns them with `sample_0..` columns added.
    fn predict(
        &mut self,
        config: &Self::Config,
        model: Self::Model,
        historic: &DataFrame,
        future: DataFrame,
        geo: Option<&Geo>,
    ) -> Result<DataFrame, ModelError>;
}

/// Implements the WIT exports for a runner; used through [`crate::export_model!`].
pub struct Export<R>(PhantomData<R>);

impl<R: ModelRunner> Guest for Export<R> {
    fn describe() -> wit::ModelInfo {
        install_panic_hook();
        let schema = schemars::schema_for!(R::Config);
        info_to_wit(R::info(), schema.as_value().to_string())
    }

    fn train(config: String, data: wit::DataFrame, geo: Option<String>) -> Result<Vec<u8>, wit::ModelError> {
        install_panic_hook();
        let run = || {
            let config = parse_config::<R::Config>(&config)?;
            let data = frame_from_wit(data)?;
            let geo = geo.map(Geo::new);
            let model = with_hooks::<R, _>(|runner| runner.train(&config, &data, geo.as_ref()))?;
            postcard::to_allocvec(&model)
                .map_err(|e| ModelError::failed(format!("cannot encode the trained model: {e}")))
        };
        run().map_err(error_to_wit)
    }

    fn predict(
        config: String,
        model: Vec<u8>,
        historic: wit::DataFrame,
        future: wit::DataFrame,
        geo: Option<String>,
    ) -> Result<wit::DataFrame, wit::ModelError> {
        install_panic_hook();
        let run = || {
            let config = parse_config::<R::Config>(&config)?;
            let model: R::Model = postcard::from_bytes(&model).map_err(|e| {
                ModelError::invalid_model(format!("the model bytes do not decode as this model's type: {e}"))
            })?;
            let historic = frame_from_wit(historic)?;
            let future = frame_from_wit(future)?;
            let geo = geo.map(Geo::new);
            with_hooks::<R, _>(|runner| runner.predict(&config, model, &historic, future, geo.as_ref()))
        };
        run().map(frame_to_wit).map_err(error_to_wit)
    }
}

fn parse_config<C: DeserializeOwned>(json: &str) -> Result<C, ModelError> {
    serde_json::from_str(json).map_err(|e| ModelError::invalid_config(format!("config does not fit the model: {e}")))
}

fn with_hooks<R: ModelRunner, T>(call: impl FnOnce(&mut R) -> Result<T, ModelError>) -> Result<T, ModelError> {
    let mut runner = R::default();
    runner.on_init()?;
    let result = call(&mut runner);
    runner.on_cleanup();
    result
}

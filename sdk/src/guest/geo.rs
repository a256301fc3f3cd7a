//! `Geo`: the GeoJSON FeatureCollection a client may send, kept as text so models that
//! ignore it pay nothing, and parsed on demand by models that use it.

use crate::ModelError;
use serde::de::DeserializeOwned;

/// GeoJSON text as the client sent it (a FeatureCollection; each feature's `id` is a
/// location).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Geo(String);

impl Geo {
    pub fn new(text: String) -> Self {
        Self(text)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Parses the text into any serde type (`serde_json::Value`, or your own structs).
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, ModelError> {
        serde_json::from_str(&self.0).map_err(|e| ModelError::invalid_data(format!("geo is not valid GeoJSON: {e}")))
    }
}

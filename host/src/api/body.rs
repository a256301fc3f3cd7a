//! JSON request bodies and path ids, with problem+json for everything malformed.

use super::ApiError;
use crate::service::clock::is_ulid;
use serde_json::Value;

/// The body as a JSON object, or a 422 that says what is wrong with it. The content type
/// is not checked: the spec's own curl examples send JSON without one.
pub fn object(body: &[u8]) -> Result<serde_json::Map<String, Value>, ApiError> {
    if body.is_empty() {
        return Err(ApiError::validation(&["body"], "Field required: the request body is empty"));
    }
    match serde_json::from_slice(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::validation(&["body"], "the body must be a JSON object")),
        Err(e) => Err(ApiError::validation(&["body"], format!("the body is not valid JSON: {e}"))),
    }
}

/// A required field.
pub fn required<'a>(body: &'a serde_json::Map<String, Value>, field: &str) -> Result<&'a Value, ApiError> {
    body.get(field)
        .filter(|v| !v.is_null())
        .ok_or_else(|| ApiError::validation(&["body", field], format!("Field required: `{field}`")))
}

/// A required ULID field of the body.
pub fn ulid_field(body: &serde_json::Map<String, Value>, field: &str) -> Result<String, ApiError> {
    let value = required(body, field)?;
    match value.as_str() {
        Some(id) if is_ulid(id) => Ok(id.to_owned()),
        _ => Err(ApiError::validation(
            &["body", field],
            format!("`{field}` must be a ULID (26 characters, Crockford base32), got {value}"),
        )),
    }
}

/// A ULID path parameter (400 `invalid-ulid` otherwise, as servicekit).
pub fn path_id(id: &str) -> Result<&str, ApiError> {
    if is_ulid(id) { Ok(id) } else { Err(ApiError::invalid_ulid(id)) }
}

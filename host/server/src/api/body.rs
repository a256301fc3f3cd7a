//! JSON request bodies and path ids, with problem+json for everything malformed.

use super::ApiError;
use super::top_level::{self, NotAnObject};
use axum::extract::Query;
use axum::extract::rejection::QueryRejection;
use chapwasm_service::clock::is_ulid;
use serde_json::Value;
use serde_json::value::RawValue;
use std::collections::HashMap;

/// A query string, or a 422 that says what in it could not be read (as chapkit, rather
/// than the framework's plain-text 400).
pub fn query<T>(parsed: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    parsed.map(|Query(query)| query).map_err(|e| ApiError::validation(&["query"], e.body_text()))
}

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

/// A `$train`/`$predict` body: its small fields as JSON values, its frames as raw JSON
/// text, so they are parsed once, straight into typed columns, with no JSON tree between
/// (and found without reading inside them: `top_level`).
pub struct FramedBody<'a> {
    pub fields: serde_json::Map<String, Value>,
    frames: HashMap<String, &'a str>,
}

impl<'a> FramedBody<'a> {
    /// Reads `body`, keeping the fields named in `frame_fields` raw.
    pub fn parse(body: &'a [u8], frame_fields: &[&str]) -> Result<Self, ApiError> {
        if body.is_empty() {
            return Err(ApiError::validation(&["body"], "Field required: the request body is empty"));
        }
        let text = std::str::from_utf8(body)
            .map_err(|e| ApiError::validation(&["body"], format!("the body is not valid JSON: {e}")))?;
        let raw = match top_level::fields(text) {
            Ok(raw) => raw,
            Err(NotAnObject) => split_by_serde(text)?,
        };
        let mut fields = serde_json::Map::new();
        let mut frames = HashMap::new();
        // A key sent twice keeps its last value, as serde_json's maps do.
        for (key, value) in raw {
            if frame_fields.contains(&key.as_str()) {
                // The replaced text is read by nothing else: it must be JSON all the same.
                if let Some(replaced) = frames.insert(key.clone(), value) {
                    check_json(&key, replaced)?;
                }
            } else {
                // A raw capture skips serde_json's recursion limit; this parse enforces it.
                let value = serde_json::from_str(value).map_err(|e| {
                    ApiError::validation(
                        &["body", &key],
                        format!("`{key}` cannot be read ({e}): is it nested deeper than 128 levels?"),
                    )
                })?;
                fields.insert(key, value);
            }
        }
        Ok(Self { fields, frames })
    }

    /// A required frame field's JSON text (read by the frame parser, which refuses it if
    /// it is not JSON).
    pub fn frame(&self, field: &str) -> Result<&'a str, ApiError> {
        self.frames
            .get(field)
            .copied()
            .filter(|text| *text != "null")
            .ok_or_else(|| ApiError::validation(&["body", field], format!("Field required: `{field}`")))
    }

    /// Checks that the frame fields a request does not use are JSON all the same (a body
    /// with malformed JSON anywhere is refused, as before it was split).
    pub fn check_unused_frames(&self, used: &[&str]) -> Result<(), ApiError> {
        let mut unused = self.frames.iter().filter(|(field, _)| !used.contains(&field.as_str()));
        unused.try_for_each(|(field, text)| check_json(field, text))
    }
}

/// A 422 unless `text`, the value of `field`, is JSON.
fn check_json(field: &str, text: &str) -> Result<(), ApiError> {
    serde_json::from_str::<serde::de::IgnoredAny>(text)
        .map(drop)
        .map_err(|e| ApiError::validation(&["body", field], format!("the body is not valid JSON: {e}")))
}

/// A body `top_level` could not split, split by serde_json: refused in its words (or, were
/// the two ever to disagree, read the slow way).
fn split_by_serde(text: &str) -> Result<Vec<(String, &str)>, ApiError> {
    match serde_json::from_str::<HashMap<String, &RawValue>>(text) {
        Ok(raw) => Ok(raw.into_iter().map(|(key, value)| (key, value.get())).collect()),
        Err(e) if e.is_data() => Err(ApiError::validation(&["body"], "the body must be a JSON object")),
        Err(e) => Err(ApiError::validation(&["body"], format!("the body is not valid JSON: {e}"))),
    }
}

/// A required field.
pub fn required<'a>(body: &'a serde_json::Map<String, Value>, field: &str) -> Result<&'a Value, ApiError> {
    body.get(field)
        .filter(|v| !v.is_null())
        .ok_or_else(|| ApiError::validation(&["body", field], format!("Field required: `{field}`")))
}

/// The optional `tags` field: a list of strings (`[]` when absent).
pub fn tags(body: &serde_json::Map<String, Value>) -> Result<Vec<String>, ApiError> {
    let Some(tags) = body.get("tags") else { return Ok(Vec::new()) };
    let tags = tags.as_array().and_then(|t| t.iter().map(|t| t.as_str().map(str::to_owned)).collect::<Option<_>>());
    tags.ok_or_else(|| ApiError::validation(&["body", "tags"], "`tags` must be a list of strings"))
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

/// Property tests, bounded (proptest's 256 cases each): whatever a client sends as a body
/// or a path id is parsed or refused with a 4xx, never a panic.
#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn any_body_is_parsed_or_refused(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
            let _ = FramedBody::parse(&bytes, &["data"]);
            let _ = object(&bytes);
        }

        #[test]
        fn any_nesting_is_parsed_or_refused(depth in 0usize..400, in_frame in any::<bool>()) {
            let field = if in_frame { "data" } else { "run_info" };
            let body = format!(r#"{{"{field}": {}1{}}}"#, "[".repeat(depth), "]".repeat(depth));
            if let Ok(parsed) = FramedBody::parse(body.as_bytes(), &["data"]) {
                let _ = parsed.frame("data");
            }
        }

        #[test]
        fn any_path_id_is_checked(id in ".{0,40}") {
            prop_assert_eq!(path_id(&id).is_ok(), is_ulid(&id));
        }
    }
}

//! chapkit's DataFrame JSON (`{"columns": [...], "data": [[...], ...]}`, row-major) to and
//! from the shared columnar `DataFrame`. Each column gets one type: integers, floats
//! (integers widen), booleans or text; `null` is a null; CHAP's identifier columns
//! (`time_period`, `location`, `parent`) are always text. A column mixing text and
//! numbers becomes text. Shapes that are not a frame are rejected with a message.

mod builder;
mod parse;
#[cfg(test)]
mod properties;
mod render;

pub use parse::parse_frame_text;
pub use render::FrameWire;

use chapwasm_sdk::DataFrame;
use serde_json::Value;

const TEXT_COLUMNS: [&str; 3] = ["time_period", "location", "parent"];

/// Why a frame was rejected; the message says what to fix.
#[derive(Debug, PartialEq)]
pub struct FrameError(pub String);

/// Parses a frame held as a JSON value (see [`parse_frame_text`] for text).
pub fn parse_frame(value: &Value, field: &str, require_rows: bool) -> Result<DataFrame, FrameError> {
    parse_frame_text(&value.to_string(), field, require_rows)
}

/// A frame's JSON text, written straight from its columns; nulls and non-finite floats
/// become `null`.
pub fn frame_json_bytes(frame: &DataFrame) -> Vec<u8> {
    serde_json::to_vec(&FrameWire(frame)).expect("a frame serialises")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn types_nulls_and_round_trip() {
        let wire = json!({"columns": ["time_period", "location", "rain", "cases"],
                          "data": [["2023-01", 1, 1.5, 3], ["2023-02", 1, null, 4]]});
        let frame = parse_frame(&wire, "data", true).unwrap();
        assert_eq!(frame.str_column("location").unwrap(), vec![Some("1"), Some("1")]);
        assert_eq!(frame.f64_column("rain").unwrap(), vec![Some(1.5), None]);
        assert_eq!(frame.column("cases").unwrap().column_type().as_str(), "s64");
        let back: Value = serde_json::from_slice(&frame_json_bytes(&frame)).unwrap();
        assert_eq!(back["data"][1], json!(["2023-02", "1", null, 4]));
    }

    #[test]
    fn mixed_columns_become_text_and_identifier_columns_are_always_text() {
        let wire = json!({"columns": ["a", "b", "location", "flag", "empty"],
                          "data": [[1, true, 7, true, null], ["x", 2.5, 8, null, null], [2.0, null, null, false, null]]});
        let frame = parse_frame(&wire, "data", true).unwrap();
        assert_eq!(frame.str_column("a").unwrap(), vec![Some("1"), Some("x"), Some("2.0")]);
        assert_eq!(frame.str_column("b").unwrap(), vec![Some("true"), Some("2.5"), None]);
        assert_eq!(frame.str_column("location").unwrap(), vec![Some("7"), Some("8"), None]);
        assert_eq!(frame.column("flag").unwrap().column_type().as_str(), "bool");
        assert_eq!(frame.f64_column("empty").unwrap(), vec![None, None, None]);
        let floats = parse_frame(&json!({"columns": ["x"], "data": [[1], [2.5], [null]]}), "data", true).unwrap();
        assert_eq!(floats.f64_column("x").unwrap(), vec![Some(1.0), Some(2.5), None]);
    }

    #[test]
    fn keys_in_any_order_and_extra_keys_are_accepted() {
        let text = r#"{"data": [[1, "a"]], "index": [0], "columns": ["n", "s"]}"#;
        let frame = parse_frame_text(text, "data", true).unwrap();
        assert_eq!((frame.num_rows(), frame.num_columns()), (1, 2));
        assert_eq!(frame_json_bytes(&frame), br#"{"columns":["n","s"],"data":[[1,"a"]]}"#);
    }

    #[test]
    fn malformed_shapes_say_what_to_fix() {
        let err = |v: Value| parse_frame(&v, "data", true).unwrap_err().0;
        assert!(err(json!({"a": [1, 2]})).contains("dict-of-lists"));
        assert!(err(json!([{"a": 1}])).contains("records"));
        assert_eq!(
            err(json!({"columns": ["a", "b"], "data": [[1, 2], [3]]})),
            "`data` row 1 has 1 values but there are 2 columns"
        );
        assert_eq!(err(json!({"columns": ["a"], "data": []})), "`data` has no rows");
        assert_eq!(
            err(json!({"columns": ["a"], "data": [[1, 2, 3]]})),
            "`data` row 0 has 3 values but there are 1 columns"
        );
        assert_eq!(err(json!({"columns": ["a", "a"], "data": [[1, 2]]})), "`data` has the column `a` twice");
        assert_eq!(
            err(json!({"columns": ["a"], "data": [[{"x": 1}]]})),
            r#"`data` column `a`: cells must be numbers, text, booleans or null, found {"x":1}"#
        );
        assert!(err(json!({"columns": [1], "data": []})).starts_with("`data` is not a data frame: "));
        assert_eq!(err(json!(3)), "`data` must be a data frame object");
    }
}

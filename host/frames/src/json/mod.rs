//! chapkit's DataFrame JSON (`{"columns": [...], "data": [[...], ...]}`, row-major) to and
//! from the shared columnar `DataFrame`. Each column gets one type: integers, floats
//! (integers widen), booleans or text; `null` is a null; CHAP's identifier columns
//! (`time_period`, `location`, `parent`) are always text. A column mixing text and
//! numbers becomes text. Shapes that are not a frame are rejected with a message.

mod builder;
mod halves;
mod parse;
#[cfg(test)]
mod properties;
mod render;

pub use halves::parse_frame_text_in_halves;
pub use parse::parse_frame_text;
pub use render::FrameWire;

use chapwasm_sdk::DataFrame;
use serde_json::Value;

const TEXT_COLUMNS: [&str; 3] = ["time_period", "location", "parent"];

/// The most columns a request frame may have.
pub const MAX_COLUMNS: usize = 10_000;
/// The most cells (rows × columns) a request frame may have: 20 years of weekly data for
/// 1000 locations with 19 covariates fit. Numbers then take at most ~200 MB in the
/// builders; text cells cost more (~50 bytes each), so a frame of short strings can
/// reach ~1 GB — the body limit is the other bound.
pub const MAX_CELLS: usize = 20_000_000;
/// The longest column name or text cell.
pub const MAX_TEXT_BYTES: usize = 64 << 10;

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
    fn a_column_turning_to_text_keeps_each_number_as_written() {
        let wire = json!({"columns": ["ints_then_floats", "floats_then_ints"],
                          "data": [[null, 2.5], [1, 3], [2.5, null], [null, 4.0], ["x", "y"]]});
        let frame = parse_frame(&wire, "data", true).unwrap();
        assert_eq!(frame.str_column("ints_then_floats").unwrap(), vec![None, Some("1"), Some("2.5"), None, Some("x")]);
        assert_eq!(
            frame.str_column("floats_then_ints").unwrap(),
            vec![Some("2.5"), Some("3"), None, Some("4.0"), Some("y")]
        );
        let huge = json!({"columns": ["big"], "data": [[9007199254740993_i64], [1.5], [-9007199254740995_i64], ["x"]]});
        let frame = parse_frame(&huge, "data", true).unwrap();
        let written = vec![Some("9007199254740993"), Some("1.5"), Some("-9007199254740995"), Some("x")];
        assert_eq!(frame.str_column("big").unwrap(), written);
        let numbers = json!({"columns": ["n"], "data": [[1], [null], [2.5], [3]]});
        let frame = parse_frame(&numbers, "data", true).unwrap();
        assert_eq!(frame.f64_column("n").unwrap(), vec![Some(1.0), None, Some(2.5), Some(3.0)]);
    }

    #[test]
    fn keys_in_any_order_and_extra_keys_are_accepted() {
        let text = r#"{"data": [[1, "a"]], "index": [0], "columns": ["n", "s"]}"#;
        let frame = parse_frame_text(text, "data", true).unwrap();
        assert_eq!((frame.num_rows(), frame.num_columns()), (1, 2));
        assert_eq!(frame_json_bytes(&frame), br#"{"columns":["n","s"],"data":[[1,"a"]]}"#);
    }

    #[test]
    fn frames_past_their_limits_say_which() {
        let err = |text: String| parse_frame_text(&text, "data", true).unwrap_err().0;
        let names: Vec<String> = (0..=MAX_COLUMNS).map(|i| format!("c{i}")).collect();
        assert_eq!(
            err(json!({"columns": names, "data": [[1]]}).to_string()),
            "`data` has more than 10000 columns; a frame may have at most 10000"
        );
        let long = "x".repeat(MAX_TEXT_BYTES + 1);
        assert!(err(json!({"columns": [long], "data": [[1]]}).to_string()).contains("a column name of 65537 bytes"));
        let cell = json!({"columns": ["location"], "data": [["a"], ["y".repeat(MAX_TEXT_BYTES + 1)]]});
        assert_eq!(
            err(cell.to_string()),
            "`data` column `location` row 1: a text cell of 65537 bytes; cells may have at most 65536"
        );
        // 10 000 columns × 2 001 rows of zeros: past the cell limit (the body is ~40 MB).
        let row = format!("[{}]", vec!["0"; MAX_COLUMNS].join(","));
        let rows = vec![row; MAX_CELLS / MAX_COLUMNS + 1].join(",");
        let names: Vec<String> = (0..MAX_COLUMNS).map(|i| format!("c{i}")).collect();
        let text = format!(r#"{{"columns": {}, "data": [{rows}]}}"#, json!(names));
        assert_eq!(err(text), "`data` has more than 20000000 cells (rows × columns); split the request");
    }

    #[test]
    fn a_key_given_twice_is_refused() {
        let err = |text: &str| parse_frame_text(text, "data", true).unwrap_err().0;
        assert_eq!(err(r#"{"columns": ["a"], "data": [[1]], "columns": ["b"]}"#), "`data` has `columns` twice");
        assert_eq!(err(r#"{"columns": ["a"], "data": [[1]], "data": [[2]]}"#), "`data` has `data` twice");
    }

    /// Found by the property test: without serde_json's `float_roundtrip`, this value came
    /// back one unit in the last place off.
    #[test]
    fn floats_are_read_exactly() {
        let frame = parse_frame_text(r#"{"columns": ["x"], "data": [[967521.6122535808]]}"#, "data", true).unwrap();
        assert_eq!(frame.f64_column("x").unwrap(), vec![Some(967521.6122535808)]);
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

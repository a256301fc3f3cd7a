//! chapkit's DataFrame JSON (`{"columns": [...], "data": [[...], ...]}`, row-major) to and
//! from the shared columnar `DataFrame`. Each column gets one type: integers, floats
//! (integers widen), booleans or text; `null` is a null; CHAP's identifier columns
//! (`time_period`, `location`, `parent`) are always text. A column mixing text and
//! numbers becomes text. Shapes that are not a frame are rejected with a message.

use crate::{Column, DataFrame, Values};
use serde::Deserialize;
use serde_json::{Map, Number, Value};

const TEXT_COLUMNS: [&str; 3] = ["time_period", "location", "parent"];

/// The wire shape; extra keys (`schema`, `index`, `column_types`) are ignored.
#[derive(Debug, Deserialize)]
pub struct FrameJson {
    pub columns: Vec<String>,
    pub data: Vec<Vec<Value>>,
}

/// Why a frame was rejected; the message says what to fix.
#[derive(Debug, PartialEq)]
pub struct FrameError(pub String);

/// Parses a frame that must have at least one row when `require_rows`.
pub fn parse_frame(value: &Value, field: &str, require_rows: bool) -> Result<DataFrame, FrameError> {
    let frame: FrameJson = match value {
        Value::Object(map) if map.contains_key("columns") && map.contains_key("data") => {
            serde_json::from_value(value.clone())
                .map_err(|e| FrameError(format!("`{field}` is not a data frame: {e}")))?
        }
        Value::Object(_) => {
            return Err(FrameError(format!(
                "`{field}` must be {{\"columns\": [...], \"data\": [[...], ...]}} (row-major); got an object without `columns` and `data` (dict-of-lists is not accepted)"
            )));
        }
        Value::Array(_) => {
            return Err(FrameError(format!(
                "`{field}` must be {{\"columns\": [...], \"data\": [[...], ...]}}; got a list (records are not accepted)"
            )));
        }
        _ => return Err(FrameError(format!("`{field}` must be a data frame object"))),
    };
    to_frame(frame, field, require_rows)
}

fn to_frame(frame: FrameJson, field: &str, require_rows: bool) -> Result<DataFrame, FrameError> {
    let width = frame.columns.len();
    if require_rows && frame.data.is_empty() {
        return Err(FrameError(format!("`{field}` has no rows")));
    }
    if let Some((index, row)) = frame.data.iter().enumerate().find(|(_, row)| row.len() != width) {
        return Err(FrameError(format!(
            "`{field}` row {index} has {} values but there are {width} columns",
            row.len()
        )));
    }
    let mut out = DataFrame::with_rows(frame.data.len());
    for (index, name) in frame.columns.iter().enumerate() {
        if out.has_column(name) {
            return Err(FrameError(format!("`{field}` has the column `{name}` twice")));
        }
        let cells: Vec<&Value> = frame.data.iter().map(|row| &row[index]).collect();
        let column = column(name, &cells).map_err(|m| FrameError(format!("`{field}` column `{name}`: {m}")))?;
        out.set_column(column).map_err(|e| FrameError(e.message))?;
    }
    Ok(out)
}

fn column(name: &str, cells: &[&Value]) -> Result<Column, String> {
    let validity: Vec<bool> = cells.iter().map(|c| !c.is_null()).collect();
    let present = || cells.iter().filter(|c| !c.is_null());
    if let Some(bad) = present().find(|c| c.is_object() || c.is_array()) {
        return Err(format!("cells must be numbers, text, booleans or null, found {bad}"));
    }
    let values = if TEXT_COLUMNS.contains(&name) || present().any(|c| c.is_string()) {
        Values::Str(cells.iter().map(|c| text(c)).collect())
    } else if present().all(|c| c.as_i64().is_some()) && present().next().is_some() {
        Values::I64(cells.iter().map(|c| c.as_i64().unwrap_or(0)).collect())
    } else if present().all(|c| c.is_number()) {
        Values::F64(cells.iter().map(|c| c.as_f64().unwrap_or(0.0)).collect())
    } else if present().all(|c| c.is_boolean()) {
        Values::Bool(cells.iter().map(|c| c.as_bool().unwrap_or(false)).collect())
    } else {
        Values::Str(cells.iter().map(|c| text(c)).collect())
    };
    Column::with_validity(name, values, validity).map_err(|e| e.message)
}

fn text(cell: &Value) -> String {
    match cell {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Renders a frame as `{"columns": [...], "data": [[...]]}`; nulls and non-finite floats
/// become `null`.
pub fn render_frame(frame: &DataFrame) -> Value {
    let columns: Vec<Value> = frame.column_names().map(|n| Value::String(n.to_owned())).collect();
    let rows =
        (0..frame.num_rows()).map(|row| Value::Array(frame.columns().iter().map(|c| cell(c, row)).collect())).collect();
    let mut map = Map::new();
    map.insert("columns".into(), Value::Array(columns));
    map.insert("data".into(), Value::Array(rows));
    Value::Object(map)
}

fn cell(column: &Column, row: usize) -> Value {
    if column.is_null(row) {
        return Value::Null;
    }
    match column.values() {
        Values::F64(v) => Number::from_f64(v[row]).map_or(Value::Null, Value::Number),
        Values::I64(v) => Value::from(v[row]),
        Values::Str(v) => Value::String(v[row].clone()),
        Values::Bool(v) => Value::Bool(v[row]),
    }
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
        let back = render_frame(&frame);
        assert_eq!(back["data"][1], json!(["2023-02", "1", null, 4]));
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
    }
}

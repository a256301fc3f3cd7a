//! Property tests of the frame parser, bounded (proptest's 256 cases each, inside
//! `cargo test`): any text — random, or JSON shaped like a frame — gets a frame or a
//! message, never a panic; a frame the renderer wrote parses back to the same columns;
//! a frame read in halves is the frame (or the message) one reading gives.

use super::{frame_json_bytes, parse_frame_text, parse_frame_text_in_halves};
use chapwasm_sdk::{Column, DataFrame};
use proptest::prelude::*;
use serde_json::Value;

fn cell() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        (-1e9f64..1e9).prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        "[a-z0-9 /]{0,4}".prop_map(Value::from),
        Just(serde_json::json!([1, [2]])),
    ]
}

/// Cells that make every column type and its changes, and text that looks like a row
/// boundary.
fn plain_cell() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        (-1e3f64..1e3).prop_map(Value::from),
        (-3i64..3).prop_map(Value::from),
        prop_oneof![Just(i64::MAX), Just((1 << 53) + 1)].prop_map(Value::from),
        r#"[a\],\[" ]{0,5}"#.prop_map(Value::from),
    ]
}

proptest! {
    #[test]
    fn any_text_is_a_frame_or_a_message(text in ".{0,200}") {
        let _ = parse_frame_text(&text, "data", false);
    }

    #[test]
    fn frame_shaped_json_is_a_frame_or_a_message(
        columns in prop::collection::vec("[a-z]{0,2}", 0..5),
        rows in prop::collection::vec(prop::collection::vec(cell(), 0..5), 0..5),
        columns_first in any::<bool>(),
    ) {
        let text = if columns_first {
            format!(r#"{{"columns": {}, "data": {}}}"#, Value::from(columns), Value::from(rows))
        } else {
            format!(r#"{{"data": {}, "columns": {}}}"#, Value::from(rows), Value::from(columns))
        };
        let _ = parse_frame_text(&text, "data", false);
    }

    #[test]
    fn rendered_frames_parse_back(
        columns in prop::collection::vec(
            prop::collection::vec((-1e6f64..1e6).prop_filter("not integral", |x| x.fract() != 0.0), 3),
            1..4,
        ),
    ) {
        let columns = columns.into_iter().enumerate().map(|(i, values)| Column::f64(format!("x{i}"), values));
        let frame = DataFrame::from_columns(columns.collect()).unwrap();
        let text = String::from_utf8(frame_json_bytes(&frame)).unwrap();
        prop_assert_eq!(parse_frame_text(&text, "data", true).unwrap(), frame);
    }

    #[test]
    fn a_frame_read_in_halves_is_the_frame_read_whole(
        kinds in prop::collection::vec(0..4usize, 1..4),
        rows in prop::collection::vec(prop::collection::vec(plain_cell(), 4), 0..12),
        ragged in any::<bool>(),
        compact in any::<bool>(),
        blank in prop_oneof![Just(""), Just(" \r\n\t"), Just("\u{b}"), Just("\u{c}"), Just("\u{a0}")],
    ) {
        // Columns that keep one kind of cell (so that the fast joins are taken too), or mix.
        let columns: Vec<String> = (0..kinds.len()).map(|i| format!("c{i}")).collect();
        let rows: Vec<Value> = rows.iter().enumerate().map(|(r, cells)| {
            let width = if ragged && r == rows.len() / 2 { kinds.len() + 1 } else { kinds.len() };
            let row = (0..width).map(|c| match kinds.get(c) {
                Some(0) => Value::from(r as f64 + 0.5),
                Some(1) => Value::from(r as i64),
                _ => cells[c % cells.len()].clone(),
            });
            Value::Array(row.collect())
        }).collect();
        let object = serde_json::json!({"columns": columns, "data": rows});
        let text = if compact { object.to_string() } else { serde_json::to_string_pretty(&object).unwrap() };
        // Blanks, JSON's and others, where a cut is looked for and after the object.
        let text = text.replace("],[", &format!("]{blank},[")).replace("]}", &format!("]{blank}}}{blank}"));
        prop_assert_eq!(parse_frame_text_in_halves(&text, "data", true), parse_frame_text(&text, "data", true));
    }
}

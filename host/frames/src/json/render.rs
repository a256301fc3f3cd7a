//! Writing a frame as chapkit's frame JSON straight from its columns, row by row, with
//! no JSON tree in between. Nulls and non-finite floats are written as `null`.

use chapwasm_sdk::{Column, DataFrame, Values};
use serde::Serialize;
use serde::ser::{SerializeMap, SerializeSeq, Serializer};

/// A frame, serialisable as `{"columns": [...], "data": [[...], ...]}`.
pub struct FrameWire<'a>(pub &'a DataFrame);

impl Serialize for FrameWire<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let frame = self.0;
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry("columns", &frame.column_names().collect::<Vec<_>>())?;
        map.serialize_entry("data", &RowsWire(frame))?;
        map.end()
    }
}

struct RowsWire<'a>(&'a DataFrame);

impl Serialize for RowsWire<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut rows = serializer.serialize_seq(Some(self.0.num_rows()))?;
        for row in 0..self.0.num_rows() {
            rows.serialize_element(&RowWire(self.0.columns(), row))?;
        }
        rows.end()
    }
}

struct RowWire<'a>(&'a [Column], usize);

impl Serialize for RowWire<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let RowWire(columns, row) = *self;
        let mut cells = serializer.serialize_seq(Some(columns.len()))?;
        for column in columns {
            cells.serialize_element(&CellWire(column, row))?;
        }
        cells.end()
    }
}

struct CellWire<'a>(&'a Column, usize);

impl Serialize for CellWire<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let CellWire(column, row) = *self;
        if column.is_null(row) {
            return serializer.serialize_none();
        }
        match column.values() {
            Values::F64(v) if v[row].is_finite() => serializer.serialize_f64(v[row]),
            Values::F64(_) => serializer.serialize_none(),
            Values::I64(v) => serializer.serialize_i64(v[row]),
            Values::Str(v) => serializer.serialize_str(&v[row]),
            Values::Bool(v) => serializer.serialize_bool(v[row]),
        }
    }
}

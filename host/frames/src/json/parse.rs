//! Streaming parse of chapkit's frame JSON straight into typed columns: the text is read
//! once, each cell lands in its column's builder, and no JSON tree of the frame is built
//! (a 100k-row frame would be ~600k boxed values). Shape errors are kept aside as plain
//! messages (without serde's "at line 1 column N") so the 422 says what to fix.

use super::builder::{Cell, ColumnBuilder, Number};
use super::{FrameError, MAX_CELLS, MAX_COLUMNS, MAX_TEXT_BYTES, TEXT_COLUMNS};
use chapwasm_sdk::DataFrame;
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::cell::RefCell;
use std::fmt;

/// Parses a frame from JSON text; it must have at least one row when `require_rows`.
pub fn parse_frame_text(text: &str, field: &str, require_rows: bool) -> Result<DataFrame, FrameError> {
    finish(read_frame(text, field, text.len())?, field, require_rows)
}

/// A frame's cells as read into their columns' builders, not yet finished.
pub(super) struct ReadFrame {
    pub(super) columns: Vec<String>,
    pub(super) builders: Vec<ColumnBuilder>,
    pub(super) num_rows: usize,
    /// Whether `data` was the object's last key, read after `columns`.
    pub(super) data_last: bool,
    /// Whether nothing but blanks follows the object (one reading ignores the rest).
    pub(super) ends_there: bool,
}

/// Reads a frame's object; its numeric columns reserve room for the rows that
/// `capacity_bytes` of JSON can hold (see `new_builders`).
pub(super) fn read_frame(text: &str, field: &str, capacity_bytes: usize) -> Result<ReadFrame, FrameError> {
    let problem = RefCell::new(None);
    let mut builders = Vec::new();
    let mut top = serde_json::Deserializer::from_str(text);
    let parsed = Top { field, text_bytes: capacity_bytes, builders: &mut builders, problem: &problem }
        .deserialize(&mut top)
        .map_err(|e| not_a_frame(field, e, &problem))?;
    let ends_there = top.end().is_ok();
    match parsed {
        Parsed::Rows { columns, num_rows, data_last } => {
            Ok(ReadFrame { columns, builders, num_rows, data_last, ends_there })
        }
        Parsed::Later { columns, data } => {
            let (builders, num_rows) = read_rows(data.get(), field, &columns)?;
            Ok(ReadFrame { columns, builders, num_rows, data_last: false, ends_there })
        }
    }
}

/// Reads `text`, a list of rows and nothing after it, into builders for `columns`.
pub(super) fn read_rows(
    text: &str,
    field: &str,
    columns: &[String],
) -> Result<(Vec<ColumnBuilder>, usize), FrameError> {
    let problem = RefCell::new(None);
    let mut builders = new_builders(columns.len(), text.len());
    let mut rows = serde_json::Deserializer::from_str(text);
    let num_rows = Rows { field, columns, builders: &mut builders, problem: &problem }
        .deserialize(&mut rows)
        .and_then(|num_rows| rows.end().map(|()| num_rows))
        .map_err(|e| not_a_frame(field, e, &problem))?;
    Ok((builders, num_rows))
}

/// The finished frame: at least one row when `require_rows`, names once each.
pub(super) fn finish(read: ReadFrame, field: &str, require_rows: bool) -> Result<DataFrame, FrameError> {
    let ReadFrame { columns, builders, num_rows, .. } = read;
    if require_rows && num_rows == 0 {
        return Err(FrameError(format!("`{field}` has no rows")));
    }
    // Names are checked in one hashed pass: a frame may carry hundreds of thousands.
    let mut seen = std::collections::HashSet::with_capacity(columns.len());
    if let Some(twice) = columns.iter().find(|name| !seen.insert(name.as_str())) {
        return Err(FrameError(format!("`{field}` has the column `{twice}` twice")));
    }
    let columns =
        columns.iter().zip(builders).map(|(name, builder)| builder.finish(name, TEXT_COLUMNS.contains(&&**name)));
    DataFrame::from_parts(num_rows, columns.collect()).map_err(|e| FrameError(e.message))
}

/// The message of a frame that could not be read: the shape problem kept aside, else
/// serde's.
fn not_a_frame(field: &str, error: serde_json::Error, problem: &RefCell<Option<String>>) -> FrameError {
    FrameError(problem.take().unwrap_or_else(|| format!("`{field}` is not a data frame: {error}")))
}

/// The names in `columns`, when the object names them before its `data` (read no
/// further than that).
pub(super) fn columns_ahead(text: &str, field: &str) -> Option<Vec<String>> {
    let found = RefCell::new(None);
    let problem = RefCell::new(None);
    let mut top = serde_json::Deserializer::from_str(text);
    // The seed fails on purpose once it holds the names: nothing after them is read.
    let _ = ColumnsAhead { field, found: &found, problem: &problem }.deserialize(&mut top);
    found.take()
}

/// Builders for `width` columns whose rows are in `text_bytes` of JSON. Each row takes at
/// least two bytes a cell (a digit and a comma, or the brackets), so that bounds the rows
/// a numeric column reserves room for: room never touched costs address space, not memory,
/// and the vectors then never move while they grow.
fn new_builders(width: usize, text_bytes: usize) -> Vec<ColumnBuilder> {
    let most_rows = (text_bytes / (2 * width + 1).max(1)).min(MAX_CELLS / width.max(1));
    (0..width).map(|_| ColumnBuilder::with_capacity(most_rows)).collect()
}

/// What the object held: rows already in the builders (`columns` came first, the usual
/// order), or `data` as raw text to parse once the columns are known.
enum Parsed<'de> {
    Rows { columns: Vec<String>, num_rows: usize, data_last: bool },
    Later { columns: Vec<String>, data: &'de RawValue },
}

/// The object: `columns`, then `data` straight into the builders (or kept raw if it comes
/// first: JSON objects are unordered); anything else ignored.
struct Top<'p> {
    field: &'p str,
    /// The size of the frame's text (bounds its rows).
    text_bytes: usize,
    builders: &'p mut Vec<ColumnBuilder>,
    problem: &'p RefCell<Option<String>>,
}

impl<'de> DeserializeSeed<'de> for Top<'_> {
    type Value = Parsed<'de>;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Top<'_> {
    type Value = Parsed<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a data frame object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let (mut columns, mut raw, mut num_rows) = (None::<Vec<String>>, None, None);
        let mut data_last = false;
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            data_last = key == "data";
            match (key.as_ref(), &columns) {
                ("columns", Some(_)) => return Err(self.fail(format!("`{}` has `columns` twice", self.field))),
                ("columns", None) => {
                    columns = Some(map.next_value_seed(Names { field: self.field, problem: self.problem })?);
                }
                ("data", _) if num_rows.is_some() || raw.is_some() => {
                    return Err(self.fail(format!("`{}` has `data` twice", self.field)));
                }
                ("data", Some(names)) => {
                    *self.builders = new_builders(names.len(), self.text_bytes);
                    let rows =
                        Rows { field: self.field, columns: names, builders: self.builders, problem: self.problem };
                    num_rows = Some(map.next_value_seed(rows)?);
                }
                ("data", None) => raw = Some(map.next_value::<&'de RawValue>()?),
                _ => drop(map.next_value::<IgnoredAny>()?),
            }
        }
        match (columns, num_rows, raw) {
            (Some(columns), Some(num_rows), _) => Ok(Parsed::Rows { columns, num_rows, data_last }),
            (Some(columns), None, Some(data)) => Ok(Parsed::Later { columns, data }),
            _ => Err(self.fail(format!(
                "`{}` must be {{\"columns\": [...], \"data\": [[...], ...]}} (row-major); got an object without `columns` and `data` (dict-of-lists is not accepted)",
                self.field
            ))),
        }
    }

    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
        Err(self.fail(format!(
            "`{}` must be {{\"columns\": [...], \"data\": [[...], ...]}}; got a list (records are not accepted)",
            self.field
        )))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Err(self.not_an_object())
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Err(self.not_an_object())
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Err(self.not_an_object())
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Err(self.not_an_object())
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Err(self.not_an_object())
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Err(self.not_an_object())
    }
}

impl Top<'_> {
    fn not_an_object<E: de::Error>(&self) -> E {
        self.fail(format!("`{}` must be a data frame object", self.field))
    }

    fn fail<E: de::Error>(&self, message: String) -> E {
        *self.problem.borrow_mut() = Some(message);
        E::custom("not a data frame")
    }
}

/// The object up to its `columns` (see [`columns_ahead`]).
struct ColumnsAhead<'p> {
    field: &'p str,
    found: &'p RefCell<Option<Vec<String>>>,
    problem: &'p RefCell<Option<String>>,
}

impl<'de> DeserializeSeed<'de> for ColumnsAhead<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ColumnsAhead<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a data frame object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match key.as_ref() {
                "columns" => {
                    let names = map.next_value_seed(Names { field: self.field, problem: self.problem })?;
                    *self.found.borrow_mut() = Some(names);
                    break;
                }
                "data" => break,
                _ => drop(map.next_value::<IgnoredAny>()?),
            }
        }
        Err(de::Error::custom("read no further"))
    }
}

/// `columns`: the names, checked as they are read (at most [`MAX_COLUMNS`], each at most
/// [`MAX_TEXT_BYTES`]), so an oversized list costs nothing beyond the limit.
struct Names<'p> {
    field: &'p str,
    problem: &'p RefCell<Option<String>>,
}

impl<'de> DeserializeSeed<'de> for Names<'_> {
    type Value = Vec<String>;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Vec<String>, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Names<'_> {
    type Value = Vec<String>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of column names")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<String>, A::Error> {
        let mut names = Vec::new();
        while let Some(name) = seq.next_element::<Cow<'de, str>>()? {
            let problem = if names.len() == MAX_COLUMNS {
                Some(format!(
                    "`{}` has more than {MAX_COLUMNS} columns; a frame may have at most {MAX_COLUMNS}",
                    self.field
                ))
            } else if name.len() > MAX_TEXT_BYTES {
                Some(format!(
                    "`{}` has a column name of {} bytes; names may have at most {MAX_TEXT_BYTES}",
                    self.field,
                    name.len()
                ))
            } else {
                None
            };
            if let Some(problem) = problem {
                *self.problem.borrow_mut() = Some(problem);
                return Err(de::Error::custom("columns past their limits"));
            }
            names.push(name.into_owned());
        }
        Ok(names)
    }
}

/// `data`: rows of cells, each cell pushed into its column's builder. Yields the row count.
struct Rows<'p, 'b> {
    field: &'p str,
    columns: &'p [String],
    builders: &'b mut Vec<ColumnBuilder>,
    problem: &'p RefCell<Option<String>>,
}

impl<'de> DeserializeSeed<'de> for Rows<'_, '_> {
    type Value = usize;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<usize, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Rows<'_, '_> {
    type Value = usize;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of rows")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut rows: A) -> Result<usize, A::Error> {
        let Rows { field, columns, builders, problem } = self;
        let mut index = 0;
        let most_rows = MAX_CELLS / columns.len().max(1);
        while let Some(width) =
            rows.next_element_seed(Row { field, columns, builders: &mut *builders, problem, index })?
        {
            if width != columns.len() {
                let message =
                    format!("`{field}` row {index} has {width} values but there are {} columns", columns.len());
                *problem.borrow_mut() = Some(message);
                return Err(de::Error::custom("ragged row"));
            }
            index += 1;
            if index > most_rows {
                let message = format!("`{field}` has more than {MAX_CELLS} cells (rows × columns); split the request");
                *problem.borrow_mut() = Some(message);
                return Err(de::Error::custom("too many cells"));
            }
        }
        Ok(index)
    }
}

/// One row: pushes its cells into the builders, returns how many it had.
struct Row<'p> {
    field: &'p str,
    columns: &'p [String],
    builders: &'p mut Vec<ColumnBuilder>,
    problem: &'p RefCell<Option<String>>,
    index: usize,
}

impl<'de> DeserializeSeed<'de> for Row<'_> {
    type Value = usize;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<usize, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Row<'_> {
    type Value = usize;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "row {} as a list of cells", self.index)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut cells: A) -> Result<usize, A::Error> {
        let mut count = 0;
        while count < self.columns.len() {
            match cells.next_element_seed(CellInto(&mut self.builders[count]))? {
                None => return Ok(count),
                Some(Pushed::Cell) => {}
                Some(Pushed::LongText(bytes)) => {
                    let (field, name) = (self.field, &self.columns[count]);
                    *self.problem.borrow_mut() = Some(format!(
                        "`{field}` column `{name}` row {}: a text cell of {bytes} bytes; cells may have at most {MAX_TEXT_BYTES}",
                        self.index,
                    ));
                    return Err(de::Error::custom("long cell"));
                }
                Some(Pushed::Nested(bad)) => {
                    let (field, name) = (self.field, &self.columns[count]);
                    *self.problem.borrow_mut() = Some(format!(
                        "`{field}` column `{name}`: cells must be numbers, text, booleans or null, found {bad}"
                    ));
                    return Err(de::Error::custom("nested cell"));
                }
            }
            count += 1;
        }
        // Too many cells: count the rest so the message can say how many.
        while cells.next_element::<IgnoredAny>()?.is_some() {
            count += 1;
        }
        Ok(count)
    }
}

/// What became of a cell: pushed into its column, or refused (too long a text, or the
/// JSON of a list or object found where a cell belongs).
enum Pushed {
    Cell,
    LongText(usize),
    Nested(serde_json::Value),
}

/// Reads one cell straight into its column's builder.
struct CellInto<'b>(&'b mut ColumnBuilder);

impl<'de> DeserializeSeed<'de> for CellInto<'_> {
    type Value = Pushed;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Pushed, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl CellInto<'_> {
    fn push(self, cell: Cell<'_>) -> Pushed {
        self.0.push(cell);
        Pushed::Cell
    }

    fn text(self, text: Cow<'_, str>) -> Pushed {
        match text.len() > MAX_TEXT_BYTES {
            true => Pushed::LongText(text.len()),
            false => self.push(Cell::Text(text)),
        }
    }
}

impl<'de> Visitor<'de> for CellInto<'_> {
    type Value = Pushed;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a number, text, a boolean or null")
    }

    fn visit_unit<E>(self) -> Result<Pushed, E> {
        Ok(self.push(Cell::Null))
    }

    fn visit_none<E>(self) -> Result<Pushed, E> {
        Ok(self.push(Cell::Null))
    }

    fn visit_bool<E>(self, b: bool) -> Result<Pushed, E> {
        Ok(self.push(Cell::Bool(b)))
    }

    fn visit_i64<E>(self, i: i64) -> Result<Pushed, E> {
        Ok(self.push(Cell::Number(Number::Int(i))))
    }

    fn visit_u64<E>(self, u: u64) -> Result<Pushed, E> {
        Ok(self.push(Cell::Number(i64::try_from(u).map_or(Number::Float(u as f64), Number::Int))))
    }

    fn visit_f64<E>(self, f: f64) -> Result<Pushed, E> {
        Ok(self.push(Cell::Number(Number::Float(f))))
    }

    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Pushed, E> {
        Ok(self.text(Cow::Borrowed(s)))
    }

    fn visit_str<E>(self, s: &str) -> Result<Pushed, E> {
        Ok(self.text(Cow::Borrowed(s)))
    }

    fn visit_string<E>(self, s: String) -> Result<Pushed, E> {
        Ok(self.text(Cow::Owned(s)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Pushed, A::Error> {
        Ok(Pushed::Nested(serde_json::Value::deserialize(de::value::SeqAccessDeserializer::new(seq))?))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Pushed, A::Error> {
        Ok(Pushed::Nested(serde_json::Value::deserialize(de::value::MapAccessDeserializer::new(map))?))
    }
}

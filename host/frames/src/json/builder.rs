//! One column under construction while a frame streams in: cells arrive row by row and
//! the column settles on the narrowest type that holds them all (integers, floats,
//! booleans, else text), without keeping a JSON tree of the frame. Numbers go straight
//! into the vector the finished column keeps (8 bytes a cell), and validity is only
//! written once a column has a null.

use chapwasm_sdk::{Column, Values};

/// A number as it was written: integers stay exact until the column turns out to hold floats.
#[derive(Debug, Clone, Copy)]
pub(super) enum Number {
    Int(i64),
    Float(f64),
}

impl Number {
    /// The number's JSON text, as text columns keep it (`1`, `1.5`).
    fn text(self) -> String {
        match self {
            Number::Int(i) => i.to_string(),
            Number::Float(f) => serde_json::Number::from_f64(f).map_or_else(|| "null".into(), |n| n.to_string()),
        }
    }
}

/// One cell of a row.
#[derive(Debug)]
pub(super) enum Cell<'a> {
    Null,
    Number(Number),
    Bool(bool),
    Text(std::borrow::Cow<'a, str>),
}

#[derive(Debug)]
enum Typed {
    /// Only nulls so far.
    Empty,
    Ints(Vec<i64>),
    /// Floats; once the column has mixed integers and floats, which cells were written as
    /// integers, and the integers a float cannot hold exactly (beyond 2^53), so that a
    /// column turning to text renders each number as it was written.
    Floats {
        values: Vec<f64>,
        written_as_int: Option<Vec<bool>>,
        inexact_ints: Vec<(usize, i64)>,
    },
    Bools(Vec<bool>),
    Text(Vec<String>),
}

#[derive(Debug)]
pub(super) struct ColumnBuilder {
    typed: Typed,
    /// Cells pushed so far.
    rows: usize,
    /// Which cells are not null: `None` while none is.
    valid: Option<Vec<bool>>,
    /// Room reserved for numbers when the first one arrives (an estimate of the rows).
    expected_rows: usize,
}

impl ColumnBuilder {
    /// A builder that reserves room for `expected_rows` numbers if the column is numeric.
    pub(super) fn with_capacity(expected_rows: usize) -> Self {
        Self { typed: Typed::Empty, rows: 0, valid: None, expected_rows }
    }

    pub(super) fn push(&mut self, cell: Cell<'_>) {
        let null = matches!(cell, Cell::Null);
        match (&mut self.valid, null) {
            (Some(valid), _) => valid.push(!null),
            (None, true) => self.valid = Some(filled(self.rows, true, false)),
            (None, false) => {}
        }
        let index = self.rows;
        self.rows += 1;
        match (&mut self.typed, cell) {
            (Typed::Empty, Cell::Null) => {}
            (Typed::Empty, Cell::Number(Number::Int(i))) => {
                self.typed = Typed::Ints(self.reserved(index, 0, i));
            }
            (Typed::Empty, Cell::Number(Number::Float(f))) => {
                let values = self.reserved(index, 0.0, f);
                self.typed = Typed::Floats { values, written_as_int: None, inexact_ints: Vec::new() };
            }
            (Typed::Empty, Cell::Bool(b)) => self.typed = Typed::Bools(filled(index, false, b)),
            (Typed::Empty, Cell::Text(s)) => self.typed = Typed::Text(filled(index, String::new(), s.into_owned())),
            (Typed::Ints(v), Cell::Null) => v.push(0),
            (Typed::Ints(v), Cell::Number(Number::Int(i))) => v.push(i),
            (Typed::Ints(v), Cell::Number(Number::Float(f))) => {
                let ints = std::mem::take(v);
                let inexact_ints = ints.iter().copied().enumerate().filter(|(_, i)| !exact_in_f64(*i)).collect();
                let mut values = ints.into_iter().map(|i| i as f64).collect::<Vec<_>>();
                values.push(f);
                let written_as_int = Some(filled(index, true, false));
                self.typed = Typed::Floats { values, written_as_int, inexact_ints };
            }
            (Typed::Floats { values, written_as_int, .. }, Cell::Null) => {
                values.push(0.0);
                if let Some(ints) = written_as_int {
                    ints.push(false);
                }
            }
            (Typed::Floats { values, written_as_int, inexact_ints }, Cell::Number(number)) => {
                let (value, int) = match number {
                    Number::Int(i) if !exact_in_f64(i) => {
                        inexact_ints.push((index, i));
                        (i as f64, true)
                    }
                    Number::Int(i) => (i as f64, true),
                    Number::Float(f) => (f, false),
                };
                values.push(value);
                match written_as_int {
                    Some(ints) => ints.push(int),
                    None if int => *written_as_int = Some(filled(index, false, true)),
                    None => {}
                }
            }
            (Typed::Bools(v), Cell::Null) => v.push(false),
            (Typed::Bools(v), Cell::Bool(b)) => v.push(b),
            (Typed::Text(v), cell) => v.push(text(cell)),
            (_, cell) => {
                self.make_text(index);
                if let Typed::Text(v) = &mut self.typed {
                    v.push(text(cell));
                }
            }
        }
    }

    /// Appends the column of the rows that follow this one's (a frame read in halves):
    /// the column ends as if each of `tail`'s cells had been pushed here. Columns of one
    /// kind on both sides are joined as they are; otherwise `tail`'s cells are pushed again
    /// one by one, which settles the type as one pass would have.
    pub(super) fn append(&mut self, tail: ColumnBuilder) {
        let ColumnBuilder { typed, rows, valid, .. } = tail;
        let offset = self.rows;
        match (&mut self.typed, typed) {
            (Typed::Ints(head), Typed::Ints(tail)) => head.extend(tail),
            (Typed::Bools(head), Typed::Bools(tail)) => head.extend(tail),
            (Typed::Text(head), Typed::Text(tail)) => head.extend(tail),
            (
                Typed::Floats { values, written_as_int, inexact_ints },
                Typed::Floats { values: tail_values, written_as_int: tail_ints, inexact_ints: tail_inexact },
            ) => {
                values.extend(tail_values);
                match (written_as_int, tail_ints) {
                    (None, None) => {}
                    (Some(head), None) => head.resize(offset + rows, false),
                    (head, Some(tail)) => head.get_or_insert_with(|| vec![false; offset]).extend(tail),
                }
                inexact_ints.extend(tail_inexact.into_iter().map(|(at, i)| (offset + at, i)));
            }
            (_, typed) => {
                let tail = ColumnBuilder { typed, rows, valid, expected_rows: 0 };
                for cell in tail.into_cells() {
                    self.push(cell);
                }
                return;
            }
        }
        self.rows += rows;
        match (&mut self.valid, valid) {
            (None, None) => {}
            (Some(head), None) => head.resize(offset + rows, true),
            (head, Some(tail)) => head.get_or_insert_with(|| vec![true; offset]).extend(tail),
        }
    }

    /// The cells pushed, in order, as they were written (see `make_text`).
    fn into_cells(self) -> Vec<Cell<'static>> {
        let valid_cells = self.valid;
        let valid = |i: usize| valid_cells.as_ref().is_none_or(|v| v[i]);
        let cell = |i: usize, value: Cell<'static>| if valid(i) { value } else { Cell::Null };
        match self.typed {
            Typed::Empty => (0..self.rows).map(|_| Cell::Null).collect(),
            Typed::Ints(v) => v.into_iter().enumerate().map(|(i, x)| cell(i, Cell::Number(Number::Int(x)))).collect(),
            Typed::Floats { values, written_as_int, inexact_ints } => {
                let number = |i: usize, x: f64| match written_as_int.as_ref().is_some_and(|ints| ints[i]) {
                    true => match inexact_ints.binary_search_by_key(&i, |(at, _)| *at) {
                        Ok(found) => Number::Int(inexact_ints[found].1),
                        Err(_) => Number::Int(x as i64),
                    },
                    false => Number::Float(x),
                };
                values.into_iter().enumerate().map(|(i, x)| cell(i, Cell::Number(number(i, x)))).collect()
            }
            Typed::Bools(v) => v.into_iter().enumerate().map(|(i, b)| cell(i, Cell::Bool(b))).collect(),
            Typed::Text(v) => v.into_iter().enumerate().map(|(i, s)| cell(i, Cell::Text(s.into()))).collect(),
        }
    }

    /// A vector of `nulls` placeholders and `first`, with room for the expected rows.
    fn reserved<T: Clone>(&self, nulls: usize, placeholder: T, first: T) -> Vec<T> {
        let mut values = Vec::with_capacity(self.expected_rows.max(nulls + 1));
        values.resize(nulls, placeholder);
        values.push(first);
        values
    }

    /// Turns the first `rows` cells collected into text (a column mixing kinds, or an
    /// identifier column).
    fn make_text(&mut self, rows: usize) {
        let valid_cells = self.valid.as_deref();
        let valid = |i: usize| valid_cells.is_none_or(|v| v[i]);
        let texts = match std::mem::replace(&mut self.typed, Typed::Empty) {
            Typed::Empty => vec![String::new(); rows],
            Typed::Ints(v) => {
                v.into_iter().enumerate().map(|(i, x)| if valid(i) { x.to_string() } else { String::new() }).collect()
            }
            Typed::Floats { values, written_as_int, inexact_ints } => {
                let int = |i: usize, x: f64| match inexact_ints.binary_search_by_key(&i, |(at, _)| *at) {
                    Ok(found) => inexact_ints[found].1,
                    Err(_) => x as i64,
                };
                let number = |i: usize, x: f64| match written_as_int.as_ref().is_some_and(|ints| ints[i]) {
                    true => Number::Int(int(i, x)),
                    false => Number::Float(x),
                };
                let texts = values.into_iter().enumerate();
                texts.map(|(i, x)| if valid(i) { number(i, x).text() } else { String::new() }).collect()
            }
            Typed::Bools(v) => {
                v.into_iter().enumerate().map(|(i, b)| if valid(i) { b.to_string() } else { String::new() }).collect()
            }
            Typed::Text(v) => v,
        };
        self.typed = Typed::Text(texts);
    }

    /// The finished column; `always_text` for CHAP's identifier columns.
    pub(super) fn finish(mut self, name: &str, always_text: bool) -> Column {
        if always_text {
            self.make_text(self.rows);
        }
        let values = match self.typed {
            Typed::Empty => Values::F64(vec![0.0; self.rows]),
            Typed::Ints(v) => Values::I64(shrunk(v)),
            Typed::Floats { values, .. } => Values::F64(shrunk(values)),
            Typed::Bools(v) => Values::Bool(v),
            Typed::Text(v) => Values::Str(v),
        };
        match self.valid {
            Some(valid) => Column::with_validity(name, values, valid).expect("one validity entry per value"),
            None => Column::new(name, values),
        }
    }
}

/// Whether an integer survives the round trip through an `f64`.
fn exact_in_f64(i: i64) -> bool {
    i.unsigned_abs() <= 1 << 53
}

/// The values without the room reserved past them.
fn shrunk<T>(mut values: Vec<T>) -> Vec<T> {
    values.shrink_to_fit();
    values
}

fn filled<T: Clone>(count: usize, placeholder: T, last: T) -> Vec<T> {
    let mut values = vec![placeholder; count];
    values.push(last);
    values
}

fn text(cell: Cell<'_>) -> String {
    match cell {
        Cell::Null => String::new(),
        Cell::Number(x) => x.text(),
        Cell::Bool(b) => b.to_string(),
        Cell::Text(s) => s.into_owned(),
    }
}

//! One column under construction while a frame streams in: cells arrive row by row and
//! the column settles on the narrowest type that holds them all (integers, floats,
//! booleans, else text), without keeping a JSON tree of the frame.

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
    /// Only nulls so far (this many).
    Empty(usize),
    Numbers(Vec<Number>),
    Bools(Vec<bool>),
    Text(Vec<String>),
}

#[derive(Debug)]
pub(super) struct ColumnBuilder {
    typed: Typed,
    valid: Vec<bool>,
    has_null: bool,
}

impl ColumnBuilder {
    pub(super) fn with_capacity(rows: usize) -> Self {
        Self { typed: Typed::Empty(0), valid: Vec::with_capacity(rows), has_null: false }
    }

    pub(super) fn push(&mut self, cell: Cell<'_>) {
        self.valid.push(!matches!(cell, Cell::Null));
        self.has_null |= matches!(cell, Cell::Null);
        match (&mut self.typed, cell) {
            (Typed::Empty(n), Cell::Null) => *n += 1,
            (Typed::Empty(n), Cell::Number(x)) => self.typed = Typed::Numbers(filled(*n, Number::Int(0), x)),
            (Typed::Empty(n), Cell::Bool(b)) => self.typed = Typed::Bools(filled(*n, false, b)),
            (Typed::Empty(n), Cell::Text(s)) => self.typed = Typed::Text(filled(*n, String::new(), s.into_owned())),
            (Typed::Numbers(v), Cell::Null) => v.push(Number::Int(0)),
            (Typed::Numbers(v), Cell::Number(x)) => v.push(x),
            (Typed::Bools(v), Cell::Null) => v.push(false),
            (Typed::Bools(v), Cell::Bool(b)) => v.push(b),
            (Typed::Text(v), cell) => v.push(text(cell)),
            (_, cell) => {
                self.make_text();
                if let Typed::Text(v) = &mut self.typed {
                    v.push(text(cell));
                }
            }
        }
    }

    /// Turns what was collected into text (a column mixing kinds, or an identifier column).
    fn make_text(&mut self) {
        let valid = &self.valid;
        let texts = match std::mem::replace(&mut self.typed, Typed::Empty(0)) {
            Typed::Empty(n) => vec![String::new(); n],
            Typed::Numbers(v) => {
                v.into_iter().zip(valid).map(|(x, ok)| if *ok { x.text() } else { String::new() }).collect()
            }
            Typed::Bools(v) => {
                v.into_iter().zip(valid).map(|(b, ok)| if *ok { b.to_string() } else { String::new() }).collect()
            }
            Typed::Text(v) => v,
        };
        self.typed = Typed::Text(texts);
    }

    /// The finished column; `always_text` for CHAP's identifier columns.
    pub(super) fn finish(mut self, name: &str, always_text: bool) -> Column {
        if always_text {
            self.make_text();
        }
        let values = match self.typed {
            Typed::Empty(n) => Values::F64(vec![0.0; n]),
            Typed::Numbers(v) if v.iter().all(|x| matches!(x, Number::Int(_))) => {
                Values::I64(v.into_iter().map(|x| if let Number::Int(i) = x { i } else { 0 }).collect())
            }
            Typed::Numbers(v) => Values::F64(
                v.into_iter()
                    .map(|x| match x {
                        Number::Int(i) => i as f64,
                        Number::Float(f) => f,
                    })
                    .collect(),
            ),
            Typed::Bools(v) => Values::Bool(v),
            Typed::Text(v) => Values::Str(v),
        };
        if self.has_null {
            Column::with_validity(name, values, self.valid).expect("one validity entry per value")
        } else {
            Column::new(name, values)
        }
    }
}

fn filled<T: Clone>(nulls: usize, placeholder: T, first: T) -> Vec<T> {
    let mut values = vec![placeholder; nulls];
    values.push(first);
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

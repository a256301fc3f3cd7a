//! One named, typed column with an optional null mask — the unit the WIT contract moves.

use crate::ModelError;

/// The values of a column, one typed vector per column (never a vector of options: nulls
/// live in the column's validity mask).
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    F64(Vec<f64>),
    I64(Vec<i64>),
    Str(Vec<String>),
    Bool(Vec<bool>),
}

/// The type of a column, for messages and schema decisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    F64,
    I64,
    Str,
    Bool,
}

impl ColumnType {
    pub fn as_str(self) -> &'static str {
        match self {
            ColumnType::F64 => "f64",
            ColumnType::I64 => "s64",
            ColumnType::Str => "string",
            ColumnType::Bool => "bool",
        }
    }

    /// Whether values of this type can be read as numbers.
    pub fn is_numeric(self) -> bool {
        matches!(self, ColumnType::F64 | ColumnType::I64)
    }
}

impl Values {
    pub fn len(&self) -> usize {
        match self {
            Values::F64(v) => v.len(),
            Values::I64(v) => v.len(),
            Values::Str(v) => v.len(),
            Values::Bool(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn column_type(&self) -> ColumnType {
        match self {
            Values::F64(_) => ColumnType::F64,
            Values::I64(_) => ColumnType::I64,
            Values::Str(_) => ColumnType::Str,
            Values::Bool(_) => ColumnType::Bool,
        }
    }
}

/// A named column. `validity[i] == false` marks row `i` as null; `None` means no nulls.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    name: String,
    values: Values,
    validity: Option<Vec<bool>>,
}

impl Column {
    /// A column without nulls.
    pub fn new(name: impl Into<String>, values: Values) -> Self {
        Self { name: name.into(), values, validity: None }
    }

    /// A column with a null mask (`true` = present). Fails if the lengths differ.
    pub fn with_validity(name: impl Into<String>, values: Values, validity: Vec<bool>) -> Result<Self, ModelError> {
        let name = name.into();
        if validity.len() != values.len() {
            return Err(ModelError::invalid_data(format!(
                "column `{name}` has {} values but a validity mask of {} rows",
                values.len(),
                validity.len()
            )));
        }
        let validity = if validity.iter().all(|v| *v) { None } else { Some(validity) };
        Ok(Self { name, values, validity })
    }

    /// A float column without nulls.
    pub fn f64(name: impl Into<String>, values: Vec<f64>) -> Self {
        Self::new(name, Values::F64(values))
    }

    /// A float column from options (`None` = null).
    pub fn f64_opt(name: impl Into<String>, values: Vec<Option<f64>>) -> Self {
        let validity = values.iter().map(Option::is_some).collect();
        let values = values.into_iter().map(|v| v.unwrap_or(0.0)).collect();
        Self::with_validity(name, Values::F64(values), validity).expect("lengths agree")
    }

    /// An integer column without nulls.
    pub fn i64(name: impl Into<String>, values: Vec<i64>) -> Self {
        Self::new(name, Values::I64(values))
    }

    /// A text column without nulls.
    pub fn str(name: impl Into<String>, values: Vec<String>) -> Self {
        Self::new(name, Values::Str(values))
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn values(&self) -> &Values {
        &self.values
    }

    /// The null mask, `None` when every row holds a value.
    pub fn validity(&self) -> Option<&[bool]> {
        self.validity.as_deref()
    }

    /// The values as floats when the column is numeric with no nulls: lent for floats,
    /// converted for integers (a column of whole numbers parses as integers). `None` for
    /// text, flags, or any null.
    pub fn complete_f64(&self) -> Option<std::borrow::Cow<'_, [f64]>> {
        match (&self.values, &self.validity) {
            (Values::F64(values), None) => Some(std::borrow::Cow::Borrowed(values)),
            (Values::I64(values), None) => Some(std::borrow::Cow::Owned(values.iter().map(|&v| v as f64).collect())),
            _ => None,
        }
    }

    pub fn into_parts(self) -> (String, Values, Option<Vec<bool>>) {
        (self.name, self.values, self.validity)
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    pub fn column_type(&self) -> ColumnType {
        self.values.column_type()
    }

    pub fn is_null(&self, row: usize) -> bool {
        self.validity.as_ref().is_some_and(|v| !v[row])
    }

    pub fn null_count(&self) -> usize {
        self.validity.as_ref().map_or(0, |v| v.iter().filter(|p| !**p).count())
    }

    /// The values as floats with nulls as `None`; integers are widened, text that is all
    /// numbers is parsed. Fails for any other text (naming the first cell that is not a
    /// number) and for booleans, with a message naming the column.
    pub fn to_f64(&self) -> Result<Vec<Option<f64>>, ModelError> {
        let present = |row: usize| !self.is_null(row);
        match &self.values {
            Values::F64(v) => Ok(v.iter().enumerate().map(|(i, x)| present(i).then_some(*x)).collect()),
            Values::I64(v) => Ok(v.iter().enumerate().map(|(i, x)| present(i).then_some(*x as f64)).collect()),
            // Text where numbers belong (a frame with one "n/a" cell becomes text): name
            // the first cell that is not a number, so nothing is dropped in silence.
            Values::Str(v) => v
                .iter()
                .enumerate()
                .map(|(row, text)| match present(row) {
                    false => Ok(None),
                    true => text.trim().parse::<f64>().map(Some).map_err(|_| {
                        ModelError::invalid_data(format!(
                            "column `{}` must be numeric, but row {row} holds {text:?}",
                            self.name
                        ))
                    }),
                })
                .collect(),
            other => Err(self.wrong_type("a number", other.column_type())),
        }
    }

    /// The values as text with nulls as `None`. Fails for non-text columns.
    pub fn to_str(&self) -> Result<Vec<Option<&str>>, ModelError> {
        match &self.values {
            Values::Str(v) => Ok(v.iter().enumerate().map(|(i, s)| (!self.is_null(i)).then_some(s.as_str())).collect()),
            other => Err(self.wrong_type("text", other.column_type())),
        }
    }

    /// A copy with numeric nulls replaced by `fill` (non-numeric columns are unchanged).
    pub fn fillna(&self, fill: f64) -> Column {
        match (&self.values, &self.validity) {
            (Values::F64(v), Some(valid)) => {
                Column::f64(self.name.clone(), v.iter().zip(valid).map(|(x, ok)| if *ok { *x } else { fill }).collect())
            }
            (Values::I64(_), Some(_)) => Column::f64(
                self.name.clone(),
                self.to_f64().expect("numeric").into_iter().map(|x| x.unwrap_or(fill)).collect(),
            ),
            _ => self.clone(),
        }
    }

    fn wrong_type(&self, wanted: &str, found: ColumnType) -> ModelError {
        ModelError::invalid_data(format!("column `{}` has type {}, expected {wanted}", self.name, found.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_widen_and_nulls_stay_null() {
        let col = Column::with_validity("c", Values::I64(vec![1, 0, 3]), vec![true, false, true]).unwrap();
        assert_eq!(col.to_f64().unwrap(), vec![Some(1.0), None, Some(3.0)]);
        assert_eq!(col.null_count(), 1);
        assert_eq!(col.fillna(9.0).to_f64().unwrap(), vec![Some(1.0), Some(9.0), Some(3.0)]);
    }

    #[test]
    fn text_is_a_number_only_if_every_cell_is() {
        let col = Column::str("rain", vec!["1.5".into(), "n/a".into()]);
        let err = col.to_f64().unwrap_err();
        assert_eq!(err.message, "column `rain` must be numeric, but row 1 holds \"n/a\"");
        assert_eq!(Column::str("rain", vec![" 2 ".into()]).to_f64().unwrap(), vec![Some(2.0)]);
        let flags = Column::new("flag", Values::Bool(vec![true]));
        assert_eq!(flags.to_f64().unwrap_err().message, "column `flag` has type bool, expected a number");
    }

    #[test]
    fn all_valid_mask_is_dropped() {
        let col = Column::with_validity("c", Values::Bool(vec![true]), vec![true]).unwrap();
        assert!(col.validity().is_none());
    }
}

//! `DataFrame`: the table a model reads and writes, columnar like the WIT contract, with
//! the few operations CHAP models need (column by name, float views with nulls, `fillna`,
//! select, add `sample_N` columns) and errors that name the column at fault.

use crate::{Column, ModelError, Values};

/// A table of named, typed columns of equal length. Column order carries no meaning.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DataFrame {
    num_rows: usize,
    columns: Vec<Column>,
}

impl DataFrame {
    /// An empty frame with `num_rows` rows and no columns (columns are added with
    /// [`DataFrame::set_column`]).
    pub fn with_rows(num_rows: usize) -> Self {
        Self { num_rows, columns: Vec::new() }
    }

    /// A frame from columns; fails on unequal lengths or duplicate names. With no columns
    /// the frame has zero rows.
    pub fn from_columns(columns: Vec<Column>) -> Result<Self, ModelError> {
        let num_rows = columns.first().map_or(0, Column::len);
        Self::from_parts(num_rows, columns)
    }

    /// A frame of `num_rows` rows from columns; fails on a column of another length or a
    /// duplicate name (checked in one pass, whatever the number of columns).
    pub fn from_parts(num_rows: usize, columns: Vec<Column>) -> Result<Self, ModelError> {
        let mut names = std::collections::HashSet::with_capacity(columns.len());
        for column in &columns {
            if !names.insert(column.name()) {
                return Err(ModelError::invalid_data(format!("duplicate column `{}`", column.name())));
            }
            if column.len() != num_rows {
                return Err(ModelError::invalid_data(format!(
                    "column `{}` has {} rows but the frame has {num_rows}",
                    column.name(),
                    column.len()
                )));
            }
        }
        Ok(Self { num_rows, columns })
    }

    pub fn num_rows(&self) -> usize {
        self.num_rows
    }

    pub fn num_columns(&self) -> usize {
        self.columns.len()
    }

    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    pub fn into_columns(self) -> Vec<Column> {
        self.columns
    }

    pub fn column_names(&self) -> impl Iterator<Item = &str> {
        self.columns.iter().map(Column::name)
    }

    pub fn has_column(&self, name: &str) -> bool {
        self.columns.iter().any(|c| c.name() == name)
    }

    /// The column called `name`, or an error listing the columns that exist.
    pub fn column(&self, name: &str) -> Result<&Column, ModelError> {
        self.columns.iter().find(|c| c.name() == name).ok_or_else(|| {
            let available = self.column_names().collect::<Vec<_>>().join(", ");
            ModelError::invalid_data(format!(
                "missing column `{name}` (the data has: {})",
                if available.is_empty() { "no columns" } else { &available }
            ))
        })
    }

    /// Column `name` as floats, nulls as `None` (integer columns are widened).
    pub fn f64_column(&self, name: &str) -> Result<Vec<Option<f64>>, ModelError> {
        self.column(name)?.to_f64()
    }

    /// Column `name` as floats with nulls replaced by `fill`.
    pub fn f64_filled(&self, name: &str, fill: f64) -> Result<Vec<f64>, ModelError> {
        if let Some(values) = self.column(name)?.complete_f64() {
            return Ok(values.into_owned());
        }
        Ok(self.f64_column(name)?.into_iter().map(|x| x.unwrap_or(fill)).collect())
    }

    /// Column `name` as text, nulls as `None`.
    pub fn str_column(&self, name: &str) -> Result<Vec<Option<&str>>, ModelError> {
        self.column(name)?.to_str()
    }

    /// Names of the float and integer columns, in frame order.
    pub fn numeric_column_names(&self) -> Vec<&str> {
        self.columns.iter().filter(|c| c.column_type().is_numeric()).map(Column::name).collect()
    }

    /// A frame with only the named columns, in the order given.
    pub fn select(&self, names: &[&str]) -> Result<DataFrame, ModelError> {
        let columns = names.iter().map(|n| self.column(n).cloned()).collect::<Result<_, _>>()?;
        Ok(Self { num_rows: self.num_rows, columns })
    }

    /// A copy where every numeric null is `fill` (integer columns with nulls become floats).
    pub fn fillna(&self, fill: f64) -> DataFrame {
        Self { num_rows: self.num_rows, columns: self.columns.iter().map(|c| c.fillna(fill)).collect() }
    }

    /// Row-major float matrix of the named columns with nulls replaced by `fill`: the
    /// design matrix most models start from.
    pub fn f64_rows(&self, names: &[&str], fill: f64) -> Result<Vec<Vec<f64>>, ModelError> {
        let columns = names.iter().map(|n| self.f64_filled(n, fill)).collect::<Result<Vec<_>, _>>()?;
        Ok((0..self.num_rows).map(|row| columns.iter().map(|c| c[row]).collect()).collect())
    }

    /// Adds `column`, replacing a column of the same name (like `df["x"] = ...`). Fails if
    /// its length differs from the frame's row count.
    pub fn set_column(&mut self, column: Column) -> Result<(), ModelError> {
        if column.len() != self.num_rows {
            return Err(ModelError::invalid_data(format!(
                "column `{}` has {} rows but the frame has {}",
                column.name(),
                column.len(),
                self.num_rows
            )));
        }
        match self.columns.iter_mut().find(|c| c.name() == column.name()) {
            Some(existing) => *existing = column,
            None => self.columns.push(column),
        }
        Ok(())
    }

    /// Adds or replaces a float column without nulls, e.g. `set_f64("sample_0", yhat)`.
    pub fn set_f64(&mut self, name: &str, values: Vec<f64>) -> Result<(), ModelError> {
        self.set_column(Column::new(name, Values::F64(values)))
    }

    /// Removes a column if present, returning it.
    pub fn remove_column(&mut self, name: &str) -> Option<Column> {
        let index = self.columns.iter().position(|c| c.name() == name)?;
        Some(self.columns.remove(index))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame() -> DataFrame {
        DataFrame::from_columns(vec![
            Column::str("location", vec!["a".into(), "b".into()]),
            Column::f64_opt("rainfall", vec![Some(1.5), None]),
            Column::i64("population", vec![10, 20]),
        ])
        .unwrap()
    }

    #[test]
    fn floats_without_nulls_are_read_in_place_and_filled_alike() {
        let mut frame = frame();
        frame.set_column(Column::f64("temperature", vec![20.5, 21.0])).unwrap();
        let column = |name| frame.column(name).unwrap();
        let temperature = column("temperature").complete_f64();
        assert!(matches!(temperature, Some(std::borrow::Cow::Borrowed(&[20.5, 21.0]))), "floats are lent");
        let population = column("population").complete_f64();
        assert!(matches!(population, Some(std::borrow::Cow::Owned(ref v)) if v == &[10.0, 20.0]), "integers converted");
        assert_eq!(column("rainfall").complete_f64(), None, "it has a null");
        assert_eq!(column("location").complete_f64(), None, "text");
        assert_eq!(frame.f64_filled("temperature", 0.0).unwrap(), vec![20.5, 21.0]);
        assert_eq!(frame.f64_filled("rainfall", -1.0).unwrap(), vec![1.5, -1.0]);
        assert_eq!(frame.f64_filled("population", 0.0).unwrap(), vec![10.0, 20.0]);
    }

    #[test]
    fn missing_column_lists_what_exists() {
        let err = frame().column("temperature").unwrap_err();
        assert_eq!(err.message, "missing column `temperature` (the data has: location, rainfall, population)");
    }

    #[test]
    fn numeric_views_select_and_fill() {
        let df = frame();
        assert_eq!(df.numeric_column_names(), vec!["rainfall", "population"]);
        assert_eq!(df.f64_column("rainfall").unwrap(), vec![Some(1.5), None]);
        assert_eq!(df.f64_rows(&["population", "rainfall"], 0.0).unwrap(), vec![vec![10.0, 1.5], vec![20.0, 0.0]]);
        let selected = df.select(&["population"]).unwrap();
        assert_eq!(selected.column_names().collect::<Vec<_>>(), vec!["population"]);
        assert_eq!(df.fillna(-1.0).f64_column("rainfall").unwrap(), vec![Some(1.5), Some(-1.0)]);
    }

    #[test]
    fn set_column_replaces_and_checks_length() {
        let mut df = frame();
        df.set_f64("sample_0", vec![1.0, 2.0]).unwrap();
        df.set_f64("sample_0", vec![3.0, 4.0]).unwrap();
        assert_eq!(df.num_columns(), 4);
        assert_eq!(df.f64_column("sample_0").unwrap(), vec![Some(3.0), Some(4.0)]);
        let err = df.set_f64("sample_1", vec![1.0]).unwrap_err();
        assert_eq!(err.message, "column `sample_1` has 1 rows but the frame has 2");
    }

    #[test]
    fn duplicate_columns_are_rejected() {
        let err = DataFrame::from_columns(vec![Column::i64("a", vec![1]), Column::i64("a", vec![2])]).unwrap_err();
        assert_eq!(err.message, "duplicate column `a`");
    }
}

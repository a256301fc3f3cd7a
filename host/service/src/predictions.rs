//! What a prediction must be before it is stored (what chap-core accepts): one row per
//! future row, `sample_0 .. sample_{n-1}` numbered contiguously from 0, every sample a
//! finite number. Anything else is the model's failure, not a stored artifact.

use chapwasm_sdk::{DataFrame, Values};

pub fn check(predictions: &DataFrame, future_rows: usize) -> Result<(), String> {
    if predictions.num_rows() != future_rows {
        return Err(format!("{} prediction rows for {future_rows} future rows", predictions.num_rows()));
    }
    let mut indices: Vec<usize> = Vec::new();
    for name in predictions.column_names().filter(|n| n.starts_with("sample_")) {
        let index = name["sample_".len()..].parse().map_err(|_| format!("`{name}` is not sample_<number>"))?;
        indices.push(index);
    }
    if indices.is_empty() {
        return Err("no sample columns (expected sample_0 ..)".into());
    }
    indices.sort_unstable();
    if let Some(gap) = indices.iter().enumerate().find(|(i, index)| i != *index).map(|(i, _)| i) {
        return Err(format!("sample columns are not contiguous: sample_{gap} is missing"));
    }
    for column in predictions.columns().iter().filter(|c| c.name().starts_with("sample_")) {
        let finite = match column.values() {
            Values::F64(values) => values.iter().all(|v| v.is_finite()),
            Values::I64(_) => true,
            _ => return Err(format!("`{}` is not numeric", column.name())),
        };
        if !finite || column.null_count() > 0 {
            return Err(format!("`{}` has null or non-finite values", column.name()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chapwasm_sdk::Column;

    fn frame(columns: Vec<Column>) -> DataFrame {
        DataFrame::from_columns(columns).unwrap()
    }

    #[test]
    fn accepts_contiguous_finite_samples() {
        let ok = frame(vec![
            Column::f64("sample_1", vec![1.0]),
            Column::i64("sample_0", vec![2]),
            Column::str("x", vec!["a".into()]),
        ]);
        assert_eq!(check(&ok, 1), Ok(()));
    }

    #[test]
    fn names_what_is_wrong() {
        let gap = frame(vec![Column::f64("sample_0", vec![1.0]), Column::f64("sample_2", vec![1.0])]);
        assert_eq!(check(&gap, 1).unwrap_err(), "sample columns are not contiguous: sample_1 is missing");
        let nan = frame(vec![Column::f64("sample_0", vec![f64::NAN])]);
        assert_eq!(check(&nan, 1).unwrap_err(), "`sample_0` has null or non-finite values");
        assert_eq!(check(&nan, 2).unwrap_err(), "1 prediction rows for 2 future rows");
        assert_eq!(check(&frame(vec![]), 0).unwrap_err(), "no sample columns (expected sample_0 ..)");
    }
}

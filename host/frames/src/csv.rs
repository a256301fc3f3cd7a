//! CSV in and out of the shared `DataFrame`, for the local `chapwasm run` command.
//!
//! Reading infers one type per column: integers, else floats, else booleans, else text;
//! an empty cell is a null. CHAP's identifier columns (`time_period`, `location`,
//! `parent`) are always text, so a location id such as `1` stays the string `"1"`.
//! The `csv` crate does the parsing; a full dataframe library would add minutes of build
//! for no gain here (see ARCHITECTURE.md).

use chapwasm_sdk::{Column, DataFrame, ModelError, Values};
use std::io::{Read, Write};

/// Columns that are identifiers, never numbers.
const TEXT_COLUMNS: [&str; 3] = ["time_period", "location", "parent"];

#[derive(Debug, thiserror::Error)]
pub enum CsvError {
    #[error("CSV: {0}")]
    Csv(#[from] ::csv::Error),
    #[error("CSV: {0}")]
    Frame(String),
}

impl From<ModelError> for CsvError {
    fn from(error: ModelError) -> Self {
        CsvError::Frame(error.message)
    }
}

/// Reads a CSV with a header row.
pub fn read_csv(input: impl Read) -> Result<DataFrame, CsvError> {
    let mut reader = ::csv::ReaderBuilder::new().has_headers(true).from_reader(input);
    let names: Vec<String> = reader.headers()?.iter().map(str::to_owned).collect();
    let mut cells: Vec<Vec<String>> = vec![Vec::new(); names.len()];
    for record in reader.records() {
        let record = record?; // the csv crate rejects rows of the wrong width
        for (column, cell) in cells.iter_mut().zip(record.iter()) {
            column.push(cell.to_owned());
        }
    }
    let rows = cells.first().map_or(0, Vec::len);
    let mut frame = DataFrame::with_rows(rows);
    for (name, column) in names.into_iter().zip(cells) {
        if frame.has_column(&name) {
            return Err(CsvError::Frame(format!("duplicate column `{name}`")));
        }
        let text = TEXT_COLUMNS.contains(&name.as_str());
        frame.set_column(infer_column(name, column, text)?)?;
    }
    Ok(frame)
}

fn infer_column(name: String, cells: Vec<String>, force_text: bool) -> Result<Column, ModelError> {
    let validity: Vec<bool> = cells.iter().map(|c| !c.is_empty()).collect();
    let present = || cells.iter().filter(|c| !c.is_empty());
    let values = if force_text {
        Values::Str(cells)
    } else if present().all(|c| c.parse::<i64>().is_ok()) && present().next().is_some() {
        Values::I64(cells.iter().map(|c| c.parse().unwrap_or(0)).collect())
    } else if present().all(|c| c.parse::<f64>().is_ok()) {
        Values::F64(cells.iter().map(|c| c.parse().unwrap_or(0.0)).collect())
    } else if present().all(|c| c.eq_ignore_ascii_case("true") || c.eq_ignore_ascii_case("false")) {
        Values::Bool(cells.iter().map(|c| c.eq_ignore_ascii_case("true")).collect())
    } else {
        Values::Str(cells)
    };
    Column::with_validity(name, values, validity)
}

/// Writes a CSV with a header row; nulls are empty cells.
pub fn write_csv(frame: &DataFrame, output: impl Write) -> Result<(), CsvError> {
    let mut writer = ::csv::Writer::from_writer(output);
    writer.write_record(frame.column_names())?;
    let mut row = Vec::with_capacity(frame.num_columns());
    for index in 0..frame.num_rows() {
        row.clear();
        row.extend(frame.columns().iter().map(|column| cell(column, index)));
        writer.write_record(&row)?;
    }
    writer.flush().map_err(::csv::Error::from)?;
    Ok(())
}

fn cell(column: &Column, row: usize) -> String {
    if column.is_null(row) {
        return String::new();
    }
    match column.values() {
        Values::F64(v) => v[row].to_string(),
        Values::I64(v) => v[row].to_string(),
        Values::Str(v) => v[row].clone(),
        Values::Bool(v) => v[row].to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn infers_types_keeps_ids_as_text_and_nulls_as_nulls() {
        let csv = "time_period,location,rainfall,disease_cases,flag,name\n\
                   2023-01,1,1.5,3,true,a\n\
                   2023-02,1,,4,false,b\n";
        let frame = read_csv(csv.as_bytes()).unwrap();
        let types: Vec<&str> = frame.columns().iter().map(|c| c.column_type().as_str()).collect();
        assert_eq!(types, ["string", "string", "f64", "s64", "bool", "string"]);
        assert_eq!(frame.f64_column("rainfall").unwrap(), vec![Some(1.5), None]);

        let mut out = Vec::new();
        write_csv(&frame, &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), csv);
    }

    #[test]
    fn ragged_rows_are_an_error() {
        let err = read_csv("a,b\n1,2\n3\n".as_bytes()).unwrap_err();
        assert!(err.to_string().contains("found record with 1 fields"), "{err}");
    }
}

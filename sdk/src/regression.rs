//! Ordinary least squares for model authors: the workhorse of the regression plugins,
//! written once here so every plugin gets the same numerically careful solver (SVD,
//! minimum-norm solution for rank-deficient designs, as scikit-learn's `LinearRegression`).

use crate::ModelError;
use nalgebra::{DMatrix, DVector};

/// The fitted line: `y ≈ intercept + Σ coefficients[j] * x[j]`.
#[derive(Debug, Clone, PartialEq)]
pub struct LinearFit {
    pub intercept: f64,
    pub coefficients: Vec<f64>,
}

impl LinearFit {
    /// Predicted value for one row of features.
    pub fn predict(&self, row: &[f64]) -> f64 {
        self.intercept + row.iter().zip(&self.coefficients).map(|(x, b)| x * b).sum::<f64>()
    }
}

/// Fits `y` on the rows of `x` (row-major, every row the same width) with an intercept.
/// Fails when there are no rows, rows of different widths, or non-finite values.
pub fn least_squares(x: &[Vec<f64>], y: &[f64]) -> Result<LinearFit, ModelError> {
    if x.is_empty() {
        return Err(ModelError::invalid_data("cannot fit a regression on zero rows"));
    }
    if x.len() != y.len() {
        return Err(ModelError::invalid_data(format!("{} feature rows but {} targets", x.len(), y.len())));
    }
    let width = x[0].len();
    if x.iter().any(|row| row.len() != width) {
        return Err(ModelError::invalid_data("feature rows have different widths"));
    }
    if x.iter().flatten().chain(y).any(|v| !v.is_finite()) {
        return Err(ModelError::invalid_data("features and target must be finite numbers"));
    }
    let design = DMatrix::from_fn(x.len(), width + 1, |r, c| if c == 0 { 1.0 } else { x[r][c - 1] });
    let target = DVector::from_column_slice(y);
    let solution = design
        .svd(true, true)
        .solve(&target, 1e-12)
        .map_err(|e| ModelError::failed(format!("least squares did not converge: {e}")))?;
    Ok(LinearFit { intercept: solution[0], coefficients: solution.iter().skip(1).copied().collect() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_exact_coefficients() {
        let x: Vec<Vec<f64>> = (0..20).map(|i| vec![i as f64, ((i * 7) % 5) as f64]).collect();
        let y: Vec<f64> = x.iter().map(|r| 3.0 + 2.0 * r[0] - 0.5 * r[1]).collect();
        let fit = least_squares(&x, &y).unwrap();
        assert!((fit.intercept - 3.0).abs() < 1e-9);
        assert!((fit.coefficients[0] - 2.0).abs() < 1e-9);
        assert!((fit.coefficients[1] + 0.5).abs() < 1e-9);
    }

    #[test]
    fn collinear_features_still_fit() {
        // The spec's example: x2 = x1 + 1, so the design is rank-deficient.
        let x = vec![vec![1.0, 2.0], vec![2.0, 3.0], vec![3.0, 4.0]];
        let y = [10.0, 15.0, 20.0];
        let fit = least_squares(&x, &y).unwrap();
        for (row, want) in x.iter().zip(y) {
            assert!((fit.predict(row) - want).abs() < 1e-9);
        }
    }

    #[test]
    fn zero_rows_is_a_data_error() {
        assert_eq!(least_squares(&[], &[]).unwrap_err().message, "cannot fit a regression on zero rows");
    }
}

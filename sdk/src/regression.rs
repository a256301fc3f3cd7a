//! Ordinary least squares for model authors: the workhorse of the regression plugins,
//! written once here so every plugin gets the same careful solver. Like scikit-learn's
//! `LinearRegression`, it centres the features and the target (the intercept is what the
//! means leave over) and takes the minimum-norm solution when the design is
//! rank-deficient. The centred normal equations are accumulated in two passes over the rows
//! (the means, then the sums of products: O(rows × features²), no copy of the data) and solved by an SVD of the small Gram
//! matrix: a 100k × 5 fit costs a few milliseconds instead of an SVD of the whole design.

mod normal_equations;

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

    /// Predicted values for feature columns (one per coefficient, all `rows` long).
    pub fn predict_columns(&self, columns: &[Vec<f64>], rows: usize) -> Vec<f64> {
        let mut out = vec![self.intercept; rows];
        for (column, b) in columns.iter().zip(&self.coefficients) {
            for (value, x) in out.iter_mut().zip(column) {
                *value += b * x;
            }
        }
        out
    }
}

/// Fits `y` on the rows of `x` (row-major, every row the same width) with an intercept.
/// Fails when there are no rows, rows of different widths, or non-finite values.
pub fn least_squares(x: &[Vec<f64>], y: &[f64]) -> Result<LinearFit, ModelError> {
    if x.len() != y.len() {
        return Err(ModelError::invalid_data(format!("{} feature rows but {} targets", x.len(), y.len())));
    }
    let width = x.first().map_or(0, Vec::len);
    if x.iter().any(|row| row.len() != width) {
        return Err(ModelError::invalid_data("feature rows have different widths"));
    }
    let columns: Vec<Vec<f64>> = (0..width).map(|j| x.iter().map(|row| row[j]).collect()).collect();
    least_squares_columns(&columns, y)
}

/// Fits `y` on feature columns (each as long as `y`) with an intercept: the form a
/// columnar frame already has, so no row vectors are built. Fails when there are no rows,
/// columns of another length, or non-finite values.
pub fn least_squares_columns<C: AsRef<[f64]>>(columns: &[C], y: &[f64]) -> Result<LinearFit, ModelError> {
    least_squares_columns_with_means(columns, y).map(|(fit, _)| fit)
}

/// [`least_squares_columns`], and the mean of each feature column (what the fit centred
/// on; what a model may fill a missing feature with), each as `iter().sum::<f64>() / rows`
/// gives it.
pub fn least_squares_columns_with_means<C: AsRef<[f64]>>(
    columns: &[C],
    y: &[f64],
) -> Result<(LinearFit, Vec<f64>), ModelError> {
    let columns: Vec<&[f64]> = columns.iter().map(AsRef::as_ref).collect();
    if y.is_empty() {
        return Err(ModelError::invalid_data("cannot fit a regression on zero rows"));
    }
    if let Some(column) = columns.iter().find(|c| c.len() != y.len()) {
        return Err(ModelError::invalid_data(format!(
            "a feature has {} values but there are {} targets",
            column.len(),
            y.len()
        )));
    }
    let (x_sums, y_sum) = normal_equations::column_sums(&columns, y);
    // A NaN or an infinity makes its column's sum one too, so finite sums (the usual case)
    // spare a pass over every value; a sum that is not finite may also have overflowed.
    let finite_sums = x_sums.iter().chain([&y_sum]).all(|sum| sum.is_finite());
    if !finite_sums && columns.iter().chain([&y]).any(|column| column.iter().any(|v| !v.is_finite())) {
        return Err(ModelError::invalid_data("features and target must be finite numbers"));
    }
    let width = columns.len();
    let rows = y.len() as f64;
    let x_mean: Vec<f64> = x_sums.iter().map(|sum| sum / rows).collect();
    let y_mean = y_sum / rows;
    let normal_equations::CentredSums { gram: sums, moments } =
        normal_equations::centred_sums(&columns, &x_mean, y, y_mean);
    let moment = DVector::from_vec(moments);
    let mut gram = DMatrix::<f64>::from_fn(width, width, |i, j| if i <= j { sums[i * width + j] } else { 0.0 });
    gram.fill_lower_triangle_with_upper_triangle();
    let coefficients = if width == 0 {
        Vec::new()
    } else {
        let svd = gram.svd(true, true);
        // Directions the data does not span (collinear or constant features) get no weight.
        let tolerance = svd.singular_values.max() * 1e-10;
        let solution = svd
            .solve(&moment, tolerance)
            .map_err(|e| ModelError::failed(format!("least squares did not converge: {e}")))?;
        solution.iter().copied().collect()
    };
    let intercept = y_mean - coefficients.iter().zip(&x_mean).map(|(b, m)| b * m).sum::<f64>();
    Ok((LinearFit { intercept, coefficients }, x_mean))
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
    fn noisy_data_matches_the_closed_form_fit() {
        // One feature: slope = cov(x, y) / var(x), intercept = mean(y) - slope * mean(x).
        let x: Vec<Vec<f64>> = (0..50).map(|i| vec![f64::from(i) * 0.37]).collect();
        let y: Vec<f64> = (0..50).map(|i| 1.0 + 0.8 * f64::from(i) * 0.37 + f64::from((i * 13) % 7) - 3.0).collect();
        let (mx, my) = (x.iter().map(|r| r[0]).sum::<f64>() / 50.0, y.iter().sum::<f64>() / 50.0);
        let cov: f64 = x.iter().zip(&y).map(|(r, v)| (r[0] - mx) * (v - my)).sum();
        let var: f64 = x.iter().map(|r| (r[0] - mx).powi(2)).sum();
        let fit = least_squares(&x, &y).unwrap();
        assert!((fit.coefficients[0] - cov / var).abs() < 1e-9);
        assert!((fit.intercept - (my - cov / var * mx)).abs() < 1e-9);
    }

    #[test]
    fn a_constant_feature_gets_no_weight() {
        let x: Vec<Vec<f64>> = (0..10).map(|i| vec![f64::from(i), 5.0]).collect();
        let y: Vec<f64> = (0..10).map(|i| 2.0 * f64::from(i) + 1.0).collect();
        let fit = least_squares(&x, &y).unwrap();
        assert!(fit.coefficients[1].abs() < 1e-9 && (fit.coefficients[0] - 2.0).abs() < 1e-9);
        assert!((fit.intercept - 1.0).abs() < 1e-9);
    }

    #[test]
    fn rows_and_columns_give_the_same_fit() {
        let x: Vec<Vec<f64>> = (0..30).map(|i| vec![f64::from(i), f64::from((i * 7) % 11), 1.5]).collect();
        let y: Vec<f64> = x.iter().map(|r| 1.0 + r[0] - 2.0 * r[1] + f64::from(r[0] as i32 % 3)).collect();
        let columns: Vec<Vec<f64>> = (0..3).map(|j| x.iter().map(|r| r[j]).collect()).collect();
        let (by_rows, by_columns) = (least_squares(&x, &y).unwrap(), least_squares_columns(&columns, &y).unwrap());
        assert_eq!(by_rows, by_columns);
        let predicted = by_columns.predict_columns(&columns, 30);
        assert!(x.iter().zip(&predicted).all(|(row, p)| (by_rows.predict(row) - p).abs() < 1e-9));
    }

    #[test]
    fn non_finite_values_are_refused_and_large_finite_ones_are_not() {
        let y = [1.0, 2.0, 3.0];
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let error = least_squares_columns(&[vec![1.0, bad, 2.0]], &y).unwrap_err();
            assert_eq!(error.message, "features and target must be finite numbers");
            assert!(least_squares_columns(&[vec![1.0, 5.0, 2.0]], &[1.0, bad, 3.0]).is_err());
        }
        // Sums that overflow, values that do not: no data error (as before the sums were
        // looked at first).
        let huge = least_squares_columns(&[vec![f64::MAX, f64::MAX, 0.0]], &y);
        assert!(!huge.is_err_and(|e| e.message == "features and target must be finite numbers"));
    }

    #[test]
    fn the_means_are_those_of_the_columns() {
        let columns: Vec<Vec<f64>> = (0..4).map(|j| (0..40).map(|i| f64::from(i * (j + 1)) * 0.3).collect()).collect();
        let y: Vec<f64> = (0..40).map(|i| f64::from(i % 9)).collect();
        let (fit, means) = least_squares_columns_with_means(&columns, &y).unwrap();
        assert_eq!(fit, least_squares_columns(&columns, &y).unwrap());
        let expected: Vec<f64> = columns.iter().map(|c| c.iter().sum::<f64>() / 40.0).collect();
        assert_eq!(means, expected);
    }

    #[test]
    fn zero_rows_is_a_data_error() {
        assert_eq!(least_squares(&[], &[]).unwrap_err().message, "cannot fit a regression on zero rows");
    }
}

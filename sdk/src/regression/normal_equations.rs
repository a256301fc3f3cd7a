//! The passes over the rows that a least-squares fit costs: the sum of every column
//! (for the means), then every sum of products of the centred features, and of each
//! feature with the centred target.
//!
//! Each sum adds its terms in row order, so the results are the same, bit for bit, as
//! `iter().sum()` per column and as the loop over rows that accumulated every product
//! before (`products_any_width`, still used past the unrolled widths). Both passes are
//! written once for any width and instantiated for each width up to [`UNROLLED_WIDTH`]
//! (`by_width!`), where the compiler keeps the sums in registers and drops the loops over
//! features and their bounds checks: a 100k × 5 fit's products took 0.5 ms instead of 2.5–4.2 ms natively. In the
//! sandbox every float operation also carries a NaN check, so a sum's chain of additions
//! is slow: the column sums advance side by side, a row at a time, instead of one column
//! after another.

/// Widths (features) up to this one get a pass of their own.
const UNROLLED_WIDTH: usize = 8;

/// `$unrolled::<W>(args)` for a width `W` up to [`UNROLLED_WIDTH`], else `$general`.
macro_rules! by_width {
    ($width:expr, $unrolled:ident($($arg:expr),*), $general:expr) => {{
        const _: () = assert!(UNROLLED_WIDTH == 8, "by_width! lists every width up to UNROLLED_WIDTH");
        match $width {
            0 => $unrolled::<0>($($arg),*),
            1 => $unrolled::<1>($($arg),*),
            2 => $unrolled::<2>($($arg),*),
            3 => $unrolled::<3>($($arg),*),
            4 => $unrolled::<4>($($arg),*),
            5 => $unrolled::<5>($($arg),*),
            6 => $unrolled::<6>($($arg),*),
            7 => $unrolled::<7>($($arg),*),
            8 => $unrolled::<8>($($arg),*),
            _ => $general,
        }
    }};
}

/// The centred sums: `gram[i * width + j]` (for `i <= j`; the rest is zero) and
/// `moments[i]`. Every column is at least as long as `y`; only its first `y.len()` rows
/// count.
pub(super) struct CentredSums {
    pub gram: Vec<f64>,
    pub moments: Vec<f64>,
}

/// The sum of each column's first `y.len()` values, and of `y` (each in row order,
/// starting from `-0.0` as `Iterator::sum` does).
pub(super) fn column_sums(columns: &[&[f64]], y: &[f64]) -> (Vec<f64>, f64) {
    let one_by_one = || (columns.iter().map(|column| column[..y.len()].iter().sum()).collect(), y.iter().sum());
    by_width!(columns.len(), sums_unrolled(columns, y), one_by_one())
}

fn sums_unrolled<const W: usize>(columns: &[&[f64]], y: &[f64]) -> (Vec<f64>, f64) {
    let rows = y.len();
    let columns: [&[f64]; W] = std::array::from_fn(|i| &columns[i][..rows]);
    let mut sums = [-0.0; W];
    let mut y_sum = -0.0;
    for (row, target) in y.iter().enumerate() {
        for i in 0..W {
            sums[i] += columns[i][row];
        }
        y_sum += target;
    }
    (sums.to_vec(), y_sum)
}

pub(super) fn centred_sums(columns: &[&[f64]], x_mean: &[f64], y: &[f64], y_mean: f64) -> CentredSums {
    by_width!(
        columns.len(),
        products_unrolled(columns, x_mean, y, y_mean),
        products_any_width(columns, x_mean, y, y_mean)
    )
}

fn products_unrolled<const W: usize>(columns: &[&[f64]], x_mean: &[f64], y: &[f64], y_mean: f64) -> CentredSums {
    let rows = y.len();
    let columns: [&[f64]; W] = std::array::from_fn(|i| &columns[i][..rows]);
    let x_mean: [f64; W] = std::array::from_fn(|i| x_mean[i]);
    let mut gram = [[0.0; W]; W];
    let mut moments = [0.0; W];
    for (row, target) in y.iter().enumerate() {
        let centred: [f64; W] = std::array::from_fn(|i| columns[i][row] - x_mean[i]);
        let target = target - y_mean;
        for i in 0..W {
            moments[i] += centred[i] * target;
            for j in i..W {
                gram[i][j] += centred[i] * centred[j];
            }
        }
    }
    CentredSums { gram: gram.iter().flatten().copied().collect(), moments: moments.to_vec() }
}

fn products_any_width(columns: &[&[f64]], x_mean: &[f64], y: &[f64], y_mean: f64) -> CentredSums {
    let width = columns.len();
    let mut gram = vec![0.0; width * width];
    let mut moments = vec![0.0; width];
    let mut centred = vec![0.0; width];
    for (row, target) in y.iter().enumerate() {
        for ((value, column), mean) in centred.iter_mut().zip(columns).zip(x_mean) {
            *value = column[row] - mean;
        }
        let target = target - y_mean;
        for (i, xi) in centred.iter().enumerate() {
            moments[i] += xi * target;
            for (sum, xj) in gram[i * width + i..(i + 1) * width].iter_mut().zip(&centred[i..]) {
                *sum += xi * xj;
            }
        }
    }
    CentredSums { gram, moments }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_sums_are_what_summing_each_column_gives() {
        for width in 0..=UNROLLED_WIDTH + 1 {
            let columns: Vec<Vec<f64>> =
                (0..width).map(|i| (0..100).map(|row| (row as f64 * 0.1).sin() * 1e3 + i as f64).collect()).collect();
            let columns: Vec<&[f64]> = columns.iter().map(Vec::as_slice).collect();
            let y: Vec<f64> = (0..97).map(|row| row as f64 / 7.0).collect();
            let (sums, y_sum) = column_sums(&columns, &y);
            let one_by_one: Vec<f64> = columns.iter().map(|c| c[..97].iter().sum()).collect();
            assert_eq!(bits(&sums), bits(&one_by_one), "width {width}");
            assert_eq!(y_sum.to_bits(), y.iter().sum::<f64>().to_bits());
        }
        for width in 1..=UNROLLED_WIDTH + 1 {
            let zeros = vec![-0.0; 5];
            let (sums, y_sum) = column_sums(&vec![zeros.as_slice(); width], &zeros);
            assert!(sums.iter().chain([&y_sum]).all(|sum| sum.to_bits() == (-0.0f64).to_bits()), "width {width}");
        }
    }

    fn bits(values: &[f64]) -> Vec<u64> {
        values.iter().map(|value| value.to_bits()).collect()
    }

    #[test]
    fn every_unrolled_width_sums_as_the_general_pass_does() {
        let rows = 257;
        let value = |i: usize, row: usize| ((row * 31 + i * 17) % 23) as f64 * 0.37 - (i as f64).sqrt();
        for width in 0..=UNROLLED_WIDTH + 1 {
            let columns: Vec<Vec<f64>> = (0..width).map(|i| (0..rows + 3).map(|row| value(i, row)).collect()).collect();
            let columns: Vec<&[f64]> = columns.iter().map(Vec::as_slice).collect();
            let x_mean: Vec<f64> = (0..width).map(|i| i as f64 * 0.5).collect();
            let y: Vec<f64> = (0..rows).map(|row| value(width, row) * 3.0).collect();
            let (fast, general) =
                (centred_sums(&columns, &x_mean, &y, 1.25), products_any_width(&columns, &x_mean, &y, 1.25));
            assert_eq!(bits(&fast.gram), bits(&general.gram), "width {width}");
            assert_eq!(bits(&fast.moments), bits(&general.moments), "width {width}");
        }
    }
}

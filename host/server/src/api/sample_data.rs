//! `GET /api/v1/ml/$generate-sample-data`: a `$train` or `$predict` body of made-up but
//! plausible data (chapkit 2.4.1's query parameters), so a newcomer can try the service
//! before they have data of their own. With a `seed` the same query gives the same body.
//! Sizes are capped so the answer stays small.

use super::offload::offload_json;
use super::openapi::{ById, Common};
use super::{ApiError, AppState};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chapwasm_service::clock::is_ulid;
use chrono::{Datelike, Duration, NaiveDate};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde::Deserialize;
use serde_json::{Value, json};

/// At most this many locations, periods and features, and cells in all (about 20 MB of
/// JSON at most).
const MAX_LOCATIONS: usize = 1000;
const MAX_PERIODS: usize = 1000;
const MAX_FEATURES: usize = 50;
const MAX_CELLS: usize = 1_000_000;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SampleQuery {
    /// `train` (default: a `$train` body) or `predict` (a `$predict` body).
    kind: Option<String>,
    /// A config's ULID, filled into a `$train` body.
    config_id: Option<String>,
    /// 1 to 1000 (default 5).
    num_locations: Option<usize>,
    /// 2 to 1000 (default 50).
    num_periods: Option<usize>,
    /// 0 to 50 (default 3).
    num_features: Option<usize>,
    /// `weekly` or `monthly` (default: the model's).
    period_type: Option<String>,
    /// `polygon` (default) or `point`.
    geo_type: Option<String>,
    /// Add a GeoJSON FeatureCollection of the locations (default false).
    include_geo: Option<bool>,
    /// The same seed gives the same body.
    seed: Option<i64>,
}

/// A `$train` or `$predict` body of made-up data, to try the service with.
#[utoipa::path(get, path = "/api/v1/ml/$generate-sample-data", tag = "ml", operation_id = "generate_sample_data",
    params(SampleQuery),
    responses((status = 200, description = "A `$train` or `$predict` body", body = Object), ById, Common))]
pub async fn generate(
    State(state): State<AppState>,
    query: Result<Query<SampleQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let query = super::body::query(query)?;
    let invalid = |name: &str, message: String| ApiError::validation(&["query", name], message);
    let bounded = |name: &str, value: Option<usize>, default: usize, (low, high): (usize, usize)| {
        let value = value.unwrap_or(default);
        if (low..=high).contains(&value) {
            Ok(value)
        } else {
            Err(invalid(name, format!("{name} must be {low} to {high}")))
        }
    };
    let locations = bounded("num_locations", query.num_locations, 5, (1, MAX_LOCATIONS))?;
    let periods = bounded("num_periods", query.num_periods, 50, (2, MAX_PERIODS))?;
    let features = bounded("num_features", query.num_features, 3, (0, MAX_FEATURES))?;
    if locations * periods * (features + 3) > MAX_CELLS {
        let message = format!("num_locations x num_periods x (num_features + 3) must be at most {MAX_CELLS}");
        return Err(invalid("num_periods", message));
    }
    let predict = match query.kind.as_deref() {
        None | Some("train") => false,
        Some("predict") => true,
        Some(_) => return Err(invalid("kind", "kind must be train or predict".into())),
    };
    let weekly = match query.period_type.as_deref() {
        Some("weekly") => true,
        Some("monthly") => false,
        None => state.info["period_type"] == "weekly",
        Some(_) => return Err(invalid("period_type", "period_type must be weekly or monthly".into())),
    };
    let polygons = match query.geo_type.as_deref() {
        None | Some("polygon") => true,
        Some("point") => false,
        Some(_) => return Err(invalid("geo_type", "geo_type must be polygon or point".into())),
    };
    let config_id = match &query.config_id {
        None => None,
        Some(id) => {
            if !is_ulid(id) {
                return Err(invalid("config_id", format!("config_id must be a ULID (26 characters), got {id}")));
            }
            if state.service.config(id).await?.is_none() {
                return Err(ApiError::not_found(format!("Config {id} not found")));
            }
            Some(id.clone())
        }
    };
    let seed = query.seed.filter(|s| *s >= 0).map_or_else(rand::random, |s| s as u64);
    let horizon = horizon(&state.info);
    let include_geo = query.include_geo.unwrap_or(false);
    // Up to a million cells: built and serialised off the reactor.
    offload_json(&state, StatusCode::OK, vec![], move || {
        let mut random = StdRng::seed_from_u64(seed);
        let names: Vec<String> = (1..=locations).map(|i| format!("location_{i}")).collect();
        let historic = frame(&mut random, &names, periods, features, weekly, 0, true);
        let geo = include_geo.then(|| geo(&mut random, &names, polygons));
        if predict {
            let future = frame(&mut random, &names, horizon, features, weekly, periods, false);
            let run_info = json!({"prediction_periods": horizon});
            json!({"artifact_id": null, "historic": historic, "future": future, "geo": geo, "run_info": run_info})
        } else {
            json!({"config_id": config_id, "data": historic, "geo": geo})
        }
    })
    .await
}

/// Three periods ahead, within the service's `[min, max]` prediction periods.
fn horizon(info: &Value) -> usize {
    let min = info["min_prediction_periods"].as_u64().unwrap_or(0).max(1);
    let max = info["max_prediction_periods"].as_u64().unwrap_or(100).max(min);
    3u64.clamp(min, max) as usize
}

/// Rows per location and period: `time_period`, `location`, the features and, with a
/// target, `disease_cases` (a noisy sum of the features, so a regression finds them).
fn frame(
    random: &mut StdRng,
    names: &[String],
    periods: usize,
    features: usize,
    weekly: bool,
    first_period: usize,
    target: bool,
) -> Value {
    let mut columns = vec!["time_period".to_owned(), "location".to_owned()];
    columns.extend((1..=features).map(|k| format!("feature_{k}")));
    if target {
        columns.push("disease_cases".to_owned());
    }
    let mut rows = Vec::with_capacity(names.len() * periods);
    for name in names {
        for period in first_period..first_period + periods {
            let mut row = vec![json!(period_label(period, weekly)), json!(name)];
            let mut sum = 0.0;
            for k in 1..=features {
                let value = ((10.0 * k as f64 + 5.0 * random.random::<f64>()) * 100.0).round() / 100.0;
                sum += value;
                row.push(json!(value));
            }
            if target {
                row.push(json!((0.5 * sum + 10.0 * random.random::<f64>()).round()));
            }
            rows.push(Value::Array(row));
        }
    }
    json!({"columns": columns, "data": rows})
}

/// `2020-01`, `2020-02`, … or ISO weeks `2020-W01`, `2020-W02`, ….
fn period_label(index: usize, weekly: bool) -> String {
    if weekly {
        let monday = NaiveDate::from_isoywd_opt(2020, 1, chrono::Weekday::Mon).expect("a valid week");
        let week = (monday + Duration::weeks(index as i64)).iso_week();
        format!("{}-W{:02}", week.year(), week.week())
    } else {
        format!("{}-{:02}", 2020 + index / 12, index % 12 + 1)
    }
}

/// A FeatureCollection with one feature per location: a small square or a point.
fn geo(random: &mut StdRng, names: &[String], polygons: bool) -> Value {
    let features: Vec<Value> = names
        .iter()
        .map(|name| {
            let (lon, lat) = (30.0 + 10.0 * random.random::<f64>(), -10.0 + 10.0 * random.random::<f64>());
            let geometry = if polygons {
                let d = 0.25;
                json!({"type": "Polygon", "coordinates": [[[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]]})
            } else {
                json!({"type": "Point", "coordinates": [lon, lat]})
            };
            json!({"type": "Feature", "id": name, "properties": {"id": name}, "geometry": geometry})
        })
        .collect();
    json!({"type": "FeatureCollection", "features": features})
}

#[cfg(test)]
mod tests {
    use super::period_label;

    #[test]
    fn periods_count_months_and_iso_weeks() {
        assert_eq!((period_label(0, false), period_label(13, false)), ("2020-01".into(), "2021-02".into()));
        assert_eq!((period_label(0, true), period_label(52, true)), ("2020-W01".into(), "2020-W53".into()));
        assert_eq!(period_label(53, true), "2021-W01");
    }
}

//! The OpenAPI 3.1 document (`/openapi.json`), derived from the handlers' `#[utoipa::path]`
//! annotations and the wire types, and Swagger UI over it at `/docs`, its assets compiled
//! into the binary (these servers are often offline). The document lists exactly the
//! routes the router mounts (`document` drops the groups left out), which a test checks
//! route by route.
//!
//! The document is built at its first request (on a blocking thread, as other heavy
//! request work is: `offload`) and kept as its JSON text. As utoipa's
//! structure it held 3.1 MB of the idle server's 5.5 MB of heap (heaptrack, 2026-12-06);
//! its text is 105 KB.

mod inputs;
mod problems;

pub use inputs::{
    ArtifactBody, Binary, ConfigBody, Id, Limits, LinkBody, PredictBody, TrainBody, UploadForm, ValidateBody,
};
pub use problems::{ById, Common, CommonButFull, Conflicts, WithBody};

use super::offload::offload;
use super::{ApiError, AppState, Parts, health};
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use std::sync::Arc;
use tokio::sync::OnceCell;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{OpenApi as Document, SecurityRequirement};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "chapwasm",
        description = "Train and run ML models delivered as WebAssembly components, behind \
                       chapkit's REST API. Every job runs in a fresh sandbox under the limits \
                       `GET /api/v1/system` reports.",
    ),
    paths(
        health::health, health::stream, health::info, health::system,
        super::configs::list, super::configs::create, super::configs::schema, super::configs::stats,
        super::configs::get, super::configs::update, super::configs::delete,
        super::configs::artifacts, super::configs::link, super::configs::unlink,
        super::artifacts::list, super::artifacts::create, super::artifacts::schema, super::artifacts::stats,
        super::artifacts::get, super::artifacts::update, super::artifacts::delete,
        super::artifacts::tree, super::artifacts::expand, super::artifacts::config,
        super::artifacts::metadata_of, super::artifacts::download,
        super::components::list, super::components::upload, super::components::get,
        super::components::delete, super::components::download, super::components::set_limits,
        super::components::schema,
        super::jobs::list, super::jobs::schema, super::jobs::get, super::jobs::delete, super::stream::stream,
        super::ml::train, super::ml::predict, super::ml::validate, super::sample_data::generate,
        crate::monitoring::metrics,
    ),
    components(schemas(super::problem::Problem, super::problem::Issue, super::wire::JobStreamEvent)),
    modifiers(&Keys),
    tags(
        (name = "health", description = "Is the service up, and what is it"),
        (name = "configs", description = "Model configurations"),
        (name = "artifacts", description = "Trained models, predictions and other artifacts, in trees"),
        (name = "components", description = "Model components (WebAssembly) and their limits"),
        (name = "jobs", description = "Training and prediction jobs"),
        (name = "ml", description = "Train, predict, validate, sample data"),
        (name = "monitoring", description = "Prometheus metrics"),
    ),
)]
struct ApiDoc;

/// The keys of issue 13: `X-API-Key`, or the same key as a bearer token. Which operations
/// need one depends on the server's mode (`GET /api/v1/system` says), so each operation
/// lists "no key" beside the two.
struct Keys;

impl Modify for Keys {
    fn modify(&self, document: &mut Document) {
        let components = document.components.get_or_insert_with(Default::default);
        let header = ApiKey::Header(ApiKeyValue::with_description("X-API-Key", "An API key (admin or user scope)"));
        components.add_security_scheme("api_key", SecurityScheme::ApiKey(header));
        let bearer =
            HttpBuilder::new().scheme(HttpAuthScheme::Bearer).description(Some("The same key, as a bearer token"));
        components.add_security_scheme("bearer", SecurityScheme::Http(bearer.build()));
        let none = SecurityRequirement::default();
        let key = SecurityRequirement::new("api_key", Vec::<String>::new());
        let bearer = SecurityRequirement::new("bearer", Vec::<String>::new());
        document.security = Some(vec![none, key, bearer]);
    }
}

/// The document for the route groups this server mounts.
fn document(parts: Parts, metrics: bool) -> Document {
    let mut document = ApiDoc::openapi();
    document.info.version = env!("CARGO_PKG_VERSION").to_owned();
    let mounted = |path: &str| {
        let group = |prefixes: &[&str]| prefixes.iter().any(|prefix| path.starts_with(prefix));
        match path {
            "/metrics" => metrics,
            _ if group(&["/health", "/api/v1/info", "/api/v1/system"]) => parts.health,
            _ if group(&["/api/v1/configs"]) => parts.config,
            _ if group(&["/api/v1/artifacts"]) => parts.artifacts,
            _ if group(&["/api/v1/jobs"]) => parts.jobs,
            _ => parts.ml,
        }
    };
    document.paths.paths.retain(|path, _| mounted(path));
    document
}

/// `/openapi.json` (the document for `parts`, built off the reactor at its first request),
/// Swagger UI at `/docs`, and `/` leading a browser there. Swagger UI's validator badge is
/// off: it would send the document's URL to swagger.io from any page not served from
/// localhost.
pub fn routes(parts: Parts, metrics: bool) -> Router<AppState> {
    let text: Arc<OnceCell<Bytes>> = Arc::default();
    let serve_document = move |State(state): State<AppState>| {
        let text = text.clone();
        async move {
            let built = text.get_or_try_init(|| offload(&state, move || document_text(parts, metrics))).await;
            Ok::<_, ApiError>(([(header::CONTENT_TYPE, "application/json")], built?.clone()).into_response())
        }
    };
    let config = utoipa_swagger_ui::Config::from("/openapi.json").validator_url("none");
    let swagger = utoipa_swagger_ui::SwaggerUi::new("/docs").config(config);
    Router::new()
        .merge(swagger)
        .route("/openapi.json", get(serve_document))
        .route("/", get(|| async { Redirect::to("/docs/") }))
}

/// The document as the JSON text served.
fn document_text(parts: Parts, metrics: bool) -> Bytes {
    serde_json::to_vec(&document(parts, metrics)).expect("an OpenAPI document serializes").into()
}

/// A wire type's JSON Schema, standalone (what it refers to under `$defs`), for the
/// `$schema` routes: chapkit serves its models' schemas there.
pub fn schema_of<T: utoipa::ToSchema>(title: &str) -> serde_json::Value {
    let mut referred = Vec::new();
    T::schemas(&mut referred);
    let defs: serde_json::Map<_, _> =
        referred.into_iter().map(|(name, schema)| (name, serde_json::to_value(schema).unwrap_or_default())).collect();
    let mut schema = serde_json::to_value(T::schema()).unwrap_or_default();
    schema["$defs"] = serde_json::Value::Object(defs);
    schema["title"] = title.into();
    let text = schema.to_string().replace("#/components/schemas/", "#/$defs/");
    serde_json::from_str(&text).unwrap_or(schema)
}

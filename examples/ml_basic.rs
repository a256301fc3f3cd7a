//! The spec's `ml_basic` example in Rust: the functional linear regression (bundled with
//! chapwasm, built from `plugins/linear-regression`) behind the full chapkit ML API.
//!
//! Run: `cargo run --example ml_basic`, then follow the spec's curl workflow on port 8000.

use chapwasm_server::builder::MlServiceBuilder;
use chapwasm_server::bundled::LINEAR_REGRESSION;
use chapwasm_server::info::{AssessedStatus, ModelMetadata, ServiceInfo};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let info = ServiceInfo {
        display_name: Some("Disease Prediction Service".into()),
        version: Some("1.0.0".into()),
        description: Some("Train and predict disease cases using weather data".into()),
        model_metadata: ModelMetadata {
            author: Some("ML Team".into()),
            author_assessed_status: Some(AssessedStatus::Green),
            contact_email: Some("ml-team@example.com".into()),
            ..ModelMetadata::default()
        },
        ..ServiceInfo::default()
    };
    let app = MlServiceBuilder::new(info, LINEAR_REGRESSION).max_concurrency(5).build().await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:8000").await?;
    println!("ml_basic listening on http://{}", listener.local_addr()?);
    app.serve(listener).await?;
    Ok(())
}

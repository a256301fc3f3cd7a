//! The spec's `ml_class` example in Rust: the class-style scaled regression (standardised
//! features, model = scaler + coefficients + feature names; `plugins/scaled-regression`)
//! assembled part by part with `ServiceBuilder`, persisted in `ml_class.db`.
//!
//! Run: `cargo run --example ml_class`.

use chapwasm_server::builder::ServiceBuilder;
use chapwasm_server::bundled::plugin_path;
use chapwasm_server::info::ServiceInfo;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let component = std::fs::read(plugin_path("scaled-regression"))?;
    let app = ServiceBuilder::new(ServiceInfo::named("Weather Model Service"))
        .with_database("ml_class.db")
        .with_health()
        .with_config(component)
        .with_artifacts()
        .with_jobs(3)
        .with_ml()
        .build()
        .await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:8000").await?;
    println!("ml_class listening on http://{}", listener.local_addr()?);
    app.serve(listener).await?;
    Ok(())
}

//! `chapwasm describe m.wasm`: load the component and print its description as JSON.

use anyhow::Context;
use chapwasm_runtime::{Runtime, RuntimeSettings};
use std::path::Path;

pub async fn execute(component: &Path) -> anyhow::Result<()> {
    let wasm = std::fs::read(component).with_context(|| format!("cannot read {}", component.display()))?;
    let runtime = Runtime::new(RuntimeSettings::default())?;
    let model = runtime.load_wasm(&wasm).await?;
    let mut description = serde_json::to_value(model.description())?;
    description["sha256"] = model.sha256().into();
    println!("{}", serde_json::to_string_pretty(&description)?);
    Ok(())
}

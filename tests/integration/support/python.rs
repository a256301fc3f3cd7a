//! Python model components (`plugins/python/<name>/app.py`), built once per test run with
//! the Python SDK's build command (`python3 -m chapwasm.build`, which runs componentize-py)
//! into the build's temporary directory. Tests using them are ignored unless run with
//! `--ignored` on a machine with componentize-py (`.ci/run` installs it).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

fn repository() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().parent().unwrap()
}

/// The component built from `plugins/python/<name>/app.py`.
pub fn python_component(name: &str) -> Vec<u8> {
    static BUILT: OnceLock<Mutex<HashMap<String, PathBuf>>> = OnceLock::new();
    let mut built = BUILT.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
    let path = built.entry(name.to_owned()).or_insert_with(|| build(name)).clone();
    drop(built);
    std::fs::read(path).unwrap()
}

fn build(name: &str) -> PathBuf {
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("python-components");
    std::fs::create_dir_all(&out).unwrap();
    let output = out.join(format!("{name}.wasm"));
    let module = repository().join("plugins/python").join(name).join("app.py");
    let done = std::process::Command::new("python3")
        .args(["-m", "chapwasm.build"])
        .arg(&module)
        .arg("-o")
        .arg(&output)
        .env("PYTHONPATH", repository().join("sdk/python"))
        .output()
        .expect("run python3");
    let said = format!("{}{}", String::from_utf8_lossy(&done.stdout), String::from_utf8_lossy(&done.stderr));
    assert!(done.status.success(), "building {} failed (is componentize-py installed?):\n{said}", module.display());
    output
}

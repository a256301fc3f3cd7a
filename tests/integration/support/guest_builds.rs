//! Model components written in Python (`plugins/python/<name>/app.py`) and JavaScript
//! (`plugins/js/<name>/model.js`), built once per test run with their SDKs' build commands
//! (`python3 -m chapwasm.build`, which runs componentize-py; `node sdk/js/build.mjs`, which
//! runs componentize-js) into the build's temporary directory. Tests using them are
//! ignored unless run with `--ignored` on a machine with those tools (`.ci/run` installs
//! them).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

fn repository() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().parent().unwrap()
}

/// The component built from `plugins/python/<name>/app.py`.
pub fn python_component(name: &str) -> Vec<u8> {
    built(&format!("python/{name}"), |output| {
        let mut command = Command::new("python3");
        command.args(["-m", "chapwasm.build"]).arg(repository().join("plugins/python").join(name).join("app.py"));
        command.arg("-o").arg(output).env("PYTHONPATH", repository().join("sdk/python"));
        command
    })
}

/// The component built from `plugins/js/<name>/model.js`.
pub fn js_component(name: &str) -> Vec<u8> {
    built(&format!("js/{name}"), |output| {
        let mut command = Command::new("node");
        command.arg(repository().join("sdk/js/build.mjs"));
        command.arg(repository().join("plugins/js").join(name).join("model.js")).arg("-o").arg(output);
        command
    })
}

/// The bytes of the component `key` names, built by `command(output)` the first time.
fn built(key: &str, command: impl FnOnce(&Path) -> Command) -> Vec<u8> {
    static BUILT: OnceLock<Mutex<HashMap<String, PathBuf>>> = OnceLock::new();
    let mut built = BUILT.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
    let path = built.entry(key.to_owned()).or_insert_with(|| {
        let output = Path::new(env!("CARGO_TARGET_TMPDIR")).join("guest-builds").join(format!("{key}.wasm"));
        std::fs::create_dir_all(output.parent().unwrap()).unwrap();
        let done = command(&output).env("PYTHONDONTWRITEBYTECODE", "1").output().expect("run the build command");
        let said = format!("{}{}", String::from_utf8_lossy(&done.stdout), String::from_utf8_lossy(&done.stderr));
        assert!(done.status.success(), "building {key} failed (are its tools installed? see .ci/run):\n{said}");
        output
    });
    std::fs::read(path).unwrap()
}

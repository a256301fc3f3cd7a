//! Builds the model components in `plugins/` for `wasm32-wasip2` so that the host can
//! bundle the default model and the tests can load every plugin: `cargo build` and
//! `cargo test` stay the only commands a developer needs.
//!
//! The guest build uses its own target directory (`<target>/wasm-guests`), so it never
//! contends with the outer build's lock, and clears the outer build's wrappers and flags
//! (clippy, coverage) that make no sense for a wasm guest.

use std::path::{Path, PathBuf};
use std::process::Command;

const GUEST_TARGET: &str = "wasm32-wasip2";

fn main() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let root = manifest_dir.ancestors().nth(2).expect("host/server/ lives in the workspace root").to_path_buf();
    for dir in ["plugins", "sdk", "wit", "examples"] {
        watch(&root.join(dir));
    }
    println!("cargo:rerun-if-env-changed=CARGO_TARGET_DIR");

    require_guest_target();

    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|dir| if dir.is_absolute() { dir } else { root.join(dir) })
        .unwrap_or_else(|| root.join("target"))
        .join("wasm-guests");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let status = Command::new(cargo)
        .args(["build", "--release", "--target", GUEST_TARGET, "--manifest-path"])
        .arg(root.join("plugins/Cargo.toml"))
        .arg("--target-dir")
        .arg(&target_dir)
        .env_remove("RUSTC_WORKSPACE_WRAPPER")
        .env_remove("RUSTC_WRAPPER")
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_TARGET")
        .env_remove("CARGO_TARGET_DIR")
        .status()
        .expect("could not run cargo to build the plugins");
    assert!(status.success(), "building plugins/ for {GUEST_TARGET} failed (see the errors above)");

    let guests = target_dir.join(GUEST_TARGET).join("release");
    assemble_text_fixtures(&root.join("plugins/hostile"), &guests);
    std::fs::write(guests.join("labyrinth.wasm"), labyrinth_component(100_000)).expect("write labyrinth.wasm");
    println!("cargo:rustc-env=CHAPWASM_GUESTS_DIR={}", guests.display());
}

/// Assembles the fixtures written by hand in the component text format
/// (`plugins/hostile/<name>/component.wat`, for what no SDK emits) into `<name>.wasm`
/// beside the compiled ones.
fn assemble_text_fixtures(hostile: &Path, guests: &Path) {
    let Ok(entries) = std::fs::read_dir(hostile) else { return };
    for entry in entries.flatten() {
        let source = entry.path().join("component.wat");
        if !source.exists() {
            continue;
        }
        let name = entry.file_name().to_string_lossy().replace('-', "_");
        let wasm = wat::parse_file(&source).unwrap_or_else(|e| panic!("{}: {e}", source.display()));
        std::fs::write(guests.join(format!("{name}.wasm")), wasm).expect("write an assembled fixture");
    }
}

/// The `labyrinth` fixture (see its README): a component holding one core module whose
/// only function is `depth` nested empty blocks, written out in the binary format.
fn labyrinth_component(depth: usize) -> Vec<u8> {
    fn leb(mut n: usize, out: &mut Vec<u8>) {
        loop {
            let byte = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                out.push(byte);
                return;
            }
            out.push(byte | 0x80);
        }
    }
    fn section(id: u8, payload: &[u8], out: &mut Vec<u8>) {
        out.push(id);
        leb(payload.len(), out);
        out.extend_from_slice(payload);
    }
    // Body: no locals, `block` (0x02 0x40) × depth, `end` (0x0b) × depth, then the
    // function's own `end`.
    let mut body = vec![0];
    body.extend(std::iter::repeat_n([0x02, 0x40], depth).flatten());
    body.extend(std::iter::repeat_n(0x0b, depth + 1));
    let mut code = vec![1];
    leb(body.len(), &mut code);
    code.extend(body);
    let mut module = b"\0asm\x01\0\0\0".to_vec();
    section(1, &[1, 0x60, 0, 0], &mut module); // one type: [] -> []
    section(3, &[1, 0], &mut module); // one function of type 0
    section(10, &code, &mut module);
    let mut component = b"\0asm\x0d\0\x01\0".to_vec();
    section(1, &module, &mut component); // a core module section
    component
}

/// Stops with the one command that fixes a missing guest target.
fn require_guest_target() {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    let output = Command::new(rustc).args(["--print", "sysroot"]).output().expect("could not run rustc");
    let sysroot = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    if !sysroot.join("lib/rustlib").join(GUEST_TARGET).exists() {
        panic!(
            "\n\nThe Rust target `{GUEST_TARGET}` is not installed; chapwasm builds its model \
             components with it.\nFix: rustup target add {GUEST_TARGET}\n\n"
        );
    }
}

/// Asks cargo to rerun this script when any source file under `dir` changes (build
/// outputs under `target/` excluded).
fn watch(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.file_name().is_some_and(|n| n == "target") {
            continue;
        }
        if path.is_dir() {
            watch(&path);
        } else {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
}

//! `chapwasm new NAME --lang rust|python|js`: a model project that builds, with sample data
//! and a test that trains and predicts (`sh test.sh`), from templates compiled into the
//! binary. Paths to this checkout's SDKs and to this `chapwasm` are written into the
//! project, so it builds without anything published.

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, ValueEnum)]
pub enum Language {
    Rust,
    Python,
    Js,
}

#[derive(Args)]
pub struct NewArgs {
    /// The model's name, a slug such as `weekly-mean` (also the project's directory).
    name: String,
    /// The language to write the model in.
    #[arg(long, value_enum)]
    lang: Language,
    /// Where to create the project (default: ./NAME).
    #[arg(long)]
    dir: Option<PathBuf>,
}

/// What every project has; each language adds its model, `build.sh` and tests.
const COMMON: [(&str, &str); 7] = [
    ("README.md", include_str!("../../templates/README.md")),
    ("test.sh", include_str!("../../templates/test.sh")),
    (".gitignore", include_str!("../../templates/gitignore")),
    ("data/train.csv", include_str!("../../templates/data/train.csv")),
    ("data/historic.csv", include_str!("../../templates/data/historic.csv")),
    ("data/future.csv", include_str!("../../templates/data/future.csv")),
    ("data/config.json", include_str!("../../templates/data/config.json")),
];

/// Each language's model is its quick start, which the suite builds and runs over HTTP
/// (`plugins/python/mean`, `plugins/js/mean`, `examples/quickstart-model`), renamed.
fn quick_start_name(language: Language) -> &'static str {
    match language {
        Language::Python => "mean-model-py",
        Language::Js => "mean-model-js",
        Language::Rust => "mean-model",
    }
}

fn files(language: Language) -> Vec<(&'static str, &'static str)> {
    match language {
        Language::Python => vec![
            ("app.py", include_str!("../../../../plugins/python/mean/app.py")),
            ("test_app.py", include_str!("../../templates/python/test_app.py")),
            ("build.sh", include_str!("../../templates/python/build.sh")),
        ],
        Language::Js => vec![
            ("model.js", include_str!("../../../../plugins/js/mean/model.js")),
            ("build.sh", include_str!("../../templates/js/build.sh")),
        ],
        Language::Rust => vec![
            ("Cargo.toml", include_str!("../../templates/rust/Cargo.toml")),
            ("src/lib.rs", include_str!("../../../../examples/quickstart-model/src/lib.rs")),
            ("build.sh", include_str!("../../templates/rust/build.sh")),
        ],
    }
}

/// A model name as the WIT contract wants it: `^[a-z][a-z0-9]*(-[a-z0-9]+)*$`.
fn is_slug(name: &str) -> bool {
    let mut parts = name.split('-');
    parts.next().is_some_and(|first| first.starts_with(|c: char| c.is_ascii_lowercase()))
        && name
            .split('-')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
}

pub fn execute(args: NewArgs) -> anyhow::Result<()> {
    if !is_slug(&args.name) {
        bail!("`{}` is not a model name: use lowercase letters, digits and dashes, e.g. weekly-mean", args.name);
    }
    let dir = args.dir.unwrap_or_else(|| PathBuf::from(&args.name));
    let empty = |dir: &Path| std::fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_none());
    if dir.exists() && !empty(&dir) {
        bail!("{} exists already and is not empty: choose another name or --dir", dir.display());
    }
    // The SDKs of the checkout this chapwasm was built from (a project builds against them).
    let repository = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let Ok(repository) = repository.join("sdk").canonicalize().map(|sdk| sdk.join("..")) else {
        bail!(
            "this chapwasm was built from {}, which is not here: `new` needs that checkout's SDKs \
             (run it from a build of a chapwasm checkout)",
            repository.display()
        );
    };
    let repository = repository.canonicalize().unwrap_or(repository);
    let chapwasm = std::env::current_exe().context("cannot find this chapwasm executable")?;
    let quick_start = format!("\"{}\"", quick_start_name(args.lang));
    let fill = |text: &str| {
        text.replace(&quick_start, &format!("\"{}\"", args.name))
            .replace("{{name}}", &args.name)
            .replace("{{repository}}", &repository.display().to_string())
            .replace("{{chapwasm}}", &chapwasm.display().to_string())
    };
    for (path, text) in COMMON.iter().chain(&files(args.lang)) {
        let target = dir.join(path);
        std::fs::create_dir_all(target.parent().unwrap_or(&dir))?;
        std::fs::write(&target, fill(text)).with_context(|| format!("cannot write {}", target.display()))?;
        if path.ends_with(".sh") {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o755))?;
        }
    }
    println!("created {} ({} model); try it: sh '{}/test.sh'", dir.display(), args.name, dir.display());
    Ok(())
}

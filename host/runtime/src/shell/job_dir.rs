//! A fresh directory per call, under the runner's scratch root, opened through `cap-std`:
//! the host writes the inputs and reads the outputs through that handle only, so a script
//! that replaces its output with a link to a file elsewhere (`/etc/shadow`) cannot make the
//! host read it. Removed, with everything in it, when the call ends.

use cap_std::ambient_authority;
use cap_std::fs::{Dir, DirBuilder};
use std::io::Read;
use std::path::{Path, PathBuf};

pub struct JobDir {
    root: Dir,
    name: String,
    dir: Dir,
    path: PathBuf,
}

impl JobDir {
    /// A new, empty directory (mode 0700) under `scratch`, which is created if needed.
    pub fn create(scratch: &Path) -> std::io::Result<Self> {
        std::fs::create_dir_all(scratch)?;
        let root = Dir::open_ambient_dir(scratch, ambient_authority())?;
        let name = format!("job-{:016x}{:016x}", rand::random::<u64>(), rand::random::<u64>());
        let mut builder = DirBuilder::new();
        cap_std::fs::DirBuilderExt::mode(&mut builder, 0o700);
        root.create_dir_with(&name, &builder)?;
        let dir = root.open_dir(&name)?;
        let path = scratch.canonicalize()?.join(&name);
        Ok(Self { root, name, dir, path })
    }

    /// The absolute path of `file` in the directory (for the command line).
    pub fn path_of(&self, file: &str) -> PathBuf {
        self.path.join(file)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn write(&self, file: &str, bytes: &[u8]) -> std::io::Result<()> {
        self.dir.write(file, bytes)
    }

    /// The file's bytes if it exists and is at most `limit` bytes; `Err(size)` if larger.
    /// Only a regular file is read: a FIFO (which would block the open) or a device is an
    /// error.
    pub fn read_at_most(&self, file: &str, limit: usize) -> std::io::Result<Option<Result<Vec<u8>, usize>>> {
        match self.dir.symlink_metadata(file) {
            Ok(metadata) if metadata.is_file() => {}
            Ok(_) => return Err(std::io::Error::other(format!("{file} is not a regular file"))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        }
        let mut opened = match self.dir.open(file) {
            Ok(opened) => opened,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let size = opened.metadata()?.len() as usize;
        if size > limit {
            return Ok(Some(Err(size)));
        }
        let mut bytes = Vec::with_capacity(size);
        // Read at most one byte past the limit: a file still growing cannot blow it.
        (&mut opened).take(limit as u64 + 1).read_to_end(&mut bytes)?;
        Ok(Some(if bytes.len() > limit { Err(bytes.len()) } else { Ok(bytes) }))
    }
}

impl Drop for JobDir {
    fn drop(&mut self) {
        if let Err(error) = self.root.remove_dir_all(&self.name) {
            tracing::warn!(%error, dir = %self.path.display(), "could not remove a shell job's directory");
        }
    }
}

/// A new private directory (mode 0700, a random name under the system's temporary
/// directory) for a runner's calls: created here, never an existing one another local user
/// could have prepared.
pub fn private_scratch() -> std::io::Result<PathBuf> {
    let path = std::env::temp_dir().join(format!("chapwasm-shell-{:016x}", rand::random::<u64>()));
    let mut builder = std::fs::DirBuilder::new();
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(&path)?;
    Ok(path)
}

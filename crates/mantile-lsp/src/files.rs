//! The only ways this crate touches files: reads of regular files with the
//! size checked before reading, and writes confined to the workspace that
//! never go through a symbolic link or over an existing file.
//!
//! - [`read_regular`]: a regular file (after following symbolic links), at
//!   most `limit` bytes: its size is checked from the metadata, then the read
//!   itself stops at `limit + 1` bytes (a file that grows meanwhile, or a
//!   file system that lies about sizes, cannot make it read more). FIFOs,
//!   devices and sockets are refused without blocking (the file is opened
//!   non-blocking and checked again once open).
//! - [`read_in_workspace`]: the same, for a file found inside a workspace:
//!   its resolved path (every symbolic link followed) must stay inside the
//!   workspace's resolved root.
//! - [`confine`]: a workspace-relative path to write to, checked lexically
//!   (no `..`, no absolute path, no empty or hidden component, no control
//!   character) and resolved (the folders that exist must resolve inside the
//!   root; the file itself must not be a symbolic link).
//! - [`write_new`] / [`replace`]: create a file that does not exist (`O_EXCL`:
//!   not even as a dangling symbolic link), or replace one by a rename (the
//!   link itself is replaced, never its target).

use std::fmt;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Why a file was not read.
#[derive(Debug)]
pub enum ReadError {
    /// It does not exist (or is a symbolic link to nothing).
    NotFound,
    /// It is not a regular file: a folder, a FIFO, a device, a socket.
    NotRegular(&'static str),
    /// Larger than the limit (its size in bytes).
    TooLarge(u64),
    /// It resolves to a path outside the workspace.
    OutsideWorkspace(PathBuf),
    /// Any other I/O error (permission denied, a symbolic link loop).
    Io(std::io::Error),
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::NotFound => f.write_str("no such file"),
            ReadError::NotRegular(what) => write!(f, "not a regular file ({what})"),
            ReadError::TooLarge(n) => write!(f, "too large ({n} bytes)"),
            ReadError::OutsideWorkspace(p) => write!(
                f,
                "it resolves to `{}`, outside the workspace; files outside the workspace are not read",
                p.display()
            ),
            ReadError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl From<std::io::Error> for ReadError {
    fn from(e: std::io::Error) -> ReadError {
        if e.kind() == std::io::ErrorKind::NotFound {
            ReadError::NotFound
        } else {
            ReadError::Io(e)
        }
    }
}

/// What kind of non-regular file `meta` describes.
fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_dir() {
        return "a folder";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    "not a file"
}

fn check_meta(meta: &std::fs::Metadata, limit: u64) -> Result<(), ReadError> {
    if !meta.is_file() {
        return Err(ReadError::NotRegular(kind_of(meta)));
    }
    if meta.len() > limit {
        return Err(ReadError::TooLarge(meta.len()));
    }
    Ok(())
}

fn open_nonblocking(path: &Path) -> std::io::Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Opening a FIFO for reading blocks until a writer comes; non-blocking
        // it returns at once (and is refused below). No controlling terminal.
        o.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    o.open(path)
}

/// Reads a regular file of at most `limit` bytes (see the module's doc).
pub fn read_regular(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    // Before opening: devices are never even opened.
    check_meta(&std::fs::metadata(path)?, limit)?;
    let file = open_nonblocking(path)?;
    // Once open: the file checked is the file read.
    let meta = file.metadata()?;
    check_meta(&meta, limit)?;
    let mut buf = Vec::with_capacity(meta.len() as usize);
    file.take(limit.saturating_add(1)).read_to_end(&mut buf)?;
    if buf.len() as u64 > limit {
        return Err(ReadError::TooLarge(buf.len() as u64));
    }
    Ok(buf)
}

/// The resolved form of a workspace root (itself if it cannot be resolved).
pub fn resolved_root(root: &Path) -> PathBuf {
    root.canonicalize()
        .unwrap_or_else(|_| std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf()))
}

/// [`read_regular`] for a file found inside the workspace at `root`: the
/// file, every symbolic link followed, must be inside the resolved root.
pub fn read_in_workspace(root: &Path, path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    let resolved = path.canonicalize()?;
    if !resolved.starts_with(resolved_root(root)) {
        return Err(ReadError::OutsideWorkspace(resolved));
    }
    read_regular(&resolved, limit)
}

/// Whether `path` exists and, every symbolic link followed, is inside the
/// workspace at `root` (what a link or a definition may point the editor to).
pub fn resolves_inside(root: &Path, path: &Path) -> bool {
    path.canonicalize()
        .is_ok_and(|p| p.starts_with(resolved_root(root)))
}

/// Why a path was not written.
#[derive(Debug)]
pub enum WriteError {
    /// The relative path is not a plain path inside the workspace.
    BadPath(String),
    /// A folder on the way resolves outside the workspace.
    Outside(PathBuf),
    /// The file exists (a symbolic link there, even a dangling one, counts).
    Exists(PathBuf),
    Io(PathBuf, std::io::Error),
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WriteError::BadPath(why) => f.write_str(why),
            WriteError::Outside(p) => write!(
                f,
                "`{}` resolves outside the workspace; nothing is written there",
                p.display()
            ),
            WriteError::Exists(p) => write!(f, "`{}` already exists", p.display()),
            WriteError::Io(p, e) => write!(f, "cannot write `{}`: {e}", p.display()),
        }
    }
}

pub use mantile_engine::is_plain_relative_path as is_plain_relative;

/// Where to write the workspace-relative path `rel` under `root`: checked
/// lexically ([`is_plain_relative`]), then resolved: the deepest folder of
/// the path that exists must resolve inside the resolved root (so no
/// symbolic link on the way leads out), and the folders below it do not
/// exist yet. Returns the resolved path; the file itself may or may not
/// exist (see [`exists`]).
pub fn confine(root: &Path, rel: &str) -> Result<PathBuf, WriteError> {
    if !is_plain_relative(rel) {
        return Err(WriteError::BadPath(format!(
            "`{}` is not a plain path inside the workspace",
            rel.escape_debug()
        )));
    }
    let root = root
        .canonicalize()
        .map_err(|e| WriteError::Io(root.to_path_buf(), e))?;
    let parts: Vec<&str> = rel.split('/').collect();
    let (file, dirs) = parts.split_last().expect("not empty");
    // The deepest existing folder on the way.
    let mut existing = dirs.len();
    while existing > 0 {
        let p = dirs[..existing].iter().fold(root.clone(), |p, d| p.join(d));
        if std::fs::symlink_metadata(&p).is_ok() {
            break;
        }
        existing -= 1;
    }
    let base = dirs[..existing].iter().fold(root.clone(), |p, d| p.join(d));
    let resolved = base
        .canonicalize()
        .map_err(|e| WriteError::Io(base.clone(), e))?;
    if !resolved.starts_with(&root) {
        return Err(WriteError::Outside(base));
    }
    if !resolved.is_dir() {
        return Err(WriteError::BadPath(format!(
            "`{}` is not a folder",
            base.display()
        )));
    }
    Ok(dirs[existing..]
        .iter()
        .fold(resolved, |p, d| p.join(d))
        .join(file))
}

/// Whether anything is at `path`, a dangling symbolic link included.
pub fn exists(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}

/// Creates the folders of `path` that do not exist (never following a
/// symbolic link: each one is created with `mkdir`, which fails on one).
fn create_parents(path: &Path) -> Result<(), WriteError> {
    let Some(parent) = path.parent() else {
        return Ok(());
    };
    if parent.as_os_str().is_empty() || parent.is_dir() {
        return Ok(());
    }
    let mut missing = Vec::new();
    let mut p = parent;
    while !exists(p) {
        missing.push(p);
        match p.parent() {
            Some(q) if !q.as_os_str().is_empty() => p = q,
            _ => break,
        }
    }
    for dir in missing.into_iter().rev() {
        std::fs::create_dir(dir).map_err(|e| WriteError::Io(dir.to_path_buf(), e))?;
    }
    Ok(())
}

/// Writes a new file at `path`: fails if anything is there, a dangling
/// symbolic link included (`O_CREAT | O_EXCL`, which never follows one).
pub fn write_new(path: &Path, content: &[u8]) -> Result<(), WriteError> {
    create_parents(path)?;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                WriteError::Exists(path.to_path_buf())
            } else {
                WriteError::Io(path.to_path_buf(), e)
            }
        })?;
    f.write_all(content)
        .and_then(|()| f.sync_all())
        .map_err(|e| WriteError::Io(path.to_path_buf(), e))
}

/// Writes `path` whether or not something is there: the content goes to a
/// new file beside it, renamed over it, so that a symbolic link at `path` is
/// replaced rather than written through.
pub fn replace(path: &Path, content: &[u8]) -> Result<(), WriteError> {
    create_parents(path)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    write_new(&tmp, content)?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        WriteError::Io(path.to_path_buf(), e)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("mantile-files-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[cfg(unix)]
    #[test]
    fn confine_refuses_links_out_of_the_workspace() {
        let base = scratch("confine");
        let (ws, outside) = (base.join("ws"), base.join("outside"));
        std::fs::create_dir_all(ws.join("tests")).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::os::unix::fs::symlink(&outside, ws.join("model_builder")).unwrap();
        let root = ws.canonicalize().unwrap();
        assert_eq!(
            confine(&ws, "tests/a_tests.md").unwrap(),
            root.join("tests/a_tests.md")
        );
        assert_eq!(
            confine(&ws, "new/dir/x.md").unwrap(),
            root.join("new/dir/x.md")
        );
        assert!(matches!(
            confine(&ws, "model_builder/gaps/x.md"),
            Err(WriteError::Outside(_))
        ));
        assert!(matches!(
            confine(&ws, "../outside/x.md"),
            Err(WriteError::BadPath(_))
        ));
        std::fs::remove_dir_all(&base).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn writes_never_follow_a_link_nor_overwrite() {
        let base = scratch("write");
        let target = base.join("target.txt");
        let link = base.join("link.json");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        // A dangling link: O_EXCL refuses it; nothing is created at its target.
        assert!(matches!(write_new(&link, b"x"), Err(WriteError::Exists(_))));
        assert!(!exists(&target));
        // Replacing puts a file where the link was; the target stays absent.
        replace(&link, b"new").unwrap();
        assert!(!exists(&target));
        assert!(std::fs::symlink_metadata(&link).unwrap().is_file());
        assert_eq!(std::fs::read(&link).unwrap(), b"new");
        write_new(&base.join("a/b/c.txt"), b"c").unwrap();
        assert!(matches!(
            write_new(&base.join("a/b/c.txt"), b"d"),
            Err(WriteError::Exists(_))
        ));
        std::fs::remove_dir_all(&base).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn special_files_are_refused_without_blocking_and_sizes_checked_first() {
        let base = scratch("read");
        let fifo = base.join("pipe.json");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        assert!(matches!(
            read_regular(&fifo, 100),
            Err(ReadError::NotRegular("a FIFO"))
        ));
        assert!(matches!(
            read_regular(Path::new("/dev/zero"), 100),
            Err(ReadError::NotRegular("a character device"))
        ));
        let big = base.join("big.json");
        std::fs::File::create(&big)
            .unwrap()
            .set_len(3 << 30)
            .unwrap();
        assert!(matches!(
            read_regular(&big, 1 << 20),
            Err(ReadError::TooLarge(n)) if n == 3 << 30
        ));
        std::os::unix::fs::symlink(base.join("loop"), base.join("loop")).unwrap();
        assert!(matches!(
            read_regular(&base.join("loop"), 100),
            Err(ReadError::Io(_))
        ));
        std::fs::write(base.join("ok.json"), b"{}").unwrap();
        assert_eq!(read_regular(&base.join("ok.json"), 2).unwrap(), b"{}");
        assert!(matches!(
            read_regular(&base.join("ok.json"), 1),
            Err(ReadError::TooLarge(2))
        ));
        // Inside a workspace: a link out of it is not followed.
        let ws = base.join("ws");
        std::fs::create_dir(&ws).unwrap();
        std::os::unix::fs::symlink(base.join("ok.json"), ws.join("out.md")).unwrap();
        std::os::unix::fs::symlink("../ok.json", ws.join("up.md")).unwrap();
        std::fs::write(ws.join("in.md"), b"in").unwrap();
        std::os::unix::fs::symlink("in.md", ws.join("alias.md")).unwrap();
        for name in ["out.md", "up.md"] {
            assert!(matches!(
                read_in_workspace(&ws, &ws.join(name), 1 << 20),
                Err(ReadError::OutsideWorkspace(_))
            ));
        }
        assert_eq!(
            read_in_workspace(&ws, &ws.join("alias.md"), 9).unwrap(),
            b"in"
        );
        std::fs::remove_dir_all(&base).unwrap();
    }
}

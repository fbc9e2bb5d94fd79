//! The files the client keeps, and the rules that keep them in place.
//!
//! - Hugging Face's own cache layout for `config.json`:
//!   `$HF_HUB_CACHE/models--{org}--{name}/{blobs/{etag}, snapshots/{commit}/config.json, refs/main}`
//!   (the snapshot entry a relative symlink to the blob, as Hugging Face's
//!   clients make it), so that they and we share it;
//! - our metadata, one JSON file per model in `$HF_HOME/mantile-lsp/`.
//!
//! Every name that comes from the Hub (an `ETag`, a commit) is checked by
//! [`cache_name`] before any filesystem call; every write goes through
//! [`Confined`], which resolves the folder it writes into (symlinks
//! included) and refuses it unless it lies inside the root, then writes a
//! fresh temporary file and renames it into place (a rename replaces a
//! symlink, never writes through it). Reads take regular files only, with
//! their size checked first.

use std::io::Write;
use std::path::{Path, PathBuf};

/// `1536` → `1.5 KiB`, `16777216` → `16 MiB`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["bytes", "KiB", "MiB", "GiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} bytes")
    } else if v.fract() == 0.0 {
        format!("{v:.0} {}", UNITS[u])
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// A name from the Hub that becomes a file or folder name: an `ETag`
/// (quotes and a weak `W/` prefix removed) or a commit. Only
/// `[A-Za-z0-9._-]`, at most 128 characters, never `.` or `..`: so never a
/// separator, an absolute path or a climb.
pub fn cache_name(raw: &str) -> Option<&str> {
    let s = raw.trim();
    let s = s.strip_prefix("W/").unwrap_or(s);
    let s = s
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(s);
    let ok = !s.is_empty()
        && s.len() <= 128
        && s != "."
        && s != ".."
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    ok.then_some(s)
}

/// A commit id as the Hub gives it: 40 (or 64) hexadecimal digits.
pub fn commit_name(raw: &str) -> Option<&str> {
    let s = raw.trim();
    (matches!(s.len(), 40 | 64) && s.bytes().all(|b| b.is_ascii_hexdigit())).then_some(s)
}

/// Writes confined to a root folder.
pub struct Confined {
    root: PathBuf,
}

impl Confined {
    /// The root is created if needed and resolved once (it may itself be a
    /// symlink the user made: that is their choice).
    pub fn new(root: &Path) -> std::io::Result<Confined> {
        std::fs::create_dir_all(root)?;
        Ok(Confined {
            root: root.canonicalize()?,
        })
    }

    /// An existing root, for reading (nothing is created).
    pub fn existing(root: &Path) -> Option<Confined> {
        Some(Confined {
            root: root.canonicalize().ok()?,
        })
    }

    /// `root/rel` as a folder that exists and resolves inside the root.
    /// `rel` is made of names already checked; each is created if needed,
    /// and the result is resolved again, so a symlink on the way that points
    /// elsewhere is refused.
    pub fn dir(&self, rel: &[&str]) -> std::io::Result<PathBuf> {
        // One level at a time, each resolved before the next is made, so
        // that nothing is ever created through a symlink that leaves the root.
        let mut p = self.root.clone();
        for part in rel {
            p.push(part);
            if let Err(e) = std::fs::create_dir(&p)
                && e.kind() != std::io::ErrorKind::AlreadyExists
            {
                return Err(e);
            }
            let real = p.canonicalize()?;
            if !real.starts_with(&self.root) || !real.is_dir() {
                return Err(std::io::Error::other(format!(
                    "{} leads outside {}",
                    p.display(),
                    self.root.display()
                )));
            }
            p = real;
        }
        Ok(p)
    }

    /// Writes `bytes` to `dir/name` (dir from [`Confined::dir`]): a new
    /// temporary file beside it, then a rename over the name.
    pub fn write(&self, dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<PathBuf> {
        let target = dir.join(name);
        let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
        let _ = std::fs::remove_file(&tmp);
        let result = (|| {
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&tmp)?;
            f.write_all(bytes)?;
            f.sync_all()?;
            std::fs::rename(&tmp, &target)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result.map(|()| target)
    }

    /// Makes `dir/name` a relative symlink to `target` (as Hugging Face's
    /// clients do), or a copy of `bytes` where symlinks cannot be made.
    pub fn link(
        &self,
        dir: &Path,
        name: &str,
        target: &str,
        bytes: &[u8],
    ) -> std::io::Result<PathBuf> {
        #[cfg(unix)]
        {
            let path = dir.join(name);
            let tmp = dir.join(format!(".{name}.{}.lnk", std::process::id()));
            let _ = std::fs::remove_file(&tmp);
            if std::os::unix::fs::symlink(target, &tmp).is_ok() {
                if std::fs::rename(&tmp, &path).is_ok() {
                    return Ok(path);
                }
                let _ = std::fs::remove_file(&tmp);
            }
        }
        let _ = target;
        self.write(dir, name, bytes)
    }

    /// Reads `root/rel` when it is a regular file (after symlinks) inside
    /// the root, of at most `cap` bytes.
    pub fn read(&self, rel: &[&str], cap: u64) -> Option<(Vec<u8>, std::fs::Metadata)> {
        let mut p = self.root.clone();
        for part in rel {
            p.push(part);
        }
        let real = p.canonicalize().ok()?;
        if !real.starts_with(&self.root) {
            return None;
        }
        read_regular(&real, cap)
    }
}

/// A regular file's bytes, refused unread when larger than `cap`.
pub fn read_regular(path: &Path, cap: u64) -> Option<(Vec<u8>, std::fs::Metadata)> {
    use std::io::Read;
    let f = std::fs::File::open(path).ok()?;
    let meta = f.metadata().ok()?;
    if !meta.is_file() || meta.len() > cap {
        return None;
    }
    let mut buf = Vec::with_capacity(meta.len() as usize);
    f.take(cap + 1).read_to_end(&mut buf).ok()?;
    (buf.len() as u64 <= cap).then_some((buf, meta))
}

/// `models--org--name` for a validated `org/name`.
pub fn repo_folder(repo: &str) -> String {
    format!("models--{}", repo.replace('/', "--"))
}

/// Puts a file into Hugging Face's cache layout for `repo` at `commit`
/// (both validated by the caller): the blob under its ETag, the snapshot
/// entry, and `refs/main`.
pub fn put_in_hf_cache(
    hub_cache: &Path,
    repo: &str,
    commit: &str,
    etag: &str,
    file: &str,
    bytes: &[u8],
) -> std::io::Result<PathBuf> {
    let c = Confined::new(hub_cache)?;
    let folder = repo_folder(repo);
    let blobs = c.dir(&[&folder, "blobs"])?;
    c.write(&blobs, etag, bytes)?;
    let snap = c.dir(&[&folder, "snapshots", commit])?;
    let path = c.link(&snap, file, &format!("../../blobs/{etag}"), bytes)?;
    let refs = c.dir(&[&folder, "refs"])?;
    c.write(&refs, "main", commit.as_bytes())?;
    Ok(path)
}

/// A file from Hugging Face's cache layout (`refs/main` → snapshot), if a
/// client put it there; with its age in seconds.
pub fn get_from_hf_cache(
    hub_cache: &Path,
    repo: &str,
    file: &str,
    cap: u64,
) -> Option<(Vec<u8>, u64)> {
    let c = Confined::existing(hub_cache)?;
    let folder = repo_folder(repo);
    let (r, _) = c.read(&[&folder, "refs", "main"], 256)?;
    let commit = cache_name(std::str::from_utf8(&r).ok()?)?.to_string();
    let (bytes, meta) = c.read(&[&folder, "snapshots", &commit, file], cap)?;
    let age = meta
        .modified()
        .ok()?
        .elapsed()
        .map(|d| d.as_secs())
        .unwrap_or(0);
    Some((bytes, age))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_names_are_plain_names() {
        assert_eq!(
            cache_name("\"0123456789abcdef0123456789abcdef01234567\""),
            Some("0123456789abcdef0123456789abcdef01234567")
        );
        assert_eq!(cache_name("W/\"abc-1.2_x\""), Some("abc-1.2_x"));
        for bad in [
            "\"/abs/path\"",
            "../../x",
            "a/b",
            "a\\b",
            ".",
            "\"..\"",
            "",
            "\"\"",
            "a\0b",
            "a b",
            "ä",
        ] {
            assert_eq!(cache_name(bad), None, "{bad:?}");
        }
        assert_eq!(cache_name(&"a".repeat(129)), None);
        assert!(commit_name("0123456789abcdef0123456789abcdef01234567").is_some());
        assert!(commit_name("../../x").is_none());
        assert!(commit_name("main").is_none());
    }

    #[test]
    fn sizes_in_words() {
        assert_eq!(bytes(12), "12 bytes");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(16 << 20), "16 MiB");
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_out_of_the_root_is_refused_and_a_file_symlink_is_replaced() {
        let base = std::env::temp_dir().join(format!("mantile-store-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let root = base.join("root");
        let outside = base.join("outside");
        std::fs::create_dir_all(&root).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::os::unix::fs::symlink(&outside, root.join("models--a--b")).unwrap();
        let c = Confined::new(&root).unwrap();
        let e = c.dir(&["models--a--b", "blobs"]).unwrap_err();
        assert!(e.to_string().contains("leads outside"), "{e}");
        assert!(put_in_hf_cache(&root, "a/b", &"0".repeat(40), "e", "config.json", b"{}").is_err());
        assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 0);
        // A symlink at the file's own name is replaced, not written through.
        let victim = outside.join("victim");
        std::fs::write(&victim, "keep").unwrap();
        let dir = c.dir(&["models--c--d", "refs"]).unwrap();
        std::os::unix::fs::symlink(&victim, dir.join("main")).unwrap();
        c.write(&dir, "main", b"abc").unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
        assert_eq!(std::fs::read_to_string(dir.join("main")).unwrap(), "abc");
        // Reads stay inside too.
        std::os::unix::fs::symlink(&victim, dir.join("peek")).unwrap();
        assert!(c.read(&["models--c--d", "refs", "peek"], 100).is_none());
        assert!(c.read(&["models--c--d", "refs", "main"], 100).is_some());
        assert!(
            c.read(&["models--c--d", "refs", "main"], 2).is_none(),
            "size cap"
        );
    }
}

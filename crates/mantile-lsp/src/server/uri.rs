//! `file:` URIs ⇄ paths. Clients spell URIs in different ways (`%3A` or
//! `:`, upper- or lower-case escapes); documents are keyed by the
//! normalized spelling so that a file opened by the editor and the same
//! file found by the workspace scan are one entry.

use super::lsp::Uri;
use std::path::{Path, PathBuf};

/// The local path of a `file:` URI.
pub fn to_path(uri: &Uri) -> Option<PathBuf> {
    let rest = uri.as_ref().strip_prefix("file://")?;
    // An authority ("localhost" or empty) comes before the path's first `/`.
    let path = &rest[rest.find('/')?..];
    let bytes = percent_decode(path)?;
    path_of_bytes(bytes)
}

/// A path from its bytes: any bytes on Unix (a name need not be UTF-8),
/// UTF-8 elsewhere.
fn path_of_bytes(bytes: Vec<u8>) -> Option<PathBuf> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt;
        Some(PathBuf::from(std::ffi::OsString::from_vec(bytes)))
    }
    #[cfg(not(unix))]
    {
        String::from_utf8(bytes).ok().map(PathBuf::from)
    }
}

/// The bytes of a path (on Unix exactly; elsewhere its UTF-8, lossily).
fn bytes_of_path(path: &Path) -> Vec<u8> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        path.as_os_str().as_bytes().to_vec()
    }
    #[cfg(not(unix))]
    {
        path.to_string_lossy().into_owned().into_bytes()
    }
}

/// The `file:` URI of an absolute path (every byte that is not a plain
/// character percent-encoded, so a name that is not UTF-8 round-trips).
pub fn from_path(path: &Path) -> Uri {
    let mut out = String::from("file://");
    for b in bytes_of_path(path) {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    Uri::from(out)
}

/// The key for a document: the normalized spelling of a `file:` URI, or the
/// URI as given for other schemes (`untitled:`).
pub fn normalize(uri: &Uri) -> Uri {
    match to_path(uri) {
        Some(p) => from_path(&p),
        None => uri.clone(),
    }
}

fn percent_decode(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_paths_with_spaces_and_non_ascii() {
        let p = Path::new("/tmp/my ws/backend/data/model_configs/a×b.json");
        let uri = from_path(p);
        assert_eq!(
            uri.as_ref(),
            "file:///tmp/my%20ws/backend/data/model_configs/a%C3%97b.json"
        );
        assert_eq!(to_path(&uri).as_deref(), Some(p));
    }

    #[test]
    fn normalizes_escapes_and_authority() {
        let a = Uri::from("file://localhost/tmp/a%3ab.json");
        let b = Uri::from("file:///tmp/a:b.json");
        assert_eq!(normalize(&a), normalize(&b));
        assert_eq!(normalize(&b).as_ref(), "file:///tmp/a%3Ab.json");
        let untitled = Uri::from("untitled:Untitled-1");
        assert_eq!(normalize(&untitled), untitled);
        assert_eq!(to_path(&Uri::from("file:///bad%zz")), None);
    }

    #[cfg(unix)]
    #[test]
    fn a_name_that_is_not_utf8_round_trips() {
        use std::os::unix::ffi::OsStrExt;
        let p = Path::new(std::ffi::OsStr::from_bytes(
            b"/ws/backend/data/model_configs/o\xffm.json",
        ));
        let uri = from_path(p);
        assert_eq!(
            uri.as_ref(),
            "file:///ws/backend/data/model_configs/o%FFm.json"
        );
        assert_eq!(to_path(&uri).as_deref(), Some(p));
    }
}

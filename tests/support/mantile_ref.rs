//! Where the real Mantile corpus is, for the tests that run on it. Included with `#[path]` by
//! `crates/mantile-lsp/tests/{reference,hub}.rs` and `crates/mantile-spec/tests/reference_specs.rs`
//! (the crates share no test-support crate; this file is the one place that knows).
//!
//! The corpus is looked for where `scripts/mantile-ref.sh` puts or finds it:
//! 1. `$MANTILE_REF`, a Mantile checkout (an error if it is set but is not one);
//! 2. `../shared/mantile-ref` beside the checkout;
//! 3. the cache the script fetches the pinned commit into (`scripts/mantile-ref.pin`).
//!
//! A test that finds none is skipped on a developer's machine, with a note, but FAILS in CI
//! (`CI` set and not `false`/`0`, or `MANTILE_REQUIRE_REF=1`, which `.ci/run` sets): a green CI
//! must mean the real corpus was checked. Each test says which corpus it ran on, on stderr
//! outside the test harness's capture, so it shows in `cargo test`'s output.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};

/// The pinned repository and commit: `OWNER/NAME COMMIT`.
const PIN: &str = include_str!("../../scripts/mantile-ref.pin");

fn repo_root() -> PathBuf {
    // Every including test is in crates/<crate>/tests/.
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn is_corpus(dir: &Path) -> bool {
    dir.join("backend/data/model_configs").is_dir() && dir.join("tests").is_dir()
}

/// The pinned commit's cache folder, as `scripts/mantile-ref.sh` names it.
fn cache_dir() -> Option<PathBuf> {
    let commit = PIN.split_whitespace().nth(1)?;
    let base = match std::env::var_os("MANTILE_REF_CACHE") {
        Some(c) => PathBuf::from(c),
        None => match std::env::var_os("XDG_CACHE_HOME") {
            Some(x) => PathBuf::from(x).join("mantile-lsp"),
            None => PathBuf::from(std::env::var_os("HOME")?).join(".cache/mantile-lsp"),
        },
    };
    Some(base.join(format!("mantile-{commit}")))
}

/// The corpus and how it was found, or why there is none.
pub fn locate() -> Result<(PathBuf, String), String> {
    if let Some(dir) = std::env::var_os("MANTILE_REF") {
        let dir = PathBuf::from(dir);
        return if is_corpus(&dir) {
            Ok((dir, "MANTILE_REF".into()))
        } else {
            Err(format!(
                "MANTILE_REF={} is not a Mantile checkout (no backend/data/model_configs and tests/)",
                dir.display()
            ))
        };
    }
    let shared = repo_root().join("../shared/mantile-ref");
    if is_corpus(&shared) {
        return Ok((shared, "../shared/mantile-ref".into()));
    }
    if let Some(cache) = cache_dir().filter(|c| is_corpus(c)) {
        return Ok((cache, format!("{} (cache)", PIN.trim())));
    }
    Err(format!(
        "no Mantile corpus: MANTILE_REF is not set, {} is absent and the pinned {} is not cached",
        shared.display(),
        PIN.trim()
    ))
}

/// Whether a missing corpus must fail the test (CI) rather than skip it.
pub fn required() -> bool {
    let set = |k: &str| std::env::var(k).is_ok_and(|v| !v.is_empty() && v != "0" && v != "false");
    set("CI") || set("MANTILE_REQUIRE_REF")
}

/// The corpus root for `test`, saying which one it is; `None` (skip, with a note) when there is
/// none outside CI; a panic in CI, or when `MANTILE_REF` names no Mantile checkout.
pub fn corpus(test: &str) -> Option<PathBuf> {
    match locate() {
        Ok((dir, how)) => {
            let dir = dir.canonicalize().unwrap_or(dir);
            let _ = writeln!(
                std::io::stderr(),
                "{test}: real Mantile corpus {} ({how})",
                dir.display()
            );
            Some(dir)
        }
        // A MANTILE_REF that is not a checkout is a mistake to report, CI or not.
        Err(why) if required() || std::env::var_os("MANTILE_REF").is_some() => panic!(
            "{test}: {why}{}. Run scripts/mantile-ref.sh (fetches the pinned commit into the \
             cache) or set MANTILE_REF to a Mantile checkout.",
            if required() {
                " (CI requires the real corpus)"
            } else {
                ""
            }
        ),
        Err(why) => {
            let _ = writeln!(
                std::io::stderr(),
                "{test}: SKIPPED: {why} (scripts/mantile-ref.sh fetches it; CI=1 makes this a failure)"
            );
            None
        }
    }
}

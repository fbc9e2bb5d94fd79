//! Command-line entry points.

use crate::disk::{self, Target};
use crate::render::{self, CheckedFile};
use mantile_diag::{Severity, SeverityOverrides};
use mantile_engine::{Snapshot, check_file, classify};
use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

pub const USAGE: &str = "\
mantile-lsp: checks Mantile workspaces (model configs, test specs), on the command line and in editors.

Usage:
  mantile-lsp check [PATH...] [OPTIONS]   check files or folders (default: the workspace around the current folder)
  mantile-lsp rules [--format json]       list every rule with its code, default severity and summary
  mantile-lsp --version | --help

Options of check:
  --format human|json     output format (default human; json is documented in the README)
  --strict                exit 1 on warnings too
  --stats                 print per-file claim counts for test specs
  --rule CODE=LEVEL       change a rule's severity (error, warning, info, hint) or turn it off (off);
                          CODE is a code (MC060) or a name (parameter-count); repeatable
  --color auto|always|never

Exit status: 0 no errors, 1 errors found (or warnings with --strict), 2 usage or I/O error.
";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Human,
    Json,
}

struct CheckArgs {
    paths: Vec<PathBuf>,
    format: Format,
    strict: bool,
    stats: bool,
    color: Option<bool>,
    overrides: SeverityOverrides,
}

fn usage_error(msg: &str) -> i32 {
    eprintln!("error: {msg}\n\n{USAGE}");
    2
}

/// Runs the command line; returns the exit status.
pub fn main(args: Vec<String>) -> i32 {
    let Some(cmd) = args.first() else {
        eprint!("{USAGE}");
        return 2;
    };
    match cmd.as_str() {
        "--help" | "-h" | "help" => {
            print!("{USAGE}");
            0
        }
        "--version" | "-V" => {
            println!("mantile-lsp {}", env!("CARGO_PKG_VERSION"));
            0
        }
        "check" => match parse_check(&args[1..]) {
            Ok(a) => check(a),
            Err(e) => usage_error(&e),
        },
        "rules" => rules(
            args.get(1).map(String::as_str) == Some("--format")
                && args.get(2).map(String::as_str) == Some("json"),
        ),
        other => usage_error(&format!("unknown command `{other}`")),
    }
}

fn parse_check(args: &[String]) -> Result<CheckArgs, String> {
    let mut a = CheckArgs {
        paths: Vec::new(),
        format: Format::Human,
        strict: false,
        stats: false,
        color: None,
        overrides: SeverityOverrides::default(),
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (arg.as_str(), None),
        };
        let mut value = |name: &str| -> Result<String, String> {
            inline
                .clone()
                .or_else(|| it.next().cloned())
                .ok_or_else(|| format!("`{name}` needs a value"))
        };
        match flag {
            "--format" => {
                a.format = match value("--format")?.as_str() {
                    "human" | "text" => Format::Human,
                    "json" => Format::Json,
                    v => return Err(format!("unknown format `{v}` (expected human or json)")),
                }
            }
            "--strict" => a.strict = true,
            "--stats" => a.stats = true,
            "--color" => {
                a.color = match value("--color")?.as_str() {
                    "auto" => None,
                    "always" => Some(true),
                    "never" => Some(false),
                    v => return Err(format!("unknown color mode `{v}`")),
                }
            }
            "--rule" => {
                let v = value("--rule")?;
                let (code, level) = v
                    .split_once('=')
                    .ok_or_else(|| format!("`--rule {v}`: expected CODE=LEVEL"))?;
                let known = mantile_engine::all_rules()
                    .iter()
                    .any(|r| r.code.eq_ignore_ascii_case(code) || r.name == code);
                if !known {
                    return Err(format!("unknown rule `{code}` (see `mantile-lsp rules`)"));
                }
                let sev = match level {
                    "off" | "none" => None,
                    l => Some(Severity::parse(l).ok_or_else(|| format!("unknown severity `{l}`"))?),
                };
                a.overrides.set(code, sev);
            }
            f if f.starts_with('-') && f.len() > 1 => return Err(format!("unknown option `{f}`")),
            _ => a.paths.push(PathBuf::from(arg)),
        }
    }
    Ok(a)
}

fn rules(json: bool) -> i32 {
    let rules = mantile_engine::all_rules();
    if json {
        let v: Vec<serde_json::Value> = rules
            .iter()
            .map(|r| {
                serde_json::json!({
                    "code": r.code, "name": r.name, "severity": r.default_severity, "summary": r.summary
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else {
        for r in rules {
            println!(
                "{}  {:<24} {:<8} {}",
                r.code,
                r.name,
                r.default_severity.as_str(),
                r.summary
            );
        }
    }
    0
}

fn check(a: CheckArgs) -> i32 {
    let paths = if a.paths.is_empty() {
        let cwd = PathBuf::from(".");
        match disk::find_root(&cwd) {
            Some(root) => vec![root],
            None => {
                eprintln!(
                    "error: no Mantile workspace here: no folder from the current one up holds `backend/data/model_configs` or `tests/`; name files or folders to check"
                );
                return 2;
            }
        }
    } else {
        a.paths.clone()
    };
    let mut targets: Vec<Target> = Vec::new();
    for p in &paths {
        match disk::targets(p) {
            Ok(t) if t.is_empty() => {
                eprintln!(
                    "error: no model configs (backend/data/model_configs/*.json) or test specs (tests/*_tests.md) found in `{}`",
                    p.display()
                );
                return 2;
            }
            Ok(t) => targets.extend(t),
            Err(e) => {
                eprintln!("error: {e}");
                return 2;
            }
        }
    }
    targets.dedup();
    let mut snapshots: HashMap<PathBuf, Snapshot> = HashMap::new();
    let mut files = Vec::new();
    for t in &targets {
        let bytes = match std::fs::read(&t.display) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("error: cannot read `{}`: {e}", t.display.display());
                return 2;
            }
        };
        let (snapshot, rel) = match &t.workspace {
            Some((root, rel)) if classify(rel).is_some() => {
                let snap = snapshots
                    .entry(root.clone())
                    .or_insert_with(|| disk::snapshot(root));
                (Some(&*snap), rel.clone())
            }
            _ => (None, t.display.to_string_lossy().into_owned()),
        };
        let report = check_file(t.kind, &rel, &bytes, snapshot, &a.overrides);
        let text = String::from_utf8_lossy(&bytes).into_owned();
        files.push(CheckedFile {
            path: display_path(&t.display),
            kind: t.kind.as_str(),
            text,
            diagnostics: report.diagnostics,
            stats: None,
        });
    }
    let color = a.color.unwrap_or_else(|| {
        std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
    });
    let out = match a.format {
        Format::Human => render::human(&files, color, a.stats),
        Format::Json => render::json(&files),
    };
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(out.as_bytes());
    let summary = render::Summary::of(&files);
    if summary.error > 0 || (a.strict && summary.warning > 0) {
        1
    } else {
        0
    }
}

fn display_path(p: &Path) -> String {
    let s = p.to_string_lossy();
    s.strip_prefix("./").unwrap_or(&s).to_string()
}

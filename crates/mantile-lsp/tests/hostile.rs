//! Hostile workspaces and outputs, end to end with the real binary (issue 12):
//! special files, files and folders that cannot be read, terminal escapes in
//! names and strings, writes through symbolic links, full disks.

#![cfg(unix)]

use mantile_hub_mock::{MockHub, MockModel};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const CONFIGS: &str = "backend/data/model_configs";

/// A complete tiny model (the same as tests/cli.rs's): no findings.
const CLEAN: &str = r#"{"model_id": "o_m", "hf_model_id": "o/m", "name": "m", "hidden_size": 8, "num_layers": 1,
  "vocab_size": 4, "total_params": 632,
  "layer_types": [{"name": "attention", "class": "GroupedQueryAttentionLayer", "count": 1, "specs": {"hidden_size": 8, "num_heads": 2, "num_kv_heads": 1, "head_dim": 4}},
                  {"name": "feedforward", "class": "GatedMLPLayer", "count": 1, "specs": {"hidden_size": 8, "intermediate_size": 16}},
                  {"name": "norm", "class": "NormLayer", "count": 3, "specs": {"hidden_size": 8}},
                  {"name": "embedding", "class": "EmbeddingLayer", "count": 1, "specs": {"vocab_size": 4, "hidden_size": 8}}]}"#;

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("hostile")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("ws").join(CONFIGS)).unwrap();
    dir
}

/// Runs the binary in `cwd`, offline and hermetic; kills it (and fails)
/// if it has not finished within a minute — a hang is what some of these
/// tests look for, never a timing.
fn run_in(cwd: &Path, args: &[&str], stdout: Stdio) -> Output {
    let hf_home = Path::new(env!("CARGO_TARGET_TMPDIR")).join("empty-hf-home");
    let mut child = Command::new(env!("CARGO_BIN_EXE_mantile-lsp"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env("HF_HUB_OFFLINE", "1")
        .env("HF_HOME", hf_home)
        .env_remove("HF_HUB_CACHE")
        .stdout(stdout)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(60) {
            child.kill().unwrap();
            panic!("`mantile-lsp {}` hung", args.join(" "));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn run(cwd: &Path, args: &[&str]) -> Output {
    run_in(cwd, args, Stdio::piped())
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&o.stdout)))
}

/// `(file name, code, message)` of every finding in a JSON report.
fn findings(v: &serde_json::Value) -> Vec<(String, String, String)> {
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let path = d["path"].as_str().unwrap();
            (
                path.rsplit('/').next().unwrap().to_string(),
                d["code"].as_str().unwrap().to_string(),
                d["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn mkfifo(p: &Path) {
    assert!(Command::new("mkfifo").arg(p).status().unwrap().success());
}

/// Whether this process can read a file whose permissions say no (root can).
fn permissions_bind() -> bool {
    let dir = scratch("perm-probe");
    let p = dir.join("probe");
    std::fs::write(&p, b"x").unwrap();
    set_mode(&p, 0o000);
    let denied = std::fs::read(&p).is_err();
    set_mode(&p, 0o644);
    denied
}

fn set_mode(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn special_files_get_one_finding_each_and_the_rest_is_checked() {
    let dir = scratch("special");
    let ws = dir.join("ws");
    let configs = ws.join(CONFIGS);
    std::fs::write(configs.join("o_m.json"), CLEAN).unwrap();
    // Also a defective config, whose findings must survive the others.
    std::fs::write(
        configs.join("o_x.json"),
        CLEAN.replace("\"model_id\": \"o_m\"", "\"model_id\": \"o_y\""),
    )
    .unwrap();
    mkfifo(&configs.join("fifo.json"));
    symlink("/dev/zero", configs.join("zero.json")).unwrap();
    symlink("loop.json", configs.join("loop.json")).unwrap();
    symlink("nowhere.json", configs.join("dangling.json")).unwrap();
    // 3 GiB, sparse: read whole, it would take seconds and gigabytes.
    std::fs::File::create(configs.join("huge.json"))
        .unwrap()
        .set_len(3 << 30)
        .unwrap();
    let o = run(&ws, &["check", "--format", "json"]);
    let v = json(&o);
    let mut got = findings(&v);
    got.sort();
    let want = [
        (
            "dangling.json",
            "MC000",
            "file cannot be read: no such file",
        ),
        (
            "fifo.json",
            "MC000",
            "file cannot be read: not a regular file (a FIFO)",
        ),
        (
            "huge.json",
            "MC000",
            "file is too large to check (3072.0 MiB; the limit is 8 MiB)",
        ),
        (
            "loop.json",
            "MC000",
            "file cannot be read: Too many levels of symbolic links (os error 40)",
        ),
        (
            "o_x.json",
            "MC010",
            "model_id \"o_y\" does not match the file name \"o_x.json\"",
        ),
        (
            "zero.json",
            "MC000",
            "file cannot be read: it resolves to `/dev/zero`, outside the workspace; files outside the workspace are not read",
        ),
    ];
    let want: Vec<(String, String, String)> = want
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect();
    // MC011 also fires on o_x (model_id vs hf_model_id): not what this test is about.
    got.retain(|(_, code, _)| code != "MC011");
    assert_eq!(got, want, "{}", text(&o.stderr));
    assert_eq!(v["files"].as_array().unwrap().len(), 7);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    // Named on the command line, the link is followed, and refused for what it is.
    let o = run(
        &ws,
        &["check", "--format", "json", &format!("{CONFIGS}/zero.json")],
    );
    assert_eq!(
        findings(&json(&o))[0].2,
        "file cannot be read: not a regular file (a character device)"
    );
    // Human output: the same, one finding per file, no abort.
    let o = run(&ws, &["check"]);
    assert!(
        text(&o.stdout).contains(
            "fifo.json:1:1: error[MC000]: file cannot be read: not a regular file (a FIFO)"
        ),
        "{}",
        text(&o.stdout)
    );
}

#[test]
fn an_unreadable_gaps_folder_is_reported_and_gives_no_false_mc041() {
    let dir = scratch("gaps-loop");
    let ws = dir.join("ws");
    let config = CLEAN.replace(
        r#"{"name": "norm", "class": "NormLayer", "count": 3, "specs": {"hidden_size": 8}}"#,
        r#"{"name": "norm", "class": "NormLayer", "count": 3, "specs": {"hidden_size": 8}},
           {"name": "mtp", "class": "MtpLayer", "count": 1, "supported": false, "gap_report": "model_builder/gaps/mtp.md", "specs": {"hidden_size": 8}}"#,
    );
    std::fs::write(ws.join(CONFIGS).join("o_m.json"), &config).unwrap();
    std::fs::create_dir_all(ws.join("model_builder")).unwrap();
    // A folder that cannot be listed, even by root: a symbolic link loop.
    symlink("gaps", ws.join("model_builder/gaps")).unwrap();
    let o = run(&ws, &["check", "--format", "json"]);
    let v = json(&o);
    let codes: Vec<String> = findings(&v).into_iter().map(|f| f.1).collect();
    assert!(!codes.contains(&"MC041".to_string()), "{codes:?}");
    let unreadable = &v["unreadable"][0];
    assert!(
        unreadable["path"]
            .as_str()
            .unwrap()
            .ends_with("model_builder/gaps"),
        "{v}"
    );
    assert_eq!(o.status.code(), Some(2), "the check is incomplete");
    let o = run(&ws, &["check"]);
    let out = text(&o.stdout);
    assert!(
        out.contains("model_builder/gaps`: Too many levels of symbolic links (os error 40); what it holds was not checked"),
        "{out}"
    );
    // With the folder there and empty, the missing report is a real MC041.
    std::fs::remove_file(ws.join("model_builder/gaps")).unwrap();
    std::fs::create_dir(ws.join("model_builder/gaps")).unwrap();
    let o = run(&ws, &["check", "--format", "json"]);
    let codes: Vec<String> = findings(&json(&o)).into_iter().map(|f| f.1).collect();
    assert!(codes.contains(&"MC041".to_string()), "{codes:?}");
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn permission_denied_files_and_folders_when_permissions_bind() {
    if !permissions_bind() {
        eprintln!("skipped: this process reads files whatever their permissions (root)");
        return;
    }
    let dir = scratch("perm");
    let ws = dir.join("ws");
    std::fs::write(ws.join(CONFIGS).join("o_m.json"), CLEAN).unwrap();
    let locked = ws.join(CONFIGS).join("locked.json");
    std::fs::write(&locked, CLEAN).unwrap();
    set_mode(&locked, 0o000);
    std::fs::create_dir_all(ws.join("model_builder/gaps")).unwrap();
    set_mode(&ws.join("model_builder/gaps"), 0o000);
    let o = run(&ws, &["check", "--format", "json"]);
    set_mode(&locked, 0o644);
    set_mode(&ws.join("model_builder/gaps"), 0o755);
    let v = json(&o);
    assert_eq!(
        findings(&v),
        [(
            "locked.json".to_string(),
            "MC000".to_string(),
            "file cannot be read: Permission denied (os error 13)".to_string()
        )]
    );
    assert!(
        v["unreadable"][0]["path"]
            .as_str()
            .unwrap()
            .ends_with("gaps")
    );
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn workspace_files_that_lead_outside_the_workspace_are_not_read() {
    let dir = scratch("outside");
    let ws = dir.join("ws");
    std::fs::write(dir.join("secret.json"), CLEAN).unwrap();
    symlink("../../../../secret.json", ws.join(CONFIGS).join("o_m.json")).unwrap();
    let o = run(&ws, &["check", "--format", "json"]);
    let f = findings(&json(&o));
    assert_eq!(f.len(), 1, "{f:?}");
    assert!(
        f[0].2.starts_with("file cannot be read: it resolves to `")
            && f[0].2.ends_with(
                "secret.json`, outside the workspace; files outside the workspace are not read"
            ),
        "{f:?}"
    );
    // Named on the command line, it is read as asked.
    let o = run(
        &ws,
        &["check", "--format", "json", &format!("{CONFIGS}/o_m.json")],
    );
    assert_eq!(findings(&json(&o)), []);
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn control_characters_from_names_and_strings_never_reach_the_terminal() {
    let dir = scratch("escapes");
    let ws = dir.join("ws");
    // A file name with an escape sequence and a line feed that forges a
    // finding line; a model_id with an OSC title sequence; a raw escape in
    // the source (a syntax error, whose line is shown).
    let name = "o_\u{1b}]0;pwned\u{7}\nforged.json:1:1: error[MC999]: fake.json";
    let config = CLEAN.replace(
        "\"model_id\": \"o_m\"",
        "\"model_id\": \"o_\\u001b[2J\\r\\u009b31m\"",
    );
    std::fs::write(ws.join(CONFIGS).join(name), &config).unwrap();
    std::fs::write(
        ws.join(CONFIGS).join("raw.json"),
        "{\"model_id\": \"\u{1b}[31m\u{8}\"}\n",
    )
    .unwrap();
    for color in ["never", "always"] {
        let o = run(&ws, &["check", "--color", color]);
        let out = text(&o.stdout);
        let bad: Vec<char> = out
            .chars()
            .filter(|&c| c.is_control() && c != '\n' && !(color == "always" && c == '\u{1b}'))
            .collect();
        assert!(bad.is_empty(), "{bad:?} in {out:?}");
        if color == "never" {
            assert!(!out.contains('\u{1b}'), "{out:?}");
        } else {
            // Our own colours only: every escape starts an SGR sequence.
            assert!(
                out.split('\u{1b}').skip(1).all(|s| s.starts_with('[') && s[1..].starts_with(|c: char| c.is_ascii_digit())),
                "{out:?}"
            );
            assert!(
                !out.contains("\u{1b}]0;") && !out.contains("\u{1b}[2J"),
                "{out:?}"
            );
        }
        assert!(
            !out.lines().any(|l| l.starts_with("forged.json")),
            "a forged line: {out}"
        );
        assert!(out.contains("o_\\x1B]0;pwned\\x07\\nforged.json"), "{out}");
    }
    let o = run(&ws, &["check", "--color", "never"]);
    let out = text(&o.stdout);
    assert!(
        out.contains("model_id \"o_\\x1B[2J\\r\\u{9B}31m\" does not match"),
        "{out}"
    );
    assert!(
        out.contains(r#" 1 | {"model_id": "\x1B[31m\x08"}"#),
        "{out}"
    );
}

#[test]
fn a_file_name_that_is_not_utf8_gets_no_fix_that_can_never_match() {
    let dir = scratch("non-utf8");
    let ws = dir.join("ws");
    let name = std::ffi::OsStr::from_bytes(b"o_\xffm.json");
    std::fs::write(ws.join(CONFIGS).join(name), CLEAN).unwrap();
    let o = run(&ws, &["check", "--format", "json"]);
    let v = json(&o);
    let d = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "MC010")
        .unwrap_or_else(|| panic!("{v}"));
    assert_eq!(d["fixes"], serde_json::json!([]), "{d}");
    assert!(
        d["message"].as_str().unwrap().ends_with("rename the file)"),
        "{d}"
    );
}

#[test]
fn output_to_a_full_disk_is_an_error_not_a_panic() {
    let dir = scratch("full");
    let ws = dir.join("ws");
    std::fs::write(ws.join(CONFIGS).join("o_m.json"), CLEAN).unwrap();
    for args in [&["rules"][..], &["check"], &["--help"], &["report"]] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let o = run_in(&ws, args, Stdio::from(full));
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(
            err.contains("error: cannot write to standard output: No space left on device"),
            "{args:?}: {err}"
        );
    }
}

/// Runs `new` in `dir/ws` against the mock Hub.
fn run_new(hub: &MockHub, dir: &Path, args: &[&str], stdout: Stdio) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mantile-lsp"))
        .args(args)
        .current_dir(dir.join("ws"))
        .env("NO_COLOR", "1")
        .env("HF_ENDPOINT", &hub.url)
        .env("HF_HOME", dir.join("hf"))
        .env_remove("HF_TOKEN")
        .env_remove("HF_HUB_OFFLINE")
        .env_remove("HF_HUB_CACHE")
        .stdout(stdout)
        .stderr(Stdio::piped())
        .output()
        .unwrap()
}

const TINY: &str = "TinyLlama/TinyLlama-1.1B-Chat-v1.0";

#[test]
fn new_never_writes_through_a_symbolic_link_nor_outside_the_workspace() {
    let (hub, _rt) = MockHub::start_in_background(vec![MockModel::fixture(
        "TinyLlama--TinyLlama-1.1B-Chat-v1.0",
    )]);
    let dir = scratch("new-link");
    let ws = dir.join("ws");
    let default = ws
        .join(CONFIGS)
        .join("TinyLlama_TinyLlama-1.1B-Chat-v1.0.json");
    let outside = dir.join("outside.json");
    // A dangling link at the default target, pointing out of the workspace.
    symlink(&outside, &default).unwrap();
    let o = run_new(&hub, &dir, &["new", TINY], Stdio::piped());
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("already exists; pass --force"),
        "{}",
        text(&o.stderr)
    );
    assert!(!outside.exists(), "written through the link");
    // --force replaces the link itself; its target is still never written.
    let o = run_new(&hub, &dir, &["new", TINY, "--force"], Stdio::piped());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(!outside.exists(), "written through the link");
    let meta = std::fs::symlink_metadata(&default).unwrap();
    assert!(meta.is_file(), "the link was replaced by the config");
    let written = ws
        .canonicalize()
        .unwrap()
        .join(CONFIGS)
        .join("TinyLlama_TinyLlama-1.1B-Chat-v1.0.json");
    assert!(
        text(&o.stderr).contains(&format!("wrote {}", written.display())),
        "{}",
        text(&o.stderr)
    );
    // The configs folder itself leads out of the workspace: nothing written.
    let dir = scratch("new-dir-link");
    let ws = dir.join("ws");
    std::fs::remove_dir(ws.join(CONFIGS)).unwrap();
    std::fs::create_dir(dir.join("elsewhere")).unwrap();
    std::fs::create_dir_all(ws.join("tests")).unwrap();
    symlink(dir.join("elsewhere"), ws.join(CONFIGS)).unwrap();
    let o = run_new(&hub, &dir, &["new", TINY], Stdio::piped());
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("resolves outside the workspace; nothing is written there"),
        "{}",
        text(&o.stderr)
    );
    assert_eq!(std::fs::read_dir(dir.join("elsewhere")).unwrap().count(), 0);
}

#[test]
fn new_to_a_full_standard_output_fails_cleanly() {
    let (hub, _rt) = MockHub::start_in_background(vec![MockModel::fixture(
        "TinyLlama--TinyLlama-1.1B-Chat-v1.0",
    )]);
    let dir = scratch("new-full");
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let o = run_new(&hub, &dir, &["new", TINY, "--out", "-"], Stdio::from(full));
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        err.contains("error: cannot write to standard output: No space left on device"),
        "{err}"
    );
}

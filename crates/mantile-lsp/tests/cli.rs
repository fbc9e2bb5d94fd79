//! The `check` command end to end: real binary, real files.

use std::path::{Path, PathBuf};
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mantile-lsp"))
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(args: &[&str], cwd: &Path) -> Run {
    // Hermetic: no Hugging Face requests, no user cache.
    let hf_home = Path::new(env!("CARGO_TARGET_TMPDIR")).join("empty-hf-home");
    let out = bin()
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env("HF_HUB_OFFLINE", "1")
        .env("HF_HOME", &hf_home)
        .env_remove("HF_HUB_CACHE")
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A scratch workspace under the target folder, removed and recreated per test.
fn scratch(name: &str, files: &[(&str, &[u8])]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    for (path, content) in files {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }
    dir
}

/// A complete tiny model: d=8, h=2, kv=1, dh=4, di=16, V=4, one block:
/// attention 8·8 + 2·8·4 + 8·8 = 192, feedforward 3·8·16 = 384, 3 norms of 8, embedding 32: 632.
const CLEAN: &str = r#"{"model_id": "o_m", "hf_model_id": "o/m", "name": "m", "hidden_size": 8, "num_layers": 1,
  "vocab_size": 4, "total_params": 632,
  "layer_types": [{"name": "attention", "class": "GroupedQueryAttentionLayer", "count": 1, "specs": {"hidden_size": 8, "num_heads": 2, "num_kv_heads": 1, "head_dim": 4}},
                  {"name": "feedforward", "class": "GatedMLPLayer", "count": 1, "specs": {"hidden_size": 8, "intermediate_size": 16}},
                  {"name": "norm", "class": "NormLayer", "count": 3, "specs": {"hidden_size": 8}},
                  {"name": "embedding", "class": "EmbeddingLayer", "count": 1, "specs": {"vocab_size": 4, "hidden_size": 8}}]}"#;

#[test]
fn example_workspace_reports_its_deliberate_defects() {
    let r = run(&["check", "examples/workspace"], &repo());
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let path = "examples/workspace/backend/data/model_configs/acme_Wide-MoE-2B.json";
    for line in [
        format!(
            "{path}:21:28: error[MC060]: parameter_count 7,077,888 of layer \"attention\" does not match its specs: q 1536×2048 + k,v 2×1536×512 + o 2048×1536 = 7,864,320 (the stated value assumes a square o_proj)"
        ),
        " 21 |         \"parameter_count\": 7077888".to_string(),
        "    |                            ^^^^^^^".to_string(),
        "     = fix: Set parameter_count to 7,864,320".to_string(),
        format!(
            "{path}:2:15: error[MC010]: model_id \"acme_Wide-MoE-2b\" does not match the file name \"acme_Wide-MoE-2B.json\""
        ),
        "Found 2 errors, 4 warnings, 2 infos, 0 hints in 1 file (4 checked).".to_string(),
    ] {
        assert!(
            r.stdout.contains(&line),
            "missing {line:?} in\n{}",
            r.stdout
        );
    }
    assert!(
        !r.stdout.contains("acme_Tiny-Llama-100M.json:"),
        "the clean config has findings:\n{}",
        r.stdout
    );
}

#[test]
fn no_path_checks_the_workspace_around_the_current_folder() {
    let ws = repo().join("examples/workspace/backend/layers");
    let r = run(&["check"], &ws);
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("(4 checked)"), "{}", r.stdout);
}

#[test]
fn json_format_is_stable_and_parses() {
    let r = run(
        &["check", "examples/workspace", "--format", "json"],
        &repo(),
    );
    assert_eq!(r.code, 1);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["version"], 1);
    assert_eq!(
        v["summary"],
        serde_json::json!({"error": 2, "warning": 4, "info": 2, "hint": 0})
    );
    assert_eq!(v["files"].as_array().unwrap().len(), 4);
    let d = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "MC060")
        .unwrap();
    assert_eq!(d["rule"], "parameter-count");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["range"]["start"]["line"], 21);
    assert_eq!(d["range"]["start"]["column"], 28);
    assert_eq!(d["range"]["end"]["column"], 35);
    assert_eq!(d["fixes"][0]["edits"][0]["new_text"], "7864320");
}

#[test]
fn strict_fails_on_warnings_and_rule_overrides_apply() {
    let ws = scratch(
        "strict",
        &[(
            "backend/data/model_configs/o_m.json",
            CLEAN
                .replace(r#""name": "norm""#, r#""name": "final_norm""#)
                .as_bytes(),
        )],
    );
    let r = run(&["check", "."], &ws);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(r.stdout.contains("warning[MC021]"));
    assert_eq!(run(&["check", ".", "--strict"], &ws).code, 1);
    let r = run(&["check", ".", "--strict", "--rule", "MC021=off"], &ws);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("No findings in 1 file."), "{}", r.stdout);
    let r = run(&["check", ".", "--rule=nonstandard-layer-name=error"], &ws);
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("error[MC021]"));
}

#[test]
fn clean_workspace_exits_zero() {
    let ws = scratch(
        "clean",
        &[("backend/data/model_configs/o_m.json", CLEAN.as_bytes())],
    );
    let r = run(&["check"], &ws);
    assert_eq!((r.code, r.stdout.as_str()), (0, "No findings in 1 file.\n"));
}

#[test]
fn bad_input_gets_one_clear_message() {
    let ws = scratch(
        "bad",
        &[
            ("backend/data/model_configs/empty.json", b""),
            (
                "backend/data/model_configs/latin1.json",
                b"{\"name\": \"caf\xe9\"}",
            ),
            (
                "backend/data/model_configs/prose.json",
                b"This is not JSON.\n",
            ),
        ],
    );
    let r = run(&["check", "."], &ws);
    assert_eq!(r.code, 1);
    let errors: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.contains(": error["))
        .collect();
    assert_eq!(
        errors,
        [
            "backend/data/model_configs/empty.json:1:1: error[MC001]: the file is empty: expected a JSON object",
            "backend/data/model_configs/latin1.json:1:14: error[MC000]: file is not valid UTF-8: invalid byte 0xE9 at offset 13",
            "backend/data/model_configs/prose.json:1:1: error[MC001]: expected a value, found `This`",
        ]
    );
}

#[test]
fn usage_and_io_errors_exit_two() {
    let r = run(&["check", "--format", "xml"], &repo());
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("unknown format `xml`"));
    let r = run(&["check", "no/such/path"], &repo());
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("cannot read `no/such/path`"),
        "{}",
        r.stderr
    );
    let empty = scratch("empty-folder", &[("notes.txt", b"x")]);
    let r = run(&["check", "."], &empty);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no model configs"), "{}", r.stderr);
    let r = run(&["--help"], &repo());
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("mantile-lsp [serve]"));
    let r = run(&["frobnicate"], &repo());
    assert_eq!(r.code, 2);
    assert_eq!(run(&["check", "--rule", "MC999=off"], &repo()).code, 2);
}

#[test]
fn a_single_file_outside_a_workspace_uses_the_builtin_catalog() {
    let ws = scratch("loose", &[("o_m.json", CLEAN.as_bytes())]);
    let r = run(&["check", "o_m.json"], &ws);
    assert_eq!((r.code, r.stdout.as_str()), (0, "No findings in 1 file.\n"));
}

#[test]
fn rules_lists_every_rule() {
    let r = run(&["rules", "--format", "json"], &repo());
    assert_eq!(r.code, 0);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let codes: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"MC060") && codes.contains(&"MC001"));
}

#[test]
fn readme_lists_every_rule_with_its_default_severity() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let r = run(&["rules", "--format", "json"], &repo());
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    for rule in v.as_array().unwrap() {
        let row = format!(
            "| {} | `{}` | {} | {} |",
            rule["code"].as_str().unwrap(),
            rule["name"].as_str().unwrap(),
            rule["severity"].as_str().unwrap(),
            rule["summary"].as_str().unwrap()
        );
        assert!(readme.contains(&row), "README.md lacks the row\n{row}");
    }
}

#[test]
fn every_command_has_its_help() {
    for (cmd, needle) in [
        ("check", "--rule <CODE=LEVEL>"),
        ("new", "--dry-run"),
        ("inspect", "[possible values: table, csv, json]"),
        ("report", "[possible values: markdown, json]"),
        ("rules", "--format <FORMAT>"),
        ("completions", "mantile-lsp completions bash"),
        ("serve", "Usage: mantile-lsp serve"),
    ] {
        let r = run(&[cmd, "--help"], &repo());
        assert_eq!(r.code, 0, "{cmd}: {}", r.stderr);
        assert!(
            r.stdout.contains(needle),
            "{cmd} --help lacks {needle:?}:\n{}",
            r.stdout
        );
        // `help CMD` says the same.
        assert_eq!(run(&["help", cmd], &repo()).stdout, r.stdout, "help {cmd}");
    }
    // The top-level help lists every command.
    let r = run(&["--help"], &repo());
    for cmd in [
        "serve",
        "check",
        "new",
        "inspect",
        "report",
        "rules",
        "completions",
    ] {
        assert!(
            r.stdout.contains(&format!("\n  {cmd} ")),
            "--help lacks {cmd}"
        );
    }
}

#[test]
fn completions_for_each_shell_know_the_commands_and_values() {
    for (shell, head) in [
        ("bash", "_mantile__lsp() {"),
        ("zsh", "#compdef mantile-lsp"),
        ("fish", "complete -c mantile-lsp"),
    ] {
        let r = run(&["completions", shell], &repo());
        assert_eq!(r.code, 0, "{shell}: {}", r.stderr);
        assert!(r.stdout.contains(head), "{shell}: no {head:?}");
        for word in ["check", "inspect", "sarif", "gitlab"] {
            assert!(r.stdout.contains(word), "{shell} completions lack {word}");
        }
        if shell != "fish" {
            // The formats offered, without the hidden alias `text`.
            assert!(
                r.stdout.contains("human json sarif github gitlab"),
                "{shell}"
            );
        }
    }
    let r = run(&["completions", "tcsh"], &repo());
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("invalid value 'tcsh'"), "{}", r.stderr);
}

#[test]
fn a_bash_completion_script_loads_and_completes() {
    // The script is sourced by a real bash and asked to complete `mantile-lsp check --format s`.
    if Command::new("bash").arg("--version").output().is_err() {
        panic!("bash is needed for this test");
    }
    let script = run(&["completions", "bash"], &repo()).stdout;
    let dir = scratch("completions", &[("mantile-lsp.bash", script.as_bytes())]);
    let probe = r#"source ./mantile-lsp.bash
COMP_WORDS=(mantile-lsp check --format s); COMP_CWORD=3
_mantile__lsp mantile-lsp s --format
printf '%s\n' "${COMPREPLY[@]}""#;
    let out = Command::new("bash")
        .args(["-c", probe])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "sarif",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

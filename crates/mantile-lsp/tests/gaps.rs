//! Gap reports and `report` on copies of the example workspace, intact and broken.

use std::path::{Path, PathBuf};
use std::process::Command;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// A fresh copy of examples/workspace.
fn workspace(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("gaps")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/workspace"),
        &dir,
    );
    dir
}

fn run(dir: &Path, args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mantile-lsp"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("HF_HUB_OFFLINE", "1")
        .env("HF_HOME", dir.join(".hf"))
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

const REPORT: &str = "model_builder/gaps/multi_token_prediction.md";
const SUITE: &str = "tests/multi_token_prediction_tests.md";

fn edit(dir: &Path, file: &str, from: &str, to: &str) {
    let p = dir.join(file);
    let text = std::fs::read_to_string(&p).unwrap();
    assert!(text.contains(from), "{file} lacks {from:?}");
    std::fs::write(p, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn the_example_gap_is_complete_and_accounted_for() {
    let ws = workspace("intact");
    let (code, out) = run(&ws, &["report"]);
    assert_eq!(code, 0, "{out}");
    for line in [
        "| 1 | Layer | Multi-Token Prediction Head | mtp_head (acme_Wide-MoE-2B) | MEDIUM | gaps/multi_token_prediction.md | Created |",
        "| Multi-Token Prediction Head | tests/multi_token_prediction_tests.md | 3 | MTP-1, MTP-2, MTP-3 | Created |",
        "- Unaccounted gaps: **0** ✓",
    ] {
        assert!(out.contains(line), "missing {line:?} in\n{out}");
    }
    let (_, out) = run(&ws, &["check", "--stats"]);
    assert!(
        !out.contains(REPORT) || out.contains(&format!("{SUITE}: ")),
        "{out}"
    );
    assert!(
        !out.contains("error[GR") && !out.contains("error[MT") && !out.contains("warning[GR"),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "{SUITE}: 42 claims found, 39 evaluated, 0 failing"
        )),
        "{out}"
    );
    let (code, json) = run(&ws, &["report", "--format", "json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["checklist"]["gaps_identified"], 1);
    assert_eq!(
        v["suites"][0]["ids"],
        serde_json::json!(["MTP-1", "MTP-2", "MTP-3"])
    );
}

#[test]
fn removing_a_required_section_fails_check_and_the_registry() {
    let ws = workspace("no-section");
    let text = std::fs::read_to_string(ws.join(REPORT)).unwrap();
    let cut = text.find("## Parallelism Strategies").unwrap();
    std::fs::write(ws.join(REPORT), &text[..cut]).unwrap();
    let (code, out) = run(&ws, &["check", REPORT]);
    assert_eq!(code, 1);
    assert!(
        out.starts_with(&format!("{REPORT}:1:1: error[GR001]: gap report lacks §4.7 Parallelism Strategies: how the layer is parallelized and its communication patterns")),
        "{out}"
    );
    let (code, out) = run(&ws, &["report"]);
    assert_eq!(code, 1);
    assert!(
        out.contains("- Unaccounted gaps: **1** (MUST BE 0)"),
        "{out}"
    );
    assert!(
        out.contains("report lacks §4.7 Parallelism Strategies"),
        "{out}"
    );
}

#[test]
fn removing_the_test_suite_fails_check_and_the_registry() {
    let ws = workspace("no-suite");
    std::fs::remove_file(ws.join(SUITE)).unwrap();
    let (code, out) = run(&ws, &["check", REPORT]);
    assert_eq!(code, 1);
    assert!(
        out.starts_with(&format!(
            "{REPORT}:6:18: error[GR010]: this gap has no test suite: `{SUITE}` does not exist"
        )),
        "{out}"
    );
    let (code, out) = run(&ws, &["report"]);
    assert_eq!(code, 1);
    assert!(out.contains(&format!("no test suite {SUITE}")), "{out}");
}

#[test]
fn a_wrong_number_in_a_report_is_recomputed() {
    let ws = workspace("wrong-number");
    edit(
        &ws,
        REPORT,
        "`2 * 1536 * 1536 = 4,718,592` elements",
        "`2 * 1536 * 1536 = 4,718,529` elements",
    );
    let (code, out) = run(&ws, &["check", REPORT]);
    assert_eq!(code, 1);
    assert!(
        out.contains("error[MT001]: `2 * 1536 * 1536` is 4,718,592, not 4,718,529"),
        "{out}"
    );
}

#[test]
fn a_tensor_shape_that_contradicts_the_config_is_flagged() {
    let ws = workspace("wrong-shape");
    edit(
        &ws,
        REPORT,
        "model.mtp.eh_proj.weight: [1536, 3072]",
        "model.mtp.eh_proj.weight: [1536, 3072]\n  model.layers.0.self_attn.o_proj.weight: [1536, 1536]",
    );
    let (code, out) = run(&ws, &["check", REPORT]);
    assert_eq!(code, 1);
    assert!(
        out.contains("error[GR004]: `model.layers.0.self_attn.o_proj.weight` is [1536, 1536] here, but acme_Wide-MoE-2B.json's specs give [d, h·dh] = [1536, 2048]"),
        "{out}"
    );
}

#[test]
fn a_report_no_config_names_is_orphaned_information() {
    let ws = workspace("orphan");
    std::fs::copy(ws.join(REPORT), ws.join("model_builder/gaps/old_router.md")).unwrap();
    let (_, out) = run(&ws, &["check", "model_builder/gaps/old_router.md"]);
    assert!(
        out.contains(
            "model_builder/gaps/old_router.md:1:1: info[GR013]: no config names this gap report"
        ),
        "{out}"
    );
}

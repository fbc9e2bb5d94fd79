//! `check --format sarif|github|gitlab` end to end: the real binary on the example workspace
//! and on a spec with non-ASCII text before a wrong claim. The SARIF log is validated against
//! the official SARIF 2.1.0 schema (vendored in tests/data/, see its README).

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `mantile-lsp check --offline --format FORMAT PATH` run in `cwd`: exit status and stdout.
fn check(format: &str, path: &str, cwd: &Path) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mantile-lsp"))
        .args(["check", "--offline", "--format", format, path])
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env("HF_HUB_OFFLINE", "1")
        .env(
            "HF_HOME",
            Path::new(env!("CARGO_TARGET_TMPDIR")).join("empty-hf-home"),
        )
        .output()
        .unwrap();
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
    )
}

fn sarif_validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(include_str!("data/sarif-schema-2.1.0.json")).unwrap();
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .should_validate_formats(true)
        .build(&schema)
        .unwrap()
}

fn assert_valid(v: &jsonschema::Validator, log: &Value) {
    let errors: Vec<String> = v
        .iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "not valid SARIF 2.1.0:\n{}",
        errors.join("\n")
    );
}

/// A scratch workspace holding one test spec whose wrong claim follows an
/// emoji and `×`, in a folder of its own per test (`name`): tests run in
/// parallel, and each removes its folder first.
fn unicode_workspace(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("formats-unicode-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("tests")).unwrap();
    std::fs::write(
        dir.join("tests/u_tests.md"),
        "# Unicode tests\n\n## Test U-1: emoji\n\n- 🚀 × width: `2 * 3 = 7`\n",
    )
    .unwrap();
    dir
}

#[test]
fn sarif_validates_against_the_official_schema_and_carries_rules_regions_and_fixes() {
    let (code, out) = check("sarif", "examples/workspace", &repo());
    assert_eq!(code, 1, "errors in the example workspace");
    let log: Value = serde_json::from_str(&out).unwrap();
    let validator = sarif_validator();
    assert_valid(&validator, &log);
    // The validator does reject what is not SARIF (so this test can fail).
    let mut broken = log.clone();
    broken["runs"][0]["results"][0]["level"] = "info".into();
    assert!(!validator.is_valid(&broken));
    broken = log.clone();
    broken.as_object_mut().unwrap().remove("version");
    assert!(!validator.is_valid(&broken));

    let run = &log["runs"][0];
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(run["tool"]["driver"]["name"], "mantile-lsp");
    assert_eq!(run["columnKind"], "utf16CodeUnits");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(
        rules.len(),
        mantile_engine::all_rules().len(),
        "every rule, fired or not"
    );
    let mc060 = rules.iter().position(|r| r["id"] == "MC060").unwrap();
    let rule = &rules[mc060];
    assert_eq!(rule["name"], "parameter-count");
    assert_eq!(
        rule["shortDescription"]["text"],
        "`parameter_count` differs from the count recomputed from the specs."
    );
    assert_eq!(rule["defaultConfiguration"]["level"], "error");
    assert!(
        rule["helpUri"]
            .as_str()
            .unwrap()
            .ends_with("README.md#model-configs-backenddatamodel_configsjson")
    );
    assert_eq!(
        rules.iter().find(|r| r["id"] == "MT001").unwrap()["helpUri"]
            .as_str()
            .unwrap()
            .rsplit_once('#')
            .unwrap()
            .1,
        "test-specs-tests_testsmd-1"
    );

    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 8);
    let levels: Vec<&str> = results
        .iter()
        .map(|r| r["level"].as_str().unwrap())
        .collect();
    assert_eq!(levels.iter().filter(|l| **l == "error").count(), 2);
    assert_eq!(levels.iter().filter(|l| **l == "warning").count(), 4);
    assert_eq!(
        levels.iter().filter(|l| **l == "note").count(),
        2,
        "info is a note"
    );
    let r = results.iter().find(|r| r["ruleId"] == "MC060").unwrap();
    assert_eq!(r["ruleIndex"], mc060);
    let loc = &r["locations"][0]["physicalLocation"];
    assert_eq!(
        loc["artifactLocation"]["uri"],
        "examples/workspace/backend/data/model_configs/acme_Wide-MoE-2B.json"
    );
    assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    assert_eq!(
        loc["region"],
        serde_json::json!({"startLine": 21, "startColumn": 28, "endLine": 21, "endColumn": 35})
    );
    let fix = &r["fixes"][0];
    assert_eq!(
        fix["description"]["text"],
        "Set parameter_count to 7,864,320"
    );
    let replacement = &fix["artifactChanges"][0]["replacements"][0];
    assert_eq!(replacement["insertedContent"]["text"], "7864320");
    assert_eq!(replacement["deletedRegion"], loc["region"]);
    // Related locations in the same file keep their region (MC011 points at hf_model_id).
    let related = &results.iter().find(|r| r["ruleId"] == "MC011").unwrap()["relatedLocations"][0];
    assert_eq!(related["id"], 1);
    assert_eq!(related["physicalLocation"]["region"]["startLine"], 3);
    let base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .unwrap();
    assert!(
        base.starts_with("file:///") && base.ends_with('/'),
        "{base}"
    );
}

#[test]
fn sarif_columns_count_utf16_code_units() {
    let ws = unicode_workspace("sarif");
    let (code, out) = check("sarif", "tests/u_tests.md", &ws);
    assert_eq!(code, 1);
    let log: Value = serde_json::from_str(&out).unwrap();
    assert_valid(&sarif_validator(), &log);
    let r = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "MT001")
        .unwrap()
        .clone();
    // `- 🚀 × width: `2 * 3 = ` is 22 characters but 23 UTF-16 code units (🚀 takes two).
    assert_eq!(
        r["locations"][0]["physicalLocation"]["region"],
        serde_json::json!({"startLine": 5, "startColumn": 24, "endLine": 5, "endColumn": 25})
    );
    assert_eq!(
        r["fixes"][0]["artifactChanges"][0]["replacements"][0]["insertedContent"]["text"],
        "6"
    );
}

#[test]
fn github_workflow_commands_with_escaped_properties() {
    let (code, out) = check("github", "examples/workspace", &repo());
    assert_eq!(code, 1);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 8, "{out}");
    assert!(lines.iter().all(|l| l.starts_with("::")), "{out}");
    let config = "examples/workspace/backend/data/model_configs/acme_Wide-MoE-2B.json";
    let expected = format!(
        "::error file={config},line=21,col=28,endLine=21,endColumn=35,title=MC060 (parameter-count)::\
         parameter_count 7,077,888 of layer \"attention\" does not match its specs: \
         q 1536×2048 + k,v 2×1536×512 + o 2048×1536 = 7,864,320 (the stated value assumes a square o_proj)\
         %0Afix: Set parameter_count to 7,864,320"
    );
    assert!(lines.contains(&expected.as_str()), "{out}");
    assert_eq!(
        lines.iter().filter(|l| l.starts_with("::error ")).count(),
        2
    );
    assert_eq!(
        lines.iter().filter(|l| l.starts_with("::warning ")).count(),
        4
    );
    assert_eq!(
        lines.iter().filter(|l| l.starts_with("::notice ")).count(),
        2
    );

    // Columns in characters; `,` and `:` in a file name escaped in the property.
    let ws = unicode_workspace("github");
    let odd = ws.join("tests/a,b:c%_tests.md");
    std::fs::copy(ws.join("tests/u_tests.md"), &odd).unwrap();
    let (_, out) = check("github", "tests/a,b:c%_tests.md", &ws);
    let mt001 = out.lines().find(|l| l.contains("MT001")).unwrap();
    assert_eq!(
        mt001,
        "::error file=tests/a%2Cb%3Ac%25_tests.md,line=5,col=23,endLine=5,endColumn=24,title=MT001 (claim-mismatch)::`2 * 3` is 6, not 7%0Afix: Replace with 6"
    );
}

#[test]
fn gitlab_code_quality_report() {
    let (code, out) = check("gitlab", "examples/workspace", &repo());
    assert_eq!(code, 1);
    let issues: Vec<Value> = serde_json::from_str(&out).unwrap();
    assert_eq!(issues.len(), 8);
    for i in &issues {
        for key in ["description", "check_name", "fingerprint", "severity"] {
            assert!(i[key].is_string(), "{key} in {i}");
        }
        assert!(
            ["info", "minor", "major", "critical", "blocker"]
                .contains(&i["severity"].as_str().unwrap())
        );
        assert!(
            i["location"]["path"]
                .as_str()
                .unwrap()
                .starts_with("examples/workspace/")
        );
        assert!(i["location"]["lines"]["begin"].as_u64().unwrap() >= 1);
    }
    let mut fps: Vec<&str> = issues
        .iter()
        .map(|i| i["fingerprint"].as_str().unwrap())
        .collect();
    fps.sort();
    fps.dedup();
    assert_eq!(fps.len(), 8, "fingerprints are unique");
    let mc060 = issues.iter().find(|i| i["check_name"] == "MC060").unwrap();
    assert_eq!(mc060["severity"], "major");
    assert_eq!(mc060["location"]["lines"]["begin"], 21);
    assert!(
        mc060["description"]
            .as_str()
            .unwrap()
            .starts_with("MC060: parameter_count 7,077,888")
    );
    // The same findings give the same fingerprints on the next run.
    let (_, again) = check("gitlab", "examples/workspace", &repo());
    assert_eq!(again, out);
}

#[test]
fn an_unknown_format_is_a_usage_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_mantile-lsp"))
        .args(["check", "--format", "xml", "examples/workspace"])
        .current_dir(repo())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("expected human, json, sarif, github or gitlab")
    );
}

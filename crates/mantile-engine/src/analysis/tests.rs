//! The analysis: inputs, overlay, dependencies, reuse, stamps.

use super::*;
use crate::{FileKind, HubProblem};

const NORM_PY: (&str, &str) = (
    "backend/layers/norm.py",
    "class RMSNormLayer(Layer):\n    \"\"\"RMS norm.\"\"\"\n    def __init__(self, layer_idx, hidden_size, eps=1e-6):\n        pass\n",
);

const CONFIG_PATH: &str = "backend/data/model_configs/o_m.json";
const REPORT_PATH: &str = "model_builder/gaps/mtp.md";
const SUITE_PATH: &str = "tests/mtp_tests.md";

/// A config whose unsupported `mtp` layer names the report, with
/// hidden_size `d`.
fn config(d: u32) -> String {
    format!(
        r#"{{"model_id": "o_m", "hf_model_id": "o/m", "name": "m", "hidden_size": {d}, "num_layers": 1, "vocab_size": 4, "total_params": 8,
  "layer_types": [{{"name": "mtp", "class": "MtpLayer", "count": 1, "supported": false, "gap_report": "{REPORT_PATH}", "specs": {{"hidden_size": {d}}}}}]}}"#
    )
}

/// A report listing a final norm of 64.
const REPORT: &str =
    "# Gap Report: MTP\n\n### Tensor: model.norm.weight\n\n`model.norm.weight` [64]\n";

const SUITE: &str =
    "# Test MTP-1 — single chip\n\n# Test MTP-2 — TP = 4\n\n# Test MTP-3 — decode\n";

fn codes(a: &Analysis, path: &str) -> Vec<&'static str> {
    a.diagnostics(path)
        .unwrap()
        .diagnostics
        .iter()
        .map(|d| d.rule.code)
        .collect()
}

fn paths(affected: &Affected) -> Vec<&str> {
    affected.iter().map(|p| &**p).collect()
}

#[test]
fn the_workspace_catalog_reaches_the_config_checks() {
    let text = r#"{"model_id": "o_m", "hf_model_id": "o/m", "name": "m", "hidden_size": 8, "num_layers": 1, "vocab_size": 4, "total_params": 8,
        "layer_types": [{"name": "norm", "class": "NormLayer", "count": 1, "specs": {"hidden_size": 8}}]}"#;
    let host = fixture_host(&[NORM_PY, (CONFIG_PATH, text)]);
    let a = host.analysis();
    let d = a.diagnostics(CONFIG_PATH).unwrap();
    // The workspace defines RMSNormLayer, not NormLayer: the class is unknown there.
    let errors: Vec<&str> = d
        .diagnostics
        .iter()
        .filter(|d| d.severity == mantile_diag::Severity::Error)
        .map(|d| d.rule.code)
        .collect();
    assert_eq!(errors, ["MC030"]);
    assert!(
        d.diagnostics
            .iter()
            .any(|d| d.message.contains("did you mean `RMSNormLayer`?"))
    );
    // Outside a workspace, the built-in catalog knows NormLayer.
    let loose = crate::check_text(FileKind::Config, "o_m.json", text, &Default::default());
    assert!(
        loose
            .iter()
            .all(|d| d.severity != mantile_diag::Severity::Error),
        "{loose:?}"
    );
}

/// A one-shot host (the command line's) finds what a server's host finds,
/// schema findings included, in a large config (whose schema a one-shot
/// check validates on a thread of its own) and a small one.
#[test]
fn a_one_shot_host_finds_what_a_servers_host_finds() {
    let layer = r#"{"name": "norm", "class": "RMSNormLayer", "count": "2", "colour": 1, "specs": {"hidden_size": 64}}"#;
    let small = config(64).replace(
        "\"layer_types\": [",
        &format!("\"layer_types\": [{layer}, "),
    );
    let many = vec![layer; 2000].join(", ");
    let large = config(64).replace("\"layer_types\": [", &format!("\"layer_types\": [{many}, "));
    assert!(large.len() > 100_000, "{}", large.len());
    for text in [&small, &large] {
        let files = [NORM_PY, (CONFIG_PATH, text.as_str())];
        let server = fixture_host(&files).analysis();
        let one_shot = fixture_into(AnalysisHost::one_shot(Scope::Workspace), &files).analysis();
        let want = server.diagnostics(CONFIG_PATH).unwrap();
        assert!(
            codes(&server, CONFIG_PATH).contains(&"MC002"),
            "{:?}",
            codes(&server, CONFIG_PATH)
        );
        assert_eq!(
            one_shot.diagnostics(CONFIG_PATH).unwrap().diagnostics,
            want.diagnostics
        );
    }
}

#[test]
fn unreadable_folders_hide_nothing_as_missing() {
    let mut host = fixture_host(&[(CONFIG_PATH, &config(64))]);
    assert!(codes(&host.analysis(), CONFIG_PATH).contains(&"MC041"));
    // The gaps folder could not be read: the report may well exist.
    let affected = host.set_disk(DiskState {
        listed: vec![CONFIG_PATH.into()],
        unreadable: vec![(crate::GAPS_DIR.into(), "permission denied".into())],
        files: vec![(
            CONFIG_PATH.into(),
            FileKind::Config,
            Content::text(config(64)),
        )],
        ..Default::default()
    });
    assert_eq!(paths(&affected), [CONFIG_PATH]);
    let a = host.analysis();
    assert!(!codes(&a, CONFIG_PATH).contains(&"MC041"));
    assert!(a.exists("model_builder/gaps/mtp.md"));
    assert!(!a.exists("model_builder/gapsx/mtp.md"));
    // Part of backend/layers unreadable: Mantile's own classes stay known.
    let mut host = fixture_host(&[NORM_PY]);
    assert!(
        host.analysis()
            .catalog()
            .get("GroupedQueryAttentionLayer")
            .is_none()
    );
    host.set_disk(DiskState {
        listed: Vec::new(),
        layer_sources: Some(vec![(NORM_PY.0.into(), NORM_PY.1.into())]),
        unreadable: vec![(
            "backend/layers/attention.py".into(),
            "permission denied".into(),
        )],
        files: Vec::new(),
    });
    let a = host.analysis();
    assert!(a.catalog().get("GroupedQueryAttentionLayer").is_some());
    assert!(a.catalog().get("RMSNormLayer").is_some());
}

#[test]
fn unsaved_text_wins_in_cross_file_checks() {
    let mut host = fixture_host(&[
        (CONFIG_PATH, &config(64)),
        (REPORT_PATH, REPORT),
        (SUITE_PATH, SUITE),
    ]);
    assert!(!codes(&host.analysis(), REPORT_PATH).contains(&"GR004"));
    // The config is opened and its hidden_size edited, not saved: the
    // report's norm of 64 no longer matches.
    host.open(CONFIG_PATH, FileKind::Config, &config(64), 1);
    let affected = host.edit(CONFIG_PATH, &config(128), 2);
    assert_eq!(paths(&affected), [CONFIG_PATH, REPORT_PATH]);
    let a = host.analysis();
    let d = a.diagnostics(REPORT_PATH).unwrap();
    let gr004 = d
        .diagnostics
        .iter()
        .find(|d| d.rule.code == "GR004")
        .unwrap();
    assert_eq!(
        gr004.message,
        "`model.norm.weight` is [64] here, but o_m.json's specs give [d] = [128]"
    );
    assert_eq!(a.version(CONFIG_PATH), Some(2));
    // Closed without saving: the disk's text is the config again.
    let affected = host.close(CONFIG_PATH);
    assert!(affected.contains(REPORT_PATH));
    assert!(!codes(&host.analysis(), REPORT_PATH).contains(&"GR004"));
    assert_eq!(host.analysis().version(CONFIG_PATH), None);
}

#[test]
fn an_open_suite_counts_for_its_gap_before_it_is_saved() {
    let mut host = fixture_host(&[(CONFIG_PATH, &config(64)), (REPORT_PATH, REPORT)]);
    assert!(codes(&host.analysis(), REPORT_PATH).contains(&"GR010"));
    // A new suite, open in the editor and not yet on disk.
    let affected = host.open(SUITE_PATH, FileKind::TestSpec, SUITE, 1);
    assert!(affected.contains(REPORT_PATH) && affected.contains(CONFIG_PATH));
    let a = host.analysis();
    assert!(a.exists(SUITE_PATH));
    let c = codes(&a, REPORT_PATH);
    assert!(!c.contains(&"GR010") && !c.contains(&"GR011"), "{c:?}");
    // Closed unsaved: it is gone again.
    host.close(SUITE_PATH);
    assert!(codes(&host.analysis(), REPORT_PATH).contains(&"GR010"));
    assert_eq!(host.analysis().diagnostics(SUITE_PATH).map(|_| ()), None);
}

#[test]
fn results_are_reused_while_what_they_read_is_unchanged() {
    let other = "backend/data/model_configs/p_q.json";
    let mut host = fixture_host(&[
        (CONFIG_PATH, &config(64)),
        (
            other,
            &config(64).replace("o_m", "p_q").replace("o/m", "p/q"),
        ),
        (REPORT_PATH, REPORT),
        (SUITE_PATH, SUITE),
    ]);
    let a = host.analysis();
    let (config0, report0, suite0) = (
        a.diagnostics(CONFIG_PATH).unwrap(),
        a.diagnostics(REPORT_PATH).unwrap(),
        a.diagnostics(SUITE_PATH).unwrap(),
    );
    // Asked again: the same results.
    assert!(Arc::ptr_eq(&config0, &a.diagnostics(CONFIG_PATH).unwrap()));
    // Another config's text changes (a name only): the report is affected,
    // but what it reads (the layers naming it, its suite) is the same, so
    // its result is reused; the first config's too.
    host.open(
        other,
        FileKind::Config,
        &config(64).replace("o_m", "p_q"),
        1,
    );
    let a = host.analysis();
    assert!(Arc::ptr_eq(&report0, &a.diagnostics(REPORT_PATH).unwrap()));
    assert!(Arc::ptr_eq(&config0, &a.diagnostics(CONFIG_PATH).unwrap()));
    assert!(Arc::ptr_eq(&suite0, &a.diagnostics(SUITE_PATH).unwrap()));
    // Severities change every result.
    let mut o = mantile_diag::SeverityOverrides::default();
    o.set("MC064", None);
    let affected = host.set_overrides(o);
    assert_eq!(affected.0.len(), 4);
    assert!(!Arc::ptr_eq(
        &suite0,
        &host.analysis().diagnostics(SUITE_PATH).unwrap()
    ));
}

#[test]
fn a_gap_report_created_on_disk_rechecks_the_configs() {
    let mut host = fixture_host(&[(CONFIG_PATH, &config(64)), (SUITE_PATH, SUITE)]);
    assert!(codes(&host.analysis(), CONFIG_PATH).contains(&"MC041"));
    let affected = host.set_disk_file(REPORT_PATH, FileKind::GapReport, Content::text(REPORT));
    assert_eq!(paths(&affected), [CONFIG_PATH, REPORT_PATH]);
    assert!(!codes(&host.analysis(), CONFIG_PATH).contains(&"MC041"));
    let affected = host.remove_disk_file(REPORT_PATH);
    assert_eq!(paths(&affected), [CONFIG_PATH, REPORT_PATH]);
    let a = host.analysis();
    assert!(codes(&a, CONFIG_PATH).contains(&"MC041"));
    assert!(a.diagnostics(REPORT_PATH).is_none());
    // The same content again changes nothing.
    let mut host = fixture_host(&[(CONFIG_PATH, &config(64))]);
    let g = host.generation();
    assert!(
        host.set_disk_file(CONFIG_PATH, FileKind::Config, Content::text(config(64)))
            .is_empty()
    );
    assert!(host.is_current(CONFIG_PATH, g));
}

#[test]
fn layer_sources_affect_every_config_and_report() {
    let mut host = fixture_host(&[
        (CONFIG_PATH, &config(64)),
        (REPORT_PATH, REPORT),
        (SUITE_PATH, SUITE),
    ]);
    let affected = host.set_layer_sources(Some(vec![(NORM_PY.0.into(), NORM_PY.1.into())]));
    assert_eq!(paths(&affected), [CONFIG_PATH, REPORT_PATH]);
    assert!(
        host.set_layer_sources(Some(vec![(NORM_PY.0.into(), NORM_PY.1.into())]))
            .is_empty()
    );
}

#[test]
fn a_hub_answer_affects_only_the_configs_naming_its_model() {
    let other = "backend/data/model_configs/p_q.json";
    let mut host = fixture_host(&[
        (CONFIG_PATH, &config(64)),
        (
            other,
            &config(64).replace("o_m", "p_q").replace("o/m", "p/q"),
        ),
        (REPORT_PATH, REPORT),
    ]);
    // Hub checks off: nothing is asked for.
    assert_eq!(
        host.analysis().diagnostics(CONFIG_PATH).unwrap().wants_hub,
        None
    );
    host.set_hub_enabled(true);
    let a = host.analysis();
    assert_eq!(
        a.diagnostics(CONFIG_PATH).unwrap().wants_hub.as_deref(),
        Some("o/m")
    );
    let before = a.diagnostics(other).unwrap();
    let g = host.generation();
    let affected = host.set_hub_outcome("o/m", Arc::new(Err(HubProblem::NotFound)));
    assert_eq!(paths(&affected), [CONFIG_PATH]);
    assert!(!host.is_current(CONFIG_PATH, g));
    assert!(host.is_current(other, g));
    let a = host.analysis();
    let d = a.diagnostics(CONFIG_PATH).unwrap();
    assert_eq!(d.wants_hub, None);
    assert!(
        d.diagnostics.iter().any(|d| d.rule.code == "MC070"),
        "{d:?}"
    );
    assert!(Arc::ptr_eq(&before, &a.diagnostics(other).unwrap()));
    // A problem of the whole Hub is not the config's.
    host.set_hub_outcome("p/q", Arc::new(Err(HubProblem::OfflineNoCache)));
    let d = host.analysis().diagnostics(other).unwrap();
    assert!(d.diagnostics.iter().all(|d| d.rule.code != "MC070"));
    assert_eq!(d.wants_hub, None);
}

#[test]
fn stamps_tell_which_results_are_the_latest() {
    let mut host = fixture_host(&[
        (CONFIG_PATH, &config(64)),
        (REPORT_PATH, REPORT),
        (SUITE_PATH, SUITE),
    ]);
    let before = host.analysis();
    host.open(SUITE_PATH, FileKind::TestSpec, SUITE, 1);
    // A result computed from `before` is stale for the suite and the report
    // (the suite is the report's), current for the config.
    assert!(!host.is_current(SUITE_PATH, before.generation()));
    assert!(!host.is_current(REPORT_PATH, before.generation()));
    assert!(host.is_current(CONFIG_PATH, before.generation()));
    // The frozen state still answers as it was.
    assert_eq!(before.version(SUITE_PATH), None);
    assert_eq!(host.analysis().version(SUITE_PATH), Some(1));
}

#[test]
fn dependencies_name_what_a_check_reads() {
    let host = fixture_host(&[
        (CONFIG_PATH, &config(64)),
        (REPORT_PATH, "# Gap\n\nSuite: tests/other_tests.md\n"),
    ]);
    let a = host.analysis();
    assert_eq!(
        a.dependencies(REPORT_PATH),
        Dependencies {
            catalog: true,
            all_configs: true,
            files: vec!["tests/other_tests.md".into()],
        }
    );
    assert_eq!(
        a.dependencies(CONFIG_PATH),
        Dependencies {
            catalog: true,
            ..Default::default()
        }
    );
}

//! The guide's §6 deliverables as one view of a workspace: its models (each
//! config with its total parameters and the gaps it names), the gap registry
//! and the test suite registry, each gap with its suite. An editor shows it
//! as a tree; `mantile-lsp report` prints the registry part as Markdown.
//!
//! Everything comes from an [`Analysis`]: the configs, gap reports and
//! suites as it has them (an editor's unsaved text over the disk's).

use crate::{Analysis, Content, FileKind};
use mantile_gap::{Checklist, GapRow, Registry, SuiteRow};

/// A model config of the workspace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Model {
    /// The config, relative to the workspace root.
    pub path: String,
    pub model_id: Option<String>,
    pub name: Option<String>,
    pub hf_model_id: Option<String>,
    /// `total_params` as the config states it.
    pub total_params: Option<u128>,
    /// How many entries `layer_types` has.
    pub layer_types: usize,
    /// Whether the file is a JSON object at all.
    pub parsed: bool,
}

/// A gap of the registry, with its test suite (when its report names one, or
/// the one the guide's naming gives).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Gap {
    pub row: GapRow,
    pub suite: Option<SuiteRow>,
}

/// The §6 deliverables of a workspace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deliverables {
    pub models: Vec<Model>,
    pub gaps: Vec<Gap>,
    pub suites: Vec<SuiteRow>,
    pub checklist: Checklist,
}

/// What a config states about itself (without checking anything).
pub fn model(path: &str, text: &str) -> Model {
    model_of(path, &mantile_json::parse(text))
}

fn model_of(path: &str, tree: &mantile_json::Tree) -> Model {
    let root = tree.valid_root().filter(|r| r.is_object());
    let field = |key: &str| {
        root.and_then(|r| r.get(key))
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    Model {
        path: path.to_string(),
        model_id: field("model_id"),
        name: field("name"),
        hf_model_id: field("hf_model_id"),
        total_params: root
            .and_then(|r| r.get("total_params"))
            .and_then(|v| v.as_u128()),
        layer_types: root
            .and_then(|r| r.get("layer_types"))
            .map_or(0, |l| l.elements().count()),
        parsed: root.is_some(),
    }
}

/// The deliverables of the workspace an analysis holds: every config (in
/// path order), the gap registry and the suites.
pub fn deliverables(analysis: &Analysis) -> Deliverables {
    let files = analysis.files();
    let reports: Vec<(String, String)> = files
        .iter()
        .filter(|(_, k)| *k == FileKind::GapReport)
        .filter_map(|(p, _)| match analysis.content(p)? {
            Content::Text(t) => Some((p.to_string(), t.to_string())),
            _ => None,
        })
        .collect();
    let Registry {
        gaps,
        suites,
        checklist,
    } = mantile_gap::registry(&analysis.gap_workspace(), &reports);
    let mut models: Vec<Model> = files
        .iter()
        .filter(|(_, k)| *k == FileKind::Config)
        .map(|(p, _)| match analysis.tree(p) {
            Some(tree) => model_of(p, &tree),
            None => model(p, ""),
        })
        .collect();
    models.sort_by(|a, b| a.path.cmp(&b.path));
    let gaps = gaps
        .into_iter()
        .map(|row| {
            let suite = suites.iter().find(|s| s.gap == row.feature).cloned();
            Gap { row, suite }
        })
        .collect();
    Deliverables {
        models,
        gaps,
        suites,
        checklist,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_model_states_its_fields_and_a_broken_file_says_so() {
        let m = model(
            "backend/data/model_configs/o_m.json",
            r#"{"model_id": "o_m", "hf_model_id": "o/m", "name": "M", "total_params": 632,
                "layer_types": [{"name": "a"}, {"name": "b"}]}"#,
        );
        assert_eq!(
            (
                m.model_id.as_deref(),
                m.hf_model_id.as_deref(),
                m.name.as_deref(),
                m.total_params,
                m.layer_types,
                m.parsed
            ),
            (Some("o_m"), Some("o/m"), Some("M"), Some(632), 2, true)
        );
        let broken = model("x.json", "{\"model_id\": ");
        assert!(!broken.parsed);
        assert_eq!(broken.total_params, None);
    }

    #[test]
    fn each_gap_carries_its_suite_and_the_checklist_counts_them() {
        // One config with a class Mantile lacks, its report, and a suite of 3 tests.
        let config = r#"{"model_id": "o_m", "layer_types": [
            {"name": "mtp", "class": "MultiTokenPredictionLayer", "count": 1, "supported": false,
             "gap_report": "model_builder/gaps/mtp.md", "specs": {"hidden_size": 8}}]}"#;
        let suite = "# MTP Tests\n\n# Test MTP-1 — single chip\n\n# Test MTP-2 — TP=2\n\n# Test MTP-3 — EP=2\n";
        let report = "# Gap Report: MTP\n\n**Severity**: MEDIUM\n";
        let analysis = crate::ide::fixture(&[
            ("backend/data/model_configs/o_m.json", config),
            ("tests/mtp_tests.md", suite),
            ("model_builder/gaps/mtp.md", report),
        ]);
        let d = deliverables(&analysis);
        assert_eq!(d.models.len(), 1);
        assert_eq!(d.gaps.len(), 1);
        let g = &d.gaps[0];
        assert_eq!(g.row.severity, "MEDIUM");
        assert_eq!(g.row.report.as_deref(), Some("model_builder/gaps/mtp.md"));
        let s = g.suite.as_ref().expect("the gap's suite");
        assert_eq!((s.file.as_str(), s.tests), ("tests/mtp_tests.md", 3));
        assert_eq!(d.checklist.gaps_identified, 1);
        // The report lacks the guide's sections: the gap is not accounted for.
        assert_eq!(d.checklist.unaccounted, 1);
        assert!(
            g.row
                .unaccounted
                .as_deref()
                .unwrap()
                .starts_with("report lacks")
        );
    }
}

//! Go to definition in configs: a layer's `class` goes to the Python class
//! that defines it (from the workspace's layer catalog), a `gap_report` to
//! the report's file.

use mantile_config::{Catalog, ClassSource, gap_report_path, layers};
use mantile_diag::TextRange;

/// Where a definition is: a file relative to the workspace root and, when
/// known, the byte range to select in it.
#[derive(Debug, PartialEq, Eq)]
pub struct Target {
    pub rel_path: String,
    pub range: Option<TextRange>,
}

/// The definition of what is at `offset` in a config, if any.
pub fn target(text: &str, offset: usize, catalog: &Catalog) -> Option<Target> {
    let parsed = mantile_json::parse(text);
    let root = parsed.root.as_ref()?;
    for l in layers(root) {
        if let Some(c) = l.class
            && c.range.contains_inclusive(offset)
        {
            return match &catalog.get(c.as_str()?)?.source {
                ClassSource::Python {
                    path, name_range, ..
                } => Some(Target {
                    rel_path: path.clone(),
                    range: Some(*name_range),
                }),
                ClassSource::Builtin => None,
            };
        }
        if let Some(g) = l.node.get("gap_report")
            && g.range.contains_inclusive(offset)
        {
            let (path, _) = gap_report_path(g, &text[g.range.as_range()])?;
            return Some(Target {
                rel_path: path,
                range: None,
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = r#"{"layer_types": [
  {"name": "norm", "class": "RMSNormLayer", "count": 1, "specs": {"hidden_size": 8}},
  {"name": "mtp", "class": "MTPLayer", "supported": false, "gap_report": "See model_builder/gaps/mtp.md"}]}"#;

    fn catalog() -> Catalog {
        Catalog::from_python(&[(
            "backend/layers/norm.py".to_string(),
            "# Norms.\n\nclass RMSNormLayer(Layer):\n    \"\"\"RMS.\"\"\"\n    def __init__(self, layer_idx, hidden_size):\n        pass\n"
                .to_string(),
        )])
    }

    #[test]
    fn class_goes_to_the_python_class_name() {
        let at = CONFIG.find("RMSNormLayer").unwrap();
        let t = target(CONFIG, at, &catalog()).unwrap();
        assert_eq!(t.rel_path, "backend/layers/norm.py");
        let r = t.range.unwrap();
        assert_eq!(
            r,
            TextRange::new(16, 28),
            "the name in `class RMSNormLayer(`"
        );
        // A built-in class has no source to go to.
        assert_eq!(target(CONFIG, at, &Catalog::builtin()), None);
    }

    #[test]
    fn gap_report_goes_to_the_report() {
        let at = CONFIG.find("See model_builder").unwrap();
        let t = target(CONFIG, at, &catalog()).unwrap();
        assert_eq!(t.rel_path, "model_builder/gaps/mtp.md");
        assert_eq!(t.range, None);
        assert_eq!(target(CONFIG, 3, &catalog()), None);
    }
}

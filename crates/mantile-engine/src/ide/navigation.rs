//! Go to definition and document links.

use crate::Analysis;
use crate::analysis::Parsed;
use mantile_config::ClassSource;
use mantile_diag::TextRange;
use mantile_json::Node;

/// A place in the workspace: a file and, when known, a byte range in it or a line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// Relative to the workspace root.
    pub path: String,
    pub range: Option<TextRange>,
    /// Zero-based line, when the range is not known.
    pub line: Option<u32>,
}

fn node_at(node: Node<'_>, offset: usize) -> Option<(Node<'_>, Option<&str>)> {
    fn walk<'a>(
        n: Node<'a>,
        offset: usize,
        key: Option<&'a str>,
    ) -> Option<(Node<'a>, Option<&'a str>)> {
        if !n.range.contains_inclusive(offset) {
            return None;
        }
        for m in n.members() {
            if let Some(hit) = walk(m.value, offset, Some(m.key)) {
                return Some(hit);
            }
        }
        for e in n.elements() {
            if let Some(hit) = walk(e, offset, None) {
                return Some(hit);
            }
        }
        Some((n, key))
    }
    walk(node, offset, None)
}

impl Analysis {
    /// Go to definition: a layer's `class` → its Python class; `gap_report`
    /// → the report; a report's test-suite link → the suite (files that
    /// exist only).
    pub fn definition(&self, path: &str, offset: usize) -> Option<Target> {
        match &self.parsed_of(path)? {
            Parsed::Config(tree) => {
                let (node, key) = node_at(tree.root()?, offset)?;
                match key? {
                    "class" => match &self.catalog().get(node.as_str()?)?.source {
                        ClassSource::Python {
                            path,
                            line,
                            name_range,
                        } => Some(Target {
                            path: path.clone(),
                            range: Some(*name_range),
                            line: Some(*line),
                        }),
                        ClassSource::Builtin => None,
                    },
                    "gap_report" => {
                        let (path, _) = mantile_config::gap_report_path(node, node.text())?;
                        self.exists(&path).then_some(Target {
                            path,
                            range: None,
                            line: Some(0),
                        })
                    }
                    _ => None,
                }
            }
            Parsed::Gap(doc, _) => {
                let (path, _) = doc
                    .suite_links
                    .iter()
                    .find(|(_, r)| r.contains_inclusive(offset))?;
                self.exists(path).then(|| Target {
                    path: path.clone(),
                    range: None,
                    line: Some(0),
                })
            }
            Parsed::Spec(_) | Parsed::None => None,
        }
    }

    /// Document links: a config's `gap_report` paths, a report's test-suite
    /// links (only to files that exist).
    pub fn links(&self, path: &str) -> Vec<Link> {
        match self.parsed_of(path) {
            Some(Parsed::Config(tree)) => {
                let Some(root) = tree.root() else {
                    return Vec::new();
                };
                mantile_config::layers(&root)
                    .iter()
                    .filter_map(|l| {
                        let g = l.gap_report.filter(|g| g.as_str().is_some())?;
                        let (path, range) = mantile_config::gap_report_path(g, g.text())?;
                        self.exists(&path).then_some(Link {
                            range,
                            target: path,
                        })
                    })
                    .collect()
            }
            Some(Parsed::Gap(doc, _)) => doc
                .suite_links
                .iter()
                .filter(|(p, _)| self.exists(p))
                .map(|(target, range)| Link {
                    range: *range,
                    target: target.clone(),
                })
                .collect(),
            _ => Vec::new(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    pub range: TextRange,
    /// Relative to the workspace root.
    pub target: String,
}

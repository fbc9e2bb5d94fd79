//! Document symbols.

use crate::Analysis;
use crate::analysis::Parsed;
use mantile_diag::TextRange;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SymbolKind {
    Layer,
    Test,
    Section,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Symbol {
    pub name: String,
    pub detail: Option<String>,
    pub kind: SymbolKind,
    /// The whole thing (layer object, test, section).
    pub range: TextRange,
    /// What to select when jumping to it (the name, the heading).
    pub selection: TextRange,
}

impl Analysis {
    /// Document symbols: a config's layers, a spec's tests, a gap report's
    /// sections (down to level 3). A config's intact layers are listed also
    /// while another part of it has a syntax error.
    pub fn symbols(&self, path: &str) -> Vec<Symbol> {
        let Some(parsed) = self.parsed_of(path) else {
            return Vec::new();
        };
        match &parsed {
            Parsed::Config(tree) => {
                let Some(root) = tree.root() else {
                    return Vec::new();
                };
                mantile_config::layers(&root)
                    .iter()
                    .map(|l| Symbol {
                        name: l
                            .name_str()
                            .map(str::to_string)
                            .unwrap_or_else(|| format!("layer_types[{}]", l.index)),
                        detail: l.class_str().map(|c| match l.count {
                            Some(n) => format!("{c} × {n}"),
                            None => c.to_string(),
                        }),
                        kind: SymbolKind::Layer,
                        range: l.node.range,
                        selection: l.name.map(|n| n.range).unwrap_or(l.node.range),
                    })
                    .collect()
            }
            Parsed::Spec(report) => report
                .tests
                .iter()
                .map(|t| Symbol {
                    name: format!("Test {}", t.id),
                    detail: Some(t.title.clone()),
                    kind: SymbolKind::Test,
                    range: t.range,
                    selection: t.heading_range,
                })
                .collect(),
            Parsed::Gap(doc, _) => doc
                .sections
                .iter()
                .filter(|s| s.level <= 3)
                .map(|s| Symbol {
                    name: s.title.clone(),
                    detail: None,
                    kind: SymbolKind::Section,
                    range: s.range,
                    selection: s.heading,
                })
                .collect(),
            Parsed::None => Vec::new(),
        }
    }
}

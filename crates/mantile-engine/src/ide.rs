//! Editor features computed from plain data: completion, document symbols,
//! go to definition, document links and inlay hints. The language server maps
//! these to protocol types; nothing here knows LSP or does I/O.

use crate::{FileKind, Snapshot};
use mantile_config::{Catalog, Category, ClassSource, catalog::METADATA_SPECS};
use mantile_diag::{TextRange, format_grouped};
use mantile_json::Node;

// ----- where the cursor is in a half-typed JSON document -----

#[derive(Clone, Debug, PartialEq, Eq)]
enum Frame {
    Object {
        start: usize,
        key: Option<String>,
        expecting_key: bool,
    },
    Array,
}

/// The cursor's place in a JSON document, read by a forgiving scanner (the
/// text after the cursor may be missing or broken).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonSpot {
    /// Keys of the enclosing objects; `[]` for an array element.
    pub path: Vec<String>,
    /// Byte offset of the innermost object's `{`.
    pub object_start: usize,
    /// `Some(key)` when the cursor is at a value of `key`, `None` at a key.
    pub value_of: Option<String>,
    /// The string the cursor is in (quotes excluded), or an empty range at the cursor.
    pub replace: TextRange,
    /// Whether the cursor is inside a string literal.
    pub in_string: bool,
}

pub fn json_spot(text: &str, offset: usize) -> Option<JsonSpot> {
    let offset = offset.min(text.len());
    let bytes = text.as_bytes();
    let mut stack: Vec<Frame> = Vec::new();
    let mut keys: Vec<Option<String>> = Vec::new(); // the key that opened each frame
    let mut i = 0;
    let mut string_start: Option<usize> = None;
    while i < offset {
        let b = bytes[i];
        if let Some(s) = string_start {
            if b == b'\\' {
                i += 2;
                continue;
            }
            if b == b'"' {
                string_start = None;
                let content = &text[s + 1..i];
                if let Some(Frame::Object {
                    key, expecting_key, ..
                }) = stack.last_mut()
                    && *expecting_key
                {
                    *key = Some(content.to_string());
                }
            }
            i += 1;
            continue;
        }
        match b {
            b'"' => string_start = Some(i),
            b'{' | b'[' => {
                let opened_by = match stack.last() {
                    Some(Frame::Object { key, .. }) => key.clone(),
                    Some(Frame::Array) => Some("[]".to_string()),
                    None => None,
                };
                keys.push(opened_by);
                stack.push(if b == b'{' {
                    Frame::Object {
                        start: i,
                        key: None,
                        expecting_key: true,
                    }
                } else {
                    Frame::Array
                });
            }
            b'}' | b']' => {
                stack.pop();
                keys.pop();
            }
            b':' => {
                if let Some(Frame::Object { expecting_key, .. }) = stack.last_mut() {
                    *expecting_key = false;
                }
            }
            b',' => {
                if let Some(Frame::Object {
                    expecting_key, key, ..
                }) = stack.last_mut()
                {
                    *expecting_key = true;
                    *key = None;
                }
            }
            _ => {}
        }
        i += 1;
    }
    let Some(Frame::Object {
        start,
        key,
        expecting_key,
    }) = stack.last().cloned()
    else {
        return None;
    };
    let path: Vec<String> = keys
        .iter()
        .skip(1)
        .map(|k| k.clone().unwrap_or_default())
        .collect();
    let (replace, in_string) = match string_start {
        Some(s) => {
            let end = text[s + 1..]
                .find(['"', '\n', '\r'])
                .map(|e| s + 1 + e)
                .unwrap_or(text.len());
            (TextRange::new(s + 1, end.max(offset)), true)
        }
        None => (TextRange::empty(offset), false),
    };
    Some(JsonSpot {
        path,
        object_start: start,
        value_of: if expecting_key { None } else { key },
        replace,
        in_string,
    })
}

/// The byte offset just past the object that starts at `start` (or the end of the text).
fn object_end(text: &str, start: usize) -> usize {
    let bytes = text.as_bytes();
    let mut depth = 0i32;
    let mut in_str = false;
    let mut i = start;
    while i < bytes.len() {
        let b = bytes[i];
        if in_str {
            if b == b'\\' {
                i += 2;
                continue;
            }
            if b == b'"' {
                in_str = false;
            }
        } else {
            match b {
                b'"' => in_str = true,
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth -= 1;
                    if depth == 0 {
                        return i + 1;
                    }
                }
                _ => {}
            }
        }
        i += 1;
    }
    text.len()
}

/// `"key": "value"` string values directly inside the object at `start`.
fn string_member(text: &str, start: usize, key: &str) -> Option<String> {
    let obj = &text[start..object_end(text, start)];
    let pat = format!("\"{key}\"");
    let at = obj.find(&pat)?;
    let rest = obj[at + pat.len()..]
        .trim_start()
        .strip_prefix(':')?
        .trim_start()
        .strip_prefix('"')?;
    Some(rest[..rest.find('"')?].to_string())
}

/// The keys already present directly inside the object at `start`.
fn present_keys(text: &str, start: usize) -> Vec<String> {
    let end = object_end(text, start);
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut i = start;
    while i < end {
        match bytes[i] {
            b'{' | b'[' => depth += 1,
            b'}' | b']' => depth -= 1,
            b'"' => {
                let s = i + 1;
                let mut j = s;
                while j < end && bytes[j] != b'"' {
                    j += if bytes[j] == b'\\' { 2 } else { 1 };
                }
                let after = text[j.min(end)..end].trim_start_matches(['"', ' ', '\t', '\r', '\n']);
                if depth == 1 && after.starts_with(':') {
                    out.push(text[s..j.min(end)].to_string());
                }
                i = j;
            }
            _ => {}
        }
        i += 1;
    }
    out
}

// ----- completion -----

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompletionKind {
    Class,
    Field,
    Value,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completion {
    pub label: String,
    pub kind: CompletionKind,
    pub detail: Option<String>,
    pub documentation: Option<String>,
    /// Replace this range with `new_text`.
    pub range: TextRange,
    pub new_text: String,
    /// Sorts required specs before optional ones.
    pub sort: String,
}

fn class_doc(c: &mantile_config::LayerClass) -> String {
    let req: Vec<String> = c.required().map(|r| format!("`{r}`")).collect();
    let opt: Vec<String> = c.optional().map(|p| format!("`{}`", p.name)).collect();
    let mut s = c.summary.clone();
    if !req.is_empty() {
        s.push_str(&format!("\n\nRequired specs: {}", req.join(", ")));
    }
    if !opt.is_empty() {
        s.push_str(&format!("\n\nOptional specs: {}", opt.join(", ")));
    }
    if let ClassSource::Python { path, line, .. } = &c.source {
        s.push_str(&format!("\n\nDefined in `{path}:{}`", line + 1));
    }
    s
}

/// Completions at `offset` in a config: class names, spec keys of the
/// layer's class (required first), standard layer names, layer and top-level fields.
pub fn completions(text: &str, offset: usize, catalog: &Catalog) -> Vec<Completion> {
    let Some(spot) = json_spot(text, offset) else {
        return Vec::new();
    };
    let quote = |s: &str| {
        if spot.in_string {
            s.to_string()
        } else {
            format!("\"{s}\"")
        }
    };
    let key_text = |s: &str| {
        if spot.in_string {
            s.to_string()
        } else {
            format!("\"{s}\": ")
        }
    };
    let in_layer = spot.path.len() == 2 && spot.path[0] == "layer_types" && spot.path[1] == "[]";
    let in_specs = spot.path.len() == 3 && spot.path[0] == "layer_types" && spot.path[2] == "specs";
    let mut out = Vec::new();
    match (&spot.value_of, in_layer, in_specs) {
        (Some(k), true, _) if k == "class" => {
            for c in &catalog.classes {
                out.push(Completion {
                    label: c.name.clone(),
                    kind: CompletionKind::Class,
                    detail: Some(c.summary.clone()),
                    documentation: Some(class_doc(c)),
                    range: spot.replace,
                    new_text: quote(&c.name),
                    sort: c.name.clone(),
                });
            }
        }
        (Some(k), true, _) if k == "name" => {
            let used: Vec<String> = mantile_json::parse(text)
                .root()
                .map(|r| {
                    mantile_config::layers(&r)
                        .iter()
                        .filter_map(|l| l.name_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            let class = string_member(text, spot.object_start, "class");
            let role = class.as_deref().and_then(Category::of_class);
            for c in Category::ALL {
                let name = c.standard_name();
                if used.iter().any(|u| u == name) {
                    continue;
                }
                out.push(Completion {
                    label: name.to_string(),
                    kind: CompletionKind::Value,
                    detail: Some("standard layer name".into()),
                    documentation: None,
                    range: spot.replace,
                    new_text: quote(name),
                    sort: format!("{}{name}", if Some(c) == role { 0 } else { 1 }),
                });
            }
        }
        (None, _, true) => {
            // The layer object encloses the specs object: find its class.
            let layer_start = text[..spot.object_start].rfind('{').unwrap_or(0);
            let class = string_member(text, layer_start, "class");
            let present = present_keys(text, spot.object_start);
            let def = class.as_deref().and_then(|c| catalog.get(c));
            let mut order = 0usize;
            let mut add = |name: &str, rank: u8, detail: String| {
                order += 1;
                if present.iter().any(|p| p == name)
                    || out.iter().any(|c: &Completion| c.label == name)
                {
                    return;
                }
                out.push(Completion {
                    label: name.to_string(),
                    kind: CompletionKind::Field,
                    detail: Some(detail),
                    documentation: mantile_config::schema::description(&[
                        "layer_types",
                        "specs",
                        name,
                    ])
                    .map(str::to_string),
                    range: spot.replace,
                    new_text: key_text(name),
                    // Required first, then optional, then metadata; each in declaration order.
                    sort: format!("{rank}{order:03}"),
                });
            };
            if let Some(def) = def {
                let params: Vec<(String, Option<String>)> = def
                    .params
                    .iter()
                    .flatten()
                    .map(|p| (p.name.clone(), p.default.clone()))
                    .collect();
                for (name, default) in &params {
                    match default {
                        None => add(name, 0, format!("required by {}", def.name)),
                        Some(d) => add(name, 1, format!("optional, default {d}")),
                    }
                }
            }
            for m in METADATA_SPECS {
                add(m, 2, "metadata".to_string());
            }
        }
        (None, true, false) => {
            let present = present_keys(text, spot.object_start);
            for (i, k) in ["name", "class", "count", "supported", "gap_report", "specs"]
                .iter()
                .enumerate()
            {
                if present.iter().any(|p| p == k) {
                    continue;
                }
                out.push(Completion {
                    label: k.to_string(),
                    kind: CompletionKind::Field,
                    detail: None,
                    documentation: mantile_config::schema::description(&["layer_types", k])
                        .map(str::to_string),
                    range: spot.replace,
                    new_text: key_text(k),
                    sort: format!("{i}"),
                });
            }
        }
        (None, false, false) if spot.path.is_empty() => {
            let present = present_keys(text, spot.object_start);
            for k in mantile_config::schema::top_level_properties() {
                if present.iter().any(|p| p == k) {
                    continue;
                }
                out.push(Completion {
                    label: k.to_string(),
                    kind: CompletionKind::Field,
                    detail: None,
                    documentation: mantile_config::schema::description(&[k]).map(str::to_string),
                    range: spot.replace,
                    new_text: key_text(k),
                    sort: k.to_string(),
                });
            }
        }
        _ => {}
    }
    out.sort_by(|a, b| a.sort.cmp(&b.sort));
    out
}

// ----- symbols -----

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

pub fn symbols(kind: FileKind, text: &str) -> Vec<Symbol> {
    match kind {
        FileKind::Config => {
            let tree = mantile_json::parse(text);
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
        FileKind::TestSpec => mantile_spec::check_spec(text)
            .tests
            .into_iter()
            .map(|t| Symbol {
                name: format!("Test {}", t.id),
                detail: Some(t.title.clone()),
                kind: SymbolKind::Test,
                range: t.range,
                selection: t.heading_range,
            })
            .collect(),
        FileKind::GapReport => mantile_gap::parse(text)
            .sections
            .into_iter()
            .filter(|s| s.level <= 3)
            .map(|s| Symbol {
                name: s.title,
                detail: None,
                kind: SymbolKind::Section,
                range: s.range,
                selection: s.heading,
            })
            .collect(),
    }
}

// ----- definition and links -----

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

/// Go to definition: a layer's `class` → its Python class; `gap_report` →
/// the report; a report's test-suite link → the suite.
pub fn definition(
    kind: FileKind,
    text: &str,
    offset: usize,
    snapshot: &Snapshot,
) -> Option<Target> {
    match kind {
        FileKind::Config => {
            let tree = mantile_json::parse(text);
            let (node, key) = node_at(tree.root()?, offset)?;
            match key? {
                "class" => match &snapshot.catalog.get(node.as_str()?)?.source {
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
                    let (path, _) =
                        mantile_config::gap_report_path(node, &text[node.range.as_range()])?;
                    snapshot.files.contains(&path).then_some(Target {
                        path,
                        range: None,
                        line: Some(0),
                    })
                }
                _ => None,
            }
        }
        FileKind::GapReport => {
            let doc = mantile_gap::parse(text);
            let (path, _) = doc
                .suite_links
                .iter()
                .find(|(_, r)| r.contains_inclusive(offset))?;
            snapshot.files.contains(path).then(|| Target {
                path: path.clone(),
                range: None,
                line: Some(0),
            })
        }
        FileKind::TestSpec => None,
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    pub range: TextRange,
    /// Relative to the workspace root.
    pub target: String,
}

/// Document links: a config's `gap_report` paths, a report's test-suite links
/// (only to files that exist).
pub fn links(kind: FileKind, text: &str, snapshot: &Snapshot) -> Vec<Link> {
    match kind {
        FileKind::Config => {
            let tree = mantile_json::parse(text);
            let Some(root) = tree.root() else {
                return Vec::new();
            };
            mantile_config::layers(&root)
                .iter()
                .filter_map(|l| {
                    let g = l.node.get("gap_report").filter(|g| g.as_str().is_some())?;
                    let (path, range) =
                        mantile_config::gap_report_path(g, &text[g.range.as_range()])?;
                    snapshot.files.contains(&path).then_some(Link {
                        range,
                        target: path,
                    })
                })
                .collect()
        }
        FileKind::GapReport => mantile_gap::parse(text)
            .suite_links
            .into_iter()
            .filter(|(p, _)| snapshot.files.contains(p))
            .map(|(target, range)| Link { range, target })
            .collect(),
        FileKind::TestSpec => Vec::new(),
    }
}

// ----- hover in Markdown (test specs, gap reports) -----

/// A test ID (`MTP-1`, `GQA-3`) around `offset`.
fn test_id_at(text: &str, offset: usize) -> Option<(String, TextRange)> {
    let is_id = |c: char| c.is_ascii_alphanumeric() || c == '-';
    let start = text[..offset.min(text.len())]
        .rfind(|c: char| !is_id(c))
        .map_or(0, |i| i + 1);
    let end = text[start..]
        .find(|c: char| !is_id(c))
        .map_or(text.len(), |i| start + i);
    let word = &text[start..end];
    let (prefix, num) = word.rsplit_once('-')?;
    let ok = !prefix.is_empty()
        && prefix.chars().next()?.is_ascii_uppercase()
        && prefix
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-')
        && !num.is_empty()
        && num.chars().all(|c| c.is_ascii_digit());
    ok.then(|| (word.to_string(), TextRange::new(start, end)))
}

/// The 1-based line of `offset`, with the line breaks of [`mantile_diag::LineIndex`].
fn line_of(text: &str, offset: usize) -> usize {
    mantile_diag::LineIndex::new(text).line_of(offset) as usize + 1
}

/// Hover in a test spec or gap report: a test ID shows that test's Expected
/// results (from this file or any suite of the workspace); a calculation shows
/// its value and the variables it used, with the line each was bound on.
pub fn markdown_hover(
    kind: FileKind,
    text: &str,
    offset: usize,
    snapshot: Option<&Snapshot>,
) -> Option<(TextRange, String)> {
    if kind == FileKind::Config {
        return None;
    }
    let report = mantile_spec::check_spec(text);
    if let Some((id, range)) = test_id_at(text, offset) {
        let here = report.tests.iter().find(|t| t.id == id).map(|t| {
            let metrics: Vec<(String, String)> = t
                .expected
                .iter()
                .map(|m| (m.name.clone(), m.display()))
                .collect();
            (t.title.clone(), "this file".to_string(), metrics)
        });
        let elsewhere = || {
            snapshot?.gaps.suites.values().find_map(|s| {
                let title = s.tests.iter().find(|(i, _)| *i == id)?.1.clone();
                Some((
                    title,
                    format!("`{}`", s.path),
                    s.expected.get(&id).cloned().unwrap_or_default(),
                ))
            })
        };
        if let Some((title, file, metrics)) = here.or_else(elsewhere) {
            let mut md = format!("**Test {id}** — {title} ({file})\n\n");
            if metrics.is_empty() {
                md.push_str("No Expected results found.");
            } else {
                md.push_str("| Expected | value |\n|---|--:|\n");
                for (name, value) in metrics {
                    md.push_str(&format!("| {name} | {value} |\n"));
                }
            }
            return Some((range, md));
        }
    }
    let claim = mantile_spec::claim_at(&report, offset)?;
    let status = match claim.status {
        mantile_spec::ClaimStatus::Ok => "agrees",
        mantile_spec::ClaimStatus::Mismatch => "**does not agree**",
        _ => "not evaluated",
    };
    let mut md = format!("**= {}** ({status})\n", claim.display());
    if let Some(t) = &claim.target {
        md.push_str(&format!("\nDefines `{t}`.\n"));
    }
    if !claim.bindings.is_empty() {
        md.push_str("\n| name | value | bound at |\n|---|--:|---|\n");
        for b in &claim.bindings {
            md.push_str(&format!(
                "| `{}` | {} | line {} |\n",
                b.name(text),
                b.value.display(),
                line_of(text, b.bound_at.start as usize)
            ));
        }
    }
    Some((claim.range, md))
}

// ----- scaffolds -----

/// A file to create (never one that exists).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewFile {
    /// Relative to the workspace root.
    pub path: String,
    pub content: String,
}

/// A code action that creates files and edits the current document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkspaceAction {
    pub title: String,
    pub create: Vec<NewFile>,
    pub edits: Vec<mantile_diag::TextEdit>,
}

/// For the layer under the cursor, when its class is unknown or it is marked
/// unsupported: scaffold its gap report (and mark it `supported: false` with a
/// `gap_report`), and its test suite. Files that exist are never offered.
pub fn scaffold_actions(text: &str, offset: usize, snapshot: &Snapshot) -> Vec<WorkspaceAction> {
    let tree = mantile_json::parse(text);
    let Some(root) = tree.root() else {
        return Vec::new();
    };
    let layers = mantile_config::layers(&root);
    let Some(l) = layers
        .iter()
        .find(|l| l.node.range.contains_inclusive(offset))
    else {
        return Vec::new();
    };
    let (Some(name), Some(class)) = (l.name_str(), l.class_str()) else {
        return Vec::new();
    };
    let unsupported = l.supported == Some(false);
    if !unsupported && snapshot.catalog.get(class).is_some() {
        return Vec::new();
    }
    let Some(input) = crate::scaffold_input(text, name, &snapshot.catalog) else {
        return Vec::new();
    };
    let named = l
        .node
        .get("gap_report")
        .filter(|g| g.as_str().is_some())
        .and_then(|g| {
            mantile_config::gap_report_path(g, &text[g.range.as_range()]).map(|(p, _)| p)
        });
    let report_path = named.clone().unwrap_or_else(|| input.report_path());
    let mut out = Vec::new();
    // Only files in their own folder, by plain names: a layer named
    // `../../x` or a `gap_report` that is absolute or climbs out gets no
    // scaffold (the caller resolves the path against the disk too).
    if crate::is_workspace_path(&report_path, FileKind::GapReport)
        && !snapshot.files.contains(&report_path)
    {
        // Mark the layer unsupported and point it at the report, in one insertion.
        let mut edits = Vec::new();
        match l.node.get("supported") {
            Some(s) if s.as_bool() != Some(false) => edits.push(mantile_diag::TextEdit {
                range: s.range,
                new_text: "false".into(),
            }),
            _ => {}
        }
        let mut insert = String::new();
        let mut at = None;
        if l.node.get("supported").is_none()
            && let Some(e) = mantile_config::edit::insert_member(text, l.node, "supported", "false")
        {
            at = Some(e.range);
            insert.push_str(&e.new_text);
        }
        if named.is_none()
            && let Some(e) = mantile_config::edit::insert_member(
                text,
                l.node,
                "gap_report",
                &mantile_config::edit::json_string(&report_path),
            )
        {
            at = Some(e.range);
            insert.push_str(&e.new_text);
        }
        if let Some(range) = at {
            edits.push(mantile_diag::TextEdit {
                range,
                new_text: insert,
            });
        }
        out.push(WorkspaceAction {
            title: format!("Scaffold gap report {report_path}"),
            create: vec![NewFile {
                path: report_path.clone(),
                content: mantile_gap::scaffold::gap_report(&input),
            }],
            edits,
        });
    }
    let suite = input.suite_path();
    if crate::is_workspace_path(&suite, FileKind::TestSpec) && !snapshot.files.contains(&suite) {
        out.push(WorkspaceAction {
            title: format!("Scaffold test suite {suite} (3 tests: single chip, TP = 4, decode)"),
            create: vec![NewFile {
                path: suite,
                content: mantile_gap::scaffold::test_suite(&input),
            }],
            edits: Vec::new(),
        });
    }
    out
}

// ----- inlay hints -----

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InlayHint {
    /// Where the hint goes (after a value).
    pub offset: usize,
    pub label: String,
    pub tooltip: Option<String>,
}

/// The recomputed value wherever it differs from what the text states: a
/// layer's `parameter_count`, a spec claim.
pub fn inlay_hints(kind: FileKind, text: &str) -> Vec<InlayHint> {
    match kind {
        FileKind::Config => {
            let tree = mantile_json::parse(text);
            let Some(root) = tree.root() else {
                return Vec::new();
            };
            mantile_config::layers(&root)
                .iter()
                .filter_map(|l| {
                    let stated = l.stated_count()?;
                    let pc = l.recomputed()?;
                    (stated.as_u128()? != pc.total).then(|| InlayHint {
                        offset: stated.range.end as usize,
                        label: format!(" (recomputed {})", format_grouped(pc.total as i128)),
                        tooltip: Some(format!(
                            "{} = {}",
                            pc.numbers(),
                            format_grouped(pc.total as i128)
                        )),
                    })
                })
                .collect()
        }
        FileKind::TestSpec | FileKind::GapReport => mantile_spec::check_spec(text)
            .claims
            .iter()
            .filter(|c| c.status == mantile_spec::ClaimStatus::Mismatch)
            .map(|c| InlayHint {
                offset: c.range.end as usize,
                label: format!(" (recomputed {})", c.display()),
                tooltip: Some("the value mantile-lsp computes for this calculation".into()),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests;

//! Completion in a config: class names, spec keys of the layer's class
//! (required first), standard layer names, layer and top-level fields.

use crate::Analysis;
use mantile_config::{Catalog, Category, ClassSource, catalog::METADATA_SPECS};
use mantile_diag::TextRange;
use mantile_json::Tree;

impl Analysis {
    /// Completions at `offset` in a config (nothing in other files).
    pub fn completions(&self, path: &str, offset: usize) -> Vec<Completion> {
        match self.tree(path) {
            Some(tree) => completions(&tree, offset, self.catalog()),
            None => Vec::new(),
        }
    }
}

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

/// The text that completes key `s` at `spot`: the name inside a string,
/// else the quoted key and its colon.
fn key_text(spot: &JsonSpot, s: &str) -> String {
    if spot.in_string {
        s.to_string()
    } else {
        format!("\"{s}\": ")
    }
}

/// Field completions, into `out`, for the `keys` the object at `spot` does
/// not hold yet, documented from the schema's properties under `parent`
/// (`["layer_types"]` for a layer, `[]` for the top level); `sort` gives the
/// sort text of a key from its position in `keys` and its name.
fn absent_fields(
    text: &str,
    spot: &JsonSpot,
    keys: &[&str],
    parent: &[&str],
    sort: impl Fn(usize, &str) -> String,
    out: &mut Vec<Completion>,
) {
    let present = present_keys(text, spot.object_start);
    for (i, &k) in keys.iter().enumerate() {
        if present.iter().any(|p| p == k) {
            continue;
        }
        let path: Vec<&str> = parent.iter().copied().chain([k]).collect();
        out.push(Completion {
            label: k.to_string(),
            kind: CompletionKind::Field,
            detail: None,
            documentation: mantile_config::schema::description(&path).map(str::to_string),
            range: spot.replace,
            new_text: key_text(spot, k),
            sort: sort(i, k),
        });
    }
}

/// Completions at `offset` in a config: class names, spec keys of the
/// layer's class (required first), standard layer names, layer and top-level fields.
pub fn completions(tree: &Tree, offset: usize, catalog: &Catalog) -> Vec<Completion> {
    let text = tree.text();
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
    let key_text = |s: &str| key_text(&spot, s);
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
            let used: Vec<String> = tree
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
            // In this order.
            let keys = ["name", "class", "count", "supported", "gap_report", "specs"];
            let sort = |i: usize, _: &str| i.to_string();
            absent_fields(text, &spot, &keys, &["layer_types"], sort, &mut out);
        }
        (None, false, false) if spot.path.is_empty() => {
            // By name.
            let keys = mantile_config::schema::top_level_properties();
            absent_fields(text, &spot, &keys, &[], |_, k| k.to_string(), &mut out);
        }
        _ => {}
    }
    out.sort_by(|a, b| a.sort.cmp(&b.sort));
    out
}

//! The JSON parser on arbitrary bytes: it must not panic; every range lies
//! on character boundaries inside the text, children inside their parent and
//! in order; and where serde_json accepts the text, the tree has no error and
//! holds the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mantile_diag::TextRange;
use mantile_json::{Kind, Node};

fn inside(text: &str, r: TextRange) -> bool {
    r.start <= r.end
        && text.is_char_boundary(r.start as usize)
        && text.is_char_boundary(r.end as usize)
        && (r.end as usize) <= text.len()
}

/// Checks a node and its descendants (the tree is at most 128 deep).
fn walk(text: &str, n: Node, depth: usize) {
    assert!(depth <= mantile_json::MAX_DEPTH + 1, "too deep: {depth}");
    assert!(inside(text, n.range), "range {:?}", n.range);
    let mut last = n.range.start;
    match n.kind() {
        Kind::Object => {
            for m in n.members() {
                assert!(inside(text, m.key_range));
                assert!(m.key_range.start >= last, "member out of order");
                assert!(m.value.range.start >= m.key_range.end, "value before key");
                assert!(m.value.range.end <= n.range.end, "member outside its object");
                last = m.value.range.end;
                walk(text, m.value, depth + 1);
            }
        }
        Kind::Array => {
            for e in n.elements() {
                assert!(e.range.start >= last, "element out of order");
                assert!(e.range.end <= n.range.end, "element outside its array");
                last = e.range.end;
                walk(text, e, depth + 1);
            }
        }
        Kind::String => {
            let _ = n.as_str().unwrap();
        }
        _ => {}
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let tree = mantile_json::parse(text);
    for e in tree.errors() {
        assert!(inside(text, e.range), "error range {:?}", e.range);
        assert!(e.message.len() < 400, "long message: {}", e.message);
    }
    assert!(tree.errors().len() <= mantile_json::MAX_ERRORS);
    for d in tree.duplicates() {
        assert!(inside(text, d.first) && inside(text, d.again) && d.first.start < d.again.start);
    }
    if let Some(root) = tree.root() {
        walk(text, root, 0);
        // Pointers reach what the walk reached.
        if let Some(m) = root.members().next() {
            let ptr = format!("/{}", m.key.replace('~', "~0").replace('/', "~1"));
            assert!(root.pointer(&ptr).is_some());
        }
    }
    if let Ok(value) = serde_json::from_str::<serde_json::Value>(text) {
        assert!(tree.is_valid(), "serde_json accepts it: {:?}", tree.errors());
        assert_eq!(tree.root().unwrap().to_value(), value);
    }
});

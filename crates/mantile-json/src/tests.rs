use super::*;
use expect_test::{Expect, expect};

/// Renders the first syntax error as `start..end: message` with the text it covers.
fn check_error(text: &str, expect: Expect) {
    let p = parse(text);
    let e = p.error.expect("expected a syntax error");
    let actual = format!(
        "{:?} {:?}: {}",
        e.range.as_range(),
        &text[e.range.as_range()],
        e.message
    );
    expect.assert_eq(&actual);
}

#[test]
fn keeps_ranges_of_keys_and_values() {
    let text = r#"{"a": 1, "b": [true, null], "c": {"d": "x×y"}}"#;
    let root = parse(text).root.unwrap();
    let a = root.member("a").unwrap();
    assert_eq!(&text[a.key_range.as_range()], r#""a""#);
    assert_eq!(&text[a.value.range.as_range()], "1");
    let d = root.pointer("/c/d").unwrap();
    assert_eq!(&text[d.range.as_range()], r#""x×y""#);
    assert_eq!(d.as_str(), Some("x×y"));
    assert_eq!(
        &text[root.pointer("/b/1").unwrap().range.as_range()],
        "null"
    );
    assert_eq!(root.range.as_range(), 0..text.len());
}

#[test]
fn decodes_escapes_and_surrogates() {
    let root = parse(r#"["a\"b\\c\/\n\u00e9\ud83d\ude00"]"#).root.unwrap();
    assert_eq!(root.elements()[0].as_str(), Some("a\"b\\c/\né😀"));
}

#[test]
fn numbers() {
    let root = parse("[0, -1, 116829156672, 2.5e-3, 1E10]").root.unwrap();
    let e = root.elements();
    assert_eq!(e[2].as_u128(), Some(116829156672));
    assert_eq!(e[1].as_u128(), None);
    assert_eq!(e[3].as_f64(), Some(0.0025));
    assert_eq!(e[0].type_name(), "integer");
    assert_eq!(e[3].type_name(), "number");
}

#[test]
fn pointer_with_escapes_and_member_key() {
    let text = r#"{"a/b": {"~x": 3}}"#;
    let root = parse(text).root.unwrap();
    assert_eq!(root.pointer("/a~1b/~0x").unwrap().as_u128(), Some(3));
    let (node, key) = root.pointer_member("/a~1b/~0x").unwrap();
    assert_eq!(node.as_u128(), Some(3));
    assert_eq!(&text[key.unwrap().as_range()], r#""~x""#);
    assert!(root.pointer("/missing").is_none());
    assert!(root.pointer("/a~1b/~0x/deeper").is_none());
}

#[test]
fn duplicate_keys_are_reported_and_last_wins() {
    let text = r#"{"k": 1, "k": 2}"#;
    let p = parse(text);
    assert_eq!(
        p.root.as_ref().unwrap().get("k").unwrap().as_u128(),
        Some(2)
    );
    assert_eq!(p.duplicates.len(), 1);
    assert_eq!(&text[p.duplicates[0].again.as_range()], r#""k""#);
    assert_eq!(p.duplicates[0].first.start, 1);
}

#[test]
fn to_value_matches_serde() {
    let text = r#"{"a": [1, 2.5, "s", null, true], "b": {"c": -3}}"#;
    let v = parse(text).root.unwrap().to_value();
    let expected: serde_json::Value = serde_json::from_str(text).unwrap();
    assert_eq!(v, expected);
}

#[test]
fn byte_order_mark_is_skipped() {
    assert!(parse("\u{feff}{}").root.is_some());
}

#[test]
fn syntax_errors_have_precise_ranges() {
    check_error(
        "",
        expect![[r#"0..0 "": the file is empty: expected a JSON object"#]],
    );
    check_error(
        "  \n ",
        expect![[r#"4..4 "": the file is empty: expected a JSON object"#]],
    );
    check_error(
        r#"{"a": 1,}"#,
        expect![[r#"7..8 ",": trailing comma before `}`"#]],
    );
    check_error(
        "[1, 2,\n]",
        expect![[r#"5..6 ",": trailing comma before `]`"#]],
    );
    check_error(
        "{\"a\": 1\n \"b\": 2}",
        expect![[r#"9..10 "\"": expected `,` between object members (missing comma?)"#]],
    );
    check_error(
        r#"{"a": True}"#,
        expect![[r#"6..10 "True": `True` is Python, not JSON: use `true`"#]],
    );
    check_error(
        r#"{"a": tru}"#,
        expect![[r#"6..9 "tru": expected a value, found `tru` (did you mean `true`?)"#]],
    );
    check_error(
        r#"{a: 1}"#,
        expect![[r#"1..2 "a": expected a key in double quotes, found `a`"#]],
    );
    check_error(
        r#"{"a": "x"#,
        expect![[r#"6..8 "\"x": unterminated string: missing closing `"`"#]],
    );
    check_error(
        r#"{"a": 1"#,
        expect![[r#"0..1 "{": unclosed `{`: the file ends before the matching `}`"#]],
    );
    check_error(
        r#"{"a" 1}"#,
        expect![[r#"5..6 "1": expected `:` after the key "a", found `1`"#]],
    );
    check_error(
        r#"{"a": 01}"#,
        expect![[r#"6..8 "01": numbers cannot have leading zeros"#]],
    );
    check_error(
        r#"{"a": 1_000}"#,
        expect![[r#"6..11 "1_000": JSON numbers cannot contain `_` separators"#]],
    );
    check_error(
        "{\"a\": 1 // count\n}",
        expect![[
            r#"8..16 "// count": comments are not allowed in JSON (Mantile loads configs with a strict JSON parser)"#
        ]],
    );
    check_error(
        r#"{} {}"#,
        expect![[r#"3..4 "{": unexpected content after the end of the JSON value"#]],
    );
    check_error(
        r#"{"a": "\q"}"#,
        expect![[r#"7..9 "\\q": invalid escape sequence in string"#]],
    );
    check_error(
        "{\"a\": ×}",
        expect![[r#"6..8 "×": expected a value, found `×`"#]],
    );
    check_error(
        r#"{"a": 'x'}"#,
        expect![[r#"6..7 "'": strings must use double quotes `"`, not `'`"#]],
    );
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let text = "[".repeat(100_000);
    let e = parse(&text).error.unwrap();
    assert!(e.message.contains("nesting deeper than"), "{}", e.message);
}

#[test]
fn every_prefix_of_a_document_parses_without_panicking() {
    // Half-typed documents: every prefix must give a root or an error, never panic.
    let text = r#"{"model_id": "m×", "n": [1, 2.5e3, {"x": null}], "t": true, "u": "\u00e9"}"#;
    for end in (0..=text.len()).filter(|&i| text.is_char_boundary(i)) {
        let p = parse(&text[..end]);
        assert!(p.root.is_some() != p.error.is_some(), "prefix {end}");
        if let Some(e) = p.error {
            assert!(e.range.end as usize <= end);
        }
    }
}

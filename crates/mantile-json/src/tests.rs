use super::*;
use expect_test::{Expect, expect};
use std::fmt::Write as _;

/// Renders the first syntax error as `start..end "text": message`.
fn check_error(text: &str, expect: Expect) {
    let tree = parse(text);
    let e = tree.first_error().expect("expected a syntax error");
    let actual = format!(
        "{:?} {:?}: {}",
        e.range.as_range(),
        &text[e.range.as_range()],
        e.message
    );
    expect.assert_eq(&actual);
}

/// The tree as an outline (each value with its range and text), then the
/// syntax errors and repeated keys.
fn render(text: &str) -> String {
    fn node(out: &mut String, n: Node, indent: usize, label: &str) {
        let pad = "  ".repeat(indent);
        let r = n.range.as_range();
        match n.kind() {
            Kind::Object => {
                let _ = writeln!(out, "{pad}{label}object {r:?}");
                for m in n.members() {
                    let label = format!("{:?} {:?}: ", m.key, m.key_range.as_range());
                    node(out, m.value, indent + 1, &label);
                }
            }
            Kind::Array => {
                let _ = writeln!(out, "{pad}{label}array {r:?}");
                for e in n.elements() {
                    node(out, e, indent + 1, "");
                }
            }
            Kind::String => {
                let _ = writeln!(out, "{pad}{label}string {r:?} {:?}", n.as_str().unwrap());
            }
            k => {
                let _ = writeln!(out, "{pad}{label}{k:?} {r:?} {:?}", n.text());
            }
        }
    }
    let tree = parse(text);
    let mut out = String::new();
    match tree.root() {
        Some(root) => node(&mut out, root, 0, ""),
        None => out.push_str("(no root)\n"),
    }
    for e in tree.errors() {
        let _ = writeln!(
            out,
            "error {:?} {:?}: {}",
            e.range.as_range(),
            &text[e.range.as_range()],
            e.message
        );
    }
    for d in tree.duplicates() {
        let _ = writeln!(
            out,
            "duplicate {:?} {:?} again at {:?}",
            d.key,
            d.first.as_range(),
            d.again.as_range()
        );
    }
    out
}

fn check(text: &str, expect: Expect) {
    expect.assert_eq(&render(text));
}

#[test]
fn keeps_ranges_of_keys_and_values() {
    let text = r#"{"a": 1, "b": [true, null], "c": {"d": "x×y"}}"#;
    let tree = parse(text);
    let root = tree.root().unwrap();
    assert!(tree.is_valid());
    let a = root.member("a").unwrap();
    assert_eq!(&text[a.key_range.as_range()], r#""a""#);
    assert_eq!(&text[a.value.range.as_range()], "1");
    let d = root.pointer("/c/d").unwrap();
    assert_eq!(&text[d.range.as_range()], r#""x×y""#);
    assert_eq!(d.as_str(), Some("x×y"));
    assert_eq!(root.pointer("/b/1").unwrap().text(), "null");
    assert_eq!(root.range.as_range(), 0..text.len());
    assert_eq!(root.elements().len(), 0);
    assert_eq!(root.members().len(), 3);
    assert_eq!(root.get("b").unwrap().elements().len(), 2);
}

#[test]
fn decodes_escapes_and_surrogates() {
    let tree = parse(r#"["a\"b\\c\/\n\u00e9\ud83d\ude00", "\ud800x", "plain"]"#);
    let e: Vec<_> = tree.root().unwrap().elements().collect();
    assert_eq!(e[0].as_str(), Some("a\"b\\c/\né😀"));
    assert_eq!(e[1].as_str(), Some("\u{fffd}x"), "a lone surrogate");
    assert_eq!(e[2].as_str(), Some("plain"));
    assert!(tree.is_valid());
}

#[test]
fn numbers() {
    let tree = parse("[0, -1, 116829156672, 2.5e-3, 1E10]");
    let e: Vec<_> = tree.root().unwrap().elements().collect();
    assert_eq!(e[2].as_u128(), Some(116829156672));
    assert_eq!(e[1].as_u128(), None);
    assert_eq!(e[3].as_f64(), Some(0.0025));
    assert_eq!(e[3].number_text(), Some("2.5e-3"));
    assert_eq!(e[0].type_name(), "integer");
    assert_eq!(e[3].type_name(), "number");
}

#[test]
fn pointer_with_escapes_and_member_key() {
    let text = r#"{"a/b": {"~x": 3}, "l": [5, 6]}"#;
    let tree = parse(text);
    let root = tree.root().unwrap();
    assert_eq!(root.pointer("/a~1b/~0x").unwrap().as_u128(), Some(3));
    let (node, key) = root.pointer_member("/a~1b/~0x").unwrap();
    assert_eq!(node.as_u128(), Some(3));
    assert_eq!(&text[key.unwrap().as_range()], r#""~x""#);
    assert_eq!(root.pointer("/l/1").unwrap().as_u128(), Some(6));
    assert_eq!(root.pointer_member("/l/0").unwrap().1, None);
    assert!(root.pointer("/missing").is_none());
    assert!(root.pointer("/a~1b/~0x/deeper").is_none());
    assert!(root.pointer("/l/2").is_none());
}

#[test]
fn duplicate_keys_are_reported_and_last_wins() {
    let text = r#"{"k": 1, "k": 2, "j": 0, "k": 3}"#;
    let tree = parse(text);
    let root = tree.root().unwrap();
    assert_eq!(root.get("k").unwrap().as_u128(), Some(3));
    let dups: Vec<_> = tree.duplicates().collect();
    assert_eq!(dups.len(), 2);
    assert_eq!(dups[0].key, "k");
    assert_eq!(dups[0].first.start, 1);
    assert_eq!(&text[dups[1].again.as_range()], r#""k""#);
    assert_eq!(dups[1].first.start, 1, "each repeat points at the first");
    let shadowed: Vec<bool> = root.members().map(|m| m.is_shadowed()).collect();
    assert_eq!(shadowed, [true, true, false, false]);
    assert_eq!(root.loaded_member_count(), 2);
    assert_eq!(root.members().len(), 4);
}

#[test]
fn duplicate_keys_in_a_large_object() {
    // Past the pairwise comparison: the hash map path.
    let mut text = String::from("{");
    for i in 0..20 {
        let _ = write!(text, "\"k{}\": {i}, ", i % 7);
    }
    text.push_str("\"end\": 0}");
    let tree = parse(&text);
    assert_eq!(tree.duplicates().len(), 13);
    let root = tree.root().unwrap();
    assert_eq!(root.get("k3").unwrap().as_u128(), Some(17));
    let live = root.members().filter(|m| !m.is_shadowed()).count();
    assert_eq!(live, 8, "seven keys and `end`");
}

#[test]
fn to_value_matches_serde() {
    let text = r#"{"a": [1, 2.5, "s\n", null, true], "b": {"c": -3}}"#;
    let v = parse(text).root().unwrap().to_value();
    let expected: serde_json::Value = serde_json::from_str(text).unwrap();
    assert_eq!(v, expected);
}

#[test]
fn byte_order_mark_is_skipped() {
    let tree = parse("\u{feff}{}");
    assert!(tree.is_valid());
    assert!(tree.root().unwrap().is_object());
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
    check_error(
        r#"{"a": "\u12"}"#,
        expect![[r#"7..9 "\\u": invalid \u escape: expected four hex digits"#]],
    );
    check_error(
        "{\"a\": \"x\ty\"}",
        expect![[r#"8..9 "\t": control characters must be escaped in strings"#]],
    );
}

// ----- recovery: which members survive -----

#[test]
fn recovers_from_an_unfinished_string() {
    // The string ends with its line; the next line is read as the next member.
    check(
        "{\"model_id\": \"acme_Tiny\n  \"hidden_size\": 768}",
        expect![[r#"
            object 0..45
              "model_id" 1..11: string 13..23 "acme_Tiny"
              "hidden_size" 26..39: Number 41..44 "768"
            error 13..23 "\"acme_Tiny": unterminated string: a string cannot span lines
        "#]],
    );
}

#[test]
fn recovers_from_a_missing_comma() {
    check(
        "{\"a\": 1\n \"b\": [1 2], \"c\": 3}",
        expect![[r#"
            object 0..28
              "a" 1..4: Number 6..7 "1"
              "b" 9..12: array 14..19
                Number 15..16 "1"
                Number 17..18 "2"
              "c" 21..24: Number 26..27 "3"
            error 9..10 "\"": expected `,` between object members (missing comma?)
            error 17..18 "2": expected `,` between array elements (missing comma?)
        "#]],
    );
}

#[test]
fn recovers_from_a_missing_colon() {
    check(
        r#"{"a" 1, "b" = 2, "c": 3}"#,
        expect![[r#"
            object 0..24
              "a" 1..4: Number 5..6 "1"
              "b" 8..11: Number 14..15 "2"
              "c" 17..20: Number 22..23 "3"
            error 5..6 "1": expected `:` after the key "a", found `1`
            error 12..13 "=": expected `:` after the key "b", found `=`
        "#]],
    );
}

#[test]
fn recovers_from_a_missing_value() {
    check(
        r#"{"a": , "b": 2, "c": }"#,
        expect![[r#"
            object 0..22
              "a" 1..4: Error 6..6 ""
              "b" 8..11: Number 13..14 "2"
              "c" 16..19: Error 21..21 ""
            error 6..7 ",": expected a value, found `,`
            error 21..22 "}": expected a value, found `}`
        "#]],
    );
    check(
        r#"{"a", "b": 2}"#,
        expect![[r#"
            object 0..13
              "a" 1..4: Error 4..4 ""
              "b" 6..9: Number 11..12 "2"
            error 4..5 ",": expected `:` after the key "a", found `,`
        "#]],
    );
}

#[test]
fn recovers_from_unclosed_containers() {
    check(
        "{\"layers\": [{\"name\": \"attention\"}, {\"name\": \"norm\"\n",
        expect![[r#"
            object 0..50
              "layers" 1..9: array 11..50
                object 12..33
                  "name" 13..19: string 21..32 "attention"
                object 35..50
                  "name" 36..42: string 44..50 "norm"
            error 35..36 "{": unclosed `{`: the file ends before the matching `}`
        "#]],
    );
    // A closing bracket closes what was opened inside it.
    check(
        r#"{"a": [1, {"b": 2], "c": 3}"#,
        expect![[r#"
            object 0..27
              "a" 1..4: array 6..18
                Number 7..8 "1"
                object 10..17
                  "b" 11..14: Number 16..17 "2"
              "c" 20..23: Number 25..26 "3"
            error 10..11 "{": unclosed `{`: expected `}` to close the object before `]`
        "#]],
    );
}

#[test]
fn recovers_from_stray_tokens() {
    check(
        r#"{"a": 1 @ # , "b": [1, ], 2], "c": foo bar, "d": 4}"#,
        expect![[r#"
            object 0..51
              "a" 1..4: Number 6..7 "1"
              "b" 14..17: array 19..24
                Number 20..21 "1"
              "c" 30..33: Error 35..38 "foo"
              "d" 44..47: Number 49..50 "4"
            error 8..9 "@": expected `,` or `}` after an object member, found `@`
            error 21..22 ",": trailing comma before `]`
            error 26..27 "2": expected a key in double quotes, found `2`
            error 35..38 "foo": expected a value, found `foo`
        "#]],
    );
}

#[test]
fn keeps_the_root_and_reports_garbage_after_it() {
    check(
        r#"{"a": 1} trailing [1]"#,
        expect![[r#"
            object 0..8
              "a" 1..4: Number 6..7 "1"
            error 9..17 "trailing": unexpected content after the end of the JSON value
        "#]],
    );
}

#[test]
fn keeps_a_half_typed_key() {
    check(
        "{\"model_id\": \"x\", \"hid",
        expect![[r#"
            object 0..22
              "model_id" 1..11: string 13..16 "x"
              "hid" 18..22: Error 22..22 ""
            error 18..22 "\"hid": unterminated string: missing closing `"`
            error 0..1 "{": unclosed `{`: the file ends before the matching `}`
        "#]],
    );
    check(
        "{\"model_id\": \"x\", hidden_size: 4}",
        expect![[r#"
            object 0..33
              "model_id" 1..11: string 13..16 "x"
              "hidden_size" 18..29: Number 31..32 "4"
            error 18..29 "hidden_size": expected a key in double quotes, found `hidden_size`
        "#]],
    );
}

#[test]
fn python_literals_and_single_quotes_keep_their_values() {
    check(
        r#"{'a': True, "b": None, "c": 'x'}"#,
        expect![[r#"
            object 0..32
              "a" 1..4: Bool 6..10 "True"
              "b" 12..15: Null 17..21 "None"
              "c" 23..26: string 28..31 "x"
            error 1..2 "'": object keys must use double quotes `"`, not `'`
            error 6..10 "True": `True` is Python, not JSON: use `true`
            error 17..21 "None": `None` is Python, not JSON: use `null`
            error 28..29 "'": strings must use double quotes `"`, not `'`
        "#]],
    );
}

#[test]
fn comments_are_errors_and_skipped() {
    check(
        "{\n  // the model\n  \"a\": 1, /* two */ \"b\": 2\n}",
        expect![[r#"
            object 0..45
              "a" 19..22: Number 24..25 "1"
              "b" 37..40: Number 42..43 "2"
            error 4..16 "// the model": comments are not allowed in JSON (Mantile loads configs with a strict JSON parser)
            error 27..36 "/* two */": comments are not allowed in JSON (Mantile loads configs with a strict JSON parser)
        "#]],
    );
}

#[test]
fn long_words_are_shortened_in_messages() {
    let word = "x".repeat(1000);
    let text = format!("{{\"a\": {word}}}");
    let tree = parse(&text);
    let e = tree.first_error().unwrap();
    assert_eq!(e.range.len(), 1000);
    assert!(e.message.len() < 80, "{}", e.message);
}

#[test]
fn errors_are_capped() {
    let text = format!("[{}]", vec!["@"; 1000].join(","));
    let tree = parse(&text);
    assert_eq!(tree.errors().len(), MAX_ERRORS);
    assert_eq!(tree.more_errors(), 900);
    assert_eq!(tree.root().unwrap().elements().len(), 1000);
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    // Far deeper than any stack could recurse.
    for text in [
        "[".repeat(1_000_000),
        format!("{}{}", "[".repeat(500_000), "]".repeat(500_000)),
        "{\"a\":".repeat(300_000),
    ] {
        let tree = parse(&text);
        let e = tree.first_error().unwrap();
        assert_eq!(e.message, "nesting deeper than 128 levels");
        assert_eq!(
            e.range.start as usize,
            MAX_DEPTH * text.find('"').map_or(1, |_| 5)
        );
        // The tree stops at the limit.
        let mut depth = 0;
        let mut n = tree.root();
        while let Some(node) = n {
            depth += 1;
            n = node
                .elements()
                .next()
                .or_else(|| node.members().next().map(|m| m.value));
        }
        assert_eq!(depth, MAX_DEPTH + 1, "128 containers and the error node");
    }
    // Within the limit, nesting is fine.
    let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
    assert!(parse(&ok).is_valid());
}

#[test]
fn every_prefix_of_a_document_parses_without_panicking() {
    // Half-typed documents: every prefix gives a tree whose ranges lie in the
    // text, with errors unless it is complete.
    let text = r#"{"model_id": "m×", "n": [1, 2.5e3, {"x": null}], "t": true, "u": "\u00e9"}"#;
    for end in (0..=text.len()).filter(|&i| text.is_char_boundary(i)) {
        let prefix = &text[..end];
        let tree = parse(prefix);
        assert_eq!(tree.is_valid(), end == text.len(), "prefix {end}");
        for e in tree.errors() {
            assert!(e.range.end as usize <= end);
            assert!(prefix.is_char_boundary(e.range.start as usize));
            assert!(prefix.is_char_boundary(e.range.end as usize));
        }
        if let Some(root) = tree.root() {
            assert!(root.range.end as usize <= end);
        }
    }
}

#[test]
fn the_tree_takes_at_most_eight_times_the_text() {
    // The densest JSON: a value every two bytes. 16 bytes a value.
    let zeros = format!("[{}]", vec!["0"; 100_000].join(","));
    let tree = parse(&zeros);
    assert!(
        tree.heap_size() <= 8 * zeros.len() + 64,
        "{}",
        tree.heap_size()
    );
    // Keys with escapes keep a decoded copy: still bounded.
    let escaped = format!(
        "{{{}}}",
        (0..10_000)
            .map(|i| format!("\"k\\n{i}\": 0"))
            .collect::<Vec<_>>()
            .join(",")
    );
    let tree = parse(&escaped);
    assert!(tree.is_valid());
    assert!(
        tree.heap_size() <= 8 * escaped.len(),
        "{}",
        tree.heap_size()
    );
}

#[test]
fn fuzz_a_missing_value_before_a_mismatched_bracket_stays_inside_its_array() {
    // Found by fuzzing: the array closed by `}` ended before the error node
    // that holds the missing element's place.
    let text = "{\"n\": [1, : }";
    check(
        text,
        expect![[r#"
            object 0..13
              "n" 1..4: array 6..12
                Number 7..8 "1"
                Error 12..12 ""
            error 10..11 ":": expected a value, found `:`
            error 12..13 "}": expected a value, found `}`
            error 6..7 "[": unclosed `[`: expected `]` to close the array before `}`
        "#]],
    );
    let tree = parse(text);
    let arr = tree.root().unwrap().get("n").unwrap();
    for e in arr.elements() {
        assert!(e.range.end <= arr.range.end, "{e:?} outside {arr:?}");
    }
}

#[test]
fn the_word_at_a_time_string_scan_stops_where_a_byte_scan_does() {
    let naive = |s: &[u8], quote: u8| {
        s.iter()
            .position(|&c| c == quote || c == b'\\' || c < 0x20)
            .unwrap_or(s.len())
    };
    // Every byte value at every position of runs up to three words long,
    // over fillers that sit next to the stop bytes (0x1f, 0x20, 0x21, 0x5b,
    // 0x5d, 0x7f, 0x80, 0xff) so that a borrow or carry between bytes shows.
    let mut checked = 0;
    for filler in [
        b'a', 0x20, 0x21, 0x23, 0x26, 0x28, 0x5b, 0x5d, 0x7f, 0x80, 0xff,
    ] {
        for len in 0..=24 {
            for at in 0..len {
                for b in 0..=255u8 {
                    let mut s = vec![filler; len];
                    s[at] = b;
                    for quote in [b'"', b'\''] {
                        assert_eq!(
                            crate::parse::string_stop(&s, quote),
                            naive(&s, quote),
                            "{s:?} {quote}"
                        );
                        checked += 1;
                    }
                }
            }
        }
    }
    assert!(checked > 100_000);
    // Two stop bytes: the first wins.
    assert_eq!(crate::parse::string_stop(b"abcdefgh\\ijk\"", b'"'), 8);
    assert_eq!(crate::parse::string_stop(b"ab\"cdefgh\\ijk", b'"'), 2);
}

#[test]
fn a_tree_parsed_from_a_shared_text_holds_that_text_not_a_copy() {
    let text: std::sync::Arc<str> = r#"{"a": [1, "x\"y"]}"#.into();
    let tree = parse_shared(text.clone());
    assert_eq!(tree.text().as_ptr(), text.as_ptr());
    assert_eq!(render(&text), {
        let copy = parse(&text);
        assert_ne!(copy.text().as_ptr(), text.as_ptr());
        render(copy.text())
    });
    assert_eq!(
        tree.root().unwrap().pointer("/a/1").unwrap().as_str(),
        Some("x\"y")
    );
}

#[test]
fn as_u128_reads_what_parse_reads() {
    for lit in [
        "0",
        "-0",
        "7",
        "-7",
        "1.0",
        "1e3",
        "2E+2",
        "4096",
        "9999999999999999999",
        "18446744073709551615",
        "18446744073709551616",
        "99999999999999999999",
        "340282366920938463463374607431768211455",
        "340282366920938463463374607431768211456",
    ] {
        let text = format!("[{lit}]");
        let tree = parse(&text);
        let n = tree.root().unwrap().elements().next().unwrap();
        assert_eq!(n.number_text(), Some(lit));
        assert_eq!(n.as_u128(), lit.parse::<u128>().ok(), "{lit}");
    }
}

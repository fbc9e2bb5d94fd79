//! Test segmentation: the tests of a document (`# Test X-1 — …` headings), their
//! parameters, calculations and Expected results, and the facts lines give about
//! them (inheritance, expected metrics, section labels).

use super::*;

impl<'a> Checker<'a> {
    pub(in crate::check) fn segment_tests(&mut self) {
        let hs = &self.doc.headings;
        let text_len = self.doc.text.len();
        let test_idx: Vec<(usize, String, String)> = hs
            .iter()
            .enumerate()
            .filter_map(|(i, h)| parse_test_heading(&h.text).map(|(id, t)| (i, id, t)))
            .collect();
        for (k, (hi, id, title)) in test_idx.iter().enumerate() {
            let h = &hs[*hi];
            let hard_end = test_idx
                .get(k + 1)
                .map(|(j, _, _)| hs[*j].range.start as usize)
                .unwrap_or(text_len);
            let mut seg = TestSeg {
                id: id.clone(),
                title: title.clone(),
                heading: h.range,
                start: h.range.start as usize,
                end: hard_end,
                params_heading: false,
                calc_start: None,
                exp_start: None,
                exp_end: hard_end,
                inherits: None,
                binds: Binds::default(),
                expected: Vec::new(),
                steps: Vec::new(),
                per_chip_label: false,
                aggregate_label: false,
                ok_values: Vec::new(),
            };
            let mut exp_level = None;
            for h2 in hs.iter().skip(hi + 1) {
                let s = h2.range.start as usize;
                if s >= hard_end {
                    break;
                }
                if let Some(lvl) = exp_level {
                    if h2.level <= lvl {
                        seg.exp_end = s;
                        seg.end = s;
                        break;
                    }
                    continue;
                }
                let t = &h2.text;
                if contains_ignore_ascii_case(t, "test case parameters") {
                    seg.params_heading = true;
                } else if contains_ignore_ascii_case(t, "expected calculations") {
                    seg.calc_start.get_or_insert(s);
                } else if contains_ignore_ascii_case(t, "expected results") {
                    seg.exp_start = Some(s);
                    exp_level = Some(h2.level);
                } else if h2.level <= h.level {
                    seg.end = s;
                    seg.exp_end = s;
                    break;
                }
            }
            if let Some(es) = seg.exp_start {
                // A thematic break ends the expected results (the first
                // after their heading: the breaks are in document order).
                let rules = &self.doc.rules;
                let k = rules.partition_point(|r| (r.start as usize) <= es);
                if let Some(r) = rules.get(k).filter(|r| (r.start as usize) < seg.exp_end) {
                    seg.exp_end = r.start as usize;
                    seg.end = seg.exp_end;
                }
            }
            self.tests.push(seg);
        }
        let mut index: Vec<usize> = (0..self.tests.len()).collect();
        index.sort_by(|&a, &b| self.tests[a].id.cmp(&self.tests[b].id));
        self.test_index = index;
    }

    /// The first test with ID `id`.
    pub(in crate::check) fn test_by_id(&self, id: &str) -> Option<usize> {
        let ix = &self.test_index;
        let k = ix.partition_point(|&i| self.tests[i].id.as_str() < id);
        ix.get(k).copied().filter(|&i| self.tests[i].id == id)
    }

    pub(in crate::check) fn locate(&self, off: usize) -> (Option<usize>, Region) {
        // Tests are in document order: the candidate is the last one starting
        // at or before `off`.
        let k = self.tests.partition_point(|t| t.start <= off);
        self.place_in(k.checked_sub(1), off)
    }

    /// Where `off` lies, given the last test starting at or before it.
    pub(in crate::check) fn place_in(
        &self,
        candidate: Option<usize>,
        off: usize,
    ) -> (Option<usize>, Region) {
        if let Some(i) = candidate {
            let t = &self.tests[i];
            if off >= t.start && off < t.end {
                let calc = t.calc_start.or(t.exp_start).unwrap_or(t.end);
                let region = if off < calc {
                    Region::Params
                } else if t.exp_start.is_some_and(|e| off >= e) && off < t.exp_end {
                    Region::Expected
                } else {
                    Region::Steps
                };
                return (Some(i), region);
            }
        }
        (None, Region::File)
    }

    /// Whether a line in `region` carries facts (inheritance, expected
    /// metrics, section labels) even without a claim.
    pub(in crate::check) fn has_facts(region: Region, raw: &str) -> bool {
        (region == Region::Expected
            && (has_byte(raw.as_bytes(), b':', b':') || find_str(raw, "metrics").is_some()))
            || find_str(raw, "Same as ").is_some()
    }

    /// The level of the heading whose line is `range`.
    pub(in crate::check) fn heading_level(&self, range: TextRange) -> u8 {
        let hs = &self.doc.headings;
        let k = hs.partition_point(|h| h.range.start <= range.start);
        k.checked_sub(1)
            .and_then(|i| hs.get(i))
            .filter(|h| h.range.end >= range.start)
            .map_or(1, |h| h.level)
    }

    /// Per-line facts: inheritance, expected metrics, section labels.
    /// `line` starts at byte `at` of the document.
    pub(in crate::check) fn line_facts(
        &mut self,
        ti: usize,
        region: Region,
        line: &str,
        at: usize,
        toks: &[Token],
    ) {
        match region {
            Region::Params => {
                if let Some(pos) = find_str(line, "Same as ") {
                    let after = &line[pos + 8..];
                    let rest = after.strip_prefix("Test ").unwrap_or(after);
                    let id: String = rest
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                        .collect();
                    let found = self.test_by_id(&id).filter(|&k| k < ti).or_else(|| {
                        // `Test A`, `Test B`: the first, second test of the file.
                        let mut cs = id.chars();
                        match (cs.next(), cs.next()) {
                            (Some(c @ 'A'..='Z'), None) => {
                                let k = (c as u8 - b'A') as usize;
                                (k < ti).then_some(k)
                            }
                            _ => None,
                        }
                    });
                    match found {
                        Some(k) if self.tests[ti].inherits.is_none() => {
                            self.tests[ti].inherits = Some(k)
                        }
                        Some(_) => {}
                        None if self.prepass => {}
                        None => {
                            // From `Same` to the end of the ID (ASCII: the
                            // end is a character boundary).
                            let end = pos + 8 + (after.len() - rest.len()) + id.len();
                            self.diags.push(Diagnostic::new(
                                &UNRESOLVED_REFERENCE,
                                TextRange::new(at + pos, at + end),
                                format!("\"Same as {}\" names no earlier test; its values are not inherited", excerpt(&id)),
                            ));
                        }
                    }
                }
            }
            Region::Expected if !self.prepass => {
                if contains_ignore_ascii_case(line, "per-chip metrics") {
                    self.tests[ti].per_chip_label = true;
                }
                if contains_ignore_ascii_case(line, "aggregate metrics") {
                    self.tests[ti].aggregate_label = true;
                }
                if let [name, colon, num, ..] = toks
                    && let Tok::Ident(n) = &name.tok
                    && self.doc.slice(colon.range) == ":"
                    && let Tok::Num(lit) = &num.tok
                    && n.contains('_')
                    && let Some(v) = expr::literal_interval(lit, LiteralMode::Stated)
                {
                    let style = (!lit.is_inexact()).then_some(lit.style);
                    push_reserving(
                        &mut self.tests[ti].expected,
                        (
                            ExpectedMetric {
                                name: n.to_string(),
                                value: v,
                                range: num.range,
                            },
                            style,
                        ),
                        8,
                    );
                }
            }
            _ => {}
        }
    }

    /// Where the section holding byte `at` (outside the tests) ends: at
    /// the next heading that is no test's, of its heading's level or above
    /// (`# Sliding Window Attention (SWA) Tests` ends the GQA conventions).
    pub(in crate::check) fn section_end(&self, at: usize) -> usize {
        let hs = &self.doc.headings;
        let k = hs.partition_point(|h| (h.range.start as usize) <= at);
        let level = k.checked_sub(1).map_or(0, |i| hs[i].level);
        hs[k..]
            .iter()
            .find(|h| h.level <= level && parse_test_heading(&h.text).is_none())
            .map_or(self.doc.text.len(), |h| h.range.start as usize)
    }
}

fn parse_test_heading(text: &str) -> Option<(String, String)> {
    let rest = text.strip_prefix("Test ")?.trim_start();
    let end = rest
        .find(|c: char| c.is_whitespace() || c == ':' || c == '—' || c == ',')
        .unwrap_or(rest.len());
    let id = &rest[..end];
    if !valid_id(id) {
        return None;
    }
    let title = rest[end..]
        .trim_start_matches(|c: char| c.is_whitespace() || c == ':' || c == '—' || c == '-')
        .trim()
        .to_string();
    Some((id.to_string(), title))
}

/// The longest test ID read as one (`ATT-TIME-12` is 11 bytes).
const MAX_ID_LEN: usize = 64;

pub(in crate::check) fn valid_id(id: &str) -> bool {
    let (prefix, num) = split_id(id);
    id.len() <= MAX_ID_LEN
        && !num.is_empty()
        && prefix.split('-').filter(|s| !s.is_empty()).all(|seg| {
            seg.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        })
        && (prefix.is_empty() || prefix.ends_with('-'))
}

/// `CP-3a` → (`CP-`, `3a`); `0` → (``, `0`).
pub(in crate::check) fn split_id(id: &str) -> (&str, &str) {
    let digits_start = id
        .char_indices()
        .rev()
        .skip_while(|(_, c)| c.is_ascii_lowercase())
        .take_while(|(_, c)| c.is_ascii_digit())
        .last()
        .map(|(i, _)| i)
        .unwrap_or(id.len());
    (&id[..digits_start], &id[digits_start..])
}

pub(in crate::check) fn id_number(num: &str) -> Option<(u64, bool)> {
    let d: String = num.chars().take_while(|c| c.is_ascii_digit()).collect();
    let n = d.parse().ok()?;
    Some((n, d.len() != num.len()))
}

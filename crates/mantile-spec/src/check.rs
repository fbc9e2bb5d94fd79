//! The checker: walks the document line by line, builds claims, binds names,
//! evaluates, then runs the consistency checks.

use crate::doc::{Doc, LineKind, MarkdownCache};
use crate::expr::{self, Arena, ExprId, LiteralMode, Node, parse_exact, parse_prefix};
use crate::lex::{Class, Tok, Token};
use crate::model::*;
use crate::num::{Interval, Rational};
use crate::rules::*;
use mantile_diag::{Diagnostic, Fix, NumberStyle, Severity, TextRange, format_with_style};
use smallvec::SmallVec;

/// The names a claim used (and whether each came from a parameter), kept
/// inline: most claims use a handful.
type Uses = SmallVec<[(BindingUse, bool); 4]>;
/// Values of a claim's sides, by side index.
type SideVals = SmallVec<[(usize, Interval); 4]>;

#[derive(Clone, Debug)]
struct Bind<'a> {
    name: &'a str,
    /// Where the name is written.
    name_at: TextRange,
    value: Interval,
    range: TextRange,
    trusted: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Region {
    File,
    Params,
    Steps,
    Expected,
}

#[derive(Clone, Debug)]
struct StepResult<'a> {
    name: &'a str,
    value: Interval,
    range: TextRange,
    literal: Option<(Rational, NumberStyle)>,
    grounded: bool,
    /// The step's own claim already failed (reported there).
    failed: bool,
    inputs: SmallVec<[Rational; 4]>,
}

#[derive(Clone, Debug)]
struct TestSeg<'a> {
    id: String,
    title: String,
    heading: TextRange,
    start: usize,
    end: usize,
    params_heading: bool,
    calc_start: Option<usize>,
    exp_start: Option<usize>,
    exp_end: usize,
    inherits: Option<usize>,
    binds: Vec<Bind<'a>>,
    expected: Vec<(ExpectedMetric, Option<NumberStyle>)>,
    steps: Vec<StepResult<'a>>,
    per_chip_label: bool,
    aggregate_label: bool,
    /// Values of claims in the steps that evaluated without a mismatch.
    ok_values: Vec<Interval>,
}

/// One side of a chain under construction: its tokens (a range of the
/// document's token store) and its parse (token indices relative to `lo`).
#[derive(Clone, Copy, Debug)]
struct Part {
    lo: u32,
    hi: u32,
    expr: Option<ExprId>,
    range: TextRange,
}

impl Part {
    fn toks<'t, 'a>(&self, all: &'t [Token<'a>]) -> &'t [Token<'a>] {
        all.get(self.lo as usize..self.hi as usize).unwrap_or(&[])
    }
}

/// The tokens of every line that may hold a claim, lexed once for both walks.
struct Lexed<'a> {
    toks: Vec<Token<'a>>,
    /// Per line of the document: its tokens' range in `toks`, `None` for a
    /// line that cannot hold a claim or fact.
    lines: Vec<Option<(u32, u32)>>,
    /// Per line: the test it belongs to and where in the test it is.
    places: Vec<(Option<usize>, Region)>,
}

/// `scan`'s results for the lines the parameter pre-pass scanned, so that the
/// main walk does not scan them again. Chains index `out.spans`.
#[derive(Default)]
struct ScanCache {
    out: ScanOut,
    /// Per line: its range of `out.chains` and of `out.convs`.
    lines: Vec<Option<(usize, usize, usize, usize)>>,
}

impl ScanCache {
    fn store(&mut self, line_no: usize, sc: &ScanOut) {
        if self.lines.len() <= line_no {
            self.lines.resize(line_no + 1, None);
        }
        let base = self.out.spans.len();
        let (c0, v0) = (self.out.chains.len(), self.out.convs.len());
        self.out.spans.extend_from_slice(&sc.spans);
        self.out
            .chains
            .extend(sc.chains.iter().map(|&(c, a, b)| (c, a + base, b + base)));
        self.out.convs.extend_from_slice(&sc.convs);
        self.lines[line_no] = Some((c0, self.out.chains.len(), v0, self.out.convs.len()));
    }
}

#[derive(Clone, Debug)]
struct Chain<'a> {
    parts: SmallVec<[Part; 4]>,
    region: Region,
    has_bold: bool,
    code_block: bool,
    /// Names before the target on a parameter line (`hidden_size` in
    /// ``hidden_size `d` = **1024**``).
    extra_names: SmallVec<[(&'a str, TextRange); 2]>,
}

struct Conversion {
    left: Part,
    /// The byte count's token (an index into the token store).
    right: u32,
}

pub(crate) struct Checker<'a> {
    doc: Doc<'a>,
    /// The cache the document was read with (its chunks keep their lines'
    /// tokens for the next check).
    cache: Option<&'a mut MarkdownCache>,
    tests: Vec<TestSeg<'a>>,
    file_binds: Vec<Bind<'a>>,
    claims: Vec<Claim>,
    diags: Vec<Diagnostic>,
    /// First pass: only bind simple parameters, so that text above the
    /// parameter list (assumptions) can use them.
    prepass: bool,
    /// Every expression of the document.
    arena: Arena,
    /// `scan`'s output, reused from line to line.
    scan_buf: ScanOut,
    /// What the pre-pass scanned.
    scan_cache: ScanCache,
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

fn valid_id(id: &str) -> bool {
    let (prefix, num) = split_id(id);
    !num.is_empty()
        && prefix.split('-').filter(|s| !s.is_empty()).all(|seg| {
            seg.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        })
        && (prefix.is_empty() || prefix.ends_with('-'))
}

/// `CP-3a` → (`CP-`, `3a`); `0` → (``, `0`).
fn split_id(id: &str) -> (&str, &str) {
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

fn id_number(num: &str) -> Option<(u64, bool)> {
    let d: String = num.chars().take_while(|c| c.is_ascii_digit()).collect();
    let n = d.parse().ok()?;
    Some((n, d.len() != num.len()))
}

impl<'a> Checker<'a> {
    pub(crate) fn new(doc: Doc<'a>, cache: Option<&'a mut MarkdownCache>) -> Checker<'a> {
        let text = doc.text;
        Checker {
            doc,
            cache,
            tests: Vec::new(),
            file_binds: Vec::new(),
            claims: Vec::with_capacity(text.len() / 128),
            diags: Vec::new(),
            prepass: false,
            arena: Arena::with_capacity(text.len() / 16),
            scan_buf: ScanOut::default(),
            scan_cache: ScanCache::default(),
        }
    }

    fn segment_tests(&mut self) {
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
                binds: Vec::with_capacity(16),
                expected: Vec::with_capacity(8),
                steps: Vec::with_capacity(8),
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
                // A thematic break ends the expected results.
                if let Some(r) = self
                    .doc
                    .rules
                    .iter()
                    .find(|r| (r.start as usize) > es && (r.start as usize) < seg.exp_end)
                {
                    seg.exp_end = r.start as usize;
                    seg.end = seg.exp_end;
                }
            }
            self.tests.push(seg);
        }
    }

    fn locate(&self, off: usize) -> (Option<usize>, Region) {
        // Tests are in document order: the candidate is the last one starting
        // at or before `off`.
        let k = self.tests.partition_point(|t| t.start <= off);
        self.place_in(k.checked_sub(1), off)
    }

    /// [`Checker::locate`] for offsets that only increase: `hint` is the
    /// number of tests starting at or before the previous offset.
    fn locate_from(&self, hint: &mut usize, off: usize) -> (Option<usize>, Region) {
        while *hint < self.tests.len() && self.tests[*hint].start <= off {
            *hint += 1;
        }
        self.place_in(hint.checked_sub(1), off)
    }

    /// Where `off` lies, given the last test starting at or before it.
    fn place_in(&self, candidate: Option<usize>, off: usize) -> (Option<usize>, Region) {
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

    fn lookup(&self, test: Option<usize>, name: &str) -> Option<&Bind<'a>> {
        let mut t = test;
        let mut depth = 0;
        while let Some(i) = t {
            if let Some(b) = self.tests[i]
                .binds
                .iter()
                .rev()
                .find(|b| same(b.name, name))
            {
                return Some(b);
            }
            t = self.tests[i].inherits;
            depth += 1;
            if depth > 16 {
                break;
            }
        }
        self.file_binds.iter().rev().find(|b| same(b.name, name))
    }

    fn lookup_alias(&self, test: Option<usize>, name: &str) -> Option<&Bind<'a>> {
        self.lookup(test, name).or_else(|| match name {
            "bytes" | "bytes_per_element" => self.lookup(test, "bytes_per_elem"),
            _ => None,
        })
    }

    pub(crate) fn run(mut self) -> SpecReport {
        self.segment_tests();
        let mut cache = self.cache.take();
        let lx = self.lex_lines(cache.as_deref_mut());
        self.cache = cache;
        self.prepass = true;
        self.walk(&lx);
        self.prepass = false;
        self.file_binds.clear();
        self.walk(&lx);
        self.check_expected();
        self.check_summaries();
        self.check_ids();
        self.check_structure();
        self.report()
    }

    /// Whether a line in `region` carries facts (inheritance, expected
    /// metrics, section labels) even without a claim.
    fn has_facts(region: Region, raw: &str) -> bool {
        (region == Region::Expected && (raw.contains(':') || find_str(raw, "metrics").is_some()))
            || find_str(raw, "Same as ").is_some()
    }

    /// Lexes every line that may hold a claim or a fact, once.
    fn lex_lines(&self, mut cache: Option<&mut MarkdownCache>) -> Lexed<'a> {
        let lines = &self.doc.lines;
        let mut lx = Lexed {
            toks: Vec::with_capacity(self.doc.text.len() / 8),
            lines: vec![None; lines.len()],
            places: Vec::with_capacity(lines.len()),
        };
        let mut hint = 0;
        let mut cursor = 0;
        for (line_no, line) in lines.iter().enumerate() {
            let place = self.locate_from(&mut hint, line.range.start as usize);
            lx.places.push(place);
            if !matches!(line.kind, LineKind::Text | LineKind::Code) {
                continue;
            }
            let raw = self.doc.slice(line.range);
            let claimish = line.hint && may_claim(raw);
            if !claimish && !Self::has_facts(place.1, raw) {
                continue;
            }
            let lo = lx.toks.len() as u32;
            match cache.as_deref_mut() {
                Some(c) => c.line_tokens(&self.doc, line_no, &mut cursor, &mut lx.toks),
                None => self.doc.line_tokens(line, &mut lx.toks),
            }
            lx.lines[line_no] = Some((lo, lx.toks.len() as u32));
        }
        lx
    }

    fn walk(&mut self, lx: &Lexed<'a>) {
        let mut open: Option<(Chain<'a>, Option<usize>)> = None;
        let mut sc = std::mem::take(&mut self.scan_buf);
        let mut cache = std::mem::take(&mut self.scan_cache);
        for line_no in 0..self.doc.lines.len() {
            let line = self.doc.lines[line_no];
            match line.kind {
                LineKind::Blank => continue,
                LineKind::Text | LineKind::Code => {}
                _ => {
                    if let Some((c, t)) = open.take() {
                        self.finish(lx, c, t);
                    }
                    continue;
                }
            }
            let (test, region) = lx
                .places
                .get(line_no)
                .copied()
                .unwrap_or((None, Region::File));
            if self.prepass && region != Region::Params {
                if let Some((c, t)) = open.take() {
                    self.finish(lx, c, t);
                }
                continue;
            }
            let text: &'a str = self.doc.text;
            let raw: &'a str = text.get(line.range.as_range()).unwrap_or("");
            let Some((tlo, thi)) = lx.lines.get(line_no).copied().flatten() else {
                // Prose without any claim: it only ends an open chain.
                if let Some((c, t)) = open.take() {
                    self.finish(lx, c, t);
                }
                continue;
            };
            let toks = lx.toks.get(tlo as usize..thi as usize).unwrap_or(&[]);
            if let Some(ti) = test {
                self.line_facts(ti, region, raw, line.range.start as usize, toks);
            }
            let cached = match (self.prepass, cache.lines.get(line_no)) {
                (false, Some(&Some(c))) => Some(c),
                _ => None,
            };
            let (spans, chains, convs) = match cached {
                Some((c0, c1, v0, v1)) => (
                    &cache.out.spans[..],
                    cache.out.chains.get(c0..c1).unwrap_or(&[]),
                    cache.out.convs.get(v0..v1).unwrap_or(&[]),
                ),
                None => {
                    scan(toks, &mut self.arena, &mut sc);
                    (&sc.spans[..], &sc.chains[..], &sc.convs[..])
                }
            };
            let mut first_chain = 0;
            // A line that starts with `=` continues the open chain.
            if let Some(&(true, a, b)) = chains.first()
                && let Some((mut c, t)) = open.take()
            {
                if t == test {
                    first_chain = 1;
                    for &p in spans.get(a + 1..b).unwrap_or(&[]) {
                        c.parts.push(make_part(toks, tlo, p, &mut self.arena));
                    }
                    c.has_bold |= line_has_bold(toks);
                    open = Some((c, t));
                } else {
                    self.finish(lx, c, t);
                }
            } else if let Some((c, t)) = open.take() {
                self.finish(lx, c, t);
            }
            let mut prev_end = 0usize;
            let mut count = 0usize;
            for &(cont, a, b) in chains.get(first_chain..).unwrap_or(&[]) {
                let spec = spans.get(a..b).unwrap_or(&[]);
                count += 1;
                if let Some((c, t)) = open.take() {
                    self.finish(lx, c, t);
                }
                let first_lo = spec.first().map(|p| p.0).unwrap_or(0);
                let last_hi = spec.last().map(|p| p.1).unwrap_or(0);
                let extra_names = if matches!(region, Region::Params | Region::File) {
                    toks.get(prev_end..first_lo)
                        .unwrap_or(&[])
                        .iter()
                        .filter_map(|t| match t.tok {
                            Tok::Ident(s) if s.contains('_') => Some((s, t.range)),
                            _ => None,
                        })
                        .collect()
                } else {
                    SmallVec::new()
                };
                prev_end = last_hi;
                let mut parts: SmallVec<[Part; 4]> = SmallVec::new();
                for &p in spec {
                    parts.push(make_part(toks, tlo, p, &mut self.arena));
                }
                if cont && parts.first().is_some_and(|p| p.lo == p.hi) {
                    parts.remove(0);
                }
                let chain = Chain {
                    parts,
                    region,
                    has_bold: line_has_bold(toks),
                    code_block: line.kind == LineKind::Code,
                    extra_names,
                };
                open = Some((chain, test));
            }
            if count > 1
                && let Some((c, t)) = open.take()
            {
                // Several claims on one line: a `= ...` line below continues
                // none of them.
                self.finish(lx, c, t);
            }
            if self.prepass {
                cache.store(line_no, &sc);
            } else {
                for &(left, right) in convs {
                    let conv = Conversion {
                        left: make_part(toks, tlo, left, &mut self.arena),
                        right: tlo + right as u32,
                    };
                    self.conversion(lx, conv, test);
                }
                for r in restatements(toks) {
                    self.restatement(r);
                }
            }
        }
        if let Some((c, t)) = open.take() {
            self.finish(lx, c, t);
        }
        self.scan_buf = sc;
        self.scan_cache = cache;
    }

    fn report(mut self) -> SpecReport {
        let tests = std::mem::take(&mut self.tests)
            .into_iter()
            .map(|t| TestInfo {
                id: t.id,
                title: t.title,
                heading_range: t.heading,
                range: TextRange::new(t.start, t.end),
                expected: t.expected.into_iter().map(|(e, _)| e).collect(),
            })
            .collect();
        let mut stats = SpecStats::default();
        for c in &self.claims {
            stats.claims_found += 1;
            if c.status != ClaimStatus::Unevaluated {
                stats.claims_evaluated += 1;
            }
            if c.status == ClaimStatus::Mismatch {
                stats.claims_failing += 1;
            }
        }
        mantile_diag::sort_diagnostics(&mut self.diags);
        SpecReport {
            diagnostics: self.diags,
            claims: self.claims,
            tests,
            stats,
        }
    }

    /// Per-line facts: inheritance, expected metrics, section labels.
    /// `line` starts at byte `at` of the document.
    fn line_facts(&mut self, ti: usize, region: Region, line: &str, at: usize, toks: &[Token]) {
        match region {
            Region::Params => {
                if let Some(pos) = find_str(line, "Same as ") {
                    let after = &line[pos + 8..];
                    let rest = after.strip_prefix("Test ").unwrap_or(after);
                    let id: String = rest
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                        .collect();
                    let found = self.tests[..ti]
                        .iter()
                        .position(|t| t.id == id)
                        .or_else(|| {
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
                                format!("\"Same as {id}\" names no earlier test; its values are not inherited"),
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
                    self.tests[ti].expected.push((
                        ExpectedMetric {
                            name: n.to_string(),
                            value: v,
                            range: num.range,
                        },
                        style,
                    ));
                }
            }
            _ => {}
        }
    }

    fn eval_part(
        &self,
        lx: &Lexed,
        part: &Part,
        test: Option<usize>,
        mode: LiteralMode,
        uses: &mut Uses,
    ) -> Option<Interval> {
        let e = part.expr?;
        let toks = part.toks(&lx.toks);
        let mut lookup = |name: &str, idx: usize| -> Option<Interval> {
            let b = self.lookup_alias(test, name)?;
            let used_at = toks.get(idx).map(|t| t.range).unwrap_or_default();
            uses.push((
                BindingUse {
                    name_at: b.name_at,
                    value: b.value,
                    bound_at: b.range,
                    used_at,
                },
                b.trusted,
            ));
            Some(b.value)
        };
        expr::eval(&self.arena, e, toks, mode, &mut lookup)
    }

    fn finish(&mut self, lx: &Lexed<'a>, chain: Chain<'a>, test: Option<usize>) {
        let mut parts = chain.parts;
        parts.retain(|p| p.expr.is_some());
        if parts.is_empty() {
            return;
        }
        let arena = &self.arena;
        let mut extra_names = chain.extra_names;
        let target_tok = match (parts.len() >= 2, parts[0].expr) {
            (true, Some(e)) => {
                let first = parts[0].toks(&lx.toks);
                match arena.node(e) {
                    // `hidden_size (`d`) = **16**`: the name and its symbol.
                    Node::Call(f, s, 1) if !matches!(first.get(f as usize).map(|t| &t.tok), Some(Tok::Ident(n)) if matches!(*n, "max" | "min" | "ceil" | "floor")) =>
                    {
                        if let Some(t) = first.get(f as usize)
                            && let Tok::Ident(n) = t.tok
                        {
                            extra_names.push((n, t.range));
                        }
                        let arg = arena.call_args(s, 1).first().copied();
                        arg.and_then(|a| arena.single_var(a))
                            .and_then(|i| first.get(i).cloned())
                    }
                    _ => arena.single_var(e).and_then(|i| first.get(i).cloned()),
                }
            }
            _ => None,
        };
        let target: Option<&'a str> = target_tok.as_ref().and_then(|t| match t.tok {
            Tok::Ident(s) => Some(s),
            _ => None,
        });
        let sides: &[Part] = if target.is_some() {
            &parts[1..]
        } else {
            &parts[..]
        };
        if self.prepass {
            if let (Some(name), Some(tt), Some(ti), [p]) = (target, &target_tok, test, sides)
                && chain.region == Region::Params
                && p.expr.is_some_and(|e| self.arena.is_single_literal(e))
                && let Some(value) =
                    self.eval_part(lx, p, test, LiteralMode::Exact, &mut Uses::new())
            {
                let range = tt.range.cover(p.range);
                for (n, name_at) in std::iter::once((name, tt.range)).chain(extra_names) {
                    self.tests[ti].binds.push(Bind {
                        name: n,
                        name_at,
                        value,
                        range,
                        trusted: true,
                    });
                }
            }
            return;
        }
        let mut uses = Uses::new();
        let mut vals: SmallVec<[Option<Interval>; 4]> = SmallVec::new();
        for p in sides {
            vals.push(self.eval_part(lx, p, test, LiteralMode::Stated, &mut uses));
        }
        let mut status = ClaimStatus::Unevaluated;
        let mut reference: Option<Interval> = None;
        if sides.len() >= 2 {
            let evald: SideVals = vals
                .iter()
                .enumerate()
                .filter_map(|(i, v)| v.map(|v| (i, v)))
                .collect();
            if evald.len() >= 2 {
                status = ClaimStatus::Ok;
                let literal_only =
                    |i: usize| sides[i].expr.is_some_and(|e| self.arena.is_literal_only(e));
                let (lit, sym): (SideVals, SideVals) =
                    evald.iter().copied().partition(|(i, _)| literal_only(*i));
                reference = Some(evald[0].1);
                // Only sides that disagree need the element/byte reading.
                let bpe = std::cell::OnceCell::new();
                let doms = std::cell::OnceCell::new();
                let agree = |a: (usize, Interval), b: (usize, Interval)| -> bool {
                    if a.1.overlaps(&b.1) {
                        return true;
                    }
                    let bpe =
                        bpe.get_or_init(|| self.lookup(test, "bytes_per_elem").map(|b| b.value));
                    let Some(bpe) = bpe else { return false };
                    let doms = doms.get_or_init(|| domains(&lx.toks, &self.arena, sides));
                    let conv =
                        |e: Interval, by: Interval| e.mul(bpe).is_some_and(|x| x.overlaps(&by));
                    match (doms[a.0], doms[b.0]) {
                        (Dom::Bytes, Dom::Elems | Dom::Lenient) => conv(b.1, a.1),
                        (Dom::Elems | Dom::Lenient, Dom::Bytes) => conv(a.1, b.1),
                        _ => false,
                    }
                };
                if let Some((bad, good)) = find_culprit(&lit, &agree) {
                    status = ClaimStatus::Mismatch;
                    reference = Some(good.1);
                    self.report_literal_mismatch(lx, sides, bad, good);
                } else if let Some(&(li, lv)) = lit.first() {
                    reference = Some(lv);
                    if let Some(&(si, sv)) = sym.iter().find(|&&x| !agree(x, (li, lv))) {
                        status = ClaimStatus::Mismatch;
                        reference = Some(sv);
                        let trusted = uses.iter().all(|(_, t)| *t);
                        self.report_formula_mismatch(lx, sides, (si, sv), (li, lv), &uses, trusted);
                    }
                } else if let Some((bad, good)) = find_culprit(&sym, &agree) {
                    status = ClaimStatus::Mismatch;
                    reference = Some(good.1);
                    self.report_formula_mismatch(lx, sides, bad, good, &uses, false);
                }
            }
        }
        if status == ClaimStatus::Ok
            && chain.region == Region::Steps
            && let (Some(ti), Some(v)) = (test, reference)
        {
            self.tests[ti].ok_values.push(v);
        }
        // The chain's value for binding: the last side the text states.
        let stated = vals.iter().rev().flatten().next().copied();
        if sides.len() >= 2 {
            let range = TextRange::new(
                sides[0].range.start as usize,
                sides.last().map(|p| p.range.end as usize).unwrap_or(0),
            );
            // A prose label (`Per chip = ...`) is not a name the claim defines.
            let named = target_tok.as_ref().filter(|t| {
                t.class != Class::Plain
                    || chain.code_block
                    || matches!(chain.region, Region::Params | Region::File)
            });
            let range = match named {
                Some(t) => t.range.cover(range),
                None => range,
            };
            let value = reference.or(stated);
            self.claims.push(Claim {
                range,
                kind: ClaimKind::Equation,
                target: named.and(target).map(str::to_string),
                sides: sides
                    .iter()
                    .zip(&vals)
                    .map(|(p, v)| ClaimSide {
                        range: p.range,
                        value: *v,
                    })
                    .collect(),
                interval: value,
                status,
                bindings: uses.into_iter().map(|(u, _)| u).collect(),
            });
        }
        // Bindings.
        let (Some(name), Some(tt)) = (target, target_tok) else {
            return;
        };
        let last = sides.last();
        let mut value = stated;
        if matches!(chain.region, Region::Params | Region::File)
            && let Some(p) = last
            && p.expr.is_some_and(|e| self.arena.is_single_literal(e))
        {
            value = self.eval_part(lx, p, test, LiteralMode::Exact, &mut Uses::new());
        }
        let Some(value) = value else { return };
        let range = tt.range.cover(last.map(|p| p.range).unwrap_or(tt.range));
        let trusted = matches!(chain.region, Region::Params | Region::File);
        let bindable = match chain.region {
            Region::Params | Region::File => true,
            Region::Steps => tt.class != Class::Plain || chain.code_block,
            Region::Expected => false,
        };
        if chain.region == Region::Steps
            && (chain.has_bold || tt.class == Class::Bold)
            && let Some(ti) = test
            && let Some(p) = last
        {
            let literal = match (p.expr, p.toks(&lx.toks).first()) {
                (
                    Some(e),
                    Some(Token {
                        tok: Tok::Num(n), ..
                    }),
                ) if self.arena.is_single_literal(e) && !n.is_inexact() => {
                    Some((n.value(), n.style))
                }
                _ => None,
            };
            let mut idx = SmallVec::new();
            for s in &sides[..sides.len() - 1] {
                if let Some(e) = s.expr {
                    let st = s.toks(&lx.toks);
                    self.arena.literals(e, &mut |i| {
                        if let Some(Tok::Num(n)) = st.get(i).map(|t| &t.tok) {
                            idx.push(n.value());
                        }
                    });
                }
            }
            let grounded = status == ClaimStatus::Ok;
            self.tests[ti].steps.push(StepResult {
                name,
                value,
                range: p.range,
                literal,
                grounded,
                failed: status == ClaimStatus::Mismatch,
                inputs: idx,
            });
        }
        if !bindable {
            return;
        }
        let extra = if sides.len() == 1 {
            &extra_names[..]
        } else {
            &[]
        };
        for &(n, name_at) in std::iter::once(&(name, tt.range)).chain(extra) {
            let b = Bind {
                name: n,
                name_at,
                value,
                range,
                trusted,
            };
            match test {
                Some(ti) => self.tests[ti].binds.push(b),
                None => self.file_binds.push(b),
            }
        }
    }

    fn report_literal_mismatch(
        &mut self,
        lx: &Lexed,
        sides: &[Part],
        bad: (usize, Interval),
        good: (usize, Interval),
    ) {
        let bp = &sides[bad.0];
        let gp = &sides[good.0];
        let gtext = self.doc.slice(gp.range).trim().to_string();
        let btext = self.doc.slice(bp.range).trim().to_string();
        let single = bp.expr.is_some_and(|e| self.arena.is_single_literal(e));
        let btoks = bp.toks(&lx.toks);
        let msg = if single {
            let lit = btoks.first().map(|t| self.doc.slice(t.range)).unwrap_or("");
            format!("`{gtext}` is {}, not {lit}", good.1.display())
        } else {
            format!(
                "`{btext}` is {}, but `{gtext}` is {}",
                bad.1.display(),
                good.1.display()
            )
        };
        let range = if single {
            btoks.first().map(|t| t.range).unwrap_or(bp.range)
        } else {
            bp.range
        };
        let mut d = Diagnostic::new(&CLAIM_MISMATCH, range, msg).with_related(
            gp.range,
            format!("this side evaluates to {}", good.1.display()),
        );
        if let Some(fix) = replacement_fix(&lx.toks, &self.arena, bp, good.1) {
            d = d.with_fix(fix);
        }
        self.diags.push(d);
    }

    fn report_formula_mismatch(
        &mut self,
        lx: &Lexed,
        sides: &[Part],
        formula: (usize, Interval),
        numbers: (usize, Interval),
        uses: &[(BindingUse, bool)],
        trusted: bool,
    ) {
        let fp = &sides[formula.0];
        let np = &sides[numbers.0];
        let ftext = self.doc.slice(fp.range).trim().to_string();
        let ntext = self.doc.slice(np.range).trim().to_string();
        let mut names: Vec<String> = Vec::new();
        for (u, _) in uses {
            if fp.range.contains_inclusive(u.used_at.start as usize) {
                let s = format!("{} = {}", self.doc.slice(u.used_at), u.value.display());
                if !names.contains(&s) {
                    names.push(s);
                }
            }
        }
        let msg = format!(
            "`{ntext}` is {}, but `{ftext}` is {} with {}",
            numbers.1.display(),
            formula.1.display(),
            names.join(", ")
        );
        let np_single = np.expr.is_some_and(|e| self.arena.is_single_literal(e));
        let range = if np_single {
            np.toks(&lx.toks)
                .first()
                .map(|t| t.range)
                .unwrap_or(np.range)
        } else {
            np.range
        };
        let mut d = Diagnostic::new(&FORMULA_MISMATCH, range, msg).with_related(
            fp.range,
            format!("the formula gives {}", formula.1.display()),
        );
        if !trusted {
            d = d.with_severity(Severity::Warning);
        }
        if np_single && let Some(fix) = replacement_fix(&lx.toks, &self.arena, np, formula.1) {
            d = d.with_fix(fix);
        }
        self.diags.push(d);
    }

    fn conversion(&mut self, lx: &Lexed, conv: Conversion, test: Option<usize>) {
        let Some(right_tok) = lx.toks.get(conv.right as usize) else {
            return;
        };
        let Tok::Num(lit) = &right_tok.tok else {
            return;
        };
        let right_range = right_tok.range;
        let mut uses = Uses::new();
        let left = self.eval_part(lx, &conv.left, test, LiteralMode::Stated, &mut uses);
        let bpe = self.lookup(test, "bytes_per_elem").cloned();
        let right = expr::literal_interval(lit, LiteralMode::Stated);
        let range = conv.left.range.cover(right_range);
        let mut status = ClaimStatus::Unevaluated;
        let mut value = None;
        if let (Some(l), Some(b), Some(r)) = (left, bpe.as_ref(), right) {
            uses.push((
                BindingUse {
                    name_at: b.name_at,
                    value: b.value,
                    bound_at: b.range,
                    used_at: right_range,
                },
                b.trusted,
            ));
            if let Some(bytes) = l.mul(&b.value) {
                value = Some(bytes);
                status = if bytes.overlaps(&r) {
                    ClaimStatus::Ok
                } else {
                    ClaimStatus::Mismatch
                };
                if status == ClaimStatus::Mismatch {
                    let mut d = Diagnostic::new(
                        &CONVERSION_MISMATCH,
                        right_range,
                        format!(
                            "{} elements × {} bytes is {} bytes, not {}",
                            l.display(),
                            b.value.display(),
                            bytes.display(),
                            self.doc.slice(right_range)
                        ),
                    )
                    .with_related(b.range, "bytes_per_elem is bound here");
                    let part = Part {
                        lo: conv.right,
                        hi: conv.right + 1,
                        expr: Some(self.arena.literal(0)),
                        range: right_range,
                    };
                    if let Some(fix) = replacement_fix(&lx.toks, &self.arena, &part, bytes) {
                        d = d.with_fix(fix);
                    }
                    self.diags.push(d);
                }
            }
        }
        self.claims.push(Claim {
            range,
            kind: ClaimKind::Conversion,
            target: None,
            sides: vec![
                ClaimSide {
                    range: conv.left.range,
                    value: left,
                },
                ClaimSide {
                    range: right_range,
                    value: right,
                },
            ],
            interval: value,
            status,
            bindings: uses.into_iter().map(|(u, _)| u).collect(),
        });
    }

    fn restatement(&mut self, r: Restatement) {
        let (Tok::Num(n), Tok::Num(m)) = (&r.value.tok, &r.restated.tok) else {
            return;
        };
        let (Some(nv), Some(mv)) = (
            expr::literal_interval(n, LiteralMode::Stated),
            expr::literal_interval(m, LiteralMode::Stated),
        ) else {
            return;
        };
        let candidates: Vec<Interval> = r
            .scales
            .iter()
            .filter_map(|s| mv.mul(&Interval::exact(*s)))
            .collect();
        let ok = candidates.iter().any(|c| c.overlaps(&nv));
        // `peak_tflops = **1000** (1 PFLOP)`: off by a factor of 1000 or more,
        // the value is in another unit than the text says, not miscomputed.
        let far = candidates.iter().all(|c| {
            let lim = Rational::int(1000);
            match nv.mid().checked_div(c.mid()) {
                Some(q) => q > lim || q.checked_mul(lim).is_some_and(|x| x < Rational::ONE),
                None => true,
            }
        });
        let status = if candidates.is_empty() || (!ok && far) {
            ClaimStatus::Unevaluated
        } else if ok {
            ClaimStatus::Ok
        } else {
            ClaimStatus::Mismatch
        };
        let unit_text = self.doc.slice(r.unit).to_string();
        if status == ClaimStatus::Mismatch {
            let best = r
                .scales
                .last()
                .and_then(|s| nv.mid().checked_div(*s))
                .map(|q| Interval::exact(q).display_rounded(m.decimals))
                .unwrap_or_default();
            self.diags.push(
                Diagnostic::new(
                    &CONVERSION_MISMATCH,
                    r.restated.range.cover(r.unit),
                    format!(
                        "{} is {best} {unit_text}, not {} {unit_text}",
                        self.doc.slice(r.value.range),
                        self.doc.slice(r.restated.range)
                    ),
                )
                .with_related(r.value.range, "the value restated"),
            );
        }
        self.claims.push(Claim {
            range: r.value.range.cover(r.unit),
            kind: ClaimKind::Restatement,
            target: None,
            sides: vec![
                ClaimSide {
                    range: r.value.range,
                    value: Some(nv),
                },
                ClaimSide {
                    range: r.restated.range.cover(r.unit),
                    value: candidates.first().copied(),
                },
            ],
            interval: Some(nv),
            status,
            bindings: Vec::new(),
        });
    }

    fn check_expected(&mut self) {
        for ti in 0..self.tests.len() {
            let t = &self.tests[ti];
            let mut found: Vec<(StepResult, ExpectedMetric, Option<NumberStyle>)> = Vec::new();
            let mut names: Vec<&str> = t.expected.iter().map(|(e, _)| e.name.as_str()).collect();
            names.dedup();
            for name in names {
                let Some(step) = t.steps.iter().rev().find(|s| s.name == name) else {
                    continue;
                };
                let exps: Vec<&(ExpectedMetric, Option<NumberStyle>)> =
                    t.expected.iter().filter(|(e, _)| e.name == name).collect();
                if exps.iter().any(|(e, _)| e.value.overlaps(&step.value)) {
                    continue;
                }
                if step.failed || found.iter().any(|(s, _, _)| s.name == name) {
                    continue;
                }
                found.push((step.clone(), exps[0].0.clone(), exps[0].1));
            }
            let stale: Vec<Rational> = found
                .iter()
                .filter(|(s, _, _)| !s.grounded)
                .filter_map(|(s, _, _)| s.value.exact_value())
                .collect();
            let id = t.id.clone();
            let ok_values = t.ok_values.clone();
            for (mut step, exp, exp_style) in found {
                step.grounded |= ok_values.contains(&step.value);
                let approx = !step.value.is_exact() || !exp.value.is_exact();
                let tainted = step.inputs.iter().any(|v| stale.contains(v));
                let sev = if approx {
                    Severity::Warning
                } else {
                    Severity::Error
                };
                let d = if step.grounded && !tainted {
                    let mut d = Diagnostic::new(
                        &EXPECTED_MISMATCH,
                        exp.range,
                        format!(
                            "Test {id}: Expected results give {} = {}, but the steps compute {}",
                            exp.name,
                            exp.value.display(),
                            step.value.display()
                        ),
                    )
                    .with_related(step.range, "the steps' result");
                    if let (Some(v), Some(style)) = (step.value.exact_value(), exp_style)
                        && let Some(i) = v.as_integer()
                    {
                        d = d.with_fix(Fix::replace(
                            format!("Set {} to {}", exp.name, format_with_style(i, style)),
                            exp.range,
                            format_with_style(i, style),
                        ));
                    }
                    d
                } else {
                    let mut d = Diagnostic::new(
                        &EXPECTED_MISMATCH,
                        step.range,
                        format!(
                            "Test {id}: the steps state {} = {}, but Expected results give {}",
                            step.name,
                            step.value.display(),
                            exp.value.display()
                        ),
                    )
                    .with_related(exp.range, "the Expected results value");
                    if !step.grounded
                        && let (Some((_, style)), Some(v)) = (step.literal, exp.value.exact_value())
                        && let Some(i) = v.as_integer()
                    {
                        d = d.with_fix(Fix::replace(
                            format!("Set {} to {}", step.name, format_with_style(i, style)),
                            step.range,
                            format_with_style(i, style),
                        ));
                    }
                    d
                };
                self.diags.push(d.with_severity(sev));
            }
        }
    }

    fn check_summaries(&mut self) {
        let tables = std::mem::take(&mut self.doc.tables);
        let mut any_summary = false;
        let mut listed: Vec<String> = Vec::new();
        for table in &tables {
            if self.locate(table.range.start as usize).0.is_some() {
                continue;
            }
            let Some(first) = table.header.first() else {
                continue;
            };
            if !first.text.trim_matches('*').eq_ignore_ascii_case("test") {
                continue;
            }
            any_summary = true;
            let cols: Vec<Option<Column>> = table.header.iter().map(|c| column(c.text)).collect();
            for row in &table.rows {
                let Some(idcell) = row.first() else { continue };
                let id = idcell.text.trim_matches('*').trim().to_string();
                listed.push(id.clone());
                let Some(ti) = self.tests.iter().position(|t| t.id == id) else {
                    self.diags.push(Diagnostic::new(
                        &SUMMARY_COVERAGE,
                        idcell.range,
                        format!("the summary lists Test {id}, but the file has no such test"),
                    ));
                    continue;
                };
                for (ci, cell) in row.iter().enumerate().skip(1) {
                    let Some(Some(col)) = cols.get(ci) else {
                        continue;
                    };
                    let Some((cv, cell_style)) = cell_value(cell.text) else {
                        continue;
                    };
                    let (name, values): (&str, Vec<(Interval, TextRange)>) = match col {
                        Column::Metric(m) => (
                            m,
                            self.tests[ti]
                                .expected
                                .iter()
                                .filter(|(e, _)| e.name == *m)
                                .map(|(e, _)| (e.value, e.range))
                                .collect(),
                        ),
                        Column::Param(names) => {
                            let found = names.iter().find_map(|n| {
                                self.lookup(Some(ti), n)
                                    .filter(|b| b.trusted)
                                    .map(|b| (*n, b))
                            });
                            match found {
                                Some((n, b)) => (n, vec![(b.value, b.range)]),
                                None => continue,
                            }
                        }
                    };
                    if values.is_empty()
                        || cv.iter().any(|c| values.iter().any(|(v, _)| v.overlaps(c)))
                    {
                        continue;
                    }
                    let (v, vr) = values[0];
                    let src = self.doc.slice(cell.range);
                    let lead = src.len() - src.trim_start().len();
                    let inner = TextRange::new(
                        cell.range.start as usize + lead,
                        cell.range.start as usize + lead + src.trim().len(),
                    );
                    let mut d = Diagnostic::new(
                        &SUMMARY_MISMATCH,
                        inner,
                        format!(
                            "the summary gives Test {id} {} = {}, but the test has {name} = {}",
                            table.header[ci].text,
                            cell.text,
                            v.display()
                        ),
                    )
                    .with_related(vr, format!("Test {id}'s value"));
                    if let (Some(style), Some(i)) =
                        (cell_style, v.exact_value().and_then(|x| x.as_integer()))
                    {
                        d = d.with_fix(Fix::replace(
                            format!("Set to {}", format_with_style(i, style)),
                            inner,
                            format_with_style(i, style),
                        ));
                    }
                    self.diags.push(d);
                }
            }
        }
        if any_summary {
            for t in &self.tests {
                if !listed.contains(&t.id) {
                    self.diags.push(Diagnostic::new(
                        &SUMMARY_COVERAGE,
                        t.heading,
                        format!("Test {} is not in the Test Summary table", t.id),
                    ));
                }
            }
        }
        self.doc.tables = tables;
    }

    fn check_ids(&mut self) {
        let mut seen: Vec<(String, TextRange)> = Vec::new();
        let mut last: Vec<(String, u64)> = Vec::new();
        let mut groups: Vec<(String, Vec<(u64, TextRange)>)> = Vec::new();
        for t in &self.tests {
            if let Some((_, r)) = seen.iter().find(|(id, _)| *id == t.id) {
                self.diags.push(
                    Diagnostic::new(
                        &DUPLICATE_TEST_ID,
                        t.heading,
                        format!("Test {} appears twice", t.id),
                    )
                    .with_related(*r, "first defined here"),
                );
                continue;
            }
            seen.push((t.id.clone(), t.heading));
            let (prefix, num) = split_id(&t.id);
            let Some((n, sub)) = id_number(num) else {
                continue;
            };
            if sub {
                continue;
            }
            if let Some((_, prev)) = last.iter().find(|(p, _)| p == prefix)
                && n < *prev
            {
                self.diags.push(Diagnostic::new(
                    &TEST_ID_SEQUENCE,
                    t.heading,
                    format!(
                        "Test {} comes after {prefix}{prev}; IDs should increase",
                        t.id
                    ),
                ));
            }
            match last.iter_mut().find(|(p, _)| p == prefix) {
                Some(e) => e.1 = e.1.max(n),
                None => last.push((prefix.to_string(), n)),
            }
            match groups.iter_mut().find(|(p, _)| p == prefix) {
                Some(g) => g.1.push((n, t.heading)),
                None => groups.push((prefix.to_string(), vec![(n, t.heading)])),
            }
        }
        for (prefix, mut nums) in groups {
            nums.sort_by_key(|(n, _)| *n);
            for w in nums.windows(2) {
                if w[1].0 > w[0].0 + 1 {
                    let missing: Vec<String> = (w[0].0 + 1..w[1].0)
                        .take(5)
                        .map(|k| format!("{prefix}{k}"))
                        .collect();
                    self.diags.push(Diagnostic::new(
                        &TEST_ID_SEQUENCE,
                        w[1].1,
                        format!(
                            "test IDs skip from {prefix}{} to {prefix}{}: {} missing",
                            w[0].0,
                            w[1].0,
                            missing.join(", ")
                        ),
                    ));
                }
            }
        }
    }

    fn check_structure(&mut self) {
        if self.tests.is_empty() {
            return;
        }
        let first_test = self.tests[0].start;
        let file_heads: Vec<String> = self
            .doc
            .headings
            .iter()
            .filter(|h| self.locate(h.range.start as usize).0.is_none())
            .map(|h| h.text.to_lowercase())
            .collect();
        let anchor = self
            .doc
            .headings
            .iter()
            .find(|h| (h.range.start as usize) < first_test)
            .map(|h| h.range)
            .unwrap_or(self.tests[0].heading);
        for (want, what) in [
            ("overview", "an `## Overview` section"),
            ("test summary", "a `## Test Summary` table"),
            (
                "conventions",
                "a `## Conventions Used in All Tests` section",
            ),
        ] {
            if !file_heads.iter().any(|h| h.contains(want)) {
                self.diags.push(Diagnostic::new(
                    &MISSING_SECTION,
                    anchor,
                    format!("the strict test format asks for {what}"),
                ));
            }
        }
        let mut out = Vec::new();
        for t in &self.tests {
            let mut missing = Vec::new();
            if !t.params_heading {
                missing.push("### Test case parameters");
            }
            if t.calc_start.is_none() {
                missing.push("### Expected calculations");
            }
            if t.exp_start.is_none() {
                missing.push("### Expected results");
            } else {
                if !t.per_chip_label {
                    missing.push("**Per-chip metrics**");
                }
                if !t.aggregate_label {
                    missing.push("**Aggregate metrics**");
                }
            }
            if !missing.is_empty() {
                out.push(Diagnostic::new(
                    &MISSING_SECTION,
                    t.heading,
                    format!(
                        "Test {} lacks {} (strict test format)",
                        t.id,
                        missing.join(", ")
                    ),
                ));
            }
        }
        self.diags.extend(out);
    }
}

#[derive(Clone, Debug)]
enum Column {
    Metric(&'static str),
    Param(&'static [&'static str]),
}

fn column(header: &str) -> Option<Column> {
    let h = header.trim().trim_matches('*').to_lowercase();
    Some(match h.as_str() {
        "flops/chip" | "flops per chip" => Column::Metric("flops_per_chip"),
        "weight/chip" => Column::Metric("weight_memory_per_chip"),
        "activation/chip" => Column::Metric("activation_memory_per_chip"),
        "kv cache/chip" | "kv/chip" => Column::Metric("kv_cache_per_chip"),
        "comm" | "comm bytes" | "comm/chip" => Column::Metric("communication_bytes"),
        "compute (ms)" => Column::Metric("compute_time_ms"),
        "comm (ms)" => Column::Metric("communication_time_ms"),
        "wall clock (ms)" => Column::Metric("wall_clock_time_ms"),
        "load (ms)" => Column::Metric("load_time_ms"),
        "hidden" => Column::Param(&["hidden_size", "d"]),
        "intermediate" | "d_ff" => Column::Param(&["intermediate_size", "d_ff"]),
        "batch" => Column::Param(&["batch_size", "B"]),
        "seq" | "seq len" => Column::Param(&["seq_len", "S"]),
        "experts" => Column::Param(&["num_experts", "E"]),
        "top-k" => Column::Param(&["top_k", "k"]),
        "tp" => Column::Param(&["tensor_parallel", "tp"]),
        "window" => Column::Param(&["sliding_window", "W"]),
        "sinks" => Column::Param(&["num_sinks"]),
        _ => return None,
    })
}

/// A summary cell (`8,594,128,896`, `6.93B`, `256KB`, `0.000268`): the values
/// it may stand for, and its style when it is a plain integer.
fn cell_value(text: &str) -> Option<(Vec<Interval>, Option<NumberStyle>)> {
    let t = text.trim().trim_matches('*').trim();
    let t = t.trim_start_matches(['~', '≈']).trim();
    let num_end = t
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_digit() || *c == ',' || *c == '_' || *c == '.'))
        .map(|(i, _)| i)
        .unwrap_or(t.len());
    let (num, suffix) = t.split_at(num_end);
    if num.is_empty() || !num.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let r = expr::eval_expr(num)?;
    let decimals = num
        .split_once('.')
        .map(|(_, f)| f.len() as i32)
        .unwrap_or(0);
    let suffix = suffix.trim();
    let scales: Vec<Rational> = match suffix {
        "" => vec![Rational::ONE],
        "K" => vec![Rational::pow10(3)?],
        "M" => vec![Rational::pow10(6)?],
        "B" | "G" => vec![Rational::pow10(9)?],
        "T" => vec![Rational::pow10(12)?],
        "KB" | "kB" => vec![Rational::pow10(3)?, Rational::int(1 << 10)],
        "MB" => vec![Rational::pow10(6)?, Rational::int(1 << 20)],
        "GB" => vec![Rational::pow10(9)?, Rational::int(1 << 30)],
        "KiB" => vec![Rational::int(1 << 10)],
        "MiB" => vec![Rational::int(1 << 20)],
        "GiB" => vec![Rational::int(1 << 30)],
        _ => return None,
    };
    let exact = suffix.is_empty() && decimals == 0;
    let half = Rational::pow10(-decimals)?.checked_div(Rational::int(2))?;
    let mut out = Vec::new();
    for s in scales {
        let v = if exact {
            Interval::exact(r)
        } else {
            Interval::new(r.checked_sub(half)?, r.checked_add(half)?).mul(&Interval::exact(s))?
        };
        out.push(v);
    }
    let style = exact.then(|| NumberStyle::detect(num));
    Some((out, style))
}

/// A fix replacing a single-literal side with `value`, in the text's style.
fn replacement_fix(all: &[Token], arena: &Arena, part: &Part, value: Interval) -> Option<Fix> {
    let e = part.expr?;
    if !arena.is_single_literal(e) {
        return None;
    }
    let mut idx = None;
    arena.literals(e, &mut |i| idx = Some(i));
    let tok = part.toks(all).get(idx?)?;
    let Tok::Num(n) = &tok.tok else { return None };
    let new_text = if let Some(v) = value.exact_value().and_then(|v| v.as_integer()) {
        if n.decimals > 0 {
            return None;
        }
        format_with_style(v, n.style)
    } else {
        // Keep the stated precision.
        let s = value.mid().to_decimal_string(n.decimals);
        if n.decimals == 0 {
            return None;
        }
        let mut s = s;
        let have = s.split_once('.').map(|(_, f)| f.len()).unwrap_or(0) as u32;
        if have == 0 {
            s.push('.');
        }
        for _ in have..n.decimals {
            s.push('0');
        }
        s
    };
    // Keep a trailing `...` or approximation sign out of the edit.
    let digits_end = tok.range.start as usize + new_text_len_of_literal(tok, n.truncated)?;
    let range = TextRange::new(tok.range.start as usize, digits_end);
    Some(Fix::replace(
        format!("Replace with {new_text}"),
        range,
        new_text,
    ))
}

fn new_text_len_of_literal(tok: &Token, truncated: bool) -> Option<usize> {
    let len = tok.range.len();
    if truncated {
        // `...` is three bytes, `…` three bytes too.
        len.checked_sub(3)
    } else {
        Some(len)
    }
}

/// Among values that should agree, the one that does not and one it should
/// match: (bad, good). With two sides the later one is taken as wrong.
#[allow(clippy::type_complexity)]
fn find_culprit(
    vals: &[(usize, Interval)],
    same: &dyn Fn((usize, Interval), (usize, Interval)) -> bool,
) -> Option<((usize, Interval), (usize, Interval))> {
    let n = vals.len();
    let agree = |a: usize, b: usize| same(vals[a], vals[b]);
    let all_agree = (0..n).all(|a| (a + 1..n).all(|b| agree(a, b)));
    if all_agree {
        return None;
    }
    if n == 2 {
        return Some((vals[1], vals[0]));
    }
    for i in 0..n {
        let others: Vec<usize> = (0..n).filter(|&j| j != i).collect();
        let alone = others.iter().all(|&j| !agree(i, j));
        let rest_agree = others
            .iter()
            .all(|&a| others.iter().all(|&b| a == b || agree(a, b)));
        if alone && rest_agree {
            return Some((vals[i], vals[others[0]]));
        }
    }
    let j = (1..n).find(|&j| !agree(0, j))?;
    Some((vals[j], vals[0]))
}

/// Whether a side counts elements or bytes, for `= 524,288 bytes` shorthand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dom {
    Bytes,
    Elems,
    /// A formula with no byte factor: an element count, or already bytes.
    Lenient,
    Unknown,
}

fn domains(all: &[Token], arena: &Arena, sides: &[Part]) -> SmallVec<[Dom; 8]> {
    let mut out: SmallVec<[Dom; 8]> = sides
        .iter()
        .map(|p| {
            let Some(e) = p.expr else {
                return Dom::Unknown;
            };
            let toks = p.toks(all);
            match arena.unit_word(e, toks) {
                Some("B" | "bytes" | "byte") => return Dom::Bytes,
                Some("elems" | "elements" | "elem" | "element") => return Dom::Elems,
                _ => {}
            }
            if arena.is_literal_only(e) {
                return Dom::Unknown;
            }
            if arena.any_var(e, toks, &|n| n.contains("bytes")) {
                Dom::Bytes
            } else {
                Dom::Lenient
            }
        })
        .collect();
    let mut next = Dom::Unknown;
    for d in out.iter_mut().rev() {
        match *d {
            Dom::Bytes | Dom::Elems => next = *d,
            Dom::Unknown => *d = next,
            Dom::Lenient => {}
        }
    }
    out
}

/// `N [unit] ([≈]M UNIT)`: a value restated in a larger unit.
struct Restatement<'a> {
    value: Token<'a>,
    restated: Token<'a>,
    unit: TextRange,
    /// What one `UNIT` is in the value's unit (two for `MB`: 10^6 and 2^20).
    scales: Vec<Rational>,
}

fn restatements<'a>(toks: &[Token<'a>]) -> Vec<Restatement<'a>> {
    let mut out = Vec::new();
    for p in 1..toks.len() {
        if toks[p].tok != Tok::LParen {
            continue;
        }
        let (Some(m), Some(u)) = (toks.get(p + 1), toks.get(p + 2)) else {
            continue;
        };
        let (Tok::Num(_), Tok::Ident(unit)) = (&m.tok, &u.tok) else {
            continue;
        };
        let closes = match toks.get(p + 3).map(|t| &t.tok) {
            Some(Tok::RParen) => true,
            Some(Tok::Word) => matches!(toks.get(p + 4).map(|t| &t.tok), Some(Tok::RParen)),
            _ => false,
        };
        if !closes {
            continue;
        }
        // The value: a number right before, perhaps followed by its unit word.
        let (value, value_unit) = match (&toks[p - 1].tok, p.checked_sub(2).map(|i| &toks[i].tok)) {
            (Tok::Num(_), _) => (&toks[p - 1], None),
            (Tok::Ident(w), Some(Tok::Num(_))) => (&toks[p - 2], Some(w.to_string())),
            _ => continue,
        };
        let time = |s: i32| {
            vec![Rational::pow10(s)]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
        };
        let scales: Vec<Rational> = match (expr::unit_kind(unit), value_unit.as_deref()) {
            (Some(expr::UnitKind::Pow10(e)), None | Some("FLOPs" | "FLOPS")) => time(e),
            (Some(expr::UnitKind::Bytes(k)), None | Some("bytes" | "B")) => {
                let dec = Rational::pow10(3 * k as i32);
                let bin = Rational::int(1024).checked_pow(k as i128);
                dec.into_iter().chain(bin).collect()
            }
            (Some(expr::UnitKind::BinBytes(k)), None | Some("bytes" | "B")) => Rational::int(1024)
                .checked_pow(k as i128)
                .into_iter()
                .collect(),
            (Some(expr::UnitKind::Time), Some("ms")) => match &**unit {
                "ns" | "nanoseconds" => time(-6),
                "µs" | "us" | "microseconds" => time(-3),
                _ => continue,
            },
            _ => continue,
        };
        out.push(Restatement {
            value: *value,
            restated: *m,
            unit: u.range,
            scales,
        });
    }
    out
}

/// `hay.to_lowercase().contains(needle)` for an ASCII lower-case `needle`,
/// without allocating.
fn contains_ignore_ascii_case(hay: &str, needle: &str) -> bool {
    let n = needle.as_bytes();
    !n.is_empty()
        && hay
            .as_bytes()
            .windows(n.len())
            .any(|w| w.eq_ignore_ascii_case(n))
}

/// Whether a line can hold a claim: it has `=`, `~`, `≈`, `→` or `->`.
pub(crate) fn may_claim(raw: &str) -> bool {
    let b = raw.as_bytes();
    // `[u8]::contains` is a word-at-a-time `memchr`: far cheaper per byte
    // than looking at every byte for four candidates.
    if b.contains(&b'=') || b.contains(&b'~') {
        return true;
    }
    // `lead` directly followed by one of `rest`.
    let pair = |lead: u8, rest: &[&[u8]]| {
        let mut at = 0;
        while let Some(p) = b[at..].iter().position(|&c| c == lead) {
            let k = at + p + 1;
            if rest.iter().any(|r| b[k..].starts_with(r)) {
                return true;
            }
            at = k;
        }
        false
    };
    // `->`; `≈` is E2 89 88, `→` is E2 86 92.
    (b.contains(&b'-') && pair(b'-', &[b">"]))
        || (b.contains(&0xE2) && pair(0xE2, &[&[0x89, 0x88], &[0x86, 0x92]]))
}

/// `a == b`, rejecting most unequal names before calling `memcmp`.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.as_bytes().first() == b.as_bytes().first() && a == b
}

/// `hay.find(needle)` without a string searcher's set-up, which costs more
/// than the search itself on a line of text.
pub(crate) fn find_str(hay: &str, needle: &str) -> Option<usize> {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    let first = *n.first()?;
    let mut i = 0;
    while let Some(p) = h.get(i..)?.iter().position(|&b| b == first) {
        let at = i + p;
        if h[at..].starts_with(n) {
            return Some(at);
        }
        i = at + 1;
    }
    None
}

fn line_has_bold(toks: &[Token]) -> bool {
    toks.iter().any(|t| t.class == Class::Bold)
}

/// A side found by `scan`: token range (in the line) and its parse.
type Span = (usize, usize, Option<ExprId>);

/// A [`Part`] from a span of a line whose tokens start at `base` in the store.
fn make_part(toks: &[Token], base: u32, (lo, hi, expr): Span, arena: &mut Arena) -> Part {
    let slice = toks.get(lo..hi).unwrap_or(&[]);
    let expr = expr.or_else(|| parse_exact(arena, slice));
    let range = match (slice.first(), slice.last()) {
        (Some(a), Some(b)) => a.range.cover(b.range),
        _ => toks
            .get(lo)
            .or(toks.last())
            .map(|t| TextRange::empty(t.range.start as usize))
            .unwrap_or_default(),
    };
    let (lo, hi) = if slice.is_empty() { (0, 0) } else { (lo, hi) };
    Part {
        lo: base + lo as u32,
        hi: base + hi as u32,
        expr,
        range,
    }
}

fn is_barrier(t: &Tok) -> bool {
    matches!(t, Tok::Word | Tok::Eq { .. } | Tok::Arrow | Tok::Comma)
}

/// What `scan` found on a line.
#[derive(Default)]
struct ScanOut {
    /// The sides of every chain.
    spans: Vec<Span>,
    /// Chains: (starts with `=`, range of `spans`).
    chains: Vec<(bool, usize, usize)>,
    /// Conversions: the element count's span, the byte count's token.
    convs: Vec<(Span, usize)>,
}

/// Finds chains (`a = b = c`) and `→` conversions in a line's tokens.
fn scan(toks: &[Token], arena: &mut Arena, out: &mut ScanOut) {
    out.spans.clear();
    out.chains.clear();
    out.convs.clear();
    let mut consumed = 0usize;
    let mut k = 0usize;
    let n = toks.len();
    while k < n {
        match toks[k].tok {
            Tok::Eq { .. } => {
                let cont = k == 0;
                let lo = barrier_floor(toks, consumed, k);
                let left = (lo..k).find_map(|s| parse_exact(arena, &toks[s..k]).map(|e| (s, e)));
                let start = out.spans.len();
                out.spans.push(match left {
                    Some((s, e)) => (s, k, Some(e)),
                    None => (k, k, None),
                });
                let mut cur = k;
                let mut end = k + 1;
                while let Some((e, used)) = parse_prefix(arena, &toks[cur + 1..]) {
                    let a = cur + 1;
                    let b = a + used;
                    out.spans.push((a, b, Some(e)));
                    end = b;
                    if b < n && matches!(toks[b].tok, Tok::Eq { .. }) {
                        cur = b;
                        continue;
                    }
                    break;
                }
                let parts = &out.spans[start..];
                // `EP=4 = `x / 4 = y``: a plain-text value does not run into code.
                let mut split_at = None;
                for i in 1..parts.len().saturating_sub(1) {
                    let (a, b) = (parts[i].0, parts[i].1);
                    let c = parts[i + 1].0;
                    if b > a
                        && toks[a..b].iter().all(|t| t.class == Class::Plain)
                        && toks.get(c).is_some_and(|t| t.class == Class::Code)
                    {
                        split_at = Some(start + i + 1);
                        break;
                    }
                }
                let stop = out.spans.len();
                let mut from = start;
                if let Some(at) = split_at {
                    if at - start >= 2 {
                        out.chains.push((cont, start, at));
                    }
                    from = at;
                }
                if stop - from >= 2 {
                    out.chains.push((cont, from, stop));
                }
                consumed = end.max(k + 1);
                k = consumed;
            }
            Tok::Arrow => {
                let lo = barrier_floor(toks, consumed, k);
                let mut left =
                    (lo..k).find_map(|s| parse_exact(arena, &toks[s..k]).map(|e| (s, k, Some(e))));
                // `(128 × 1024 = 131,072) elems → 262,144 B`: the count is the
                // last side of the claim just before.
                let unit_only = left.is_some_and(|(s, e, _)| {
                    e == s + 1
                        && matches!(&toks[s].tok, Tok::Ident(w) if expr::unit_kind(w).is_some())
                });
                if (left.is_none() || unit_only)
                    && let Some(&(_, _, b)) = out.chains.last()
                {
                    left = out.spans.get(b.wrapping_sub(1)).copied();
                }
                if let Some(l) = left
                    && let Some(c) = conversion_at(toks, k, l, arena)
                {
                    out.convs.push(c);
                }
                consumed = k + 1;
                k += 1;
            }
            _ => k += 1,
        }
    }
}

/// The first token after the last barrier before `k` (and not before `floor`).
fn barrier_floor(toks: &[Token], floor: usize, k: usize) -> usize {
    let mut depth = 0i32;
    let mut i = k;
    while i > floor {
        i -= 1;
        match &toks[i].tok {
            Tok::RParen => depth += 1,
            Tok::LParen => {
                if depth == 0 {
                    return i + 1;
                }
                depth -= 1;
            }
            t if is_barrier(t) && !(matches!(t, Tok::Comma) && depth > 0) => return i + 1,
            _ => {}
        }
    }
    floor
}

/// `… elems → 4,096 B` at arrow index `a`; `left` is the element count's span.
fn conversion_at(toks: &[Token], a: usize, left: Span, arena: &mut Arena) -> Option<(Span, usize)> {
    let is_bytes =
        |t: Option<&Token>| matches!(t.map(|t| t.tok), Some(Tok::Ident("B" | "bytes" | "byte")));
    let mut j = a + 1;
    let bytes_before = is_bytes(toks.get(j));
    if bytes_before {
        j += 1;
    }
    let right = toks.get(j)?;
    let Tok::Num(_) = right.tok else { return None };
    let after = toks.get(j + 1);
    if matches!(
        after.map(|t| &t.tok),
        Some(Tok::Op(_) | Tok::Eq { .. } | Tok::LParen)
    ) {
        return None;
    }
    let elems_before = toks[..a]
        .iter()
        .any(|t| matches!(t.tok, Tok::Ident("elems" | "elements" | "elem")));
    if !(bytes_before || is_bytes(after) || elems_before) {
        return None;
    }
    let (lo, hi, e) = left;
    let e = e.or_else(|| parse_exact(arena, toks.get(lo..hi)?))?;
    Some(((lo, hi, Some(e)), j))
}

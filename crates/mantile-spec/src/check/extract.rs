//! Claim extraction: the lines read for claims, lexed once; the walk that
//! builds chains (`a = b = c`, continued on the lines below), `→` conversions and
//! unit restatements, and hands each to evaluation.

use super::*;

impl<'a> Checker<'a> {
    /// Lexes every line that may hold a claim or a fact, once.
    pub(in crate::check) fn lex_lines(&self, mut cache: Option<&mut MarkdownCache>) -> Lexed<'a> {
        let lines = &self.doc.lines;
        let mut lx = Lexed {
            toks: Vec::with_capacity(self.doc.text.len() / 8),
            lines: vec![None; lines.len()],
            places: self.places(),
            params: self.param_runs(),
        };
        let mut cursor = 0;
        for (line_no, line) in lines.iter().enumerate() {
            let place = lx.places[line_no];
            if !matches!(line.kind, LineKind::Text | LineKind::Code) {
                continue;
            }
            let raw = self.doc.slice(line.range);
            let claimish = line.hint && may_claim(raw);
            // A bulleted expression whose result the next line states.
            // (The next line is looked at first: it tells in a few bytes,
            // where the operators take the whole line.)
            let expression = || {
                lines[line_no + 1..]
                    .iter()
                    .find(|l| l.kind != LineKind::Blank)
                    .is_some_and(|l| starts_with_eq(self.doc.slice(l.range)))
                    && raw
                        .bytes()
                        .any(|b| matches!(b, b'+' | b'-' | b'*' | b'/' | b'^'))
            };
            if !claimish && !Self::has_facts(place.1, raw) && !expression() {
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

    /// [`Lexed::places`]: where each line lies (see [`Checker::locate`]),
    /// a run of lines at a time: between two of a test's boundaries (its
    /// start, calculations, Expected results, their end and its end)
    /// every line lies in one place. (Located line by line, they cost
    /// some 17 instructions a line.)
    fn places(&self) -> Vec<(Option<usize>, Region)> {
        let lines = &self.doc.lines;
        let line_at = |off: usize| self.doc.first_line_from(off);
        let mut places = vec![(None, Region::File); lines.len()];
        for (i, t) in self.tests.iter().enumerate() {
            let mut cuts: SmallVec<[usize; 5]> = [
                Some(t.start),
                t.calc_start,
                t.exp_start,
                Some(t.exp_end),
                Some(t.end),
            ]
            .into_iter()
            .flatten()
            .filter(|&c| c >= t.start && c <= t.end)
            .collect();
            cuts.sort_unstable();
            for w in cuts.windows(2) {
                let (a, z) = (line_at(w[0]), line_at(w[1]));
                if let Some(first) = lines.get(a).filter(|_| a < z) {
                    let place = self.place_in(Some(i), first.range.start as usize);
                    places[a..z].fill(place);
                }
            }
        }
        places
    }

    /// [`Lexed::params`]: each test's parameter lines (those that
    /// [`Checker::locate`] places there: from its heading to its
    /// calculations), with the blank lines after them.
    fn param_runs(&self) -> Vec<(u32, u32)> {
        let lines = &self.doc.lines;
        let line_at = |off: usize| self.doc.first_line_from(off);
        let mut runs: Vec<(u32, u32)> = Vec::with_capacity(self.tests.len());
        for t in &self.tests {
            let calc = t.calc_start.or(t.exp_start).unwrap_or(t.end).min(t.end);
            let a = line_at(t.start);
            let mut z = line_at(calc).max(a);
            if a == z {
                continue;
            }
            while lines.get(z).is_some_and(|l| l.kind == LineKind::Blank) {
                z += 1;
            }
            match runs.last_mut() {
                Some(run) if run.1 as usize >= a => run.1 = run.1.max(z as u32),
                _ => runs.push((a as u32, z as u32)),
            }
        }
        runs
    }

    /// The token of the one name `part` is, if it is a name alone (the
    /// name a chain's first side defines: see [`Checker::finish`]).
    pub(in crate::check) fn lone_name(&self, lx: &Lexed<'a>, part: &Part) -> Option<Token<'a>> {
        let i = self.arena.single_var(part.expr?)?;
        part.toks(&lx.toks).get(i).copied()
    }

    /// The name side `first` is, if it is a name alone.
    fn name_of(&self, lx: &Lexed<'a>, first: &Part) -> Option<&'a str> {
        match self.lone_name(lx, first)?.tok {
            Tok::Ident(name) => Some(name),
            _ => None,
        }
    }

    /// Ends `chain` (on line `line_no`): checks it, and keeps its last side
    /// in `recent` for a result stated below (see [`Recent`]).
    fn end_chain(
        &mut self,
        lx: &Lexed<'a>,
        chain: Chain<'a>,
        test: Option<usize>,
        line_no: usize,
        recent: &mut Option<Recent>,
    ) {
        let last = chain.parts.last().copied().filter(|p| p.expr.is_some());
        let first = match &chain.parts[..] {
            [first, _, ..] => Some(*first),
            _ => None,
        };
        let region = chain.region;
        let converted = chain.converted;
        // A code block's calculation replaces the block result; any other
        // chain (its summary, below) reads it, then it is gone.
        let code = chain.code_block;
        if code {
            self.last_block = None;
        }
        self.finish(lx, chain, test);
        if code && let Some(b) = self.last_block.as_mut() {
            b.line = line_no;
        } else {
            self.last_block = None;
        }
        *recent = last.map(|part| Recent {
            part,
            test,
            region,
            unfinished: !converted && part.expr.is_some_and(|e| !self.arena.is_single_literal(e)),
            first,
            line: line_no,
            bridged: true,
        });
    }

    pub(in crate::check) fn walk(&mut self, lx: &Lexed<'a>) {
        let mut open: Option<(Chain<'a>, Option<usize>)> = None;
        // The line of the open chain's last side.
        let mut open_line = 0usize;
        let mut recent: Option<Recent> = None;
        let mut prev_line = usize::MAX;
        let mut sc = std::mem::take(&mut self.scan_buf);
        let mut cache = std::mem::take(&mut self.scan_cache);
        if self.prepass {
            // A slot per line, made once (grown line by line it was copied
            // again and again).
            cache.lines.clear();
            cache.lines.resize(self.doc.lines.len(), None);
        }
        // The pre-pass reads only the parameters' lines (see
        // [`Lexed::params`]): before a run of them, the lines it skips
        // would only have ended the open chain.
        let whole = [(0, self.doc.lines.len() as u32)];
        let runs: &[(u32, u32)] = if self.prepass { &lx.params } else { &whole };
        let lines = runs
            .iter()
            .flat_map(|&(a, z)| (a as usize..z as usize).map(move |l| (l, l == a as usize)));
        for (line_no, run_start) in lines {
            if run_start && let Some((c, t)) = open.take() {
                self.finish(lx, c, t);
            }
            let line = self.doc.lines[line_no];
            match line.kind {
                LineKind::Blank => continue,
                LineKind::Text | LineKind::Code => {}
                kind => {
                    if let Some((c, t)) = open.take() {
                        self.end_chain(lx, c, t, open_line, &mut recent);
                    }
                    // A sub-step heading (level 4 and below) may stand
                    // between a step and its result; anything else ends it.
                    let minor = kind == LineKind::Heading && self.heading_level(line.range) >= 4;
                    if !minor {
                        recent = None;
                    }
                    prev_line = line_no;
                    continue;
                }
            }
            // The line before this one (blank lines aside).
            let before = prev_line;
            prev_line = line_no;
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
            if recent.as_ref().is_some_and(|r| r.test != test) {
                recent = None;
            }
            let Some((tlo, thi)) = lx.lines.get(line_no).copied().flatten() else {
                // Prose without any claim: it only ends an open chain (and
                // a formula in it ends the step a result below may continue).
                if let Some((c, t)) = open.take() {
                    self.end_chain(lx, c, t, open_line, &mut recent);
                }
                if let Some(r) = recent.as_mut().filter(|r| r.bridged)
                    && has_formula(raw)
                {
                    r.bridged = false;
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
            // Whether the line has bold text: asked once, when a chain needs it.
            let mut bold_cache = None;
            let mut bold = || *bold_cache.get_or_insert_with(|| line_has_bold(toks));
            let mut first_chain = 0;
            let main = !self.prepass;
            // `≈ 0.000067 ms` below a calculation: its result, approximately.
            if main
                && chains.is_empty()
                && starts_with_approx(raw)
                && let Some((c, t)) = open.as_mut()
                && *t == test
                && let Some((e, used)) = parse_prefix(&mut self.arena, toks)
                && self.arena.is_single_literal(e)
            {
                c.parts
                    .push(make_part(toks, tlo, (0, used, Some(e)), &mut self.arena));
                open_line = line_no;
                continue;
            }
            // A line that starts with `=` continues the open chain, or else,
            // when it states a value (not a new calculation), the last step
            // above it when only prose and sub-step headings without a
            // formula stand between.
            if let Some(&(true, a, b)) = chains.first()
                && open.as_ref().is_none_or(|(_, t)| *t != test)
                && main
                && b == a + 2
                && spans
                    .get(a + 1)
                    .and_then(|&(lo, hi, e)| {
                        e.or_else(|| parse_exact(&mut self.arena, toks.get(lo..hi)?))
                    })
                    .is_some_and(|e| self.arena.is_single_literal(e))
            {
                if let Some((c, t)) = open.take() {
                    self.end_chain(lx, c, t, open_line, &mut recent);
                }
                if let Some(r) = recent.take().filter(|r| r.bridged && r.test == test) {
                    let chain = Chain {
                        parts: smallvec::smallvec![r.part],
                        region: r.region,
                        has_bold: false,
                        code_block: line.kind == LineKind::Code,
                        extra_names: SmallVec::new(),
                        converted: false,
                        after_block: false,
                    };
                    open = Some((chain, test));
                }
            }
            if let Some(&(true, a, b)) = chains.first()
                && let Some((mut c, t)) = open.take()
            {
                if t == test {
                    first_chain = 1;
                    for &p in spans.get(a + 1..b).unwrap_or(&[]) {
                        c.parts.push(make_part(toks, tlo, p, &mut self.arena));
                    }
                    c.has_bold |= bold();
                    open = Some((c, t));
                    open_line = line_no;
                } else {
                    self.finish(lx, c, t);
                }
            } else if let Some((c, t)) = open.take() {
                self.end_chain(lx, c, t, open_line, &mut recent);
            }
            let mut prev_end = 0usize;
            let mut count = 0usize;
            for &(cont, a, b) in chains.get(first_chain..).unwrap_or(&[]) {
                let spec = spans.get(a..b).unwrap_or(&[]);
                count += 1;
                if let Some((c, t)) = open.take() {
                    self.end_chain(lx, c, t, open_line, &mut recent);
                }
                let first_lo = spec.first().map(|p| p.0).unwrap_or(0);
                let last_hi = spec.last().map(|p| p.1).unwrap_or(0);
                let extra_names = if matches!(region, Region::Params | Region::File) {
                    toks.get(prev_end..first_lo)
                        .unwrap_or(&[])
                        .iter()
                        .enumerate()
                        .filter_map(|(k, t)| match t.tok {
                            // (Not `d_ff` of `d_ff,local`: a subscript.)
                            Tok::Ident(s)
                                if s.contains('_') && !subscripted(toks, prev_end + k) =>
                            {
                                Some((s, t.range))
                            }
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
                // `name = value` right below a calculation that states no
                // result (`Router + Experts = 4,194,304 + 8,589,934,592`):
                // the value is that result.
                if main
                    && !cont
                    && count == 1
                    && chains.len() == first_chain + 1
                    && parts.len() == 2
                    && parts[0]
                        .expr
                        .is_some_and(|e| self.arena.single_var(e).is_some())
                    && parts[1]
                        .expr
                        .is_some_and(|e| self.arena.is_single_literal(e))
                    && let Some(r) = recent.take().filter(|r| {
                        r.unfinished
                            && r.test == test
                            && r.line == before
                            && r.first.is_none_or(|f| {
                                self.name_of(lx, &f)
                                    .is_none_or(|n| self.name_of(lx, &parts[0]) == Some(n))
                            })
                    })
                {
                    parts.insert(1, r.part);
                }
                let after_block = count == 1
                    && line.kind == LineKind::Text
                    && self
                        .doc
                        .lines
                        .get(before)
                        .is_some_and(|l| l.kind == LineKind::Skip)
                    && self
                        .last_block
                        .is_some_and(|b| b.line + 1 == before && b.test == test);
                let chain = Chain {
                    parts,
                    region,
                    has_bold: bold(),
                    code_block: line.kind == LineKind::Code,
                    extra_names,
                    converted: false,
                    after_block,
                };
                open = Some((chain, test));
                open_line = line_no;
            }
            if count > 1
                && let Some((c, t)) = open.take()
            {
                // Several claims on one line: a `= ...` line below continues
                // none of them.
                self.finish(lx, c, t);
                recent = None;
            }
            // A bulleted expression whose result the next line states.
            if main
                && chains.is_empty()
                && convs.is_empty()
                && open.is_none()
                && let Some(e) = parse_exact(&mut self.arena, toks)
                && matches!(self.arena.node(e), Node::Bin(..))
            {
                let part = make_part(toks, tlo, (0, toks.len(), Some(e)), &mut self.arena);
                let chain = Chain {
                    parts: smallvec::smallvec![part],
                    region,
                    has_bold: bold(),
                    code_block: line.kind == LineKind::Code,
                    extra_names: SmallVec::new(),
                    converted: false,
                    after_block: false,
                };
                open = Some((chain, test));
                open_line = line_no;
            } else if chains.is_empty()
                && let Some(r) = recent.as_mut().filter(|r| r.bridged)
                && has_formula(raw)
            {
                r.bridged = false;
            }
            if !convs.is_empty()
                && let Some((c, _)) = open.as_mut()
            {
                c.converted = true;
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
                restatements(toks, |r| self.restatement(r));
            }
        }
        if let Some((c, t)) = open.take() {
            self.finish(lx, c, t);
        }
        self.scan_buf = sc;
        self.scan_cache = cache;
    }
}

/// `scan`'s results for the lines the parameter pre-pass scanned, so that the
/// main walk does not scan them again. Chains index `out.spans`.
#[derive(Default)]
pub(in crate::check) struct ScanCache {
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

/// `N [unit] ([≈]M UNIT)`: a value restated in a larger unit.
pub(in crate::check) struct Restatement<'a> {
    pub(in crate::check) value: Token<'a>,
    pub(in crate::check) restated: Token<'a>,
    pub(in crate::check) unit: TextRange,
    /// What one `UNIT` is in the value's unit (two for `MB`: 10^6 and 2^20).
    pub(in crate::check) scales: SmallVec<[Rational; 2]>,
}

/// The restatements of a line's tokens, each handed to `found` (allocating
/// nothing: a line has one or two).
fn restatements<'a>(toks: &[Token<'a>], mut found: impl FnMut(Restatement<'a>)) {
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
            (Tok::Ident(w), Some(Tok::Num(_))) => (&toks[p - 2], Some(*w)),
            _ => continue,
        };
        let time = |s: i32| Rational::pow10(s).into_iter().collect();
        // `peak_tflops = 1000 (1 PFLOP)`: a value in the unit its name says.
        let named_pow = match (value_unit, p.checked_sub(3).map(|i| &toks[i].tok)) {
            (None, Some(Tok::Ident(name))) if matches!(toks[p - 2].tok, Tok::Eq { .. }) => {
                unit_of_name(name)
                    .filter(|u| u.0.ends_with("FLOPS"))
                    .map(|u| u.1 as i32)
            }
            _ => None,
        };
        let scales: SmallVec<[Rational; 2]> = match (expr::unit_kind(unit), value_unit) {
            (Some(expr::UnitKind::Pow10(e)), None) if let Some(n) = named_pow => time(e - n),
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
        found(Restatement {
            value: *value,
            restated: *m,
            unit: u.range,
            scales,
        });
    }
}

/// Whether a line starts with `=` after its list marker and emphasis
/// (`* = 67,108,864`, `` * `= 16,777,216` ``, `* **= …**`).
fn starts_with_eq(raw: &str) -> bool {
    raw.trim_start_matches(|c: char| c.is_whitespace() || matches!(c, '*' | '-' | '+' | '`' | '_'))
        .starts_with('=')
}

/// Whether a line starts with `≈` or `~` after its list marker and
/// emphasis (`≈ 0.000067 ms`).
fn starts_with_approx(raw: &str) -> bool {
    raw.trim_start_matches(|c: char| c.is_whitespace() || matches!(c, '*' | '-' | '+' | '`' | '_'))
        .starts_with(['≈', '~'])
}

/// Whether a line has a formula in inline code (an operator between
/// backticks): a sub-step heading with its own formula.
///
/// Each code span (from an odd backtick to the next, or to the line's end)
/// found eight bytes at a time, then read for an operator (`×` is C3 97 in
/// UTF-8, `·` C2 B7): the prose around it is not read byte by byte.
fn has_formula(raw: &str) -> bool {
    let b = raw.as_bytes();
    let mut at = 0;
    while let Some(p) = find_byte(&b[at..], b'`') {
        let open = at + p + 1;
        let close = find_byte(&b[open..], b'`').map_or(b.len(), |q| open + q);
        let code = &b[open..close];
        for (i, &c) in code.iter().enumerate() {
            match c {
                b'*' | b'/' | b'+' | b'^' => return true,
                0xC3 | 0xC2 => {
                    let next = code.get(i + 1).copied();
                    if (c, next) == (0xC3, Some(0x97)) || (c, next) == (0xC2, Some(0xB7)) {
                        return true;
                    }
                }
                _ => {}
            }
        }
        if close >= b.len() {
            break;
        }
        at = close + 1;
    }
    false
}

/// Whether a line can hold a claim: it has `=`, `~`, `≈`, `→` or `->`.
pub(crate) fn may_claim(raw: &str) -> bool {
    let b = raw.as_bytes();
    // Eight bytes at a time (see `has_byte`): far cheaper per byte than
    // looking at every byte for four candidates.
    if has_byte(b, b'=', b'~') {
        return true;
    }
    // `lead` directly followed by one of `rest` (`lead` found eight bytes
    // at a time: most lines have a `-` list marker, and some a `≈`).
    let pair = |lead: u8, rest: &[&[u8]]| {
        let mut at = 0;
        while let Some(p) = find_byte(&b[at..], lead) {
            let k = at + p + 1;
            if rest.iter().any(|r| b[k..].starts_with(r)) {
                return true;
            }
            at = k;
        }
        false
    };
    // `->`; `≈` is E2 89 88, `→` is E2 86 92.
    has_byte(b, b'-', 0xE2) && (pair(b'-', &[b">"]) || pair(0xE2, &[&[0x89, 0x88], &[0x86, 0x92]]))
}

/// Whether the name `toks[i]` is written with a subscript after a comma
/// and no space (`d_ff,local`): one name, not a name and its symbol.
fn subscripted(toks: &[Token], i: usize) -> bool {
    let (Some(name), Some(comma), Some(sub)) = (toks.get(i), toks.get(i + 1), toks.get(i + 2))
    else {
        return false;
    };
    matches!(comma.tok, Tok::Comma)
        && comma.range.start == name.range.end
        && sub.range.start == comma.range.end
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
pub(in crate::check) struct ScanOut {
    /// The sides of every chain.
    spans: Vec<Span>,
    /// Chains: (starts with `=`, range of `spans`).
    chains: Vec<(bool, usize, usize)>,
    /// Conversions: the element count's span, the byte count's token.
    convs: Vec<(Span, usize)>,
}

/// Finds chains (`a = b = c`) and `→` conversions in a line's tokens.
pub(in crate::check) fn scan(toks: &[Token], arena: &mut Arena, out: &mut ScanOut) {
    out.spans.clear();
    out.chains.clear();
    out.convs.clear();
    let mut consumed = 0usize;
    let mut k = 0usize;
    let n = toks.len();
    // The line's first `elems` word (looked for at its first arrow).
    let mut first_elems: Option<Option<usize>> = None;
    let mut budget = search_budget(n);
    while k < n {
        match toks[k].tok {
            Tok::Eq { .. } => {
                let cont = k == 0;
                let lo = barrier_floor(toks, consumed, k);
                let left = longest_suffix(arena, toks, lo, k, &mut budget);
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
                // `EP=4 = `x / 4 = y``: a plain-text value does not run into
                // code (a plain calculation does: `d / tp = `256``).
                let mut split_at = None;
                for i in 1..parts.len().saturating_sub(1) {
                    let (a, b) = (parts[i].0, parts[i].1);
                    let c = parts[i + 1].0;
                    if b > a
                        && toks[a..b].iter().all(|t| t.class == Class::Plain)
                        && parts[i].2.is_some_and(|e| arena.is_single_literal(e))
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
                let first_elems = *first_elems.get_or_insert_with(|| {
                    toks.iter()
                        .position(|t| matches!(t.tok, Tok::Ident("elems" | "elements" | "elem")))
                });
                let lo = barrier_floor(toks, consumed, k);
                let mut left =
                    longest_suffix(arena, toks, lo, k, &mut budget).map(|(s, e)| (s, k, Some(e)));
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
                    && let Some(c) = conversion_at(toks, k, l, first_elems, arena)
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

/// The longest expression that ends right before token `k` and starts at or
/// after `lo`: the first start `s` from which `toks[s..k]` parses whole.
///
/// Every start is tried in turn while the work stays within `budget`
/// (tokens read by failed parses, shared by a line's searches). Past it, a
/// parse that stops short after `used` tokens moves the next start to
/// where it stopped: linear, where trying every start is quadratic on a
/// long sum followed by a stray token. The skip can miss an odd reading
/// (`weights bytes (K+V)` parsed from `bytes`, a call), which is why it is
/// kept for lines that would otherwise cost too much.
fn longest_suffix(
    arena: &mut Arena,
    toks: &[Token],
    lo: usize,
    k: usize,
    budget: &mut usize,
) -> Option<(usize, ExprId)> {
    let mut s = lo;
    while s < k {
        match expr::parse_whole(arena, &toks[s..k]) {
            Ok(e) => return Some((s, e)),
            Err(stop) => {
                let exhausted = *budget < stop.read;
                *budget = budget.saturating_sub(stop.read);
                s += if exhausted { stop.used.max(1) } else { 1 };
            }
        }
    }
    None
}

/// Tokens a line's searches for left sides may read in failed parses
/// before they start skipping: far more than any real line needs (Mantile's
/// specs read at most 24 on a line, 1.6 per token of the line).
fn search_budget(toks: usize) -> usize {
    8 * toks + 256
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
fn conversion_at(
    toks: &[Token],
    a: usize,
    left: Span,
    first_elems: Option<usize>,
    arena: &mut Arena,
) -> Option<(Span, usize)> {
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
    let elems_before = first_elems.is_some_and(|i| i < a);
    if !(bytes_before || is_bytes(after) || elems_before) {
        return None;
    }
    let (lo, hi, e) = left;
    let e = e.or_else(|| parse_exact(arena, toks.get(lo..hi)?))?;
    Some(((lo, hi, Some(e)), j))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lex::lex_code;

    /// Every start tried in turn: what `longest_suffix` does within its
    /// budget.
    fn every_start(arena: &mut Arena, toks: &[Token], lo: usize, k: usize) -> Option<usize> {
        (lo..k).find(|&s| parse_exact(arena, &toks[s..k]).is_some())
    }

    #[test]
    fn a_formula_is_an_operator_in_inline_code() {
        let split = |raw: &str| {
            raw.split('`')
                .skip(1)
                .step_by(2)
                .any(|code| code.contains(['*', '×', '·', '/', '+', '^']))
        };
        for raw in [
            "",
            "no code",
            "`x`",
            "`2 * d`",
            "2 * d",
            "`a` * `b`",
            "`a`b*`c`",
            "`a × b`",
            "`a · b`",
            "×`a`×",
            "`open * unclosed",
            "``",
            "`x` `y + z`",
            "`Ö` `×`",
            "`é/`",
            "**(e) Apply attention to V** `softmax(QKᵀ)`",
            "`10^12`",
            "```python```",
        ] {
            assert_eq!(has_formula(raw), split(raw), "{raw:?}");
        }
    }

    #[test]
    fn the_left_side_search_tries_every_start_within_its_budget() {
        // Small pseudo-random lines over the tokens that matter.
        let words = [
            "1", "2", "+", "-", "*", "/", "^", "(", ")", "x", "d", "bytes", "B", "elems", "max",
            ",", "MB",
        ];
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut arena = Arena::default();
        for _ in 0..20_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = (seed % 9) as usize + 1;
            let line: Vec<&str> = (0..len)
                .map(|i| words[((seed >> (6 * i)) % words.len() as u64) as usize])
                .collect();
            let line = line.join(" ");
            let toks = lex_code(&line, 0);
            let k = toks.len();
            let want = every_start(&mut arena, &toks, 0, k);
            let mut budget = search_budget(k);
            let got = longest_suffix(&mut arena, &toks, 0, k, &mut budget).map(|(s, _)| s);
            assert_eq!(got, want, "{line}");
            // Out of budget it skips, and still finds only whole parses.
            let got = longest_suffix(&mut arena, &toks, 0, k, &mut 0);
            if let Some((s, _)) = got {
                assert!(parse_exact(&mut arena, &toks[s..k]).is_some(), "{line}");
            }
        }
    }

    #[test]
    fn out_of_budget_the_search_skips_what_a_parse_read() {
        // A long sum then a stray number: every start from the sum's
        // terms reads to the stray number. Skipping finds it in one pass.
        let sum = format!("{} 7", vec!["1"; 1000].join(" + "));
        let toks = lex_code(&sum, 0);
        let mut arena = Arena::default();
        let mut budget = 0;
        let (s, _) = longest_suffix(&mut arena, &toks, 0, toks.len(), &mut budget).expect("7");
        assert_eq!(s, toks.len() - 1);
        // Within budget, the same answer; the budget pays for the reads.
        let mut budget = search_budget(toks.len());
        let (s, _) = longest_suffix(&mut arena, &toks, 0, toks.len(), &mut budget).expect("7");
        assert_eq!(s, toks.len() - 1);
        assert!(budget < search_budget(toks.len()) - 1000);
    }
}

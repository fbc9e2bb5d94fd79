//! The checker: walks the document line by line, builds claims, binds names,
//! evaluates, then runs the consistency checks.

use crate::doc::{Doc, LineKind, MarkdownCache};
use crate::expr::{self, Arena, ExprId, LiteralMode, Node, parse_exact, parse_prefix};
use crate::lex::{Class, Tok, Token};
use crate::model::*;
use crate::num::{Interval, Rational};
use crate::rules::*;
use mantile_diag::{Diagnostic, Fix, NumberStyle, Rule, Severity, TextRange, format_with_style};
use smallvec::SmallVec;
use std::collections::{HashMap, HashSet};

/// The names a claim used: where, and which binding each is; kept inline:
/// most claims use a handful.
type Uses = SmallVec<[(TextRange, BindRef); 4]>;

/// A binding: its test (`u32::MAX` for the file's) and index there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct BindRef(u32, u32);

/// A check that failed with a binding among its inputs: the value the
/// binding would need for the check to hold (when there is one).
#[derive(Clone, Copy, Debug)]
struct Fail {
    bind: BindRef,
    /// Index in [`Checker::pending`] of the check's finding.
    finding: u32,
    solution: Option<Rational>,
}
/// Values of a claim's sides, by side index.
type SideVals = SmallVec<[(usize, Interval); 4]>;

#[derive(Clone, Debug)]
struct Bind<'a> {
    name: &'a str,
    /// Where the name is written.
    name_at: TextRange,
    value: Interval,
    range: TextRange,
    /// Where the value is written.
    value_at: TextRange,
    /// Checks that used this value and held.
    passes: u32,
    /// Bound by a parameter, a derived line or the file's conventions.
    trusted: bool,
    /// Taken from a claim whose sides disagree (its use repeats that error).
    tainted: bool,
    /// Trusted, or the value of a calculation whose sides agree: a value a
    /// later statement must repeat (a bare statement may be superseded).
    checked: bool,
    /// The index of the previous binding of the same name (`u32::MAX`: none);
    /// set by [`Binds::push`].
    prev: u32,
}

/// The names bound in one test (or the file), latest last. Looked up by a
/// backwards scan while there are few (every real test binds a few dozen),
/// through an index by name beyond that, so that a test binding 50,000 names
/// costs linear time.
#[derive(Clone, Debug, Default)]
struct Binds<'a> {
    list: Vec<Bind<'a>>,
    /// A bit per (length, first letter, last letter) class of the names
    /// bound: most look-ups of a name bound nowhere stop here.
    mask: u64,
    /// Name → index in `list` of its latest binding (built past `INDEX_FROM`).
    index: Option<HashMap<&'a str, usize>>,
    /// [`Binds::mask`] of the trusted bindings (parameters) only.
    trusted_mask: u64,
}

impl<'a> Binds<'a> {
    const INDEX_FROM: usize = 256;

    #[inline]
    fn name_bit(name: &str) -> u64 {
        let b = name.as_bytes();
        let h = (b.len() as u32)
            .wrapping_mul(31)
            .wrapping_add(u32::from(b.first().copied().unwrap_or(0)))
            .wrapping_mul(31)
            .wrapping_add(u32::from(b.last().copied().unwrap_or(0)));
        1u64 << (h % 64)
    }

    #[inline]
    fn push(&mut self, mut b: Bind<'a>) {
        self.mask |= Self::name_bit(b.name);
        if b.trusted {
            self.trusted_mask |= Self::name_bit(b.name);
        }
        // Linked to the previous binding of its name once indexed (before
        // that, `before` scans).
        if let Some(ix) = &mut self.index {
            b.prev = ix.get(b.name).map_or(u32::MAX, |&i| i as u32);
            ix.insert(b.name, self.list.len());
        }
        push_reserving(&mut self.list, b, 16);
        if self.index.is_none() && self.list.len() > Self::INDEX_FROM {
            let mut ix: HashMap<&'a str, usize> = HashMap::with_capacity(self.list.len() * 2);
            for (i, b) in self.list.iter_mut().enumerate() {
                b.prev = ix.get(b.name).map_or(u32::MAX, |&p| p as u32);
                ix.insert(b.name, i);
            }
            self.index = Some(ix);
        }
    }

    /// The index of the latest binding of `name`.
    #[inline]
    fn latest(&self, name: &str) -> Option<usize> {
        if self.mask & Self::name_bit(name) == 0 {
            return None;
        }
        match &self.index {
            Some(ix) => ix.get(name).copied(),
            None => self.list.iter().rposition(|b| same(b.name, name)),
        }
    }

    /// The index of the latest binding of `name` written before byte `at`.
    fn before(&self, name: &str, at: usize) -> Option<usize> {
        if self.index.is_none() {
            if self.mask & Self::name_bit(name) == 0 {
                return None;
            }
            return self
                .list
                .iter()
                .rposition(|b| (b.range.start as usize) < at && same(b.name, name));
        }
        let mut i = self.latest(name)?;
        loop {
            let b = self.list.get(i)?;
            if (b.range.start as usize) < at {
                return Some(i);
            }
            i = usize::try_from(b.prev)
                .ok()
                .filter(|&p| p != u32::MAX as usize)?;
        }
    }

    /// The index of the latest binding of `name` that satisfies `pred`.
    fn latest_where(&self, name: &str, pred: impl Fn(&Bind) -> bool) -> Option<usize> {
        if self.index.is_none() {
            if self.mask & Self::name_bit(name) == 0 {
                return None;
            }
            return self
                .list
                .iter()
                .rposition(|b| same(b.name, name) && pred(b));
        }
        let mut i = self.latest(name)?;
        loop {
            let b = self.list.get(i)?;
            if pred(b) {
                return Some(i);
            }
            i = usize::try_from(b.prev)
                .ok()
                .filter(|&p| p != u32::MAX as usize)?;
        }
    }

    fn clear(&mut self) {
        self.list.clear();
        self.index = None;
        self.mask = 0;
        self.trusted_mask = 0;
    }
}

/// A map kept as a list in insertion order, indexed by a hash map only once
/// it is long: most maps of a check hold a handful of entries, for which
/// hashing costs more than a scan, but a hostile document can make any of
/// them long.
#[derive(Clone, Debug)]
struct SmallMap<K, V> {
    items: SmallVec<[(K, V); 8]>,
    index: Option<HashMap<K, usize>>,
}

impl<K, V> Default for SmallMap<K, V> {
    fn default() -> Self {
        SmallMap {
            items: SmallVec::new(),
            index: None,
        }
    }
}

impl<K: Copy + Eq + std::hash::Hash, V> SmallMap<K, V> {
    const INDEX_FROM: usize = 16;

    #[inline]
    fn position(&self, k: &K) -> Option<usize> {
        match &self.index {
            Some(ix) => ix.get(k).copied(),
            None => self.items.iter().position(|(x, _)| x == k),
        }
    }

    #[inline]
    fn get(&self, k: &K) -> Option<&V> {
        self.position(k).map(|i| &self.items[i].1)
    }

    fn get_mut(&mut self, k: &K) -> Option<&mut V> {
        self.position(k).map(|i| &mut self.items[i].1)
    }

    /// The value of `k`, made by `make` when `k` is new.
    fn entry(&mut self, k: K, make: impl FnOnce() -> V) -> &mut V {
        let i = match self.position(&k) {
            Some(i) => i,
            None => {
                self.items.push((k, make()));
                let i = self.items.len() - 1;
                match &mut self.index {
                    Some(ix) => {
                        ix.insert(k, i);
                    }
                    None if self.items.len() > Self::INDEX_FROM => {
                        self.index = Some(
                            self.items
                                .iter()
                                .enumerate()
                                .map(|(i, e)| (e.0, i))
                                .collect(),
                        );
                    }
                    None => {}
                }
                i
            }
        };
        &mut self.items[i].1
    }

    /// Sets `k` to `v` (a new key goes last).
    fn insert(&mut self, k: K, v: V) {
        let mut v = Some(v);
        let slot = self.entry(k, || v.take().expect("taken once"));
        if let Some(v) = v {
            *slot = v;
        }
    }

    fn keys(&self) -> impl Iterator<Item = K> + '_ {
        self.items.iter().map(|(k, _)| *k)
    }
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
    binds: Binds<'a>,
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

/// The last side of the chain that ended last, kept for a result stated
/// below it: a `= value` line after prose or a sub-step heading without a
/// formula, or a `name = value` line right after a calculation that states
/// no result.
#[derive(Clone, Copy, Debug)]
struct Recent {
    part: Part,
    test: Option<usize>,
    region: Region,
    /// The side is a calculation, not a stated value.
    unfinished: bool,
    /// The line of the side.
    line: usize,
    /// Only prose and headings without a formula came after it.
    bridged: bool,
}

/// A calculation that ended a code block: its name, value and line.
#[derive(Clone, Copy, Debug)]
struct BlockResult<'a> {
    name: Option<&'a str>,
    value: Interval,
    range: TextRange,
    line: usize,
    test: Option<usize>,
}

/// Two sides compared by their form (see [`Checker::forms`]).
#[derive(Default)]
struct Forms<'a> {
    /// Operators the two have in common.
    common: u32,
    /// Pairs that agree (one name, or equal values).
    agree: u32,
    /// Pairs where neither value is known.
    opaque: u32,
    mismatch: SmallVec<[FormMismatch; 2]>,
    infer: SmallVec<[Inferred<'a>; 2]>,
}

/// A pair of two forms whose values differ: each one's range and value,
/// and the binding of the name when one of them is a name.
struct FormMismatch {
    a: (TextRange, Interval),
    b: (TextRange, Interval),
    bind: Option<BindRef>,
}

/// A name of no value facing a number.
struct Inferred<'a> {
    name: &'a str,
    name_at: TextRange,
    value: Interval,
    value_at: TextRange,
    /// The name is on the later side.
    later: bool,
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
    /// The line of the last side converts it to bytes (`… elems → 256 B`):
    /// its result is stated.
    converted: bool,
    /// The chain's line comes right after a code block whose last line is
    /// a calculation (its summary: `**t_ms ≈ 0.168 ms**`).
    after_block: bool,
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
    /// The tests' indices sorted by ID (ties in document order): a look-up
    /// by ID is a binary search.
    test_index: Vec<usize>,
    file_binds: Binds<'a>,
    claims: Vec<Claim>,
    diags: Findings,
    /// Findings of checks that failed with bindings among their inputs,
    /// held until every check is done: when all of a binding's uses fail
    /// and would hold with one other value, the binding is reported
    /// instead of them (see [`Checker::resolve_culprits`]).
    pending: Vec<Option<Diagnostic>>,
    fails: Vec<Fail>,
    /// The result of the calculation that ended last, when it was the last
    /// line of a code block (see [`Chain::after_block`]).
    last_block: Option<BlockResult<'a>>,
    /// Formulas the file gives for names outside its tests (at most
    /// [`MAX_TEMPLATES`]).
    /// Each with the end of its section (see [`Checker::section_end`]).
    templates: Vec<(&'a str, Part, usize)>,
    /// A bit per class of the templates' names (see [`Binds::name_bit`]).
    template_names: u64,
    /// The templates' names, sorted, each once.
    template_sorted: Vec<&'a str>,
    /// Warnings held in [`Checker::pending`] that become errors when their
    /// binding held in no check (see [`Checker::check_byte_factor`]).
    promote: Vec<(u32, BindRef)>,
    /// Values stated on their own (`name = value`) in a test: the test and
    /// the number's token range (see [`Checker::check_stray_values`]).
    stated: Vec<(usize, TextRange, NumberShape)>,
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

/// The longest test ID read as one (`ATT-TIME-12` is 11 bytes).
const MAX_ID_LEN: usize = 64;

fn valid_id(id: &str) -> bool {
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
            test_index: Vec::new(),
            file_binds: Binds::default(),
            claims: Vec::with_capacity(text.len() / 128),
            diags: Findings::default(),
            pending: Vec::new(),
            fails: Vec::new(),
            last_block: None,
            templates: Vec::new(),
            template_names: 0,
            template_sorted: Vec::new(),
            promote: Vec::new(),
            stated: Vec::new(),
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
    fn test_by_id(&self, id: &str) -> Option<usize> {
        let ix = &self.test_index;
        let k = ix.partition_point(|&i| self.tests[i].id.as_str() < id);
        ix.get(k).copied().filter(|&i| self.tests[i].id == id)
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
        self.lookup_ref(test, name).and_then(|r| self.bind(r))
    }

    /// Where the binding `lookup` finds is.
    fn lookup_ref(&self, test: Option<usize>, name: &str) -> Option<BindRef> {
        let mut t = test;
        let mut depth = 0;
        while let Some(i) = t {
            if let Some(k) = self.tests[i].binds.latest(name) {
                return Some(BindRef(i as u32, k as u32));
            }
            t = self.tests[i].inherits;
            depth += 1;
            if depth > 16 {
                break;
            }
        }
        self.file_binds
            .latest(name)
            .map(|k| BindRef(u32::MAX, k as u32))
    }

    fn lookup_alias_ref(&self, test: Option<usize>, name: &str) -> Option<BindRef> {
        self.lookup_ref(test, name).or_else(|| match name {
            "bytes" | "bytes_per_element" => self.lookup_ref(test, "bytes_per_elem"),
            _ => None,
        })
    }

    fn bind(&self, r: BindRef) -> Option<&Bind<'a>> {
        let list = match r.0 {
            u32::MAX => &self.file_binds.list,
            t => &self.tests.get(t as usize)?.binds.list,
        };
        list.get(r.1 as usize)
    }

    fn bind_mut(&mut self, r: BindRef) -> Option<&mut Bind<'a>> {
        let list = match r.0 {
            u32::MAX => &mut self.file_binds.list,
            t => &mut self.tests.get_mut(t as usize)?.binds.list,
        };
        list.get_mut(r.1 as usize)
    }

    /// Whether every binding a check used is sound (not taken from a claim
    /// that fails itself).
    fn sound(&self, uses: &Uses) -> bool {
        uses.iter()
            .all(|&(_, r)| self.bind(r).is_none_or(|b| !b.tainted))
    }

    /// The bindings a check used, for its claim.
    fn binding_uses(&self, uses: &Uses) -> Vec<BindingUse> {
        uses.iter()
            .filter_map(|&(used_at, r)| {
                let b = self.bind(r)?;
                Some(BindingUse {
                    name_at: b.name_at,
                    value: b.value,
                    bound_at: b.range,
                    used_at,
                })
            })
            .collect()
    }

    /// Counts a check that held for every binding it used.
    fn held(&mut self, uses: &Uses) {
        for &(_, r) in uses {
            if let Some(b) = self.bind_mut(r) {
                b.passes += 1;
            }
        }
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
        self.resolve_culprits();
        self.check_template_relations(&lx);
        self.check_stray_values(&lx);
        self.check_chips();
        self.check_sizes();
        self.check_single_chip();
        self.check_conventions();
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
            // A bulleted expression whose result the next line states.
            let expression = || {
                raw.bytes()
                    .any(|b| matches!(b, b'+' | b'-' | b'*' | b'/' | b'^'))
                    && lines[line_no + 1..]
                        .iter()
                        .find(|l| l.kind != LineKind::Blank)
                        .is_some_and(|l| starts_with_eq(self.doc.slice(l.range)))
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
            line: line_no,
            bridged: true,
        });
    }

    fn walk(&mut self, lx: &Lexed<'a>) {
        let mut open: Option<(Chain<'a>, Option<usize>)> = None;
        // The line of the open chain's last side.
        let mut open_line = 0usize;
        let mut recent: Option<Recent> = None;
        let mut prev_line = usize::MAX;
        let mut sc = std::mem::take(&mut self.scan_buf);
        let mut cache = std::mem::take(&mut self.scan_cache);
        for line_no in 0..self.doc.lines.len() {
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
                    && let Some(r) = recent
                        .take()
                        .filter(|r| r.unfinished && r.test == test && r.line == before)
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

    /// The level of the heading whose line is `range`.
    fn heading_level(&self, range: TextRange) -> u8 {
        let hs = &self.doc.headings;
        let k = hs.partition_point(|h| h.range.start <= range.start);
        k.checked_sub(1)
            .and_then(|i| hs.get(i))
            .filter(|h| h.range.end >= range.start)
            .map_or(1, |h| h.level)
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
        let mut diags = self.diags.finish();
        mantile_diag::sort_diagnostics(&mut diags);
        SpecReport {
            diagnostics: diags,
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
            let r = self.lookup_alias_ref(test, name)?;
            let b = self.bind(r)?;
            let used_at = toks.get(idx).map(|t| t.range).unwrap_or_default();
            uses.push((used_at, r));
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
                        value_at: p.range,
                        passes: 0,
                        trusted: true,
                        tainted: false,
                        checked: true,
                        prev: u32::MAX,
                    });
                }
            }
            return;
        }
        // (A number alone, the most common side, has neither; nor has a
        // side without `^` or `/`.)
        if !self.prepass {
            for p in sides {
                if p.expr.is_some_and(|e| !self.arena.is_single_literal(e)) {
                    let toks = p.toks(&lx.toks);
                    let op = |c: char| toks.iter().any(|t| t.tok == Tok::Op(c));
                    if op('^') {
                        self.check_unit_scales(lx, p);
                    }
                    if op('/') {
                        self.check_division_by_zero(lx, p);
                    }
                }
            }
        }
        let mut uses = Uses::new();
        let mut vals: SmallVec<[Option<Interval>; 4]> = SmallVec::new();
        for p in sides {
            vals.push(self.eval_part(lx, p, test, LiteralMode::Stated, &mut uses));
        }
        // A name no line gave a value, for which the next side substitutes
        // one (`2 * M * d_q = 2 * 1024 * 4096`): bound to it.
        // (Such a side holds by construction: it pins nothing.)
        let mut inferred: u64 = 0;
        if !self.prepass && vals.iter().any(Option::is_none) {
            inferred = self.infer_names(lx, sides, &vals, test);
        }
        if inferred != 0 {
            uses.clear();
            vals.clear();
            for p in sides {
                vals.push(self.eval_part(lx, p, test, LiteralMode::Stated, &mut uses));
            }
        }
        let mut status = ClaimStatus::Unevaluated;
        let mut reference: Option<Interval> = None;
        // A literal calculation exact arithmetic cannot hold (beyond i128,
        // or a division by zero): far off every other side, it is wrong.
        if sides.len() >= 2
            && let Some((i, approx)) = self.out_of_range_side(lx, sides, &vals)
        {
            status = ClaimStatus::Mismatch;
            self.report_out_of_range(sides, &vals, i, approx);
        }
        if sides.len() >= 2 && status != ClaimStatus::Mismatch {
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
                        let sound = self.sound(&uses);
                        let d = self.report_formula_mismatch(
                            lx,
                            sides,
                            (si, sv),
                            (li, lv),
                            &uses,
                            sound,
                        );
                        self.hold_for_culprits(lx, d, &sides[si], test, lv, &uses);
                    }
                } else if let Some((bad, good)) = find_culprit(&sym, &agree) {
                    status = ClaimStatus::Mismatch;
                    reference = Some(good.1);
                    let sound = self.sound(&uses);
                    let d = self.report_formula_mismatch(lx, sides, bad, good, &uses, sound);
                    self.hold_for_culprits(lx, d, &sides[bad.0], test, good.1, &uses);
                }
            }
        }
        // The last calculation of a code block, and the summary below it.
        if !self.prepass && chain.code_block && sides.len() >= 2 && status == ClaimStatus::Ok {
            self.last_block = reference.or(stated_value(&vals)).map(|value| BlockResult {
                name: target,
                value,
                range: sides.last().map_or(TextRange::default(), |p| p.range),
                line: 0,
                test,
            });
        }
        if !self.prepass
            && chain.after_block
            && let (Some(name), [p]) = (target, sides)
            && let Some(v) = vals[0]
            && p.expr.is_some_and(|e| self.arena.is_single_literal(e))
            && self.summary_mismatch(name, v, p.range, test)
        {
            status = ClaimStatus::Mismatch;
        }
        // `bytes = 4,194,304 * 2`: the byte size multiplied in.
        if !self.prepass
            && let Some(ti) = test
        {
            self.check_byte_factor(lx, ti, sides);
        }
        // A formula the file gives for a name outside its tests
        // (`compute_time_ms = flops_per_chip / peak_flops × 1000`): kept,
        // and the calculations of that name in tests compared with it.
        if !self.prepass
            && let Some(name) = target
            && status != ClaimStatus::Mismatch
        {
            match test {
                None => {
                    for p in sides {
                        // A formula (`B*S`), not a name (`B = batch_size`).
                        let formula = p.expr.is_some_and(|e| {
                            !self.arena.is_literal_only(e) && self.arena.single_var(e).is_none()
                        });
                        if formula && self.templates.len() < MAX_TEMPLATES {
                            let end = self.section_end(p.range.start as usize);
                            self.templates.push((name, *p, end));
                            self.template_names |= Binds::name_bit(name);
                            if let Err(k) = self.template_sorted.binary_search(&name) {
                                self.template_sorted.insert(k, name);
                            }
                        }
                    }
                }
                Some(_) if self.template_names & Binds::name_bit(name) != 0 => {
                    if self.check_against_templates(lx, name, sides, test) {
                        status = ClaimStatus::Mismatch;
                    }
                }
                Some(_) => {}
            }
        }
        // `d * d_ff + d_ff * d = 2 * d * d_ff`: formulas over the same
        // names of no value must agree for any values.
        if !self.prepass
            && status == ClaimStatus::Unevaluated
            && sides.len() >= 2
            && vals.iter().all(Option::is_none)
            && self.check_identity(lx, sides, test)
        {
            status = ClaimStatus::Mismatch;
        }
        // Sides no exact comparison decides, compared by their form: a
        // number substituted for a name or copied from the side before.
        // (Where the claim failed already, only sides it could not
        // compare.)
        if !self.prepass
            && sides.len() >= 2
            && self.check_forms(lx, sides, &vals, test, status == ClaimStatus::Mismatch)
        {
            status = ClaimStatus::Mismatch;
        }
        if status == ClaimStatus::Ok {
            self.held(&uses);
        }
        if status == ClaimStatus::Ok
            && chain.region == Region::Steps
            && let (Some(ti), Some(v)) = (test, reference)
        {
            push_reserving(&mut self.tests[ti].ok_values, v, 16);
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
                bindings: self.binding_uses(&uses),
            });
        }
        // A value stated on its own, and every literal of a calculation no
        // exact check pins (its claim cannot be evaluated, or agrees only
        // approximately), for the stray-value check.
        if let (false, Some(ti)) = (self.prepass, test)
            && chain.region != Region::Expected
            && status != ClaimStatus::Mismatch
        {
            // (A lone side with no name: a bare `= value` line that
            // continues no calculation.)
            let lone = sides.len() == 1
                && (target.is_some()
                    || sides[0]
                        .expr
                        .is_some_and(|e| self.arena.is_single_literal(e)));
            let exact =
                |i: usize| vals[i].is_some_and(|v| v.is_exact()) && inferred >> i.min(63) & 1 == 0;
            let exact_sides = (0..sides.len()).filter(|&i| exact(i)).count();
            for (i, p) in sides.iter().enumerate() {
                // Held exactly against another exact side.
                let pinned = status == ClaimStatus::Ok && exact_sides >= 2 && exact(i);
                let Some(e) = p.expr else { continue };
                if pinned || !(lone || sides.len() >= 2) {
                    continue;
                }
                let st = p.toks(&lx.toks);
                let stated = &mut self.stated;
                self.arena.literals(e, &mut |k| {
                    if let Some(Token {
                        tok: Tok::Num(n),
                        range,
                        ..
                    }) = st.get(k)
                        && !n.approx
                        && !n.truncated
                        && let Some(shape) = NumberShape::of_lit(n)
                    {
                        stated.push((ti, *range, shape));
                    }
                });
            }
        }
        // A name the test already gave a value, stated again.
        if let (false, Some(name), Some(tt), Some(ti)) = (self.prepass, target, &target_tok, test)
            && chain.region != Region::Expected
            && !refers_elsewhere(self.doc.text, tt.range.start as usize)
        {
            let value = match sides.len() {
                1 => vals[0],
                _ if status == ClaimStatus::Ok => reference.or(stated),
                _ => None,
            };
            if let Some(v) = value {
                let at = tt.range.start as usize;
                self.restatement_of_name(ti, name, tt.range, v, sides.last().map(|p| p.range), at);
            }
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
            push_reserving(
                &mut self.tests[ti].steps,
                StepResult {
                    name,
                    value,
                    range: p.range,
                    literal,
                    grounded,
                    failed: status == ClaimStatus::Mismatch,
                    inputs: idx,
                },
                8,
            );
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
                value_at: last.map_or(tt.range, |p| p.range),
                passes: 0,
                trusted,
                tainted: status == ClaimStatus::Mismatch,
                checked: trusted || (status == ClaimStatus::Ok && sides.len() >= 2),
                prev: u32::MAX,
            };
            match test {
                Some(ti) => self.tests[ti].binds.push(b),
                None => self.file_binds.push(b),
            }
        }
    }

    /// A byte count written as a count times a small factor (`bytes =
    /// 4,194,304 * 2`, `Bytes = 1,310,720 × 2`): the factor is a byte size,
    /// one of the test's (`bytes_per_elem`, `softmax_stat_bytes`). One that
    /// is none of them is held against each: a warning when other checks
    /// hold with each value, else an error (or the parameter reported, when
    /// every use disagrees with it the same way).
    fn check_byte_factor(&mut self, lx: &Lexed, ti: usize, sides: &[Part]) {
        let Some(first) = sides.first() else { return };
        // A side `… * k` first (cheap), then the label.
        let product = sides.iter().any(|p| {
            p.expr.is_some_and(|e| {
                matches!(self.arena.node(e), Node::Bin('*', _, k) if matches!(self.arena.node(k), Node::Num(_)))
            })
        });
        if !product {
            return;
        }
        // The label: the text before the first side on its line (its last
        // 64 bytes, so that many claims on one line cost linear time).
        let text = self.doc.text.as_bytes();
        let at = (first.range.start as usize).min(text.len());
        let window = &text[at.saturating_sub(64)..at];
        let label = match window.iter().rposition(|&b| b == b'\n' || b == b'\r') {
            Some(i) => &window[i + 1..],
            None => window,
        };
        // (`y` is rare in labels: most are passed over at the first test.)
        let has = |w: &[u8]| {
            label
                .windows(w.len())
                .any(|x| x[0] | 0x20 == w[0] && x.iter().zip(w).all(|(a, b)| a | 0x20 == *b))
        };
        if !(label.contains(&b'y') || label.contains(&b'Y')) || !has(b"bytes") || has(b"per") {
            return;
        }
        for p in sides {
            let Some(e) = p.expr else { continue };
            let Node::Bin('*', left, k) = self.arena.node(e) else {
                continue;
            };
            let toks = p.toks(&lx.toks);
            let Node::Num(ki) = self.arena.node(k) else {
                continue;
            };
            if !self.arena.is_literal_only(left) {
                continue;
            }
            let Some(Token {
                tok: Tok::Num(kl),
                range: k_at,
                ..
            }) = toks.get(ki as usize)
            else {
                continue;
            };
            let Some(kv) = kl.value().as_integer().filter(|v| (1..=8).contains(v)) else {
                continue;
            };
            let Some(bpe) = self.lookup_alias_ref(Some(ti), "bytes_per_elem") else {
                return;
            };
            // Most often bytes_per_elem itself.
            if let Some(b) = self.bind_mut(bpe)
                && b.value.exact_value() == Some(Rational::int(kv))
            {
                b.passes += 1;
                continue;
            }
            // The test's byte sizes: names that say bytes, of a small value.
            let sizes = self.byte_sizes(ti);
            if let Some(r) = sizes.iter().find(|(_, v)| *v == kv).map(|(r, _)| *r) {
                if let Some(b) = self.bind_mut(r) {
                    b.passes += 1;
                }
                continue;
            }
            let mut held: SmallVec<[BindRef; 4]> = sizes.iter().map(|(r, _)| *r).collect();
            if !held.contains(&bpe) {
                held.insert(0, bpe);
            }
            let named: Vec<String> = held
                .iter()
                .filter_map(|&r| self.bind(r))
                .map(|b| format!("{} = {}", b.name, b.value.display()))
                .collect();
            let Some(b) = self.bind(bpe).cloned() else {
                return;
            };
            let range = *k_at;
            if !self.diags.room(&FORMULA_MISMATCH, range, Severity::Warning) {
                continue;
            }
            let d = Diagnostic::new(
                &FORMULA_MISMATCH,
                range,
                format!(
                    "the byte size multiplied in is {kv}, but the test's are {}",
                    named.join(", ")
                ),
            )
            .with_severity(Severity::Warning)
            .with_related(b.range, format!("{} = {}", b.name, b.value.display()));
            let finding = self.pending.len() as u32;
            self.pending.push(Some(d));
            // Each byte size may be the wrong one.
            for r in held {
                self.promote.push((finding, r));
                self.fails.push(Fail {
                    bind: r,
                    finding,
                    solution: Some(Rational::int(kv)),
                });
            }
        }
    }

    /// The bindings test `ti` sees (its own, those it inherits, the
    /// file's) whose names say bytes, with small integer values.
    fn byte_sizes(&self, ti: usize) -> SmallVec<[(BindRef, i128); 4]> {
        // The names that say bytes among the first bindings of each list
        // (parameters come first: a test's byte sizes are among them; a
        // bounded look, so that many byte counts cost linear time).
        let mut names: SmallVec<[&str; 4]> = SmallVec::new();
        let mut t = Some(ti);
        let mut depth = 0;
        let lists = std::iter::from_fn(|| {
            let i = t?;
            t = self.tests[i].inherits;
            depth += 1;
            (depth <= 16).then(|| &self.tests[i].binds.list)
        })
        .chain(std::iter::once(&self.file_binds.list));
        for list in lists {
            for b in list.iter().take(BYTE_SIZE_SCAN) {
                if b.name.contains("bytes") && !names.contains(&b.name) {
                    names.push(b.name);
                }
            }
        }
        names
            .into_iter()
            .filter_map(|n| {
                let r = self.lookup_ref(Some(ti), n)?;
                let v = self.bind(r)?.value.exact_value()?.as_integer()?;
                (1..=16).contains(&v).then_some((r, v))
            })
            .collect()
    }

    /// Where the section holding byte `at` (outside the tests) ends: at
    /// the next heading that is no test's, of its heading's level or above
    /// (`# Sliding Window Attention (SWA) Tests` ends the GQA conventions).
    fn section_end(&self, at: usize) -> usize {
        let hs = &self.doc.headings;
        let k = hs.partition_point(|h| (h.range.start as usize) <= at);
        let level = k.checked_sub(1).map_or(0, |i| hs[i].level);
        hs[k..]
            .iter()
            .find(|h| h.level <= level && parse_test_heading(&h.text).is_none())
            .map_or(self.doc.text.len(), |h| h.range.start as usize)
    }

    /// The literal sides of a calculation of `name` in a test, each
    /// compared by its form with the formulas the file gives for the name
    /// (see [`Checker::check_forms`]). Whether one was reported.
    fn check_against_templates(
        &mut self,
        lx: &Lexed<'a>,
        name: &str,
        sides: &[Part],
        test: Option<usize>,
    ) -> bool {
        if self.template_sorted.binary_search(&name).is_err() {
            return false;
        }
        let at = sides.first().map_or(0, |p| p.range.start as usize);
        let templates: SmallVec<[Part; 2]> = self
            .templates
            .iter()
            .filter(|(n, p, end)| same(n, name) && (p.range.start as usize) < at && at < *end)
            .map(|(_, p, _)| *p)
            .collect();
        let mut found = false;
        for t in &templates {
            for p in sides {
                if !p.expr.is_some_and(|e| self.arena.is_literal_only(e)) {
                    continue;
                }
                let Some(f) = self.forms(lx, t, p, test) else {
                    continue;
                };
                // One number differs where the rest agree, or has the
                // same operators around it (names the test does not give
                // face numbers).
                let [m] = &f.mismatch[..] else { continue };
                let coincides = |v: &Interval| v.overlaps(&m.a.1) || v.overlaps(&m.b.1);
                if (f.agree == 0 && f.common < 2) || f.infer.iter().any(|x| coincides(&x.value)) {
                    continue;
                }
                self.report_form_mismatch(t, p, m);
                found = true;
            }
        }
        found
    }

    /// The formulas the file gives for names, held against each test that
    /// binds the name and every name of the formula (`d = h*dh` in the
    /// conventions, and a test with d = 1024, h = 16, dh = 62).
    fn check_template_relations(&mut self, lx: &Lexed<'a>) {
        if self.templates.is_empty() {
            return;
        }
        // Only names some test gives as a parameter can be held to one.
        let mut params: SmallVec<[&str; 8]> = SmallVec::new();
        for t in &self.tests {
            for b in &t.binds.list {
                if b.trusted
                    && self.template_names & Binds::name_bit(b.name) != 0
                    && !params.contains(&b.name)
                    && self.templates.iter().any(|x| same(x.0, b.name))
                {
                    params.push(b.name);
                }
            }
        }
        let mut out = Vec::new();
        for &(name, part, end) in &self.templates {
            if !params.contains(&name) {
                continue;
            }
            let Some(e) = part.expr else { continue };
            let toks = part.toks(&lx.toks);
            let from = self
                .tests
                .partition_point(|t| t.start < part.range.start as usize);
            for ti in from..self.tests.len() {
                if self.tests[ti].start >= end {
                    break;
                }
                let Some(r) = self.lookup_ref(Some(ti), name).filter(|r| r.0 != u32::MAX) else {
                    continue;
                };
                let Some(b) = self.bind(r).filter(|b| b.trusted && b.value.is_exact()) else {
                    continue;
                };
                // Every name of the formula a parameter of the test.
                let mut all_params = true;
                let mut lookup = |n: &str, _: usize| -> Option<Interval> {
                    let r = self.lookup_ref(Some(ti), n)?;
                    let b = self.bind(r)?;
                    all_params &= r.0 != u32::MAX && b.trusted;
                    Some(b.value)
                };
                let Some(v) = expr::eval(&self.arena, e, toks, LiteralMode::Exact, &mut lookup)
                else {
                    continue;
                };
                if !all_params || v.overlaps(&b.value) {
                    continue;
                }
                let formula = excerpt(self.doc.slice(part.range).trim());
                out.push(
                    Diagnostic::new(
                        &FORMULA_MISMATCH,
                        b.value_at,
                        format!(
                            "{name} is {} here, but `{formula}` is {} with the test's values",
                            b.value.display(),
                            v.display()
                        ),
                    )
                    .with_related(part.range, format!("{name} = {formula}")),
                );
            }
        }
        out.sort_by_key(|d| d.range.start);
        out.dedup_by_key(|d| d.range);
        for d in out {
            if self.diags.room(d.rule, d.range, Severity::Error) {
                self.diags.push(d);
            }
        }
    }

    /// A division by a number that is 0 (`flops_total / 0`, `x / (2 - 2)`):
    /// no value, whatever the names are.
    fn check_division_by_zero(&mut self, lx: &Lexed, p: &Part) {
        let Some(e) = p.expr else { return };
        let toks = p.toks(&lx.toks);
        let mut divisors: SmallVec<[ExprId; 4]> = SmallVec::new();
        self.arena.visit_pub(e, &mut |n| {
            if let Node::Bin('/', _, d) = n {
                divisors.push(d);
            }
            true
        });
        let zero = divisors.into_iter().find(|&d| {
            self.arena.is_literal_only(d)
                && expr::eval(&self.arena, d, toks, LiteralMode::Exact, &mut |_, _| None)
                    .is_some_and(|v| v.exact_value() == Some(Rational::ZERO))
        });
        let Some(d) = zero else { return };
        let Some((lo, hi)) = expr::token_span(&self.arena, d) else {
            return;
        };
        let (Some(a), Some(b)) = (toks.get(lo), toks.get(hi)) else {
            return;
        };
        let range = a.range.cover(b.range);
        if !self.diags.room(&CLAIM_MISMATCH, range, Severity::Error) {
            return;
        }
        let text = excerpt(self.doc.slice(p.range).trim());
        self.diags.push(Diagnostic::new(
            &CLAIM_MISMATCH,
            range,
            format!("`{text}` divides by zero"),
        ));
    }

    /// A name in a unit (`peak_tflops`, `memory_bw_gb_s`) times a power
    /// (`10^12`): the power must be the unit's (TFLOPS are 10^12 FLOPS; a
    /// GB is 10^9 or 2^30 bytes).
    fn check_unit_scales(&mut self, lx: &Lexed, p: &Part) {
        let Some(e) = p.expr else { return };
        let toks = p.toks(&lx.toks);
        let mut found: SmallVec<[(u32, u32, u32); 2]> = SmallVec::new();
        expr::scaled_names(&self.arena, e, &mut |n, b, k| found.push((n, b, k)));
        for (n, b, k) in found {
            let (Some(name), Some(base), Some(exp)) = (
                toks.get(n as usize),
                toks.get(b as usize),
                toks.get(k as usize),
            ) else {
                continue;
            };
            let (Tok::Ident(name_s), Tok::Num(bl), Tok::Num(kl)) = (&name.tok, &base.tok, &exp.tok)
            else {
                continue;
            };
            let Some((unit, decimal, binary)) = unit_of_name(name_s) else {
                continue;
            };
            let (bv, kv) = (bl.value().as_integer(), kl.value().as_integer());
            let ok = matches!((bv, kv), (Some(10), Some(k)) if k == decimal)
                || matches!((bv, kv, binary), (Some(2), Some(k), Some(bk)) if k == bk);
            if ok {
                continue;
            }
            let range = base.range.cover(exp.range);
            if !self
                .diags
                .room(&CONVERSION_MISMATCH, range, Severity::Error)
            {
                continue;
            }
            let want = match binary {
                Some(bk) => format!("10^{decimal} (or 2^{bk})"),
                None => format!("10^{decimal}"),
            };
            self.diags.push(Diagnostic::new(
                &CONVERSION_MISMATCH,
                range,
                format!(
                    "{name_s} is in {unit}: one {unit} is {want} of the base unit, not {}",
                    self.doc.slice(range)
                ),
            ));
        }
    }

    /// `name ≈ value` right below a code block whose last calculation
    /// gives a related name (`total_memory_load_time_ms` after
    /// `total_load_time_ms = … = 0.168 ms`): its summary, of the same
    /// value. (The same name is the restatement check's.) Whether it was
    /// reported.
    fn summary_mismatch(
        &mut self,
        name: &str,
        value: Interval,
        at: TextRange,
        test: Option<usize>,
    ) -> bool {
        let Some(b) = self.last_block.filter(|b| b.test == test) else {
            return false;
        };
        let Some(block_name) = b.name.filter(|n| *n != name && related_names(n, name)) else {
            return false;
        };
        if value.overlaps(&b.value) || !self.diags.room(&CLAIM_MISMATCH, at, Severity::Error) {
            return false;
        }
        self.diags.push(
            Diagnostic::new(
                &CLAIM_MISMATCH,
                at,
                format!(
                    "{name} is {} here, but the calculation above gives {block_name} = {}",
                    value.display(),
                    b.value.display()
                ),
            )
            .with_related(b.range, format!("{block_name} = {}", b.value.display())),
        );
        true
    }

    /// Sides that use the same names, none of which has a value (formulas
    /// written two ways), evaluated with the same made-up values for the
    /// names: an identity gives one value, so two values mean one side is
    /// wrong. Whether one was reported.
    fn check_identity(&mut self, lx: &Lexed, sides: &[Part], test: Option<usize>) -> bool {
        // The names of each side, sorted; all must be the same, and unbound.
        let mut names: SmallVec<[SmallVec<[&str; 4]>; 4]> = SmallVec::new();
        for p in sides {
            let Some(e) = p.expr else { return false };
            let toks = p.toks(&lx.toks);
            let mut ns: SmallVec<[&str; 4]> = SmallVec::new();
            let mut ok = true;
            expr::var_names(&self.arena, e, toks, &mut |n| {
                ok &= self.lookup_alias_ref(test, n).is_none() && ns.len() < 8;
                if !ns.contains(&n) {
                    ns.push(n);
                }
            });
            if !ok || ns.is_empty() {
                return false;
            }
            ns.sort_unstable();
            names.push(ns);
        }
        if names.iter().any(|ns| *ns != names[0]) {
            return false;
        }
        // Made-up values: primes, one per name.
        const PRIMES: [i128; 8] = [1009, 2003, 3001, 4001, 5003, 6007, 7001, 8009];
        let value = |n: &str| {
            let k = names[0].iter().position(|x| *x == n)?;
            Some(Interval::exact(Rational::int(PRIMES[k])))
        };
        let mut vals: SmallVec<[Interval; 4]> = SmallVec::new();
        for p in sides {
            let Some(e) = p.expr else { return false };
            let mut lookup = |n: &str, _: usize| value(n);
            let Some(v) = expr::eval(
                &self.arena,
                e,
                p.toks(&lx.toks),
                LiteralMode::Exact,
                &mut lookup,
            ) else {
                return false;
            };
            vals.push(v);
        }
        let Some(i) = (1..vals.len()).find(|&i| vals[i] != vals[0]) else {
            return false;
        };
        let (a, b) = (&sides[0], &sides[i]);
        if !self.diags.room(&CLAIM_MISMATCH, b.range, Severity::Error) {
            return true;
        }
        let (at, bt) = (
            excerpt(self.doc.slice(a.range).trim()),
            excerpt(self.doc.slice(b.range).trim()),
        );
        self.diags.push(
            Diagnostic::new(
                &CLAIM_MISMATCH,
                b.range,
                format!(
                    "`{bt}` is not `{at}`: they differ for values of {}",
                    names[0].join(", ")
                ),
            )
            .with_related(a.range, "the side it should equal"),
        );
        true
    }

    /// The value of the subtree `e` of a side whose tokens are `toks`, its
    /// names looked up (not counted as uses).
    fn eval_sub(&self, e: ExprId, toks: &[Token], test: Option<usize>) -> Option<Interval> {
        let mut lookup = |name: &str, _: usize| -> Option<Interval> {
            self.bind(self.lookup_alias_ref(test, name)?)
                .map(|b| b.value)
        };
        expr::eval(&self.arena, e, toks, LiteralMode::Stated, &mut lookup)
    }

    /// Two sides walked in step (see [`expr::align`]), each pair where
    /// they part judged; `None` when they do not have one form (two
    /// different names face each other, or too many pairs).
    fn forms(&self, lx: &Lexed<'a>, a: &Part, b: &Part, test: Option<usize>) -> Option<Forms<'a>> {
        let (ea, eb) = (a.expr?, b.expr?);
        let (ta, tb) = (a.toks(&lx.toks), b.toks(&lx.toks));
        let mut pairs = SmallVec::new();
        let common = expr::align(&self.arena, (ea, ta), (eb, tb), 32, &mut pairs)?;
        let var = |e: ExprId, toks: &[Token<'a>]| match self.arena.node(e) {
            Node::Var(i) => match toks.get(i as usize) {
                Some(&Token {
                    tok: Tok::Ident(n),
                    range,
                    ..
                }) => Some((n, range)),
                _ => None,
            },
            _ => None,
        };
        let range = |e: ExprId, toks: &[Token]| {
            let (lo, hi) = expr::token_span(&self.arena, e)?;
            Some(toks.get(lo)?.range.cover(toks.get(hi)?.range))
        };
        let mut f = Forms {
            common,
            ..Forms::default()
        };
        for (x, y) in pairs {
            let (vx, vy) = (var(x, ta), var(y, tb));
            if let (Some((n, _)), Some((m, _))) = (vx, vy)
                && same(n, m)
            {
                f.agree += 1;
                continue;
            }
            let (ix, iy) = (self.eval_sub(x, ta, test), self.eval_sub(y, tb, test));
            match (ix, iy) {
                (Some(p), Some(q)) if p.overlaps(&q) => f.agree += 1,
                // Two names that differ: two formulas, not one substituted.
                _ if vx.is_some() && vy.is_some() => return None,
                (Some(p), Some(q)) => {
                    let bind = |v: Option<(&str, TextRange)>| {
                        v.and_then(|(n, _)| self.lookup_alias_ref(test, n))
                    };
                    f.mismatch.push(FormMismatch {
                        a: (range(x, ta)?, p),
                        b: (range(y, tb)?, q),
                        bind: bind(vx).or(bind(vy)),
                    });
                }
                (None, Some(q)) if let Some((name, name_at)) = vx => f.infer.push(Inferred {
                    name,
                    name_at,
                    value: q,
                    value_at: range(y, tb)?,
                    later: false,
                }),
                (Some(p), None) if let Some((name, name_at)) = vy => f.infer.push(Inferred {
                    name,
                    name_at,
                    value: p,
                    value_at: range(x, ta)?,
                    later: true,
                }),
                _ => f.opaque += 1,
            }
        }
        Some(f)
    }

    /// Binds the names a side uses with no value where the side next to it
    /// substitutes a number for them, when everything else in the two
    /// sides agrees and the side then has the other's value. A bit per
    /// side that names were bound for.
    fn infer_names(
        &mut self,
        lx: &Lexed<'a>,
        sides: &[Part],
        vals: &[Option<Interval>],
        test: Option<usize>,
    ) -> u64 {
        let mut bound = 0u64;
        for i in 0..sides.len().saturating_sub(1) {
            let (a, b) = (&sides[i], &sides[i + 1]);
            let (known, unknown, k) = match (vals[i], vals[i + 1]) {
                (None, Some(v)) => (v, a, i),
                (Some(v), None) => (v, b, i + 1),
                _ => continue,
            };
            let Some(f) = self.forms(lx, a, b, test) else {
                continue;
            };
            if f.infer.is_empty()
                || !f.mismatch.is_empty()
                || f.agree == 0
                || f.infer.iter().any(|x| x.later != f.infer[0].later)
            {
                continue;
            }
            // One value per name.
            let consistent = f.infer.iter().all(|x| {
                f.infer
                    .iter()
                    .all(|y| !same(x.name, y.name) || x.value == y.value)
            });
            if !consistent || f.infer.iter().any(|x| !x.value.is_exact()) {
                continue;
            }
            // The side with those values must have the other's value.
            let toks = unknown.toks(&lx.toks);
            let mut lookup = |name: &str, _: usize| -> Option<Interval> {
                match f.infer.iter().find(|x| same(x.name, name)) {
                    Some(x) => Some(x.value),
                    None => self
                        .bind(self.lookup_alias_ref(test, name)?)
                        .map(|b| b.value),
                }
            };
            let Some(e) = unknown.expr else { continue };
            let holds = expr::eval(&self.arena, e, toks, LiteralMode::Stated, &mut lookup)
                .is_some_and(|v| v.overlaps(&known) && v.is_exact() == known.is_exact());
            if !holds {
                continue;
            }
            for x in f.infer {
                if self.lookup_alias_ref(test, x.name).is_some() {
                    continue;
                }
                let b = Bind {
                    name: x.name,
                    name_at: x.name_at,
                    value: x.value,
                    range: x.name_at.cover(x.value_at),
                    value_at: x.value_at,
                    passes: 0,
                    trusted: false,
                    tainted: false,
                    checked: false,
                    prev: u32::MAX,
                };
                match test {
                    Some(ti) => self.tests[ti].binds.push(b),
                    None => self.file_binds.push(b),
                }
                bound |= 1 << k.min(63);
            }
        }
        bound
    }

    /// Compares neighbouring sides that no exact comparison decides (a
    /// side with a name of no value, or a value stated approximately) by
    /// their form: where the two have one form and everything else agrees,
    /// one number that differs from the number or the name's value facing
    /// it is wrong. Whether one was reported.
    fn check_forms(
        &mut self,
        lx: &Lexed<'a>,
        sides: &[Part],
        vals: &[Option<Interval>],
        test: Option<usize>,
        failed: bool,
    ) -> bool {
        let mut found = false;
        for i in 0..sides.len() - 1 {
            let decided = match (vals[i], vals[i + 1]) {
                (Some(p), Some(q)) => failed || (p.is_exact() && q.is_exact()),
                _ => false,
            };
            if decided {
                continue;
            }
            let Some(f) = self.forms(lx, &sides[i], &sides[i + 1], test) else {
                continue;
            };
            let [m] = &f.mismatch[..] else { continue };
            if f.agree == 0 {
                continue;
            }
            // A name bound here to the number that differs, or to the
            // number facing it: the factors may be written in another
            // order (`d * d_q = 4096 * 2880`).
            let coincides = |v: &Interval| v.overlaps(&m.a.1) || v.overlaps(&m.b.1);
            if f.infer.iter().any(|x| coincides(&x.value)) {
                continue;
            }
            self.report_form_mismatch(&sides[i], &sides[i + 1], m);
            found = true;
        }
        found
    }

    fn report_form_mismatch(&mut self, a: &Part, b: &Part, m: &FormMismatch) {
        let name = m
            .bind
            .and_then(|r| self.bind(r))
            .map(|b| (b.name, b.value, b.range));
        let rule = if name.is_some() {
            &FORMULA_MISMATCH
        } else {
            &CLAIM_MISMATCH
        };
        // The number, not the name: on the side that has it.
        let (at, other, other_side) = match name {
            Some(_) if self.doc.slice(m.b.0).contains(|c: char| c.is_ascii_digit()) => {
                (m.b, m.a, a)
            }
            Some(_) => (m.a, m.b, b),
            None => (m.b, m.a, a),
        };
        if !self.diags.room(rule, at.0, Severity::Error) {
            return;
        }
        let here = excerpt(self.doc.slice(at.0).trim());
        let msg = match name {
            Some((n, v, _)) => format!("`{here}` stands for {n} here, but {n} = {}", v.display()),
            None => format!(
                "`{here}` here, but `{}` in the same place of `{}`",
                excerpt(self.doc.slice(other.0).trim()),
                excerpt(self.doc.slice(other_side.range).trim())
            ),
        };
        let mut d = Diagnostic::new(rule, at.0, msg);
        match name {
            Some((n, v, bound_at)) => {
                d = d.with_related(bound_at, format!("{n} = {}", v.display()));
                let finding = self.pending.len() as u32;
                self.pending.push(Some(d));
                if let Some(r) = m.bind {
                    self.fails.push(Fail {
                        bind: r,
                        finding,
                        solution: at.1.exact_value(),
                    });
                }
            }
            None => {
                d = d.with_related(other.0, "the same place on the side next to it");
                self.diags.push(d);
            }
        }
    }

    /// A side that is a literal calculation with no exact value (beyond
    /// `i128`, or dividing by zero), whose approximate value is infinite or
    /// more than 1% away from another side's value: its index and value.
    fn out_of_range_side(
        &self,
        lx: &Lexed,
        sides: &[Part],
        vals: &[Option<Interval>],
    ) -> Option<(usize, f64)> {
        if vals.iter().all(Option::is_some) {
            return None;
        }
        let other = vals.iter().flatten().next()?;
        let (lo, hi) = (other.lo.to_f64(), other.hi.to_f64());
        sides.iter().enumerate().find_map(|(i, p)| {
            if vals[i].is_some() {
                return None;
            }
            let e = p.expr.filter(|&e| self.arena.is_literal_only(e))?;
            let x = expr::eval_f64(&self.arena, e, p.toks(&lx.toks))?;
            let far = !x.is_finite() || x < lo - 0.01 * lo.abs() || x > hi + 0.01 * hi.abs();
            far.then_some((i, x))
        })
    }

    fn report_out_of_range(
        &mut self,
        sides: &[Part],
        vals: &[Option<Interval>],
        i: usize,
        approx: f64,
    ) {
        let p = &sides[i];
        if !self.diags.room(&CLAIM_MISMATCH, p.range, Severity::Error) {
            return;
        }
        let text = excerpt(self.doc.slice(p.range).trim());
        let other = vals
            .iter()
            .flatten()
            .next()
            .map(|v| v.display())
            .unwrap_or_default();
        let msg = if approx.is_finite() {
            format!("`{text}` is about {approx:.3e}, not {other}")
        } else {
            format!("`{text}` divides by zero")
        };
        self.diags
            .push(Diagnostic::new(&CLAIM_MISMATCH, p.range, msg));
    }

    /// `name` (written at `name_at`) stated as `value` (the side at
    /// `side_at`) where test `ti` already gave it a value: they must agree.
    /// Only names that look like symbols (`d`, `M_q`, `tp`, `flops_total`;
    /// `TP` for `tp`) are compared: words (`Total`, `Bytes`) label
    /// different values in turn.
    fn restatement_of_name(
        &mut self,
        ti: usize,
        name: &str,
        name_at: TextRange,
        value: Interval,
        side_at: Option<TextRange>,
        at: usize,
    ) {
        if !is_symbol(name) {
            return;
        }
        // Most names are bound in the test itself.
        let r = match self.tests[ti].binds.before(name, at) {
            Some(k) => BindRef(ti as u32, k as u32),
            None => match self.restated_ref(ti, name, at) {
                Some(r) => r,
                None => return,
            },
        };
        let Some(prev) = self.bind_mut(r) else { return };
        // A bare statement may be revised by a later one ("Let me
        // recalculate: …"); a calculation or a parameter may not.
        if !prev.checked || prev.tainted {
            return;
        }
        if prev.value.overlaps(&value) {
            prev.passes += 1;
            return;
        }
        let (prev_value, prev_range, trusted) = (prev.value, prev.range, prev.trusted);
        let range = side_at.unwrap_or(name_at);
        let rule = if trusted {
            &FORMULA_MISMATCH
        } else {
            &CLAIM_MISMATCH
        };
        if !self.diags.room(rule, range, Severity::Error) {
            return;
        }
        let what = if trusted {
            "the test's value"
        } else {
            "stated above"
        };
        let d = Diagnostic::new(
            rule,
            range,
            format!(
                "{name} is {} here, but {} ({what})",
                value.display(),
                prev_value.display()
            ),
        )
        .with_related(prev_range, format!("{name} = {}", prev_value.display()));
        self.fails.push(Fail {
            bind: r,
            finding: self.pending.len() as u32,
            solution: value.exact_value(),
        });
        self.pending.push(Some(d));
    }

    /// The binding a restated symbol is held against when the test binds
    /// no such name before it: its lower-case form (`TP`), the long name it
    /// stands for (`tensor_parallel`), or a parameter the test inherits.
    fn restated_ref(&self, ti: usize, name: &str, at: usize) -> Option<BindRef> {
        let lower;
        let mut names: SmallVec<[&str; 3]> = smallvec::smallvec![name];
        if name.len() <= 3 && name.bytes().all(|c| c.is_ascii_uppercase()) {
            lower = name.to_ascii_lowercase();
            names.push(&lower);
        }
        if let Some(long) = names.iter().find_map(|n| long_name(n)) {
            names.push(long);
        }
        if names.len() == 1 && self.tests[ti].inherits.is_none() {
            return None;
        }
        // Bound in this test before the statement, or else a parameter of
        // the test it inherits from (and not given again here).
        // (`name` itself the caller looked up.)
        let own = names[1..]
            .iter()
            .find_map(|n| self.tests[ti].binds.before(n, at))
            .map(|k| BindRef(ti as u32, k as u32));
        let inherited = || {
            let mut t = self.tests[ti].inherits;
            for _ in 0..16 {
                let i = t?;
                let binds = &self.tests[i].binds;
                if let Some(k) = names
                    .iter()
                    .filter(|n| binds.trusted_mask & Binds::name_bit(n) != 0)
                    .find_map(|n| binds.latest_where(n, |b| b.trusted))
                {
                    return Some(BindRef(i as u32, k as u32));
                }
                t = self.tests[i].inherits;
            }
            None
        };
        let own_later = || {
            names
                .iter()
                .any(|n| self.tests[ti].binds.latest(n).is_some())
        };
        own.or_else(|| if own_later() { None } else { inherited() })
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
        let single = bp.expr.is_some_and(|e| self.arena.is_single_literal(e));
        let btoks = bp.toks(&lx.toks);
        let range = if single {
            btoks.first().map(|t| t.range).unwrap_or(bp.range)
        } else {
            bp.range
        };
        if !self.diags.room(&CLAIM_MISMATCH, range, Severity::Error) {
            return;
        }
        let gtext = excerpt(self.doc.slice(gp.range).trim());
        let btext = excerpt(self.doc.slice(bp.range).trim());
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
        uses: &Uses,
        sound: bool,
    ) -> Option<Diagnostic> {
        let fp = &sides[formula.0];
        let np = &sides[numbers.0];
        let np_single = np.expr.is_some_and(|e| self.arena.is_single_literal(e));
        let range = if np_single {
            np.toks(&lx.toks)
                .first()
                .map(|t| t.range)
                .unwrap_or(np.range)
        } else {
            np.range
        };
        let severity = if sound {
            Severity::Error
        } else {
            Severity::Warning
        };
        if !self.diags.room(&FORMULA_MISMATCH, range, severity) {
            return None;
        }
        let ftext = excerpt(self.doc.slice(fp.range).trim());
        let ntext = excerpt(self.doc.slice(np.range).trim());
        // The names the formula uses, each once (a few, then how many more).
        let mut seen: HashSet<String> = HashSet::new();
        let mut names: Vec<String> = Vec::new();
        let mut more = 0usize;
        for u in self.binding_uses(uses) {
            if fp.range.contains_inclusive(u.used_at.start as usize) {
                let s = format!("{} = {}", self.doc.slice(u.used_at), u.value.display());
                if seen.contains(&s) {
                    continue;
                }
                if names.len() < MAX_NAMED {
                    names.push(s.clone());
                } else {
                    more += 1;
                }
                seen.insert(s);
            }
        }
        if more > 0 {
            names.push(format!("and {more} more"));
        }
        let msg = format!(
            "`{ntext}` is {}, but `{ftext}` is {} with {}",
            numbers.1.display(),
            formula.1.display(),
            names.join(", ")
        );
        let mut d = Diagnostic::new(&FORMULA_MISMATCH, range, msg).with_related(
            fp.range,
            format!("the formula gives {}", formula.1.display()),
        );
        if !sound {
            d = d.with_severity(Severity::Warning);
        }
        if np_single && let Some(fix) = replacement_fix(&lx.toks, &self.arena, np, formula.1) {
            d = d.with_fix(fix);
        }
        Some(d)
    }

    /// Holds the finding `d` of a check that failed, with the value each
    /// binding it used would need for `formula` to be `target`.
    fn hold_for_culprits(
        &mut self,
        lx: &Lexed,
        d: Option<Diagnostic>,
        formula: &Part,
        test: Option<usize>,
        target: Interval,
        uses: &Uses,
    ) {
        let Some(d) = d else { return };
        let finding = self.pending.len() as u32;
        self.pending.push(Some(d));
        let mut seen: SmallVec<[BindRef; 4]> = SmallVec::new();
        for &(_, r) in uses {
            if seen.contains(&r) {
                continue;
            }
            seen.push(r);
            let solution = self.solve(lx, formula, test, r, target);
            self.fails.push(Fail {
                bind: r,
                finding,
                solution,
            });
        }
    }

    /// The value binding `r` would need for `formula` to be `target`: found
    /// when the formula is a power (`c·x^k`, k ≤ 3) or affine (`a + b·x`)
    /// in it, and the result is exact.
    fn solve(
        &self,
        lx: &Lexed,
        formula: &Part,
        test: Option<usize>,
        r: BindRef,
        target: Interval,
    ) -> Option<Rational> {
        let b = self.bind(r)?;
        let (name, x0) = (b.name, b.value.exact_value()?);
        let target = target.exact_value()?;
        let e = formula.expr?;
        let toks = formula.toks(&lx.toks);
        let at = |x: Rational| -> Option<Rational> {
            let mut lookup = |n: &str, _: usize| -> Option<Interval> {
                match self.lookup_alias_ref(test, n)? {
                    found if found == r => Some(Interval::exact(x)),
                    other => self.bind(other).map(|b| b.value),
                }
            };
            let _ = name;
            expr::eval(&self.arena, e, toks, LiteralMode::Stated, &mut lookup)?.exact_value()
        };
        let a = if x0 == Rational::ZERO {
            Rational::ONE
        } else {
            x0
        };
        let two = Rational::int(2);
        let three = Rational::int(3);
        let (f1, f2, f3) = (at(a)?, at(a.checked_mul(two)?)?, at(a.checked_mul(three)?)?);
        if f1 == f2 {
            return None;
        }
        // A power: f(2a)/f(a) = 2^k and f(3a)/f(a) = 3^k.
        if f1 != Rational::ZERO {
            let r2 = f2.checked_div(f1)?;
            let r3 = f3.checked_div(f1)?;
            for k in 1..=3i128 {
                if r2 == two.checked_pow(k)? && r3 == three.checked_pow(k)? {
                    let ratio = target.checked_div(f1)?;
                    let root = exact_root(ratio, k as u32)?;
                    return a.checked_mul(root);
                }
            }
        }
        // Affine: equal steps.
        let d1 = f2.checked_sub(f1)?;
        if f3.checked_sub(f2)? == d1 {
            let slope = d1.checked_div(a)?;
            return a.checked_add(target.checked_sub(f1)?.checked_div(slope)?);
        }
        None
    }

    /// Reports a binding every use of which fails, and would hold with one
    /// other value, instead of those uses (a mistyped parameter is found
    /// where it is written); then every other finding held.
    fn resolve_culprits(&mut self) {
        let mut fails = std::mem::take(&mut self.fails);
        fails.sort_by_key(|f| (f.bind.0, f.bind.1, f.finding));
        // Each binding every use of which fails, all holding with one other
        // value: its findings, and how many of them write that value.
        struct Candidate {
            bind: BindRef,
            value: Rational,
            findings: SmallVec<[u32; 4]>,
            written: usize,
        }
        let mut candidates: Vec<Candidate> = Vec::new();
        let mut i = 0;
        while i < fails.len() {
            let r = fails[i].bind;
            let j = i + fails[i..].iter().take_while(|f| f.bind == r).count();
            let group = &fails[i..j];
            i = j;
            let Some(b) = self.bind(r) else { continue };
            let solution = group[0].solution;
            let consistent = group.iter().all(|f| f.solution == solution);
            let Some(v) = solution.filter(|_| consistent && group.len() >= 2 && b.passes == 0)
            else {
                continue;
            };
            if b.tainted || b.value.overlaps(&Interval::exact(v)) {
                continue;
            }
            let findings: SmallVec<[u32; 4]> = group.iter().map(|f| f.finding).collect();
            let shape = v.as_integer().and_then(NumberShape::of_integer);
            let written = findings
                .iter()
                .filter_map(|&k| self.pending.get(k as usize)?.as_ref())
                .filter(|d| {
                    shape
                        .as_ref()
                        .is_some_and(|s| numbers_in(self.doc.slice(d.range)).any(|(_, n)| n == *s))
                })
                .count();
            candidates.push(Candidate {
                bind: r,
                value: v,
                findings,
                written,
            });
        }
        // Where two bindings explain the same failures, the one whose value
        // the calculations write (`1024` for d, not `1` for B) is the one;
        // when neither stands out, each use keeps its own finding.
        let shares =
            |a: &Candidate, b: &Candidate| a.findings.iter().any(|f| b.findings.contains(f));
        let accepted: Vec<usize> = (0..candidates.len())
            .filter(|&c| {
                candidates.iter().enumerate().all(|(o, other)| {
                    o == c
                        || !shares(&candidates[c], other)
                        || candidates[c].written > other.written
                })
            })
            .collect();
        for c in accepted {
            let cand = &candidates[c];
            let Some(b) = self.bind(cand.bind) else {
                continue;
            };
            let (name, value, value_at, trusted) = (b.name, b.value, b.value_at, b.trusted);
            let v = cand.value;
            let mut related = Vec::new();
            for &f in &cand.findings {
                if let Some(d) = self.pending.get_mut(f as usize).and_then(Option::take) {
                    related.push(d.range);
                }
            }
            if related.is_empty() {
                continue;
            }
            let rule = if trusted {
                &FORMULA_MISMATCH
            } else {
                &CLAIM_MISMATCH
            };
            let mut d = Diagnostic::new(
                rule,
                value_at,
                format!(
                    "{name} is {} here, but the {} calculations that use it hold with {name} = {}",
                    value.display(),
                    cand.findings.len(),
                    Interval::exact(v).display()
                ),
            );
            for r in related.iter().take(MAX_NAMED) {
                d = d.with_related(
                    *r,
                    format!("holds with {name} = {}", Interval::exact(v).display()),
                );
            }
            if let Some(n) = v.as_integer() {
                let style = NumberStyle::detect(self.doc.slice(value_at).trim_matches('*'));
                let new = format_with_style(n, style);
                let digits = leading_number(self.doc.text, value_at);
                d = d.with_fix(Fix::replace(format!("Set {name} to {new}"), digits, new));
            }
            self.diags.push(d);
        }
        // A warning whose binding no check corroborates: one of the two is
        // wrong, an error.
        for (f, r) in std::mem::take(&mut self.promote) {
            let lone = self.bind(r).is_some_and(|b| b.passes == 0);
            if let Some(Some(d)) = self.pending.get_mut(f as usize)
                && lone
            {
                d.severity = Severity::Error;
            }
        }
        for d in std::mem::take(&mut self.pending).into_iter().flatten() {
            self.diags.push(d);
        }
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
        let bpe_ref = self.lookup_ref(test, "bytes_per_elem");
        let bpe = bpe_ref.and_then(|r| self.bind(r)).cloned();
        let right = expr::literal_interval(lit, LiteralMode::Stated);
        let range = conv.left.range.cover(right_range);
        let mut status = ClaimStatus::Unevaluated;
        let mut value = None;
        if let (Some(l), Some(b), Some(r)) = (left, bpe.as_ref(), right) {
            if let Some(r) = bpe_ref {
                uses.push((right_range, r));
            }
            if let Some(bytes) = l.mul(&b.value) {
                value = Some(bytes);
                status = if bytes.overlaps(&r) {
                    ClaimStatus::Ok
                } else {
                    ClaimStatus::Mismatch
                };
                if status == ClaimStatus::Mismatch
                    && self
                        .diags
                        .room(&CONVERSION_MISMATCH, right_range, Severity::Error)
                {
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
                    // bytes_per_elem would be bytes / elements; a name in the
                    // element count whatever makes it bytes / bytes_per_elem.
                    let finding = self.pending.len() as u32;
                    self.pending.push(Some(d));
                    for &(_, br) in &uses {
                        let solution = if Some(br) == bpe_ref {
                            r.exact_value()
                                .zip(l.exact_value())
                                .and_then(|(r, l)| r.checked_div(l))
                        } else {
                            r.div(&b.value)
                                .and_then(|target| self.solve(lx, &conv.left, test, br, target))
                        };
                        self.fails.push(Fail {
                            bind: br,
                            finding,
                            solution,
                        });
                    }
                } else if status == ClaimStatus::Ok {
                    self.held(&uses);
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
            bindings: self.binding_uses(&uses),
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
        if status == ClaimStatus::Mismatch
            && self.diags.room(
                &CONVERSION_MISMATCH,
                r.restated.range.cover(r.unit),
                Severity::Error,
            )
        {
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
            if t.expected.is_empty() {
                continue;
            }
            // Each metric's Expected values (in order of first mention) and
            // the last step that states it.
            let mut exps: SmallMap<&str, SmallVec<[usize; 2]>> = SmallMap::default();
            for (i, (e, _)) in t.expected.iter().enumerate() {
                exps.entry(e.name.as_str(), SmallVec::new).push(i);
            }
            let mut last_step: SmallMap<&str, usize> = SmallMap::default();
            for (i, s) in t.steps.iter().enumerate() {
                if exps.get(&s.name).is_some() {
                    last_step.insert(s.name, i);
                }
            }
            let mut found: Vec<(StepResult, ExpectedMetric, Option<NumberStyle>)> = Vec::new();
            for name in exps.keys() {
                let Some(step) = last_step.get(&name).map(|&i| &t.steps[i]) else {
                    continue;
                };
                let Some(exps) = exps.get(&name) else {
                    continue;
                };
                if exps
                    .iter()
                    .any(|&i| t.expected[i].0.value.overlaps(&step.value))
                    || step.failed
                {
                    continue;
                }
                let (e, style) = &t.expected[exps[0]];
                found.push((step.clone(), e.clone(), *style));
            }
            if found.is_empty() {
                continue;
            }
            let stale: HashSet<Rational> = found
                .iter()
                .filter(|(s, _, _)| !s.grounded)
                .filter_map(|(s, _, _)| s.value.exact_value())
                .collect();
            let id = t.id.clone();
            let ok_values: HashSet<Interval> = t.ok_values.iter().copied().collect();
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
        let mut listed: HashSet<String> = HashSet::new();
        // A test's values of a metric, gathered once per test and metric.
        let mut metric_values: SmallMap<(usize, &'static str), Vec<(Interval, TextRange)>> =
            SmallMap::default();
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
                listed.insert(id.clone());
                let Some(ti) = self.test_by_id(&id) else {
                    if !self
                        .diags
                        .room(&SUMMARY_COVERAGE, idcell.range, Severity::Warning)
                    {
                        continue;
                    }
                    self.diags.push(Diagnostic::new(
                        &SUMMARY_COVERAGE,
                        idcell.range,
                        format!(
                            "the summary lists Test {}, but the file has no such test",
                            excerpt(&id)
                        ),
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
                    let param;
                    let (name, values): (&str, &[(Interval, TextRange)]) = match col {
                        Column::Metric(m) => (
                            m,
                            metric_values.entry((ti, m), || {
                                self.tests[ti]
                                    .expected
                                    .iter()
                                    .filter(|(e, _)| e.name == *m)
                                    .map(|(e, _)| (e.value, e.range))
                                    .collect()
                            }),
                        ),
                        Column::Param(names) => {
                            let found = names.iter().find_map(|n| {
                                self.lookup(Some(ti), n)
                                    .filter(|b| b.trusted)
                                    .map(|b| (*n, b))
                            });
                            match found {
                                Some((n, b)) => {
                                    param = [(b.value, b.range)];
                                    (n, &param[..])
                                }
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
                    if !self.diags.room(&SUMMARY_MISMATCH, inner, Severity::Error) {
                        continue;
                    }
                    let mut d = Diagnostic::new(
                        &SUMMARY_MISMATCH,
                        inner,
                        format!(
                            "the summary gives Test {id} {} = {}, but the test has {name} = {}",
                            excerpt(table.header[ci].text),
                            excerpt(cell.text),
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
        let mut seen: SmallMap<&str, TextRange> = SmallMap::default();
        // Per ID prefix: the highest number so far, and its group's index.
        let mut last: SmallMap<&str, (u64, usize)> = SmallMap::default();
        let mut groups: Vec<(&str, Vec<(u64, TextRange)>)> = Vec::new();
        for t in &self.tests {
            if let Some(r) = seen.get(&t.id.as_str()) {
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
            seen.insert(&t.id, t.heading);
            let (prefix, num) = split_id(&t.id);
            let Some((n, sub)) = id_number(num) else {
                continue;
            };
            if sub {
                continue;
            }
            if let Some((prev, _)) = last.get(&prefix)
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
            match last.get_mut(&prefix) {
                Some((high, g)) => {
                    *high = (*high).max(n);
                    groups[*g].1.push((n, t.heading));
                }
                None => {
                    last.insert(prefix, (n, groups.len()));
                    groups.push((prefix, vec![(n, t.heading)]));
                }
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

    /// A value stated on its own (`Bytes per chip = 16,484`) that appears
    /// nowhere else in its test (no other line states or uses it, no
    /// calculation gives it) while a value one digit away does: a typo of
    /// that value, left behind when the lines that use it kept the right
    /// one. Values of three significant digits or more (small values meet
    /// one-digit neighbours by chance).
    ///
    /// First each value is counted among the numbers of the test's lines
    /// read for claims (their tokens) and the values its calculations
    /// give; one found there only once is then looked at against every
    /// number of the test's text.
    fn check_stray_values(&mut self, lx: &Lexed) {
        let stated = std::mem::take(&mut self.stated);
        let mut i = 0;
        while i < stated.len() {
            let ti = stated[i].0;
            let j = i + stated[i..].iter().take_while(|s| s.0 == ti).count();
            let Some(t) = self.tests.get(ti) else {
                i = j;
                continue;
            };
            let (start, end) = (t.start, t.end);
            // The values to look at, by shape, each with its count.
            let mut shapes: SmallVec<[(NumberShape, TextRange, u32); 8]> =
                stated[i..j].iter().map(|&(_, r, s)| (s, r, 0)).collect();
            i = j;
            if shapes.is_empty() {
                continue;
            }
            // A literal a chain shares with the next (a result carried to
            // the line below) is listed once.
            shapes.sort_unstable_by_key(|x| (x.0, x.1.start));
            shapes.dedup_by_key(|x| x.1);
            // A bit per value looked at: most numbers miss them all.
            // (A multiplicative hash of the low 64 bits: no 128-bit
            // division for each number of the test.)
            let bit =
                |digits: u128| 1u64 << ((digits as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 58);
            let bloom = shapes.iter().fold(0u64, |m, x| m | bit(x.0.digits));
            let mut tally = |shape: NumberShape, by: u32| {
                let k = shapes.partition_point(|x| x.0 < shape);
                for x in shapes[k..].iter_mut().take_while(|x| x.0 == shape) {
                    x.2 += by;
                }
            };
            let a = lx
                .toks
                .partition_point(|t| (t.range.start as usize) < start);
            let z = lx.toks.partition_point(|t| (t.range.start as usize) < end);
            let token_shape = |t: &Token| match &t.tok {
                Tok::Num(n) => {
                    let (digits, int_len, frac_len) = n.digits();
                    Some(NumberShape {
                        digits,
                        int_len: int_len as u8,
                        frac_len: frac_len as u8,
                    })
                }
                _ => None,
            };
            for t in &lx.toks[a..z] {
                if let Tok::Num(n) = &t.tok
                    && bloom & bit(n.digit_value()) != 0
                    && let Some(shape) = token_shape(t)
                {
                    tally(shape, 1);
                }
            }
            let k = self
                .claims
                .partition_point(|c| (c.range.start as usize) < start);
            let claims = || {
                self.claims[k..]
                    .iter()
                    .take_while(|c| (c.range.start as usize) < end)
                    .flat_map(|c| c.sides.iter())
                    .filter_map(|s| s.value?.exact_value()?.as_integer())
                    .filter_map(NumberShape::of_integer)
            };
            for c in self.claims[k..]
                .iter()
                .take_while(|c| (c.range.start as usize) < end)
            {
                for s in &c.sides {
                    // A side that is one number is counted among the tokens.
                    let k = lx.toks.partition_point(|t| t.range.start < s.range.start);
                    let single = lx
                        .toks
                        .get(k)
                        .is_some_and(|t| t.range == s.range && matches!(t.tok, Tok::Num(_)));
                    if !single
                        && let Some(v) = s.value.and_then(|v| v.exact_value()?.as_integer())
                        && v >= 0
                        && bloom & bit(v as u128) != 0
                        && let Some(shape) = NumberShape::of_integer(v)
                    {
                        tally(shape, 2);
                    }
                }
            }
            // The numbers of the test's claim lines and the values its
            // claims give, and of its whole text (with how many times and
            // where first): scanned for each value looked at while they are
            // few (the usual case), gathered in sets once they are many (a
            // hostile test's thousands).
            let few = shapes.iter().filter(|x| x.2 <= 1).count() <= 16;
            let mut lexed: Option<HashSet<NumberShape>> = None;
            let mut text_shapes: Option<HashMap<NumberShape, (u32, usize)>> = None;
            let mut all: Vec<(usize, NumberShape)> = Vec::new();
            let mut quoted: Option<(usize, Vec<(usize, NumberShape)>)> = None;
            for &(shape, range, n) in &shapes {
                // Stated more than once, or given by a calculation.
                if n > 1 {
                    continue;
                }
                let near = |s: &NumberShape| s.one_digit_from(&shape);
                // Taken from another test (`total KV bytes from GQA-1 =
                // 262,144`): it is in that test.
                if let Some(x) = self.test_named_on_line(range.start as usize, ti) {
                    let t = &self.tests[x];
                    // (The numbers of the test named last, kept.)
                    if quoted.as_ref().is_none_or(|q| q.0 != x) {
                        let there = numbers_in(self.doc.text.get(t.start..t.end).unwrap_or(""))
                            .map(|(at, n)| (at + t.start, n))
                            .collect();
                        quoted = Some((x, there));
                    }
                    let there = quoted.as_ref().map_or(&[][..], |q| &q.1[..]);
                    if there.iter().any(|n| n.1 == shape) {
                        continue;
                    }
                    if let Some(&(at, twin)) = there.iter().find(|n| near(&n.1))
                        && self.diags.room(&STRAY_VALUE, range, Severity::Error)
                    {
                        let d = self.stray_finding(range, at, twin, &t.id, " it is taken from");
                        self.diags.push(d);
                        continue;
                    }
                }
                let twin = if few {
                    if !lx.toks[a..z]
                        .iter()
                        .filter_map(token_shape)
                        .any(|s| near(&s))
                        && !claims().any(|s| near(&s))
                    {
                        continue;
                    }
                    // Confirmed against every number of the test's text.
                    if all.is_empty() {
                        let text = self.doc.text.get(start..end).unwrap_or("");
                        all.extend(numbers_in(text).map(|(at, n)| (at + start, n)));
                    }
                    if all.iter().filter(|n| n.1 == shape).count() > 1 {
                        continue;
                    }
                    all.iter().find(|n| near(&n.1)).copied()
                } else {
                    let lexed = lexed.get_or_insert_with(|| {
                        lx.toks[a..z]
                            .iter()
                            .filter_map(token_shape)
                            .chain(claims())
                            .collect()
                    });
                    if !shape.neighbours().any(|v| lexed.contains(&v)) {
                        continue;
                    }
                    let text_shapes = text_shapes.get_or_insert_with(|| {
                        let mut m: HashMap<NumberShape, (u32, usize)> = HashMap::new();
                        let text = self.doc.text.get(start..end).unwrap_or("");
                        for (at, n) in numbers_in(text) {
                            m.entry(n).or_insert((0, at + start)).0 += 1;
                        }
                        m
                    });
                    if text_shapes.get(&shape).is_some_and(|e| e.0 > 1) {
                        continue;
                    }
                    // The first in the text of the numbers one digit away.
                    shape
                        .neighbours()
                        .filter_map(|v| text_shapes.get(&v).map(|e| (e.1, v)))
                        .min_by_key(|e| e.0)
                };
                let Some((at, twin)) = twin else {
                    continue;
                };
                if !self.diags.room(&STRAY_VALUE, range, Severity::Error) {
                    continue;
                }
                let d = self.stray_finding(range, at, twin, &self.tests[ti].id, " else");
                self.diags.push(d);
            }
        }
    }

    /// The stray-value finding for the number at `range`, whose twin
    /// `twin` is at byte `at` of Test `id`.
    fn stray_finding(
        &self,
        range: TextRange,
        at: usize,
        twin: NumberShape,
        id: &str,
        which: &str,
    ) -> Diagnostic {
        let src = self.doc.slice(range);
        let twin_text = twin.display(NumberStyle::detect(src));
        let len = self.doc.text[at..]
            .find(|c: char| !(c.is_ascii_digit() || matches!(c, ',' | '_' | '.')))
            .unwrap_or(0);
        let (nowhere, there) = match which {
            " else" => ("nowhere else", ""),
            _ => ("nowhere", which),
        };
        Diagnostic::new(
            &STRAY_VALUE,
            range,
            format!(
                "{src} appears {nowhere} in Test {id}{there}, but {twin_text}, one digit away, does: a typo?"
            ),
        )
        .with_related(TextRange::new(at, at + len), format!("{twin_text} is here"))
        .with_fix(Fix::replace(
            format!("Replace with {twin_text}"),
            range,
            twin_text,
        ))
    }

    /// Another test than `ti` named on the line of byte `at` by its ID
    /// (`from GQA-1`, `From Test 2`), within 160 bytes of it.
    fn test_named_on_line(&self, at: usize, ti: usize) -> Option<usize> {
        let b = self.doc.text.as_bytes();
        let lo = at.saturating_sub(160);
        let start = b[lo..at]
            .iter()
            .rposition(|&c| c == b'\n' || c == b'\r')
            .map_or(lo, |i| lo + i + 1);
        let hi = (at + 160).min(b.len());
        let end = b[at..hi]
            .iter()
            .position(|&c| c == b'\n' || c == b'\r')
            .map_or(hi, |i| at + i);
        let line = self.doc.text.get(start..end)?;
        let words: SmallVec<[&str; 16]> = line
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
            .filter(|w| !w.is_empty())
            .collect();
        words.iter().enumerate().find_map(|(k, w)| {
            let w = w.trim_matches('-');
            let after_test = k > 0 && words[k - 1].eq_ignore_ascii_case("test");
            let id_like = w.contains('-') && w.ends_with(|c: char| c.is_ascii_digit());
            if !(id_like || after_test) || !valid_id(w) {
                return None;
            }
            self.test_by_id(w).filter(|&x| x != ti)
        })
    }

    /// `num_chips` against the parallelism the test gives: the product of
    /// its tensor, context and expert parallel degrees (as Mantile's layers
    /// count their chips), times its sequence, pipeline or data parallel
    /// degrees or not (layers differ on whether those add chips).
    fn check_chips(&mut self) {
        const ALWAYS: [[&str; 2]; 3] = [
            ["tensor_parallel", "tp"],
            ["context_parallel", "cp"],
            ["expert_parallel", "ep"],
        ];
        const MAYBE: [[&str; 2]; 3] = [
            ["sequence_parallel", "sp"],
            ["pipeline_parallel", "pp"],
            ["data_parallel", "dp"],
        ];
        for ti in 0..self.tests.len() {
            let degree = |names: &[&str; 2]| -> Option<(i128, bool)> {
                names.iter().find_map(|n| {
                    let r = self.lookup_ref(Some(ti), n)?;
                    let b = self.bind(r)?;
                    let v = b.value.exact_value()?.as_integer().filter(|&v| v >= 1)?;
                    Some((v, r.0 == ti as u32 && b.trusted))
                })
            };
            let Some(r) = self.lookup_ref(Some(ti), "num_chips") else {
                continue;
            };
            let Some(chips) = self.bind(r).filter(|b| b.trusted).cloned() else {
                continue;
            };
            let Some(n) = chips.value.exact_value().and_then(|v| v.as_integer()) else {
                continue;
            };
            let mut here = r.0 == ti as u32;
            let mut always = 1i128;
            let mut named = Vec::new();
            for names in &ALWAYS {
                if let Some((v, own)) = degree(names) {
                    always = always.saturating_mul(v);
                    here |= own;
                    named.push(format!("{} = {v}", names[1]));
                }
            }
            let mut maybe = Vec::new();
            for names in &MAYBE {
                if let Some((v, own)) = degree(names) {
                    maybe.push(v);
                    here |= own;
                    named.push(format!("{} = {v}", names[1]));
                }
            }
            // Only where this test states one of them, and says something.
            if !here || named.is_empty() {
                continue;
            }
            let fits = (0..1u32 << maybe.len()).any(|mask| {
                let p = maybe
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| mask & (1 << i) != 0)
                    .fold(always, |acc, (_, v)| acc.saturating_mul(*v));
                p == n
            });
            if fits {
                continue;
            }
            let all = maybe.iter().fold(always, |acc, v| acc.saturating_mul(*v));
            let range = chips.value_at;
            if !self.diags.room(&FORMULA_MISMATCH, range, Severity::Error) {
                continue;
            }
            self.diags.push(Diagnostic::new(
                &FORMULA_MISMATCH,
                range,
                format!(
                    "num_chips is {n}, but the test's parallelism ({}) gives {all} chips",
                    named.join(", ")
                ),
            ));
        }
    }

    /// A value the file gives outside its tests (`bytes_per_elem = 2` in
    /// the conventions) that every test after it stating the name (two or
    /// more) contradicts, all with one other value: the file's is wrong.
    fn check_conventions(&mut self) {
        // The file's names (the first few bindings of each).
        let mut names: SmallMap<&str, SmallVec<[usize; 2]>> = SmallMap::default();
        for (k, b) in self.file_binds.list.iter().enumerate() {
            if b.trusted && b.value.is_exact() {
                let v = names.entry(b.name, SmallVec::new);
                if v.len() < 8 {
                    v.push(k);
                }
            }
        }
        if names.items.is_empty() {
            return;
        }
        let mask = names.keys().fold(0u64, |m, n| m | Binds::name_bit(n));
        // What each test states for them: its own parameter, or else its
        // Expected value.
        let mut stated: SmallMap<&str, Vec<(usize, Interval)>> = SmallMap::default();
        for t in &self.tests {
            let mut seen: SmallVec<[&str; 8]> = SmallVec::new();
            let own = t
                .binds
                .list
                .iter()
                .filter(|b| b.trusted)
                .map(|b| (b.name, b.value));
            let expected = t.expected.iter().map(|(e, _)| (e.name.as_str(), e.value));
            for (n, v) in own.chain(expected) {
                if mask & Binds::name_bit(n) == 0 || names.get(&n).is_none() || seen.contains(&n) {
                    continue;
                }
                if seen.len() < 8 {
                    seen.push(n);
                }
                stated.entry(n, Vec::new).push((t.start, v));
            }
        }
        let mut out = Vec::new();
        for (name, binds) in &names.items {
            let Some(vals) = stated.get(name) else {
                continue;
            };
            for &k in binds {
                let b = &self.file_binds.list[k];
                let after: Vec<Interval> = vals
                    .iter()
                    .filter(|(start, _)| *start > b.range.start as usize)
                    .map(|(_, v)| *v)
                    .collect();
                let Some(first) = after.first() else { continue };
                let one = after.iter().all(|v| v.overlaps(first) && first.overlaps(v));
                if after.len() < 2 || !one || first.overlaps(&b.value) {
                    continue;
                }
                out.push(Diagnostic::new(
                    &FORMULA_MISMATCH,
                    b.value_at,
                    format!(
                        "{name} is {} here, but the {} tests after it that state it all give {}",
                        b.value.display(),
                        after.len(),
                        first.display()
                    ),
                ));
            }
        }
        for d in out {
            if self.diags.room(d.rule, d.range, Severity::Error) {
                self.diags.push(d);
            }
        }
    }

    /// A size or parallel degree given as 0 (`tensor_parallel = 0`,
    /// `batch_size = 0`): no layer has one; at least 1.
    fn check_sizes(&mut self) {
        const SIZES: [&str; 21] = [
            "hidden_size",
            "num_heads",
            "num_query_heads",
            "num_attention_heads",
            "num_kv_heads",
            "num_key_value_heads",
            "head_dim",
            "batch_size",
            "seq_len",
            "intermediate_size",
            "num_experts",
            "top_k",
            "bytes_per_elem",
            "num_chips",
            "tp",
            "cp",
            "ep",
            "sp",
            "pp",
            "dp",
            "moe_intermediate_size",
        ];
        let mut out = Vec::new();
        for t in &self.tests {
            let mut seen: SmallVec<[TextRange; 4]> = SmallVec::new();
            for b in t.binds.list.iter().filter(|b| b.trusted) {
                // (The value first: 0 is rare, the names are many.)
                if b.value.exact_value() != Some(Rational::ZERO)
                    || !(SIZES.contains(&b.name) || b.name.ends_with("_parallel"))
                    || seen.contains(&b.value_at)
                {
                    continue;
                }
                seen.push(b.value_at);
                out.push(Diagnostic::new(
                    &FORMULA_MISMATCH,
                    b.value_at,
                    format!(
                        "{} is 0, but a size or parallel degree is at least 1",
                        b.name
                    ),
                ));
            }
        }
        for d in out {
            if self.diags.room(d.rule, d.range, Severity::Error) {
                self.diags.push(d);
            }
        }
    }

    /// A test on one chip (every parallel degree it gives is 1, and so is
    /// `num_chips` when given) has no communication: a communication byte
    /// count or time it states is 0.
    fn check_single_chip(&mut self) {
        const DEGREES: [[&str; 2]; 6] = [
            ["tensor_parallel", "tp"],
            ["context_parallel", "cp"],
            ["expert_parallel", "ep"],
            ["sequence_parallel", "sp"],
            ["pipeline_parallel", "pp"],
            ["data_parallel", "dp"],
        ];
        const COMM: [&str; 4] = [
            "communication_bytes",
            "comm_bytes",
            "communication_time_ms",
            "comm_time_ms",
        ];
        let mut out = Vec::new();
        let zero = Interval::exact(Rational::ZERO);
        for ti in 0..self.tests.len() {
            // The communication the test states (most often none at all,
            // or 0): looked at before its parallelism.
            let t = &self.tests[ti];
            let stated = t
                .binds
                .list
                .iter()
                .filter(|b| COMM.contains(&b.name))
                .map(|b| (b.name, b.value, b.value_at));
            let expected = t
                .expected
                .iter()
                .filter(|(e, _)| COMM.contains(&e.name.as_str()))
                .map(|(e, _)| (e.name.as_str(), e.value, e.range));
            let some: SmallVec<[(&str, Interval, TextRange); 2]> = stated
                .chain(expected)
                .filter(|(_, v, _)| !v.overlaps(&zero))
                .collect();
            if some.is_empty() {
                continue;
            }
            let value = |n: &str| {
                let b = self.bind(self.lookup_ref(Some(ti), n)?)?;
                b.value.exact_value()?.as_integer()
            };
            let mut given = 0;
            let mut one_chip = true;
            for names in DEGREES
                .iter()
                .chain(std::iter::once(&["num_chips", "num_chips"]))
            {
                if let Some(v) = names.iter().find_map(|n| value(n)) {
                    given += 1;
                    one_chip &= v == 1;
                }
            }
            if given == 0 || !one_chip {
                continue;
            }
            for (name, v, at) in some {
                out.push(Diagnostic::new(
                    &FORMULA_MISMATCH,
                    at,
                    format!(
                        "{name} is {}, but Test {} runs on one chip: there is no communication",
                        v.display(),
                        t.id
                    ),
                ));
            }
        }
        for d in out {
            if self.diags.room(d.rule, d.range, Severity::Error) {
                self.diags.push(d);
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
        for d in out {
            self.diags.push(d);
        }
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

/// Sides up to which [`find_culprit`] compares every pair (cubic), rather
/// than every side with one reference (linear).
const CULPRIT_ALL_PAIRS: usize = 16;

/// Among values that should agree, the one that does not and one it should
/// match: (bad, good). With two sides the later one is taken as wrong.
#[allow(clippy::type_complexity)]
fn find_culprit(
    vals: &[(usize, Interval)],
    same: &dyn Fn((usize, Interval), (usize, Interval)) -> bool,
) -> Option<((usize, Interval), (usize, Interval))> {
    let n = vals.len();
    let agree = |a: usize, b: usize| same(vals[a], vals[b]);
    if n > CULPRIT_ALL_PAIRS {
        // A long chain: the first side is the reference, unless it alone
        // disagrees with the next two; the first side that disagrees with
        // the reference is wrong.
        let r = usize::from(!agree(0, 1) && !agree(0, 2) && agree(1, 2));
        let j = (0..n).find(|&j| j != r && !agree(r, j))?;
        return Some((vals[j], vals[r]));
    }
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
        // `peak_tflops = 1000 (1 PFLOP)`: a value in the unit its name says.
        let named_pow = match (
            value_unit.as_deref(),
            p.checked_sub(3).map(|i| &toks[i].tok),
        ) {
            (None, Some(Tok::Ident(name))) if matches!(toks[p - 2].tok, Tok::Eq { .. }) => {
                unit_of_name(name)
                    .filter(|u| u.0.ends_with("FLOPS"))
                    .map(|u| u.1 as i32)
            }
            _ => None,
        };
        let scales: Vec<Rational> = match (expr::unit_kind(unit), value_unit.as_deref()) {
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
fn has_formula(raw: &str) -> bool {
    raw.as_bytes().contains(&b'`')
        && raw
            .split('`')
            .skip(1)
            .step_by(2)
            .any(|code| code.contains(['*', '×', '·', '/', '+', '^']))
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

/// Whether the text before `at` on its line says "same as": what follows
/// describes another case (`(Same as EP=4; …)` in a test with EP = 8).
fn refers_elsewhere(text: &str, at: usize) -> bool {
    let start = text.as_bytes()[..at.min(text.len())]
        .iter()
        .rposition(|&b| b == b'\n' || b == b'\r')
        .map_or(0, |i| i + 1);
    contains_ignore_ascii_case(text.get(start..at).unwrap_or(""), "same as")
}

/// A number as its digits (without separators: `1,024` and `1024` are one
/// shape), with how many are before and after the decimal point (`1.0` and
/// `10` are not one shape). Numbers of more than 38 digits have none.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct NumberShape {
    digits: u128,
    int_len: u8,
    frac_len: u8,
}

impl NumberShape {
    /// The shape of a literal of three significant digits or more (small
    /// values meet one-digit neighbours by chance).
    fn of_lit(n: &crate::lex::NumLit) -> Option<NumberShape> {
        let (digits, int_len, frac_len) = n.digits();
        let shape = NumberShape {
            digits,
            int_len: int_len as u8,
            frac_len: frac_len as u8,
        };
        (shape.significant() >= 3).then_some(shape)
    }

    fn of_integer(n: i128) -> Option<NumberShape> {
        let digits = u128::try_from(n).ok()?;
        let int_len = match u64::try_from(digits) {
            Ok(small) => small.checked_ilog10(),
            Err(_) => digits.checked_ilog10(),
        }
        .map_or(1, |l| l + 1) as u8;
        Some(NumberShape {
            digits,
            int_len,
            frac_len: 0,
        })
    }

    fn len(&self) -> u32 {
        u32::from(self.int_len) + u32::from(self.frac_len)
    }

    /// Digits after any leading zeros.
    fn significant(&self) -> u32 {
        self.digits.checked_ilog10().map_or(0, |l| l + 1)
    }

    /// Whether `other` has the same form and differs in exactly one digit
    /// (a leading digit does not become 0).
    fn one_digit_from(&self, other: &NumberShape) -> bool {
        if self.int_len != other.int_len || self.frac_len != other.frac_len {
            return false;
        }
        let diff = self.digits.abs_diff(other.digits);
        if diff == 0 {
            return false;
        }
        // diff = d·10^k with a single nonzero digit d, and the two agree on
        // every other digit (no carry): their digits at k differ by d.
        let k = diff.trailing_zeros_decimal();
        let weight = 10u128.pow(k);
        let d = diff / weight;
        d < 10 && {
            let (a, b) = (self.digits / weight % 10, other.digits / weight % 10);
            a.abs_diff(b) == d && !(k + 1 == self.len() && self.int_len > 1 && a.min(b) == 0)
        }
    }

    /// Every shape one digit from this one (see
    /// [`NumberShape::one_digit_from`]).
    fn neighbours(&self) -> impl Iterator<Item = NumberShape> + '_ {
        let len = self.len().min(38);
        (0..len).flat_map(move |k| {
            let weight = 10u128.pow(k);
            let cur = self.digits / weight % 10;
            (0..10u128).filter(move |&d| d != cur).filter_map(move |d| {
                let digits = self.digits - cur * weight + d * weight;
                let v = NumberShape { digits, ..*self };
                self.one_digit_from(&v).then_some(v)
            })
        })
    }

    fn display(&self, style: NumberStyle) -> String {
        let scale = 10u128.pow(u32::from(self.frac_len));
        let int = i128::try_from(self.digits / scale).unwrap_or(0);
        let int = format_with_style(int, style);
        if self.frac_len == 0 {
            int
        } else {
            format!(
                "{int}.{:0width$}",
                self.digits % scale,
                width = usize::from(self.frac_len)
            )
        }
    }
}

/// The numbers of `text` (digit runs with `,`/`_` thousands groups and
/// decimals), with their byte offsets. Digits glued to a letter (`W1`,
/// `bf16`) are not numbers.
/// How many times 10 divides a number (0 for 0).
trait DecimalZeros {
    fn trailing_zeros_decimal(self) -> u32;
}

impl DecimalZeros for u128 {
    fn trailing_zeros_decimal(mut self) -> u32 {
        let mut k = 0;
        while self != 0 && self.is_multiple_of(10) {
            self /= 10;
            k += 1;
        }
        k
    }
}

/// Digits read one by one: in a `u64` while they fit (19), then a `u128`.
#[derive(Default)]
struct Digits {
    small: u64,
    big: Option<u128>,
    n: u32,
}

impl Digits {
    fn push(&mut self, d: u8) {
        self.n += 1;
        let d = d - b'0';
        if self.n <= 19 {
            self.small = self.small * 10 + u64::from(d);
        } else {
            self.big = self
                .big
                .or(Some(u128::from(self.small)))
                .and_then(|v| v.checked_mul(10))
                .and_then(|v| v.checked_add(u128::from(d)));
        }
    }

    fn value(&self) -> Option<u128> {
        if self.n <= 19 {
            Some(u128::from(self.small))
        } else {
            self.big
        }
    }
}

fn numbers_in(text: &str) -> impl Iterator<Item = (usize, NumberShape)> + '_ {
    let b = text.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        loop {
            // The next digit that starts a number.
            i += b.get(i..)?.iter().position(u8::is_ascii_digit)?;
            let start = i;
            let glued =
                i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_' || b[i - 1] == b'.');
            let mut acc = Digits::default();
            while i < b.len() && b[i].is_ascii_digit() {
                acc.push(b[i]);
                i += 1;
            }
            while i + 3 < b.len()
                && matches!(b[i], b',' | b'_')
                && b[i + 1..i + 4].iter().all(u8::is_ascii_digit)
                && !b.get(i + 4).is_some_and(u8::is_ascii_digit)
            {
                for &d in &b[i + 1..i + 4] {
                    acc.push(d);
                }
                i += 4;
            }
            let int_len = acc.n;
            let mut frac_len = 0u32;
            if i + 1 < b.len() && b[i] == b'.' && b[i + 1].is_ascii_digit() {
                i += 1;
                while i < b.len() && b[i].is_ascii_digit() {
                    acc.push(b[i]);
                    frac_len += 1;
                    i += 1;
                }
            }
            if glued || (i < b.len() && (b[i].is_ascii_alphabetic() || b[i] == b'_')) || acc.n > 38
            {
                continue;
            }
            let (Some(digits), Ok(int_len), Ok(frac_len)) =
                (acc.value(), u8::try_from(int_len), u8::try_from(frac_len))
            else {
                continue;
            };
            return Some((
                start,
                NumberShape {
                    digits,
                    int_len,
                    frac_len,
                },
            ));
        }
    })
}

/// The exact `k`-th root of `r`, when there is one.
fn exact_root(r: Rational, k: u32) -> Option<Rational> {
    if k == 1 {
        return Some(r);
    }
    if r.is_negative() {
        return None;
    }
    let root = |n: i128| -> Option<i128> {
        let guess = (n as f64).powf(1.0 / k as f64).round() as i128;
        (guess.saturating_sub(1)..=guess.saturating_add(1))
            .find(|&g| g >= 0 && g.checked_pow(k) == Some(n))
    };
    Rational::new(root(r.numer())?, root(r.denom())?)
}

/// The digits at the start of `range` (a value and perhaps its unit).
fn leading_number(text: &str, range: TextRange) -> TextRange {
    let src = text.get(range.as_range()).unwrap_or("");
    let len = src
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, ',' | '_' | '.')))
        .unwrap_or(src.len());
    TextRange::new(range.start as usize, range.start as usize + len)
}

/// Whether a name looks like a symbol for one quantity (`d`, `M_q`, `tp`,
/// `TP`, `flops_total`, `S_k`) rather than a word (`Total`, `bytes`,
/// `FLOPs`), which texts use as a label for one value after another.
fn is_symbol(name: &str) -> bool {
    name.contains('_') || name.len() <= 3
}

/// The unit a name says its value is in (`peak_tflops`: TFLOPS), with the
/// power of ten of one such unit, and of two for byte units.
fn unit_of_name(name: &str) -> Option<(&'static str, i128, Option<i128>)> {
    let n = name.to_ascii_lowercase();
    let ends = |s: &[&str]| s.iter().any(|x| n.ends_with(x));
    Some(if ends(&["_pflops", "_pflop"]) {
        ("PFLOPS", 15, None)
    } else if ends(&["_tflops", "_tflop"]) {
        ("TFLOPS", 12, None)
    } else if ends(&["_gflops", "_gflop"]) {
        ("GFLOPS", 9, None)
    } else if ends(&["_tb_s", "_tbps", "_tb"]) {
        ("TB", 12, Some(40))
    } else if ends(&["_gb_s", "_gbps", "_gb"]) {
        ("GB", 9, Some(30))
    } else if ends(&["_mb_s", "_mbps", "_mb"]) {
        ("MB", 6, Some(20))
    } else {
        return None;
    })
}

/// The parameter a conventional symbol stands for (`tp`: tensor_parallel,
/// `k`: top_k), as Mantile's specs write them.
fn long_name(symbol: &str) -> Option<&'static str> {
    Some(match symbol {
        "tp" => "tensor_parallel",
        "cp" => "context_parallel",
        "ep" => "expert_parallel",
        "sp" => "sequence_parallel",
        "pp" => "pipeline_parallel",
        "dp" => "data_parallel",
        "B" => "batch_size",
        "S" => "seq_len",
        "d" => "hidden_size",
        "h" => "num_heads",
        "dh" => "head_dim",
        "k" => "top_k",
        "E" => "num_experts",
        "d_ff" => "intermediate_size",
        _ => return None,
    })
}

/// The last side a calculation states a value for.
fn stated_value(vals: &[Option<Interval>]) -> Option<Interval> {
    vals.iter().rev().flatten().next().copied()
}

/// Two names of one quantity written two ways (`total_load_time_ms`,
/// `total_memory_load_time_ms`): the same unit (last part) and another
/// part of three letters or more in common.
fn related_names(a: &str, b: &str) -> bool {
    let (pa, pb): (SmallVec<[&str; 6]>, SmallVec<[&str; 6]>) =
        (a.split('_').collect(), b.split('_').collect());
    pa.len() >= 2
        && pb.len() >= 2
        && pa.last() == pb.last()
        && pa[..pa.len() - 1]
            .iter()
            .any(|x| x.len() >= 3 && pb[..pb.len() - 1].contains(x))
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

/// `v.push(x)`, room for `first` items made at the first push: a test
/// without any costs nothing, one with some grows once or twice at most.
#[inline]
fn push_reserving<T>(v: &mut Vec<T>, x: T, first: usize) {
    if v.capacity() == 0 {
        v.reserve_exact(first);
    }
    v.push(x);
}

/// How many findings of one rule a file gets, at most; the rest are
/// counted in one last finding (an editor cannot show 100,000 either).
const MAX_PER_RULE: usize = 1000;

/// A check's findings, at most [`MAX_PER_RULE`] per rule.
#[derive(Default)]
struct Findings {
    list: Vec<Diagnostic>,
    /// Findings kept per rule (by code).
    kept: Vec<(&'static str, usize)>,
    /// Per rule beyond the limit: how many were dropped, the first one's
    /// range and the highest severity.
    dropped: Vec<(&'static Rule, usize, TextRange, Severity)>,
}

/// `diagnostics` with at most [`MAX_PER_RULE`] findings per rule, in their
/// order; each rule's others are counted in one finding where the first of
/// them was (see [`crate::limit_per_rule`]).
pub(crate) fn limit_per_rule(diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let mut f = Findings::default();
    for d in diagnostics {
        f.push(d);
    }
    f.finish()
}

impl Findings {
    /// Whether a finding of `rule` at `range` would be kept: when not, it
    /// is counted now, so that the caller need not build it.
    fn room(&mut self, rule: &'static Rule, range: TextRange, severity: Severity) -> bool {
        let full = self
            .kept
            .iter()
            .any(|e| e.0 == rule.code && e.1 >= MAX_PER_RULE);
        if full {
            self.drop(rule, range, severity);
        }
        !full
    }

    fn drop(&mut self, rule: &'static Rule, range: TextRange, severity: Severity) {
        if let Some(e) = self.dropped.iter_mut().find(|e| e.0.code == rule.code) {
            e.1 += 1;
            e.3 = e.3.max(severity);
        } else {
            self.dropped.push((rule, 1, range, severity));
        }
    }

    /// The findings kept, then one per rule that had too many.
    fn finish(self) -> Vec<Diagnostic> {
        let mut diags = self.list;
        for (rule, n, range, severity) in self.dropped {
            diags.push(
                Diagnostic::new(
                    rule,
                    range,
                    format!(
                        "{} more {} findings in this file are not listed, from here on (at most {} per rule are)",
                        group_thousands(n),
                        rule.code,
                        group_thousands(MAX_PER_RULE)
                    ),
                )
                .with_severity(severity),
            );
        }
        diags
    }

    fn push(&mut self, d: Diagnostic) {
        let code = d.rule.code;
        let k = match self.kept.iter().position(|e| e.0 == code) {
            Some(k) => k,
            None => {
                self.kept.push((code, 0));
                self.kept.len() - 1
            }
        };
        if self.kept[k].1 < MAX_PER_RULE {
            self.kept[k].1 += 1;
            self.list.push(d);
        } else {
            self.drop(d.rule, d.range, d.severity);
        }
    }
}

fn group_thousands(n: usize) -> String {
    mantile_diag::format_grouped(n as i128)
}

/// How many characters of the text a finding quotes, at most.
const MAX_QUOTED: usize = 160;

/// `text` as a finding quotes it: whole, or its first [`MAX_QUOTED`]
/// characters and `…` (a side of 100,000 terms is not repeated in full).
fn excerpt(text: &str) -> String {
    match text.char_indices().nth(MAX_QUOTED) {
        None => text.to_string(),
        Some((at, _)) => format!("{}…", &text[..at]),
    }
}

/// How many bindings of a list [`Checker::byte_sizes`] looks at.
const BYTE_SIZE_SCAN: usize = 64;

/// How many formulas outside the tests are kept for the tests' calculations
/// (each is compared with every test).
const MAX_TEMPLATES: usize = 64;

/// How many names, values or places one finding lists before "and N more".
const MAX_NAMED: usize = 8;

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

    #[test]
    fn culprits_in_short_and_long_chains() {
        let v = |x: i128| Interval::exact(Rational::int(x));
        let same = |a: (usize, Interval), b: (usize, Interval)| a.1.overlaps(&b.1);
        for n in [3, 16, 17, 200] {
            // One side in the middle disagrees.
            let mut vals: Vec<(usize, Interval)> = (0..n).map(|i| (i, v(4))).collect();
            vals[n / 2].1 = v(5);
            let (bad, good) = find_culprit(&vals, &same).expect("a culprit");
            assert_eq!((bad.0, good.1), (n / 2, v(4)), "n = {n}");
            // The first side alone disagrees.
            let mut vals: Vec<(usize, Interval)> = (0..n).map(|i| (i, v(4))).collect();
            vals[0].1 = v(6);
            let (bad, good) = find_culprit(&vals, &same).expect("a culprit");
            assert_eq!((bad.0, good.1), (0, v(4)), "n = {n}");
            // All agree.
            let vals: Vec<(usize, Interval)> = (0..n).map(|i| (i, v(4))).collect();
            assert!(find_culprit(&vals, &same).is_none());
        }
        // Two sides: the later one is taken as wrong.
        let vals = [(0, v(1)), (1, v(2))];
        assert_eq!(find_culprit(&vals, &same).map(|(b, _)| b.0), Some(1));
    }
}

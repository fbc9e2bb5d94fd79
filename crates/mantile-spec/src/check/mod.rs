//! The checker: walks the document line by line, builds claims, binds names,
//! evaluates, then runs the consistency checks.
//!
//! [`Checker::run`] goes through the stages, each in its module:
//! - [`segment`]: the tests of the document and where each part of them is;
//! - [`extract`]: the lines read for claims, and the walk that builds chains;
//! - [`eval`]: a chain evaluated, its claim recorded, its target bound;
//! - [`compare`] and [`units`]: which side is wrong, sides compared by form,
//!   restated symbols, units and byte sizes on a side;
//! - [`report`]: findings, culprits reported where they are written, fixes;
//! - [`document`]: the document-level rules, one module each.
//!
//! This module holds what they share: the bindings, the tests, the parts of
//! a chain, and the look-ups.

mod compare;
mod document;
mod eval;
mod extract;
mod report;
mod segment;
mod units;

use self::compare::*;
use self::document::*;
use self::extract::*;
use self::report::*;
use self::segment::*;
use self::units::*;
use crate::doc::{Doc, LineKind, MarkdownCache};
use crate::expr::{self, Arena, ExprId, LiteralMode, Node, parse_exact, parse_prefix};
use crate::lex::{Class, Tok, Token};
use crate::model::*;
use crate::num::{Interval, Rational};
use crate::rules::*;
use mantile_diag::{Diagnostic, Fix, NumberStyle, Rule, Severity, TextRange, format_with_style};
use smallvec::SmallVec;
use std::collections::{HashMap, HashSet};

#[cfg(test)]
pub(crate) use self::extract::may_claim;
pub(crate) use self::report::limit_per_rule;

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

/// The names bound in one test (or the file), latest last. Looked up through
/// a small open-addressing table on [`Binds::key`] while there are few (every
/// real test binds a few dozen: the table is at most 1,024 slots,
/// so a probe is bounded however the keys collide), through an index by name
/// beyond that, so that a test binding 50,000 names costs linear time.
#[derive(Clone, Debug, Default)]
struct Binds<'a> {
    list: Vec<Bind<'a>>,
    /// [`Binds::key`] of each name in `list`, in the same order: the
    /// table's probes read these (four bytes a binding, where a [`Bind`]
    /// is over a hundred and its name lies elsewhere in the text).
    keys: Vec<u32>,
    /// Until `index` is built: an open-addressing table (linear probing, a
    /// power of two at least twice `list`'s length) of 1 + the index in
    /// `list` of each name's latest binding; 0 is an empty slot.
    slots: Vec<u16>,
    /// Two bits of 256 per name bound (from its key): most look-ups of a
    /// name bound nowhere stop here. (A test binds a few dozen names: one
    /// bit of 64 per name would leave most bits set.)
    bloom: [u64; 4],
    /// Name → index in `list` of its latest binding (built past `INDEX_FROM`).
    index: Option<HashMap<&'a str, usize>>,
    /// [`Binds::bloom`] of the trusted bindings (parameters) only.
    trusted_bloom: [u64; 4],
}

/// A name and its [`Binds::key`], computed once for look-ups in several
/// [`Binds`] (a test, the tests it inherits from, the file).
#[derive(Clone, Copy)]
struct Key<'n> {
    name: &'n str,
    hash: u32,
}

impl<'n> Key<'n> {
    #[inline]
    fn new(name: &'n str) -> Key<'n> {
        Key {
            name,
            hash: Binds::key(name),
        }
    }

    /// The two bloom bits of the name: (word, bit) twice.
    #[inline]
    fn bits(self) -> [(usize, u64); 2] {
        let h = self.hash;
        let bit = |x: u32| ((x as usize >> 6) & 3, 1u64 << (x & 63));
        [bit(h), bit(h >> 16)]
    }

    /// Whether both of the name's bits are set in `bloom`.
    #[inline]
    fn in_bloom(self, bloom: &[u64; 4]) -> bool {
        self.bits().iter().all(|&(w, b)| bloom[w] & b != 0)
    }
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

    /// A hash of a name: FxHash's step, eight bytes at a time, then byte by
    /// byte for the rest (a byte at a time cost ~4 instructions a byte);
    /// both halves folded into 32 bits.
    #[inline]
    fn key(name: &str) -> u32 {
        const K: u64 = 0x517C_C1B7_2722_0A95;
        let step = |h: u64, w: u64| (h.rotate_left(5) ^ w).wrapping_mul(K);
        let mut words = name.as_bytes().chunks_exact(8);
        let mut h = 0u64;
        for w in &mut words {
            h = step(h, u64::from_le_bytes(w.try_into().unwrap_or_default()));
        }
        for &b in words.remainder() {
            h = step(h, u64::from(b));
        }
        ((h >> 32) as u32 ^ h as u32) ^ (name.len() as u32).wrapping_mul(0x85EB_CA6B)
    }

    /// Whether `k`'s name may be bound here (false: it is not).
    #[inline]
    fn may_hold(&self, k: Key) -> bool {
        k.in_bloom(&self.bloom)
    }

    /// Whether `name` may have a trusted binding here (false: it has not).
    #[inline]
    fn may_trust(&self, name: &str) -> bool {
        Key::new(name).in_bloom(&self.trusted_bloom)
    }

    /// The slot of `k`'s name in `slots`: the one holding its latest
    /// binding, or the empty one where it goes. (`slots` is not empty and
    /// has an empty slot: it is at least twice as long as `list`.)
    #[inline(always)]
    fn probe(&self, k: Key) -> usize {
        let mask = self.slots.len() - 1;
        // (The key's high bits: a multiplicative hash mixes them best.)
        let mut s = (k.hash >> 16) as usize & mask;
        loop {
            let v = usize::from(self.slots[s]);
            if v == 0 || (self.keys[v - 1] == k.hash && same(self.list[v - 1].name, k.name)) {
                return s;
            }
            s = (s + 1) & mask;
        }
    }

    /// `slots` rebuilt `len` long from `list` (later bindings of a name
    /// replace earlier ones).
    fn rebuild_slots(&mut self, len: usize) {
        self.slots.clear();
        self.slots.resize(len, 0);
        for i in 0..self.list.len() {
            let s = self.probe(Key {
                name: self.list[i].name,
                hash: self.keys[i],
            });
            self.slots[s] = (i + 1) as u16;
        }
    }

    #[inline]
    fn push(&mut self, mut b: Bind<'a>) {
        let k = Key::new(b.name);
        for (w, bit) in k.bits() {
            self.bloom[w] |= bit;
            if b.trusted {
                self.trusted_bloom[w] |= bit;
            }
        }
        // Linked to the previous binding of its name.
        if let Some(ix) = &mut self.index {
            b.prev = ix.get(b.name).map_or(u32::MAX, |&i| i as u32);
            ix.insert(b.name, self.list.len());
        } else {
            let n = self.list.len();
            // (128 slots at first: a real test binds a few dozen names and
            // never grows them; growing from fewer cost more than it saved.)
            if (n + 1) * 2 > self.slots.len() {
                self.rebuild_slots(((n + 1) * 2).next_power_of_two().max(128));
            }
            let s = self.probe(k);
            b.prev = match self.slots[s] {
                0 => u32::MAX,
                v => u32::from(v - 1),
            };
            // (`n` <= `INDEX_FROM`: it fits.)
            self.slots[s] = (n + 1) as u16;
        }
        push_reserving(&mut self.keys, k.hash, 16);
        push_reserving(&mut self.list, b, 16);
        if self.index.is_none() && self.list.len() > Self::INDEX_FROM {
            let mut ix: HashMap<&'a str, usize> = HashMap::with_capacity(self.list.len() * 2);
            for (i, b) in self.list.iter().enumerate() {
                ix.insert(b.name, i);
            }
            self.index = Some(ix);
            self.slots = Vec::new();
        }
    }

    /// The index of the latest binding of `name`.
    #[inline]
    fn latest(&self, name: &str) -> Option<usize> {
        self.latest_key(Key::new(name))
    }

    /// [`Binds::latest`] with the name's key at hand. (Always inlined:
    /// as a call, saving and restoring registers cost as much as the
    /// look-up, ~1,800 a check.)
    #[inline(always)]
    fn latest_key(&self, k: Key) -> Option<usize> {
        if !self.may_hold(k) {
            return None;
        }
        match &self.index {
            Some(ix) => ix.get(k.name).copied(),
            None => match self.slots[self.probe(k)] {
                0 => None,
                v => Some(usize::from(v - 1)),
            },
        }
    }

    /// The index of the latest binding of `name` written before byte `at`.
    fn before(&self, name: &str, at: usize) -> Option<usize> {
        self.latest_where(name, |b| (b.range.start as usize) < at)
    }

    /// The index of the latest binding of `name` that satisfies `pred`.
    fn latest_where(&self, name: &str, pred: impl Fn(&Bind) -> bool) -> Option<usize> {
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
        self.keys.clear();
        self.slots.clear();
        self.index = None;
        self.bloom = [0; 4];
        self.trusted_bloom = [0; 4];
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
    /// The chain's first side, when it had two or more: the name it
    /// defines if that side is a name (`S_local` of `S_local = S_k / cp`),
    /// whose value alone can be its result.
    first: Option<Part>,
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
    /// The lines the parameter pre-pass reads: runs (first, end) of lines
    /// in a test's parameters and the blank lines after them. Between two
    /// runs lies a line of text or a heading elsewhere, which ends any
    /// open chain.
    params: Vec<(u32, u32)>,
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
    /// The claims' sides and the bindings their checks used, claim after
    /// claim (each [`Claim`] holds its range of each).
    claim_sides: Vec<ClaimSide>,
    claim_bindings: Vec<BindingUse>,
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
            claim_sides: Vec::with_capacity(text.len() / 48),
            claim_bindings: Vec::with_capacity(text.len() / 64),
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

    fn lookup(&self, test: Option<usize>, name: &str) -> Option<&Bind<'a>> {
        self.lookup_ref(test, name).and_then(|r| self.bind(r))
    }

    /// Where the binding `lookup` finds is: in the test, in the tests it
    /// inherits from (up to [`MAX_SAME_AS_DEPTH`] of them), or in the file.
    fn lookup_ref(&self, test: Option<usize>, name: &str) -> Option<BindRef> {
        let key = Key::new(name);
        let mut t = test;
        let mut depth = 0;
        while let Some(i) = t {
            if let Some(k) = self.tests[i].binds.latest_key(key) {
                return Some(BindRef(i as u32, k as u32));
            }
            t = self.tests[i].inherits;
            depth += 1;
            if depth > MAX_SAME_AS_DEPTH {
                break;
            }
        }
        self.file_binds
            .latest_key(key)
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

    /// Records the bindings a check used, for its claim: where they are in
    /// `claim_bindings`.
    fn record_bindings(&mut self, uses: &Uses) -> std::ops::Range<u32> {
        let mut all = std::mem::take(&mut self.claim_bindings);
        let start = all.len() as u32;
        all.extend(self.used_bindings(uses));
        self.claim_bindings = all;
        start..self.claim_bindings.len() as u32
    }

    /// The bindings a check used.
    fn used_bindings<'s>(&'s self, uses: &'s Uses) -> impl Iterator<Item = BindingUse> + 's {
        uses.iter().filter_map(|&(used_at, r)| {
            let b = self.bind(r)?;
            Some(BindingUse {
                name_at: b.name_at,
                value: b.value,
                bound_at: b.range,
                used_at,
            })
        })
    }

    /// Records a claim's sides: where they are in `claim_sides`.
    fn record_sides(&mut self, sides: impl IntoIterator<Item = ClaimSide>) -> std::ops::Range<u32> {
        let start = self.claim_sides.len() as u32;
        self.claim_sides.extend(sides);
        start..self.claim_sides.len() as u32
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
}

/// `hay.to_lowercase().contains(needle)` for an ASCII lower-case `needle`,
/// without allocating.
///
/// Only where the needle's first two bytes stand (in either case) is the
/// rest compared: found eight bytes at a time, where comparing a window at
/// every byte cost ~300 instructions a line (a first letter alone, `e` of
/// `expected`, stands too often).
fn contains_ignore_ascii_case(hay: &str, needle: &str) -> bool {
    use mantile_diag::bytes::{eq_mask, word_at};
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    let Some(last) = h.len().checked_sub(n.len()) else {
        return false;
    };
    let at_ = |i: usize| h[i..i + n.len()].eq_ignore_ascii_case(n);
    let (Some(&a), Some(&b)) = (n.first(), n.get(1)) else {
        return !n.is_empty() && (0..=last).any(at_);
    };
    // Bit 5 set makes an ASCII letter lower case; other bytes it changes
    // only add candidates, each compared whole.
    const CASE: u64 = 0x2020_2020_2020_2020;
    let (a, b) = (a | 0x20, b | 0x20);
    let mut at = 0;
    while at <= last && at + 9 <= h.len() {
        // A bit per start whose two bytes may be the needle's (the masks'
        // rare false bits only add candidates).
        let mut m = eq_mask(word_at(h, at) | CASE, a) & eq_mask(word_at(h, at + 1) | CASE, b);
        while m != 0 {
            let i = at + (m.trailing_zeros() / 8) as usize;
            if i <= last && at_(i) {
                return true;
            }
            m &= m - 1;
        }
        at += 8;
    }
    (at..=last).any(at_)
}

/// Whether a name looks like a symbol for one quantity (`d`, `M_q`, `tp`,
/// `TP`, `flops_total`, `S_k`) rather than a word (`Total`, `bytes`,
/// `FLOPs`), which texts use as a label for one value after another.
fn is_symbol(name: &str) -> bool {
    name.contains('_') || name.len() <= 3
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
    while let Some(p) = find_byte(h.get(i..)?, first) {
        let at = i + p;
        if h[at..].starts_with(n) {
            return Some(at);
        }
        i = at + 1;
    }
    None
}

/// Whether `h` holds `c` or `d`, eight bytes at a time: for a line, less
/// than `<[u8]>::contains`, whose vectorised search costs more to set up
/// than a short line takes to read.
#[inline]
pub(crate) fn has_byte(h: &[u8], c: u8, d: u8) -> bool {
    find_either(h, c, d).is_some()
}

/// The first `c` in `h`, eight bytes at a time.
#[inline]
fn find_byte(h: &[u8], c: u8) -> Option<usize> {
    find_either(h, c, c)
}

/// The first `c` or `d` in `h`, eight bytes at a time.
#[inline]
fn find_either(h: &[u8], c: u8, d: u8) -> Option<usize> {
    use mantile_diag::bytes::{eq_mask, word_at};
    let mut at = 0;
    while at + 8 <= h.len() {
        // The lowest bit set is a `c` or a `d` (a false one only follows a
        // true one of its own byte).
        let w = word_at(h, at);
        let m = eq_mask(w, c) | eq_mask(w, d);
        if m != 0 {
            return Some(at + (m.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    h[at..]
        .iter()
        .position(|&b| b == c || b == d)
        .map(|p| at + p)
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

/// How many formulas outside the tests are kept for the tests' calculations
/// (each is compared with every test).
const MAX_TEMPLATES: usize = 64;

/// How many "Same as" steps up a test's names are looked for: the test
/// itself, then up to this many tests it inherits from. A test inherits only
/// from an earlier one, so every chain ends; the bound keeps the lookups of
/// a long chain linear.
pub(in crate::check) const MAX_SAME_AS_DEPTH: usize = 16;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn find_str_finds_what_str_find_finds() {
        let hays = [
            "",
            "S",
            "Same as Test 2",
            "xxxxxxxxSame as ",
            "SSSSSSSSSSSSSame as ",
            "RRRRRRRSSame as",
            "TTTTTTTTTTTTTTTTTTTTTTTTTTTSame as",
            "Same a",
            "— Same as ×",
            "RSRSRSRSRSRSRSRSRSRSRSRS Same as",
            "metrics: metrics",
        ];
        for h in hays {
            for n in ["Same as ", "S", "metrics", "Same as", "×", "R"] {
                assert_eq!(find_str(h, n), h.find(n), "{h:?} {n:?}");
            }
            assert_eq!(find_str(h, ""), None);
            for (c, d) in [(b'S', b'S'), (b'=', b'~'), (b'R', b'x'), (0xE2, b'-')] {
                let want = h.bytes().any(|b| b == c || b == d);
                assert_eq!(has_byte(h.as_bytes(), c, d), want, "{h:?} {c} {d}");
                let want = h.bytes().position(|b| b == c || b == d);
                assert_eq!(find_either(h.as_bytes(), c, d), want, "{h:?} {c} {d}");
            }
        }
    }

    #[test]
    fn binds_find_the_latest_binding_of_a_name_before_and_past_the_index() {
        let names: Vec<String> = (0..70).map(|i| format!("n{i}")).collect();
        let mut binds = Binds::default();
        for i in 0..Binds::INDEX_FROM + 40 {
            let name = names[(i * 37 + i / 5) % names.len()].as_str();
            binds.push(Bind {
                name,
                name_at: TextRange::default(),
                value: Interval::exact(Rational::int(0)),
                range: TextRange::new(i, i + 1),
                value_at: TextRange::default(),
                passes: 0,
                trusted: false,
                tainted: false,
                checked: false,
                prev: u32::MAX,
            });
            for n in names.iter().map(String::as_str).chain(["absent"]) {
                let latest = binds.list.iter().rposition(|b| b.name == n);
                assert_eq!(binds.latest(n), latest, "{i} {n}");
                for at in [0, i / 2, i, i + 1] {
                    let want = binds.list[..at.min(binds.list.len())]
                        .iter()
                        .rposition(|b| b.name == n);
                    assert_eq!(binds.before(n, at), want, "{i} {n} {at}");
                }
            }
        }
    }

    #[test]
    fn contains_ignore_ascii_case_is_a_lower_case_contains() {
        let hays = [
            "",
            "s",
            "Same as",
            "SAME AS Test 2",
            "ssssssssssssssame as",
            "xxxxxxxsame a",
            "Per-Chip Metrics (TP=4)",
            "per-chip metricS",
            "**Aggregate metrics** ×",
            "aggregate metric",
            "aaaaaaaaaaaaaaaaggregate metrics",
            "— Expected Results",
            "Ésame as",
            "The expected results below: Expected Results",
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxexpected results",
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxexpected resultsx",
            "exexexexexexexexexexexexexexexexexexexexexpected result",
            "@@@@@@@ SSSSSSSSSAME AS",
            "§§§§§§§§§§§§§§§§§§§§ per-chip metrics",
        ];
        for h in hays {
            for n in [
                "same as",
                "s",
                "x",
                "per-chip metrics",
                "aggregate metrics",
                "expected results",
                "ex",
            ] {
                let want = h.to_ascii_lowercase().contains(n);
                assert_eq!(contains_ignore_ascii_case(h, n), want, "{h:?} {n:?}");
            }
            assert!(!contains_ignore_ascii_case(h, ""));
        }
    }
}

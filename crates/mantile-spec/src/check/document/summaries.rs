//! MT005, MT006: the Test Summary table against the tests.

use crate::check::*;

impl<'a> Checker<'a> {
    pub(in crate::check) fn check_summaries(&mut self) {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn r(n: i128, d: i128) -> Rational {
        Rational::new(n, d).expect("a rational")
    }

    /// The values a cell stands for, as (lo, hi) pairs.
    fn values(text: &str) -> Option<Vec<(Rational, Rational)>> {
        cell_value(text).map(|(v, _)| v.iter().map(|i| (i.lo, i.hi)).collect())
    }

    fn scaled(lo: (i128, i128), hi: (i128, i128), by: i128) -> (Rational, Rational) {
        let s = Rational::int(by);
        (
            r(lo.0, lo.1).checked_mul(s).expect("fits"),
            r(hi.0, hi.1).checked_mul(s).expect("fits"),
        )
    }

    #[test]
    fn a_plain_integer_cell_is_exact_with_its_style() {
        let (v, style) = cell_value("**8,594,128,896**").expect("a value");
        assert_eq!(v, [Interval::exact(Rational::int(8_594_128_896))]);
        assert_eq!(style, Some(NumberStyle::detect("8,594,128,896")));
        let (v, style) = cell_value(" 1024 ").expect("a value");
        assert_eq!(v, [Interval::exact(Rational::int(1024))]);
        assert_eq!(style, Some(NumberStyle::detect("1024")));
    }

    #[test]
    fn every_unit_of_a_cell() {
        // A value with a unit stands for everything that rounds to it.
        let one = |by: i128| vec![scaled((1, 2), (3, 2), by)];
        let two = |a: i128, b: i128| vec![scaled((1, 2), (3, 2), a), scaled((1, 2), (3, 2), b)];
        assert_eq!(values("1K"), Some(one(1_000)));
        assert_eq!(values("1M"), Some(one(1_000_000)));
        assert_eq!(values("1B"), Some(one(1_000_000_000)));
        assert_eq!(values("1G"), Some(one(1_000_000_000)));
        assert_eq!(values("1T"), Some(one(1_000_000_000_000)));
        assert_eq!(values("1KB"), Some(two(1_000, 1 << 10)));
        assert_eq!(values("1kB"), Some(two(1_000, 1 << 10)));
        assert_eq!(values("1MB"), Some(two(1_000_000, 1 << 20)));
        assert_eq!(values("1GB"), Some(two(1_000_000_000, 1 << 30)));
        assert_eq!(values("1KiB"), Some(one(1 << 10)));
        assert_eq!(values("1MiB"), Some(one(1 << 20)));
        assert_eq!(values("1GiB"), Some(one(1 << 30)));
        assert_eq!(values("1 XB"), None);
        // Decimals: half a unit of the last digit either way.
        assert_eq!(
            values("~6.93B"),
            Some(vec![scaled((6925, 1000), (6935, 1000), 1_000_000_000)])
        );
        assert_eq!(
            values("0.000268"),
            Some(vec![(r(2675, 10_000_000), r(2685, 10_000_000))])
        );
        assert_eq!(cell_value("0.000268").map(|(_, s)| s), Some(None));
        assert_eq!(
            values("≈1.5K"),
            Some(vec![scaled((145, 100), (155, 100), 1_000)])
        );
        // Not a number.
        assert_eq!(values("n/a"), None);
        assert_eq!(values(".5"), None);
        assert_eq!(values(""), None);
    }

    #[test]
    fn columns_by_header() {
        for (h, metric) in [
            ("FLOPs/chip", "flops_per_chip"),
            ("flops per chip", "flops_per_chip"),
            ("Weight/chip", "weight_memory_per_chip"),
            ("Activation/chip", "activation_memory_per_chip"),
            ("KV cache/chip", "kv_cache_per_chip"),
            ("kv/chip", "kv_cache_per_chip"),
            ("**Comm**", "communication_bytes"),
            ("comm bytes", "communication_bytes"),
            ("comm/chip", "communication_bytes"),
            ("Compute (ms)", "compute_time_ms"),
            ("Comm (ms)", "communication_time_ms"),
            ("Wall clock (ms)", "wall_clock_time_ms"),
            ("Load (ms)", "load_time_ms"),
        ] {
            assert!(
                matches!(column(h), Some(Column::Metric(m)) if m == metric),
                "{h}"
            );
        }
        for (h, first) in [
            ("Hidden", "hidden_size"),
            ("Intermediate", "intermediate_size"),
            ("d_ff", "intermediate_size"),
            ("Batch", "batch_size"),
            ("Seq", "seq_len"),
            ("Seq len", "seq_len"),
            ("Experts", "num_experts"),
            ("Top-k", "top_k"),
            ("TP", "tensor_parallel"),
            ("Window", "sliding_window"),
            ("Sinks", "num_sinks"),
        ] {
            assert!(
                matches!(column(h), Some(Column::Param(p)) if p[0] == first),
                "{h}"
            );
        }
        assert!(column("Notes").is_none());
    }
}

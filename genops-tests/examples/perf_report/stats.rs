//! Statistics: a deterministic PRNG, the guide's per-sample distribution, and the summary
//! over `--runs N` (the guide's `run_benchmark_suite`).

use std::collections::BTreeMap;

/// A small deterministic PRNG (xorshift64*), so both sides of a comparison see the same draws.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in [0, 1).
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub(crate) fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    /// Exponential with mean `mean`.
    pub(crate) fn exp(&mut self, mean: f64) -> f64 {
        -mean * (1.0 - self.unit()).ln()
    }
}

/// The guide's statistics of one sample: mean, stdev, min, max and percentiles (nearest rank,
/// `sorted[int(p * len)]` as in the guide).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Dist {
    pub(crate) mean: f64,
    stdev: f64,
    min: f64,
    max: f64,
    p50: f64,
    pub(crate) p95: f64,
    p99: f64,
}

/// The distribution of `values` (sorted in place).
pub(crate) fn dist(values: &mut [f64]) -> Dist {
    if values.is_empty() {
        return Dist::default();
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    let mean = values.iter().sum::<f64>() / n as f64;
    let var = if n > 1 {
        values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64
    } else {
        0.0
    };
    let pct = |p: f64| values[((p * n as f64) as usize).min(n - 1)];
    Dist {
        mean,
        stdev: var.sqrt(),
        min: values[0],
        max: values[n - 1],
        p50: pct(0.50),
        p95: pct(0.95),
        p99: pct(0.99),
    }
}

/// The nearest-rank median of `values` (sorted in place).
pub(crate) fn median(values: &mut [f64]) -> f64 {
    dist(values).p50
}

/// Every figure of one run, by dotted name.
pub(crate) type Metrics = BTreeMap<String, f64>;

/// Inserts `d` as `{prefix}.{mean,stdev,min,max,p50,p95,p99}_{unit}`.
pub(crate) fn put_dist(m: &mut Metrics, prefix: &str, unit: &str, d: &Dist) {
    for (name, value) in [
        ("mean", d.mean),
        ("stdev", d.stdev),
        ("min", d.min),
        ("max", d.max),
        ("p50", d.p50),
        ("p95", d.p95),
        ("p99", d.p99),
    ] {
        m.insert(format!("{prefix}.{name}_{unit}"), value);
    }
}

#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Summary {
    pub(crate) mean: f64,
    pub(crate) std_dev: f64,
    pub(crate) min: f64,
    pub(crate) max: f64,
    pub(crate) confidence_95: f64,
}

/// Mean, stdev, min, max and 95% CI of every metric over the runs.
pub(crate) fn summarise(runs: &[Metrics]) -> BTreeMap<String, Summary> {
    let mut out = BTreeMap::new();
    for key in runs[0].keys() {
        let values: Vec<f64> = runs.iter().filter_map(|r| r.get(key).copied()).collect();
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let std_dev = if values.len() > 1 {
            (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
        } else {
            f64::NAN
        };
        out.insert(
            key.clone(),
            Summary {
                mean,
                std_dev,
                min: values.iter().copied().fold(f64::INFINITY, f64::min),
                max: values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                confidence_95: 1.96 * std_dev / n.sqrt(),
            },
        );
    }
    out
}

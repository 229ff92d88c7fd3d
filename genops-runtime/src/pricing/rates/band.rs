//! The prices of one prompt-size band, and a card's bands by prompt size: what the hot path
//! multiplies usage with.

use crate::token_class::TokenClass;
use crate::usage::Usage;

/// The resolved per-token prices of one band, in pico-dollars.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Band {
    pub(super) input: u64,
    pub(super) output: u64,
    pub(super) cache_read: u64,
    pub(super) cache_creation: u64,
    pub(super) cache_creation_1h: u64,
    pub(super) input_audio: u64,
    pub(super) output_audio: u64,
    pub(super) reasoning: u64,
    /// The long-context tier, `None` for flat prices.
    pub(super) label: Option<&'static str>,
}

/// The prices of a batch job in one band.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum BatchBand {
    /// The entry has a batch input price: LiteLLM's batch formula with batch prices.
    Own {
        input: u64,
        /// `None`: cache reads are billed as input.
        cache_read: Option<u64>,
        /// (5-minute, 1-hour) write prices; `None`: writes are billed as input.
        writes: Option<(u64, u64)>,
        input_audio: u64,
        output: Halvable,
        label: Option<&'static str>,
    },
    /// No batch input price: half the flat standard prices.
    Half {
        input: u64,
        cache_read: u64,
        cache_creation: u64,
        output: Halvable,
        label: Option<&'static str>,
    },
}

/// A batch output price: the batch price, or half the standard one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Halvable {
    Full(u64),
    Half(u64),
}

impl Halvable {
    /// Twice the price, in half-pico-dollars.
    const fn doubled(self) -> u64 {
        match self {
            Halvable::Full(p) => p.saturating_mul(2),
            Halvable::Half(p) => p,
        }
    }
}

/// Bands by prompt size: `bands[k]` applies when exactly `k` of `starts` are `<=` the prompt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Banded<B> {
    starts: Box<[u64]>,
    bands: Box<[B]>,
}

impl<B: Copy + PartialEq> Banded<B> {
    pub(super) fn build(representatives: &[u64], band: impl Fn(u64) -> B) -> Self {
        let mut starts = Vec::new();
        let mut bands: Vec<B> = Vec::new();
        for &p in representatives {
            let b = band(p);
            if bands.last() != Some(&b) {
                if !bands.is_empty() {
                    starts.push(p);
                }
                bands.push(b);
            }
        }
        Banded {
            starts: starts.into(),
            bands: bands.into(),
        }
    }

    /// The only band, when prices do not depend on prompt size.
    pub(super) fn only(&self) -> Option<&B> {
        match *self.bands {
            [ref band] => Some(band),
            _ => None,
        }
    }

    #[inline]
    pub(super) fn at(&self, prompt: u64) -> &B {
        // Flat prices have one band: no search at all.
        let k = match self.starts.len() {
            0 => 0,
            _ => self.starts.partition_point(|&s| s <= prompt),
        };
        &self.bands[k]
    }
}

/// Units and unit prices of a call, by [`TokenClass`] (the priced classes, in order).
pub(super) type Parts = [(u64, u64); TokenClass::PRICED];

impl Band {
    /// The units of `usage` by class and their prices, in pico-dollars. `divided_output`: bill
    /// reasoning and audio output at their own prices.
    #[inline]
    pub(super) fn parts(&self, usage: &Usage, divided_output: bool) -> Parts {
        let hit = usage.cache_read;
        let written = usage.cache_creation;
        let prompt = usage.input;
        let uncached = prompt.saturating_sub(hit).saturating_sub(written);
        // Audio is a part of the uncached input; more than that is clamped when cache counts
        // are present, as LiteLLM does.
        let audio = if hit > 0 || written > 0 {
            usage.input_audio.min(uncached)
        } else {
            usage.input_audio
        };
        let text = uncached.saturating_sub(audio);
        let long_writes = usage.cache_creation_1h.min(written);
        let output = if divided_output && (usage.reasoning > 0 || usage.output_audio > 0) {
            let text = usage
                .output
                .saturating_sub(usage.reasoning)
                .saturating_sub(usage.output_audio);
            [
                (text, self.output),
                (usage.reasoning, self.reasoning),
                (usage.output_audio, self.output_audio),
            ]
        } else {
            undivided_output(usage, self.output)
        };
        [
            (text, self.input),
            (hit, self.cache_read),
            (written - long_writes, self.cache_creation),
            (long_writes, self.cache_creation_1h),
            (audio, self.input_audio),
            output[0],
            output[1],
            output[2],
            (0, 0),
        ]
    }
}

/// Output billed at one price, still counted by class: reasoning and audio output as far as
/// the output holds them, the rest as text.
#[inline]
fn undivided_output(usage: &Usage, price: u64) -> [(u64, u64); 3] {
    let reasoning = usage.reasoning.min(usage.output);
    let audio = usage.output_audio.min(usage.output - reasoning);
    [
        (usage.output - reasoning - audio, price),
        (reasoning, price),
        (audio, price),
    ]
}

impl BatchBand {
    /// The units of `usage` by class and their prices in half-pico-dollars (half prices are
    /// exact), and the band's tier.
    #[inline]
    pub(super) fn parts(&self, usage: &Usage) -> (Parts, Option<&'static str>) {
        let prompt = usage.input;
        let hit = usage.cache_read;
        match *self {
            BatchBand::Own {
                input,
                cache_read,
                writes,
                input_audio,
                output,
                label,
            } => {
                // Cache reads and writes without a batch price are billed as input.
                let hit = if cache_read.is_some() { hit } else { 0 };
                let (written, (short, long)) = match writes {
                    Some(prices) => (usage.cache_creation, prices),
                    None => (0, (0, 0)),
                };
                let long_writes = usage.cache_creation_1h.min(written);
                let text = prompt
                    .saturating_sub(usage.input_audio)
                    .saturating_sub(hit)
                    .saturating_sub(written);
                let out = undivided_output(usage, 0).map(|(n, _)| (n, output.doubled()));
                let full = |price: u64| price.saturating_mul(2);
                (
                    [
                        (text, full(input)),
                        (hit, full(cache_read.unwrap_or(0))),
                        (written - long_writes, full(short)),
                        (long_writes, full(long)),
                        (usage.input_audio, full(input_audio)),
                        out[0],
                        out[1],
                        out[2],
                        (0, 0),
                    ],
                    label,
                )
            }
            BatchBand::Half {
                input,
                cache_read,
                cache_creation,
                output,
                label,
            } => {
                let written = usage.cache_creation;
                let long_writes = usage.cache_creation_1h.min(written);
                let text = prompt.saturating_sub(hit).saturating_sub(written);
                let out = undivided_output(usage, 0).map(|(n, _)| (n, output.doubled()));
                (
                    [
                        (text, input),
                        (hit, cache_read),
                        (written - long_writes, cache_creation),
                        (long_writes, cache_creation),
                        (0, 0),
                        out[0],
                        out[1],
                        out[2],
                        (0, 0),
                    ],
                    label,
                )
            }
        }
    }
}

/// Σ units × price.
#[inline]
pub(super) fn sum(parts: &[(u64, u64)]) -> u128 {
    parts
        .iter()
        .map(|&(tokens, price)| u128::from(tokens) * u128::from(price))
        .sum()
}

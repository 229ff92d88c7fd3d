//! LiteLLM's reading of one entry: its keys with the service-tier fallback, and the prices of a
//! band resolved at one prompt size.
//!
//! Resolution works on one prompt size at a time ([`View::band`], [`View::batch_band`]); since a
//! prompt size only enters the rules through comparisons with the entry's thresholds, evaluating
//! it once per interval between consecutive thresholds gives every band.

use std::collections::BTreeSet;

use super::band::{Band, BatchBand, Halvable};
use crate::pricing::entry::{PriceEntry, TierRow};
use crate::pricing::keys::{self, tier_of};

/// LiteLLM's view of one entry: its keys, read with the service-tier fallback of
/// `get_cost_per_unit`.
#[derive(Clone, Copy)]
pub(super) struct View<'e> {
    /// The entry read.
    pub(super) entry: &'e PriceEntry,
    /// Whether a prompt of exactly a threshold crosses it (xAI compares with `>=`).
    pub(super) inclusive: bool,
    /// The cache-read price of an entry without one, when the provider sets one.
    pub(super) cache_read_default: Option<u64>,
}

impl View<'_> {
    /// The price stored under exactly `key`.
    fn get(&self, key: &str) -> Option<u64> {
        let price = &self.entry.price;
        match key {
            keys::INPUT => Some(price.input),
            keys::OUTPUT => Some(price.output),
            keys::CACHE_READ => price.cache_read.or(self.cache_read_default),
            keys::CACHE_CREATION => price.cache_creation,
            keys::REASONING => price.reasoning,
            _ => self.entry.extra.keys.get(key).copied(),
        }
    }

    /// `key` + `sfx`, else the standard `key` when `sfx` is a service tier (not `_batches`).
    fn get_tiered(&self, key: &str, sfx: &str) -> Option<u64> {
        if sfx.is_empty() {
            return self.get(key);
        }
        self.get(&format!("{key}{sfx}"))
            .or_else(|| (sfx != keys::BATCHES).then(|| self.get(key)).flatten())
    }

    fn crossed(&self, prompt: u64, threshold: u64, inclusive: bool) -> bool {
        prompt > threshold || (inclusive && prompt == threshold)
    }

    /// The tiers `{base}_above_{N}_tokens{suffix}` with one of `suffixes`, crossed by `prompt`:
    /// (N, the text of N).
    fn crossed_tiers<'k>(
        &'k self,
        base: &'k str,
        suffixes: &'k [&'k str],
        prompt: u64,
        inclusive: bool,
    ) -> impl Iterator<Item = (u64, &'k str)> + 'k {
        self.entry
            .extra
            .keys
            .keys()
            .filter_map(move |key| tier_of(key, base))
            .filter(move |(_, suffix)| suffixes.contains(suffix))
            .filter_map(|(text, _)| Some((keys::parse_threshold(text)?, text)))
            .filter(move |&(n, _)| self.crossed(prompt, n, inclusive))
    }

    /// Every prompt size at which some rule may change its answer, and 0.
    pub(super) fn representatives(&self) -> Vec<u64> {
        let mut points = BTreeSet::from([0]);
        if self.entry.extra.tiered.is_some() {
            // A `tiered_pricing` range applies from one prompt token on.
            points.insert(1);
        }
        let mut add = |n: u64| {
            points.insert(n);
            points.insert(n.saturating_add(1));
        };
        for key in self.entry.extra.keys.keys() {
            for base in keys::TIERED_BASES {
                if let Some((text, _)) = tier_of(key, base) {
                    add(keys::parse_threshold(text).unwrap_or(0));
                }
            }
        }
        for row in self.entry.extra.tiered.iter().flatten() {
            add(row.start);
            add(row.end);
        }
        points.into_iter().collect()
    }

    /// The `tiered_pricing` row for `prompt`, if it has an input price.
    fn tiered_row(&self, prompt: u64) -> Option<&TierRow> {
        let rows = self.entry.extra.tiered.as_deref()?;
        if prompt == 0 {
            return None;
        }
        let mut sorted: Vec<&TierRow> = rows.iter().collect();
        sorted.sort_by_key(|row| row.start);
        let row = sorted
            .iter()
            .find(|row| row.start < prompt && prompt <= row.end)
            .or(sorted.last())?;
        row.input.is_some().then_some(*row)
    }

    /// The prices of a call of `prompt` tokens in the service tier of suffix `sfx`.
    pub(super) fn band(&self, prompt: u64, sfx: &str) -> Band {
        let mut band = match self.tiered_row(prompt) {
            Some(row) => self.tiered_band(row, sfx),
            None => self.threshold_band(prompt, sfx),
        };
        band.input_audio = self.input_audio(prompt, sfx, band.input);
        band.output_audio = self.get(keys::OUTPUT_AUDIO).unwrap_or(band.output);
        band
    }

    fn tiered_band(&self, row: &TierRow, sfx: &str) -> Band {
        let input = row.input.unwrap_or(0);
        let output = row
            .output
            .unwrap_or_else(|| self.get(keys::OUTPUT).unwrap_or(0));
        let cache_creation = row.cache_creation.unwrap_or(input);
        let reasoning = match row.reasoning.or(row.output) {
            Some(price) => price,
            None => self.reasoning(sfx, output),
        };
        Band {
            input,
            output,
            cache_read: row.cache_read.unwrap_or(input),
            cache_creation,
            cache_creation_1h: cache_creation,
            reasoning,
            label: Some(crate::intern::permanent_str(&format!(
                "tiered_{}_{}",
                row.start, row.end
            ))),
            ..Band::default()
        }
    }

    fn threshold_band(&self, prompt: u64, sfx: &str) -> Band {
        let mut input = self.get_tiered(keys::INPUT, sfx).unwrap_or(0);
        let mut output = self.get_tiered(keys::OUTPUT, sfx).unwrap_or(0);
        if output == 0 {
            output = self.get(keys::OUTPUT_IMAGE).unwrap_or(output);
        }
        let mut cache_read = self.get_tiered(keys::CACHE_READ, sfx);
        let mut cache_creation = self.get_tiered(keys::CACHE_CREATION, sfx);
        let mut long_key = format!("{}{sfx}", keys::CACHE_CREATION_1H);
        let mut label = None;

        // Every crossed threshold of the four threshold bases (and of the one-hour writes),
        // standard or of this tier, in ascending order; each price keeps the last one it has.
        let suffixes = [keys::STANDARD, sfx];
        let mut crossed: Vec<(u64, &str)> = keys::THRESHOLD_BASES
            .iter()
            .chain([&keys::CACHE_CREATION_1H])
            .flat_map(|base| self.crossed_tiers(base, &suffixes, prompt, self.inclusive))
            .collect();
        crossed.sort_by_key(|&(n, _)| n);
        crossed.dedup();
        for (_, text) in crossed {
            let above = |base: &str| format!("{base}_above_{text}_tokens");
            input = self.get_tiered(&above(keys::INPUT), sfx).unwrap_or(input);
            output = self.get_tiered(&above(keys::OUTPUT), sfx).unwrap_or(output);
            cache_creation = self
                .get_tiered(&above(keys::CACHE_CREATION), sfx)
                .or(cache_creation);
            cache_read = self
                .get_tiered(&above(keys::CACHE_READ), sfx)
                .or(cache_read);
            let long = format!("{}{sfx}", above(keys::CACHE_CREATION_1H));
            if self.get(&long).is_some() {
                long_key = long;
            }
            label = Some(crate::intern::permanent_str(&format!("above_{text}")));
        }
        let cache_creation = cache_creation.unwrap_or(input);
        let long = match self.get(&long_key) {
            Some(price) => Some(price),
            None if !sfx.is_empty() => self.get(&long_key.replace(sfx, "")),
            None => None,
        };
        Band {
            input,
            output,
            cache_read: cache_read.unwrap_or(input),
            cache_creation,
            cache_creation_1h: long.unwrap_or(cache_creation),
            reasoning: self.reasoning(sfx, output),
            label,
            ..Band::default()
        }
    }

    /// The reasoning price: the tier's own, else the tier's output price when the tier has one,
    /// else the standard reasoning price, else the output price.
    fn reasoning(&self, sfx: &str, output: u64) -> u64 {
        if let Some(price) = self.get(&format!("{}{sfx}", keys::REASONING)) {
            return price;
        }
        if !sfx.is_empty() && self.get(&format!("{}{sfx}", keys::OUTPUT)).is_some() {
            return output;
        }
        self.get(keys::REASONING).unwrap_or(output)
    }

    /// The audio input price: the tier's highest crossed audio tier, else the flat audio
    /// price, else `input`.
    fn input_audio(&self, prompt: u64, sfx: &str, input: u64) -> u64 {
        let suffixes = [keys::STANDARD, sfx];
        let key = match self
            .crossed_tiers(keys::INPUT_AUDIO, &suffixes, prompt, self.inclusive)
            .max_by_key(|&(n, _)| n)
        {
            Some((_, text)) => format!("{}_above_{text}_tokens{sfx}", keys::INPUT_AUDIO),
            None => format!("{}{sfx}", keys::INPUT_AUDIO),
        };
        let standard = key.strip_suffix(sfx).unwrap_or(&key);
        if self.get(&key).is_none() && self.get(standard).is_none() {
            return input;
        }
        self.get(&key)
            .or_else(|| (sfx != keys::BATCHES).then(|| self.get(standard)).flatten())
            .unwrap_or(0)
    }

    /// A batch price of `base`: its highest crossed `_above_{N}_tokens_batches`, else
    /// `{base}_batches`.
    fn batch_price(&self, base: &str, prompt: u64) -> Option<u64> {
        let flat = self.get(&format!("{base}_batches"));
        let highest = self
            .crossed_tiers(base, &[keys::BATCHES], prompt, self.inclusive)
            .max_by_key(|&(n, _)| n);
        match highest {
            Some((_, text)) => self
                .get(&format!("{base}_above_{text}_tokens_batches"))
                .or(flat),
            None => flat,
        }
    }

    /// The prices of a batch job of `prompt` tokens.
    pub(super) fn batch_band(&self, prompt: u64) -> BatchBand {
        let label = self
            .crossed_tiers(keys::INPUT, &[keys::BATCHES], prompt, self.inclusive)
            .chain(self.crossed_tiers(keys::OUTPUT, &[keys::BATCHES], prompt, self.inclusive))
            .max_by_key(|&(n, _)| n)
            .map(|(_, text)| crate::intern::permanent_str(&format!("above_{text}")));
        let output = match self.batch_price(keys::OUTPUT, prompt) {
            Some(price) => Halvable::Full(price),
            None => Halvable::Half(self.get(keys::OUTPUT).unwrap_or(0)),
        };
        let Some(input) = self.batch_price(keys::INPUT, prompt) else {
            let flat_input = self.get(keys::INPUT).unwrap_or(0);
            return BatchBand::Half {
                input: flat_input,
                cache_read: self.get(keys::CACHE_READ).unwrap_or(0),
                cache_creation: self.get(keys::CACHE_CREATION).unwrap_or(flat_input),
                output,
                label,
            };
        };
        // Cache reads without a batch price: the standard price of the prompt's size.
        let cache_read = self.batch_price(keys::CACHE_READ, prompt).or_else(|| {
            let tier = self
                .crossed_tiers(keys::CACHE_READ, &[keys::STANDARD], prompt, false)
                .max_by_key(|&(n, _)| n);
            match tier {
                Some((_, text)) => self.get(&format!("{}_above_{text}_tokens", keys::CACHE_READ)),
                None => self.get(keys::CACHE_READ),
            }
        });
        let short = self.batch_price(keys::CACHE_CREATION, prompt);
        let long = self.batch_price(keys::CACHE_CREATION_1H, prompt);
        let writes = (short.is_some() || long.is_some()).then(|| {
            let short = short.unwrap_or(input);
            (short, long.unwrap_or(short))
        });
        let audio_tier = self
            .crossed_tiers(
                keys::INPUT_AUDIO,
                &[keys::STANDARD, keys::BATCHES],
                prompt,
                false,
            )
            .max_by_key(|&(n, _)| n)
            .and_then(|(_, text)| {
                self.get(&format!(
                    "{}_above_{text}_tokens_batches",
                    keys::INPUT_AUDIO
                ))
            });
        let input_audio = audio_tier
            .or_else(|| self.get(&format!("{}_batches", keys::INPUT_AUDIO)))
            .unwrap_or(input);
        BatchBand::Own {
            input,
            cache_read,
            writes,
            input_audio,
            output,
            label,
        }
    }
}

//! Exact money: integer pico-dollars (10^-12 USD).
//!
//! Prices are stored as whole pico-dollars per token and every total is a `u128` of pico-dollars,
//! so sums are exact and cannot overflow below $10^12 many times over. Floats appear only at the
//! edges: [`Cost::as_usd`] and the `f64` span fields.

use std::fmt;
use std::ops::{Add, AddAssign};

use serde::Serialize;

/// Pico-dollars in one US dollar.
pub const PICOS_PER_USD: u128 = 1_000_000_000_000;

/// Pico-dollars in one nano-dollar, the unit shared stores count in.
const PICOS_PER_NANO: u128 = 1_000;

/// Nanoseconds in one hour, the unit of an hourly rate.
const NANOS_PER_HOUR: u128 = 3_600 * 1_000_000_000;

/// An exact amount of money in pico-dollars.
///
/// ```
/// use genops::Cost;
/// let c = Cost::from_picos(2_500_000) + Cost::from_picos(500_000);
/// assert_eq!(c.picos(), 3_000_000);
/// assert_eq!(c.nanos(), 3_000);
/// assert_eq!(c.as_usd(), 0.000003);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Cost(u128);

impl Cost {
    /// Zero dollars.
    pub const ZERO: Cost = Cost(0);

    /// An amount of pico-dollars.
    pub const fn from_picos(picos: u128) -> Self {
        Cost(picos)
    }

    /// A dollar amount, rounded to the nearest pico-dollar; `None` for NaN, infinite or negative
    /// input.
    ///
    /// ```
    /// use genops::Cost;
    /// assert_eq!(Cost::from_usd(0.25).unwrap().picos(), 250_000_000_000);
    /// assert!(Cost::from_usd(f64::NAN).is_none());
    /// assert!(Cost::from_usd(-1.0).is_none());
    /// ```
    pub fn from_usd(usd: f64) -> Option<Self> {
        if !usd.is_finite() || usd < 0.0 {
            return None;
        }
        // `as` saturates, so an absurdly large finite amount cannot wrap.
        Some(Cost((usd * PICOS_PER_USD as f64).round() as u128))
    }

    /// The amount in pico-dollars.
    pub const fn picos(self) -> u128 {
        self.0
    }

    /// The amount in whole nano-dollars (10^-9 USD), rounded to nearest.
    pub const fn nanos(self) -> u128 {
        (self.0 + PICOS_PER_NANO / 2) / PICOS_PER_NANO
    }

    /// What `elapsed` costs at `picos_per_hour` (a local model's compute rate), rounded down to
    /// the pico-dollar.
    pub(crate) fn for_duration(picos_per_hour: u128, elapsed: std::time::Duration) -> Self {
        Cost(picos_per_hour.saturating_mul(elapsed.as_nanos()) / NANOS_PER_HOUR)
    }

    /// An amount of whole nano-dollars, as a shared store counts them.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) const fn from_nanos(nanos: u64) -> Self {
        Cost(nanos as u128 * PICOS_PER_NANO)
    }

    /// The amount in whole nano-dollars, rounded to nearest and saturating at `u64::MAX`.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) fn nanos_u64(self) -> u64 {
        u64::try_from(self.nanos()).unwrap_or(u64::MAX)
    }

    /// The amount in pico-dollars, saturating at `u64::MAX` (about $18.4 million).
    pub(crate) fn picos_u64(self) -> u64 {
        u64::try_from(self.0).unwrap_or(u64::MAX)
    }

    /// The amount in dollars, as a float for display and export.
    pub fn as_usd(self) -> f64 {
        // Whole dollars and the fraction apart, so the fraction keeps every pico-dollar. Any
        // amount below $18 million fits in a u64, whose division is far cheaper than a u128's.
        const PER_USD: u64 = PICOS_PER_USD as u64;
        match u64::try_from(self.0) {
            Ok(picos) => (picos / PER_USD) as f64 + (picos % PER_USD) as f64 / PER_USD as f64,
            Err(_) => {
                let whole = (self.0 / PICOS_PER_USD) as f64;
                whole + (self.0 % PICOS_PER_USD) as f64 / PICOS_PER_USD as f64
            }
        }
    }

    /// `self + other`, saturating at the maximum instead of overflowing.
    pub const fn saturating_add(self, other: Cost) -> Cost {
        Cost(self.0.saturating_add(other.0))
    }

    /// `self - other`, or zero when `other` is larger.
    pub const fn saturating_sub(self, other: Cost) -> Cost {
        Cost(self.0.saturating_sub(other.0))
    }
}

impl Add for Cost {
    type Output = Cost;
    fn add(self, rhs: Cost) -> Cost {
        self.saturating_add(rhs)
    }
}

impl AddAssign for Cost {
    fn add_assign(&mut self, rhs: Cost) {
        *self = self.saturating_add(rhs);
    }
}

impl fmt::Display for Cost {
    /// Dollars with six decimals, or as many as the formatter's precision asks for.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let precision = f.precision().unwrap_or(6);
        write!(f, "${:.*}", precision, self.as_usd())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn as_usd_keeps_the_fraction_on_both_sides_of_u64() {
        assert_eq!(Cost::from_picos(1_234_567_890_123).as_usd(), 1.234567890123);
        assert_eq!(Cost::from_picos(999_999_999_999).as_usd(), 0.999999999999);
        // 2^64 pico-dollars: $18,446,744.073709551616, past the u64 path.
        let big = Cost::from_picos(u128::from(u64::MAX) + 1);
        assert_eq!(big.as_usd(), 18_446_744.0 + 0.073709551616);
        assert_eq!(
            Cost::from_picos(u128::from(u64::MAX)).as_usd(),
            18_446_744.0 + 0.073709551615
        );
    }
}

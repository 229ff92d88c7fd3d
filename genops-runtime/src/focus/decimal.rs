//! Exact decimals from integers: an amount is an integer count of a power-of-ten fraction, and
//! is written with every digit it has, never through a float.

/// `value × 10^-scale`, written in plain decimal notation without trailing zeros
/// (`12_500` at scale 4 is `1.25`).
pub(super) fn decimal(value: u128, scale: u32) -> String {
    let digits = value.to_string();
    let scale = scale as usize;
    let (whole, fraction) = if digits.len() > scale {
        digits.split_at(digits.len() - scale)
    } else {
        ("0", digits.as_str())
    };
    let fraction = format!("{fraction:0>scale$}");
    let fraction = fraction.trim_end_matches('0');
    if fraction.is_empty() {
        whole.to_owned()
    } else {
        format!("{whole}.{fraction}")
    }
}

#[cfg(test)]
mod tests {
    use super::decimal;

    #[test]
    fn decimals_are_exact_and_plain() {
        assert_eq!(decimal(0, 12), "0");
        assert_eq!(decimal(1, 12), "0.000000000001");
        assert_eq!(decimal(3_500_000_000, 12), "0.0035");
        assert_eq!(decimal(12_000_000_000_000, 12), "12");
        assert_eq!(
            decimal(u128::MAX, 12),
            "340282366920938463463374607.431768211455"
        );
        assert_eq!(decimal(12_500, 4), "1.25");
        assert_eq!(decimal(7, 0), "7");
    }
}

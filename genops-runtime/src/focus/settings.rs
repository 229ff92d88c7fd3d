//! What the user tells the FOCUS writer: accounts, negotiated discounts, the period of a file.

use std::collections::BTreeMap;

use super::period::FocusPeriod;

/// Settings of the FOCUS 1.2 files: the billing account and sub-account the rows name,
/// discounts negotiated per provider, and how long a file's period is.
///
/// ```
/// use genops::{FocusPeriod, FocusSettings};
/// let settings = FocusSettings::default()
///     .billing_account("acme-ai", "ACME AI spend")
///     .sub_account("checkout", "Checkout service")
///     .discount("openai", 1_500) // 15%
///     .period(FocusPeriod::Daily);
/// assert_eq!(settings.discount_basis_points("openai"), 1_500);
/// assert_eq!(settings.discount_basis_points("anthropic"), 0);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FocusSettings {
    pub(super) billing_account: (String, String),
    pub(super) sub_account: (String, String),
    discounts: BTreeMap<String, u32>,
    pub(super) period: FocusPeriod,
}

impl Default for FocusSettings {
    /// Billing account `genops` and sub-account `default`, no discount, hourly files.
    fn default() -> Self {
        FocusSettings {
            billing_account: ("genops".to_owned(), "genops".to_owned()),
            sub_account: ("default".to_owned(), "default".to_owned()),
            discounts: BTreeMap::new(),
            period: FocusPeriod::Hourly,
        }
    }
}

impl FocusSettings {
    /// The billing account (`BillingAccountId`, `BillingAccountName`) of every row.
    pub fn billing_account(mut self, id: impl Into<String>, name: impl Into<String>) -> Self {
        self.billing_account = (id.into(), name.into());
        self
    }

    /// The sub-account (`SubAccountId`, `SubAccountName`) of every row.
    pub fn sub_account(mut self, id: impl Into<String>, name: impl Into<String>) -> Self {
        self.sub_account = (id.into(), name.into());
        self
    }

    /// A discount off list prices negotiated with `provider` (as `gen_ai.provider.name`
    /// names it), in basis points (1/100 of a percent; capped at 10,000): it shows in the
    /// contracted and effective costs and unit prices.
    pub fn discount(mut self, provider: impl Into<String>, basis_points: u32) -> Self {
        self.discounts
            .insert(provider.into(), basis_points.min(BASIS_POINTS));
        self
    }

    /// How long a file's charge period is.
    pub fn period(mut self, period: FocusPeriod) -> Self {
        self.period = period;
        self
    }

    /// The discount negotiated with `provider`, in basis points.
    pub fn discount_basis_points(&self, provider: &str) -> u32 {
        self.discounts.get(provider).copied().unwrap_or(0)
    }
}

/// Basis points in a whole.
pub(super) const BASIS_POINTS: u32 = 10_000;

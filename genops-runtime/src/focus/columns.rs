//! FOCUS 1.2 rows from a drained period: one per key × token class × pricing and service tier,
//! with every column FOCUS requires for usage rows and genops's own `x_` columns.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::decimal::decimal;
use super::period::{billing_month, iso};
use super::settings::{FocusSettings, BASIS_POINTS};
use crate::attribution::Dimension;
use crate::ledger::{ClassRow, LedgerRow, Snapshot, Totals};
use crate::token_class::TokenClass;
use crate::usage::ServiceTier;

/// The columns of a FOCUS file, in order: FOCUS 1.2's, then genops's.
pub(super) const COLUMNS: [&str; 67] = [
    "AvailabilityZone",
    "BilledCost",
    "BillingAccountId",
    "BillingAccountName",
    "BillingAccountType",
    "BillingCurrency",
    "BillingPeriodEnd",
    "BillingPeriodStart",
    "CapacityReservationId",
    "CapacityReservationStatus",
    "ChargeCategory",
    "ChargeClass",
    "ChargeDescription",
    "ChargeFrequency",
    "ChargePeriodEnd",
    "ChargePeriodStart",
    "CommitmentDiscountCategory",
    "CommitmentDiscountId",
    "CommitmentDiscountName",
    "CommitmentDiscountQuantity",
    "CommitmentDiscountStatus",
    "CommitmentDiscountType",
    "CommitmentDiscountUnit",
    "ConsumedQuantity",
    "ConsumedUnit",
    "ContractedCost",
    "ContractedUnitPrice",
    "EffectiveCost",
    "InvoiceId",
    "InvoiceIssuerName",
    "ListCost",
    "ListUnitPrice",
    "PricingCategory",
    "PricingCurrency",
    "PricingCurrencyContractedUnitPrice",
    "PricingCurrencyEffectiveCost",
    "PricingCurrencyListUnitPrice",
    "PricingQuantity",
    "PricingUnit",
    "ProviderName",
    "PublisherName",
    "RegionId",
    "RegionName",
    "ResourceId",
    "ResourceName",
    "ResourceType",
    "ServiceCategory",
    "ServiceName",
    "ServiceSubcategory",
    "SkuId",
    "SkuMeter",
    "SkuPriceDetails",
    "SkuPriceId",
    "SubAccountId",
    "SubAccountName",
    "SubAccountType",
    "Tags",
    "x_Calls",
    "x_Errors",
    "x_Denied",
    "x_UnknownModelCalls",
    "x_MissingUsageCalls",
    "x_UnknownModel",
    "x_TokenClass",
    "x_PricingTier",
    "x_ServiceTier",
    "x_Operation",
];

/// One file row: a value (or null) per column.
pub(super) type Record = [Option<String>; COLUMNS.len()];

/// The full key of a ledger row, to merge the rows one key has per thread.
type Key = (
    [Option<String>; Dimension::COUNT],
    Option<String>,
    Option<String>,
    Option<String>,
);

/// The rows of `snapshot`'s keys, merged per key, in key order.
fn merged(snapshot: &Snapshot) -> BTreeMap<Key, LedgerRow> {
    let mut keys: BTreeMap<Key, LedgerRow> = BTreeMap::new();
    for row in &snapshot.rows {
        let key = (
            row.attribution.clone(),
            row.provider.clone(),
            row.operation.clone(),
            row.model.clone(),
        );
        let merged = keys.entry(key).or_insert_with(|| LedgerRow {
            classes: Vec::new(),
            totals: Totals::default(),
            ..row.clone()
        });
        merged.totals.add(&row.totals);
        for class in &row.classes {
            let same = merged.classes.iter_mut().find(|c| {
                (c.class, c.pricing_tier, c.service_tier)
                    == (class.class, class.pricing_tier, class.service_tier)
            });
            match same {
                Some(c) => {
                    c.quantity = c.quantity.saturating_add(class.quantity);
                    c.cost += class.cost;
                    c.unit_price_half_picos = class.unit_price_half_picos;
                }
                None => merged.classes.push(*class),
            }
        }
    }
    keys
}

/// The FOCUS rows of a drained period that ran from `start` to `end` (seconds since the epoch).
pub(super) fn records(
    snapshot: &Snapshot,
    start: u64,
    end: u64,
    settings: &FocusSettings,
) -> Vec<Record> {
    let period = Period::new(start, end);
    let mut out = Vec::new();
    for row in merged(snapshot).values() {
        let mut classes = row.classes.clone();
        classes.sort_by_key(|c| (c.service_tier as u8, c.pricing_tier, c.class));
        if classes.is_empty() {
            // Calls with no usage (errors, denials): a row of their own, so every call counts.
            out.push(record(row, None, &period, settings, true));
        }
        for (i, class) in classes.iter().enumerate() {
            out.push(record(row, Some(class), &period, settings, i == 0));
        }
    }
    out
}

/// A period's charge and billing times, as written.
struct Period {
    charge: (String, String),
    billing: (String, String),
}

impl Period {
    fn new(start: u64, end: u64) -> Self {
        let (month_start, month_end) = billing_month(start);
        Period {
            charge: (iso(start), iso(end)),
            billing: (iso(month_start), iso(month_end)),
        }
    }
}

/// How FOCUS counts a class's units.
const fn unit(class: Option<TokenClass>) -> &'static str {
    match class {
        Some(TokenClass::WebSearch) => "Searches",
        Some(TokenClass::Compute) => "Seconds",
        Some(TokenClass::Recorded) | None => "Requests",
        Some(_) => "Tokens",
    }
}

/// The model properties of a SKU, as the FOCUS work on AI usage names them.
fn sku_price_details(model: &str, class: Option<TokenClass>) -> String {
    let mut details = Map::new();
    details.insert("x_ModelId".into(), model.into());
    // The name's segments before its first version (`claude-sonnet` of `claude-sonnet-4-5`).
    let version = model
        .match_indices('-')
        .find(|&(i, _)| model[i + 1..].starts_with(|c: char| c.is_ascii_digit()))
        .map_or(model.len(), |(i, _)| i);
    let family = &model[..version];
    details.insert("x_ModelFamily".into(), family.into());
    if let Some(class) = class.filter(|c| c.is_tokens()) {
        let direction = if class.is_output() { "Output" } else { "Input" };
        details.insert("x_TokenDirection".into(), direction.into());
        let cache = match class {
            TokenClass::CacheRead => "Read",
            TokenClass::CacheWrite5m | TokenClass::CacheWrite1h => "Write",
            _ => "Uncached",
        };
        details.insert("x_CacheAction".into(), cache.into());
        let ttl = match class {
            TokenClass::CacheWrite5m => Some("5m"),
            TokenClass::CacheWrite1h => Some("1h"),
            _ => None,
        };
        if let Some(ttl) = ttl {
            details.insert("x_CacheTtl".into(), ttl.into());
        }
    }
    Value::Object(details).to_string()
}

/// The attribution of a key as FOCUS tags: `genops.team`, ... for the values it has.
fn tags(row: &LedgerRow) -> String {
    let mut tags = Map::new();
    for (dim, value) in Dimension::ALL.into_iter().zip(&row.attribution) {
        if let Some(value) = value {
            tags.insert(dim.field().into(), value.clone().into());
        }
    }
    Value::Object(tags).to_string()
}

/// One row: `class` of `row`'s key, or its calls without usage when `None`. `counts`: this
/// row carries the key's call counts.
fn record(
    row: &LedgerRow,
    class: Option<&ClassRow>,
    period: &Period,
    settings: &FocusSettings,
    counts: bool,
) -> Record {
    const UNKNOWN: &str = "unknown";
    let provider = row.provider.as_deref().unwrap_or(UNKNOWN);
    let model = row.model.as_deref().unwrap_or(UNKNOWN);
    let token_class = class.map(|c| c.class);
    let class_name = token_class.map_or("requests", TokenClass::name);
    let service_tier = class.map_or(ServiceTier::Standard, |c| c.service_tier);
    let pricing_tier = class.and_then(|c| c.pricing_tier);
    let quantity = match class {
        Some(c) if c.class == TokenClass::Compute => decimal(c.quantity.into(), 9),
        Some(c) => c.quantity.to_string(),
        None => row.totals.calls.to_string(),
    };
    // FOCUS quantities are decimals: a CSV reader types a column of whole numbers as integers.
    let quantity = if quantity.contains('.') {
        quantity
    } else {
        format!("{quantity}.0")
    };
    let picos = class.map_or(0, |c| c.cost.picos());
    let kept = u128::from(BASIS_POINTS - settings.discount_basis_points(provider));
    // A unit price is in half-pico-dollars: 5 × 10^-13 USD each.
    let unit_price = class
        .filter(|c| c.class.is_tokens() || c.class == TokenClass::WebSearch)
        .map(|c| u128::from(c.unit_price_half_picos) * 5);
    let contracted = decimal(picos * kept, 16);
    let unit = unit(token_class);
    let sku = format!("{provider}/{model}/{class_name}");
    let sku_price = format!(
        "{sku}/{}/{}",
        service_tier.as_str(),
        pricing_tier.unwrap_or("base")
    );
    let count = |n: u64| counts.then(|| n.to_string());
    let t = &row.totals;
    let unknown_model = t.unknown_model_calls > 0;
    let mut values: BTreeMap<&str, Option<String>> = BTreeMap::new();
    let mut set = |column: &'static str, value: Option<String>| {
        values.insert(column, value);
    };
    set("BilledCost", Some(decimal(picos, 12)));
    set("BillingAccountId", Some(settings.billing_account.0.clone()));
    set(
        "BillingAccountName",
        Some(settings.billing_account.1.clone()),
    );
    set("BillingCurrency", Some("USD".into()));
    set("BillingPeriodStart", Some(period.billing.0.clone()));
    set("BillingPeriodEnd", Some(period.billing.1.clone()));
    set("ChargeCategory", Some("Usage".into()));
    set(
        "ChargeDescription",
        Some(format!("{model} {class_name} ({provider})")),
    );
    set("ChargeFrequency", Some("Usage-Based".into()));
    set("ChargePeriodStart", Some(period.charge.0.clone()));
    set("ChargePeriodEnd", Some(period.charge.1.clone()));
    set("ConsumedQuantity", Some(quantity.clone()));
    set("ConsumedUnit", Some(unit.into()));
    set("ContractedCost", Some(contracted.clone()));
    set(
        "ContractedUnitPrice",
        unit_price.map(|p| decimal(p * kept, 17)),
    );
    set("EffectiveCost", Some(contracted));
    set("InvoiceIssuerName", Some(provider.into()));
    set("ListCost", Some(decimal(picos, 12)));
    set("ListUnitPrice", unit_price.map(|p| decimal(p, 13)));
    set("PricingCategory", Some("Standard".into()));
    set("PricingQuantity", Some(quantity));
    set("PricingUnit", Some(unit.into()));
    set("ProviderName", Some(provider.into()));
    set("PublisherName", Some(provider.into()));
    set("ServiceCategory", Some("AI and Machine Learning".into()));
    set("ServiceName", Some(provider.into()));
    set("ServiceSubcategory", Some("Generative AI".into()));
    set("SkuId", Some(sku));
    set("SkuMeter", Some(class_name.into()));
    set(
        "SkuPriceDetails",
        Some(sku_price_details(model, token_class)),
    );
    set("SkuPriceId", Some(sku_price));
    set("SubAccountId", Some(settings.sub_account.0.clone()));
    set("SubAccountName", Some(settings.sub_account.1.clone()));
    set("Tags", Some(tags(row)));
    set("x_Calls", count(t.calls));
    set("x_Errors", count(t.errors));
    set("x_Denied", count(t.denied));
    set("x_UnknownModelCalls", count(t.unknown_model_calls));
    set("x_MissingUsageCalls", count(t.missing_usage_calls));
    set("x_UnknownModel", Some(unknown_model.to_string()));
    set("x_TokenClass", Some(class_name.into()));
    set("x_PricingTier", pricing_tier.map(str::to_owned));
    set("x_ServiceTier", Some(service_tier.as_str().into()));
    set("x_Operation", row.operation.clone());
    COLUMNS.map(|column| values.remove(column).flatten())
}

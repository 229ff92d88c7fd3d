//! Who spent: the attribution dimensions and their values on a tracked span.

use serde::Serialize;

use crate::env::{self, EnvError};
use crate::intern::{permanent, Sym};
use crate::semconv;

/// One attribution dimension of a tracked call.
///
/// ```
/// use genops::Dimension;
/// assert_eq!(Dimension::Team.field(), "genops.team");
/// assert_eq!(Dimension::Team.env_var(), Some("GENOPS_TEAM"));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    /// `genops.team`
    Team,
    /// `genops.project`
    Project,
    /// `genops.feature`
    Feature,
    /// `genops.customer_id`
    Customer,
    /// `genops.environment`
    Environment,
    /// `genops.cost_center`
    CostCenter,
    /// `genops.user_id`
    User,
}

impl Dimension {
    /// How many dimensions there are: one per attribution key of `#[genops::track]`.
    pub const COUNT: usize = genops_names::ATTRIBUTION_KEYS.len();

    /// Every dimension, in span field order.
    pub const ALL: [Dimension; Dimension::COUNT] = [
        Dimension::Team,
        Dimension::Project,
        Dimension::Feature,
        Dimension::Customer,
        Dimension::Environment,
        Dimension::CostCenter,
        Dimension::User,
    ];

    /// The span field that carries this dimension.
    pub const fn field(self) -> &'static str {
        match self {
            Dimension::Team => semconv::GENOPS_TEAM,
            Dimension::Project => semconv::GENOPS_PROJECT,
            Dimension::Feature => semconv::GENOPS_FEATURE,
            Dimension::Customer => semconv::GENOPS_CUSTOMER_ID,
            Dimension::Environment => semconv::GENOPS_ENVIRONMENT,
            Dimension::CostCenter => semconv::GENOPS_COST_CENTER,
            Dimension::User => semconv::GENOPS_USER_ID,
        }
    }

    /// The short name used in reports (`team`, `cost_center`, ...).
    pub const fn name(self) -> &'static str {
        match self {
            Dimension::Team => "team",
            Dimension::Project => "project",
            Dimension::Feature => "feature",
            Dimension::Customer => "customer",
            Dimension::Environment => "environment",
            Dimension::CostCenter => "cost_center",
            Dimension::User => "user",
        }
    }

    /// The environment variable that gives a default for this dimension, if there is one.
    pub const fn env_var(self) -> Option<&'static str> {
        match self {
            Dimension::Team => Some("GENOPS_TEAM"),
            Dimension::Project => Some("GENOPS_PROJECT"),
            Dimension::Feature => Some("GENOPS_FEATURE"),
            Dimension::Environment => Some("GENOPS_ENVIRONMENT"),
            Dimension::CostCenter => Some("GENOPS_COST_CENTER"),
            Dimension::Customer | Dimension::User => None,
        }
    }

    const fn index(self) -> usize {
        self as usize
    }

    /// This dimension's bit in a set of dimensions.
    pub(crate) const fn bit(self) -> u8 {
        1 << self as u8
    }
}

/// The value of each dimension, where known.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct Attribution([Option<Sym>; Dimension::COUNT]);

impl Attribution {
    pub(crate) fn get(&self, dim: Dimension) -> Option<&Sym> {
        self.0[dim.index()].as_ref()
    }

    pub(crate) fn set(&mut self, dim: Dimension, value: Sym) {
        self.0[dim.index()] = Some(value);
    }

    pub(crate) fn clear(&mut self, dim: Dimension) {
        self.0[dim.index()] = None;
    }

    /// The set of dimensions that have a value, as bits.
    pub(crate) fn mask(&self) -> u8 {
        Dimension::ALL
            .iter()
            .filter(|d| self.get(**d).is_some())
            .fold(0, |mask, d| mask | d.bit())
    }

    /// Fills each dimension that has no value from `fallback`.
    pub(crate) fn inherit(&mut self, fallback: &Attribution) {
        for (mine, theirs) in self.0.iter_mut().zip(&fallback.0) {
            if mine.is_none() {
                mine.clone_from(theirs);
            }
        }
    }

    /// Whether [`inherit`](Self::inherit)ing from `fallback` would fill any dimension.
    pub(crate) fn would_inherit(&self, fallback: &Attribution) -> bool {
        self.0
            .iter()
            .zip(&fallback.0)
            .any(|(mine, theirs)| mine.is_none() && theirs.is_some())
    }

    /// Defaults from the `GENOPS_*` environment variables (an empty one counts as unset).
    pub(crate) fn from_env() -> Result<Attribution, EnvError> {
        let mut attribution = Attribution::default();
        for dim in Dimension::ALL {
            if let Some(value) = dim.env_var().map(env::var).transpose()?.flatten() {
                attribution.set(dim, permanent(&value));
            }
        }
        Ok(attribution)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dimensions_are_the_attribute_keys_in_field_order() {
        assert_eq!(
            Dimension::ALL.map(Dimension::name),
            genops_names::ATTRIBUTION_KEYS
        );
        for (i, dim) in Dimension::ALL.into_iter().enumerate() {
            assert_eq!(dim.index(), i);
            assert_eq!(
                semconv::TRACKED_FIELDS[semconv::index::ATTRIBUTION + i],
                dim.field()
            );
        }
    }
}

//! Call sites whose operation, provider and model are literals: the layer reads them once per
//! call site instead of visiting every new span's fields.
//!
//! The generated code of such a site arms the thread's pending site in the value of the span's
//! first field, which tracing evaluates only when the span is enabled, right before it creates
//! the span. Attribution values given as expressions (`user = user_id`) are evaluated after it,
//! and each is noted in this thread's copy of its dimension ([`LiteralSite::note`]) as it becomes the
//! field's value. The layer's `on_new_span` takes the pending site and, once the site has
//! learned its callsite metadata, uses the site's interned literals and the noted values. A site
//! learns its metadata from the first span created while it was pending whose visited fields
//! match the site's literals. Every other tracked call site clears the pending site the same
//! way, so a site left pending (because no GenOps layer saw its span) is never taken by another
//! call site's span. An expression that creates a tracked span of its own takes or replaces the
//! pending site: the outer span then finds none pending and visits its fields.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use tracing_core::Metadata;

use crate::attribution::{Attribution, Dimension};
use crate::intern::{intern, permanent};
use crate::ledger::LedgerKey;

/// A call site of `#[genops::track]` or `genops::span!` whose operation, provider, model and
/// attribution are all literals. Not public API: the generated code declares one per such site.
#[derive(Debug)]
pub struct LiteralSite {
    operation: &'static str,
    provider: Option<&'static str>,
    model: Option<&'static str>,
    attribution: [Option<&'static str>; Dimension::COUNT],
    /// The dimensions given as expressions, as bits ([`Dimension::bit`]).
    dynamic: u8,
    /// The address of the site's callsite metadata, once learned (0 before).
    metadata: AtomicUsize,
    /// The key of the site's literals, interned once: the calls of a site without expressions
    /// share it, and copy nothing.
    key: OnceLock<LedgerKey>,
}

thread_local! {
    static PENDING: Cell<Option<&'static LiteralSite>> = const { Cell::new(None) };
    /// The value of each dimension last noted on this thread (buffers reused from call to call).
    static NOTED: RefCell<[String; Dimension::COUNT]> = RefCell::new(Default::default());
}

impl LiteralSite {
    /// A site with these literal values; attribution in [`Dimension::ALL`] order, with the
    /// dimensions given as expressions (`None` in `attribution`) in the bits of `dynamic`.
    pub const fn new(
        operation: &'static str,
        provider: Option<&'static str>,
        model: Option<&'static str>,
        attribution: [Option<&'static str>; Dimension::COUNT],
        dynamic: u8,
    ) -> LiteralSite {
        LiteralSite {
            operation,
            provider,
            model,
            attribution,
            dynamic,
            metadata: AtomicUsize::new(0),
            key: OnceLock::new(),
        }
    }

    /// Makes this site the thread's pending site and returns its operation: the value of the
    /// span's first field.
    #[inline]
    pub fn arm(&'static self) -> &'static str {
        PENDING.set(Some(self));
        self.operation
    }

    /// Clears the thread's pending site and returns `operation`: the first field's value at a
    /// call site that is not a [`LiteralSite`].
    #[inline]
    pub fn disarm(operation: &'static str) -> &'static str {
        PENDING.set(None);
        operation
    }

    /// Notes `value` as this thread's value of the dimension at position `dim` of
    /// [`Dimension::ALL`], and returns it: the value of that field at a [`LiteralSite`].
    #[inline]
    pub fn note(dim: usize, value: &str) -> &str {
        let _ = NOTED.try_with(|noted| {
            if let Ok(mut noted) = noted.try_borrow_mut() {
                noted[dim].clear();
                noted[dim].push_str(value);
            }
        });
        value
    }

    /// The key of the site's values: its literals, interned once and shared, with the values
    /// noted for its expressions.
    fn values(&'static self) -> Option<Cow<'static, LedgerKey>> {
        let literals = self.literals();
        if self.dynamic == 0 {
            return Some(Cow::Borrowed(literals));
        }
        NOTED
            .try_with(|noted| {
                let noted = noted.try_borrow().ok()?;
                let mut key = literals.clone();
                for dim in self.dynamic_dims() {
                    let value = &noted[dim as usize];
                    if !value.is_empty() {
                        key.attribution.set(dim, intern(value));
                    }
                }
                Some(Cow::Owned(key))
            })
            .ok()
            .flatten()
    }

    /// The dimensions given as expressions.
    fn dynamic_dims(&self) -> impl Iterator<Item = Dimension> + '_ {
        Dimension::ALL
            .into_iter()
            .filter(|dim| self.dynamic & dim.bit() != 0)
    }

    /// The key of the site's literal values, interned once.
    fn literals(&'static self) -> &'static LedgerKey {
        self.key.get_or_init(|| {
            let mut attribution = Attribution::default();
            for (dim, value) in Dimension::ALL.into_iter().zip(self.attribution) {
                if let Some(value) = value.filter(|v| !v.is_empty()) {
                    attribution.set(dim, permanent(value));
                }
            }
            LedgerKey {
                attribution,
                provider: self.provider.map(permanent),
                operation: Some(permanent(self.operation)),
                model: self.model.map(permanent),
            }
        })
    }
}

/// What the layer learns about a new tracked span from the thread's pending site.
pub(crate) enum Pending {
    /// The span is the pending site's: the key of its values (the site's own, shared, when
    /// they are all literals).
    Known(Cow<'static, LedgerKey>),
    /// The site has not learned its metadata yet: visit the fields, then [`learn`] if they
    /// match.
    Unlearned(&'static LiteralSite),
    /// No site is pending, or it is another call site's.
    None,
}

fn address(metadata: &'static Metadata<'static>) -> usize {
    metadata as *const Metadata<'static> as usize
}

/// Takes the thread's pending site for a new span with this metadata.
pub(crate) fn take(metadata: &'static Metadata<'static>) -> Pending {
    let Ok(Some(site)) = PENDING.try_with(Cell::take) else {
        return Pending::None;
    };
    match site.metadata.load(Ordering::Relaxed) {
        0 => Pending::Unlearned(site),
        learned if learned == address(metadata) => {
            site.values().map_or(Pending::None, Pending::Known)
        }
        _ => Pending::None,
    }
}

/// Teaches `site` its metadata if the span's visited values are the site's own, and returns the
/// key of the site's values for the span: the same text as visited, in the site's permanent
/// copies.
pub(crate) fn learn(
    site: &'static LiteralSite,
    metadata: &'static Metadata<'static>,
    visited: &LedgerKey,
) -> Option<Cow<'static, LedgerKey>> {
    let mut literals = visited.clone();
    for dim in site.dynamic_dims() {
        literals.attribution.clear(dim);
    }
    if literals != *site.literals() {
        return None;
    }
    site.metadata.store(address(metadata), Ordering::Relaxed);
    site.values()
}

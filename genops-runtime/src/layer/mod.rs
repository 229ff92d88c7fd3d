//! The tracing [`Layer`](tracing_subscriber::Layer) that recognises tracked spans, keeps each
//! call's state in its span's extensions, and hands the rest of a call's life to
//! [`crate::call`]; and how it is built.

mod builder;
mod genops_layer;

pub use builder::{layer, LayerBuilder};
pub(crate) use builder::{layer_setters, LayerSettings};
pub use genops_layer::GenOpsLayer;

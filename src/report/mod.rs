//! The renderers of the report, one file per format behind [`Render`]; the
//! report's data type is the aggregator's (`crate::aggregate::report`).

pub mod csv;
pub mod html;
pub mod json;
pub mod markdown;
pub mod prometheus;
pub mod table;
pub mod view;

pub use crate::aggregate::report::*;
pub use view::{DeliveryLine, Rows};

/// A report format.
pub trait Render {
    /// Renders the whole report into bytes (no I/O: snapshot-testable).
    fn render(&self, report: &Report) -> Vec<u8>;
}

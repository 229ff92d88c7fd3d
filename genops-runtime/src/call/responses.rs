//! What the provider responses of one call reported: kept by the call's state while it runs, and
//! handed whole to what it records once finished.

use crate::recordable::MAX_FINISH_REASONS;
use crate::usage::Usage;

/// What the provider responses of one call reported (boxed in the call's state: most calls
/// record usage by hand).
#[derive(Default)]
pub(crate) struct Responses {
    /// Usage of parts and of finished responses.
    pub(crate) settled: Usage,
    /// The cumulative usage of the response being reported now.
    pub(crate) running: Usage,
    pub(crate) response_id: Option<Box<str>>,
    /// `["reason","reason"` while the call runs, closed with `]` when it finishes; empty when
    /// no reason was reported.
    finish_reasons: String,
    finish_reason_count: usize,
    /// What to tell the user if a stream of these items ends without usage.
    pub(crate) usage_hint: Option<&'static str>,
}

impl Responses {
    /// Responses that start from the usage recorded before the first of them.
    pub(crate) fn starting_at(settled: Usage) -> Self {
        Responses {
            settled,
            ..Responses::default()
        }
    }

    /// Adds a finish reason, up to [`MAX_FINISH_REASONS`].
    pub(crate) fn add_finish_reason(&mut self, reason: &str) {
        if self.finish_reason_count >= MAX_FINISH_REASONS {
            return;
        }
        self.finish_reason_count += 1;
        self.finish_reasons.push(if self.finish_reasons.is_empty() {
            '['
        } else {
            ','
        });
        // A JSON string: the reasons are provider identifiers, escaped all the same.
        self.finish_reasons.push('"');
        for c in reason.chars() {
            match c {
                '"' | '\\' => {
                    self.finish_reasons.push('\\');
                    self.finish_reasons.push(c);
                }
                c if c.is_control() => {}
                c => self.finish_reasons.push(c),
            }
        }
        self.finish_reasons.push('"');
    }

    /// The call finished: no reason comes after these.
    pub(crate) fn close(&mut self) {
        if !self.finish_reasons.is_empty() {
            self.finish_reasons.push(']');
        }
    }

    /// The finish reasons as a JSON array of strings, once [closed](Self::close); `None` when
    /// no reason was reported.
    pub(crate) fn finish_reasons(&self) -> Option<&str> {
        Some(self.finish_reasons.as_str()).filter(|reasons| !reasons.is_empty())
    }
}

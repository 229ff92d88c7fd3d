//! Counting a request's input: an upper bound on the tokens the provider can count.
//!
//! Without a tokenizer, text counts one token per UTF-8 byte: a BPE token (OpenAI's, Anthropic's)
//! is at least one byte, and a SentencePiece token (Gemini's) at least one byte too (byte
//! fallback). Structured parts (tool definitions, tool calls and results, response schemas)
//! count their JSON text. Each message adds its family's framing tokens, and each image the
//! most its family documents for one image.

use serde::Serialize;
use serde_json::Value;

use super::bound::{Family, Reading, RequestBound};

/// OpenAI's framing per chat message (`<|start|>{role}<|message|>…<|end|>`).
const OPENAI_MESSAGE: u64 = 3;
/// OpenAI's framing of a message's `name`, besides its text.
const OPENAI_NAME: u64 = 1;
/// OpenAI's priming of the reply (`<|start|>assistant<|message|>`).
const OPENAI_REPLY: u64 = 3;
/// The allowance per message where the format is not published (Anthropic, Gemini, others).
const OTHER_MESSAGE: u64 = 16;
/// The allowance per tool definition, for the text a provider wraps it in.
const TOOL: u64 = 16;
/// Anthropic's tool-use system prompt, added once when the request defines tools: above every
/// figure Anthropic documents (346 tokens for Claude 4 models, 530 at most).
const ANTHROPIC_TOOLS: u64 = 600;
/// The most one image counts on OpenAI's models: 1,536 patches at gpt-4.1-nano's multiplier of
/// 2.46 (the tile-priced models stay below: gpt-4o at most 85 + 8 × 170 = 1,445).
const OPENAI_IMAGE: u64 = 3_779;
/// The most one image counts on gpt-4o-mini: 2,833 + 8 tiles × 5,667.
const OPENAI_4O_MINI_IMAGE: u64 = 48_169;
/// The most one image counts on Claude: images are scaled to at most 1.15 megapixels, about
/// 1,600 tokens (width × height / 750).
const ANTHROPIC_IMAGE: u64 = 1_600;

/// Adds up a request's input bound as its readers walk it.
pub(super) struct Counter<'a> {
    reading: Reading<'a>,
    /// What has been read so far.
    pub(super) bound: RequestBound,
}

impl<'a> Counter<'a> {
    /// A counter of a request read by `reading`'s rules, with the request's own framing counted.
    pub(super) fn new(reading: Reading<'a>) -> Self {
        let framing = match reading.family {
            Family::OpenAi => OPENAI_REPLY,
            _ => OTHER_MESSAGE,
        };
        Counter {
            reading,
            bound: RequestBound {
                input: framing,
                ..RequestBound::default()
            },
        }
    }

    /// Adds `tokens`.
    pub(super) fn tokens(&mut self, tokens: u64) {
        self.bound.input = self.bound.input.saturating_add(tokens);
    }

    /// Adds the framing of one message.
    pub(super) fn message(&mut self) {
        self.tokens(match self.reading.family {
            Family::OpenAi => OPENAI_MESSAGE,
            _ => OTHER_MESSAGE,
        });
    }

    /// Adds the author's name of a message.
    pub(super) fn name(&mut self, name: &Value) {
        self.text_or_json(name);
        if self.reading.family == Family::OpenAi {
            self.tokens(OPENAI_NAME);
        }
    }

    /// Adds a piece of text: its exact count with the `tokenizer` feature on OpenAI's models
    /// whose encoding is known, else its bytes.
    pub(super) fn text(&mut self, text: &str) {
        #[cfg(feature = "tokenizer")]
        if self.reading.family == Family::OpenAi {
            if let Some(tokens) = super::tokenizer::count(self.reading.model, text) {
                return self.tokens(tokens);
            }
        }
        self.tokens(text.len() as u64);
    }

    /// Adds a text value, or the JSON text of any other value.
    pub(super) fn text_or_json(&mut self, value: &Value) {
        match value {
            Value::String(text) => self.text(text),
            Value::Null => {}
            other => self.json(other),
        }
    }

    /// Adds the JSON text of a structured part (a tool call, a schema): one token per byte. A
    /// part that cannot be written as JSON is bounded only by the context window.
    pub(super) fn json(&mut self, value: &(impl Serialize + ?Sized)) {
        let mut bytes = ByteCount(0);
        match serde_json::to_writer(&mut bytes, value) {
            Ok(()) => self.tokens(bytes.0),
            Err(_) => self.unbounded("part that is not JSON"),
        }
    }

    /// Adds `defined` tool definitions, written as `json`: their JSON text and each one's
    /// wrapping.
    pub(super) fn tools(&mut self, defined: usize, json: &(impl Serialize + ?Sized)) {
        if defined == 0 {
            return;
        }
        self.json(json);
        self.tokens((defined as u64).saturating_mul(TOOL));
        if self.reading.family == Family::Anthropic {
            self.tokens(ANTHROPIC_TOOLS);
        }
    }

    /// Adds one image at the most its family documents for an image; where there is no such
    /// maximum, only the context window bounds it.
    pub(super) fn image(&mut self) {
        match self.reading.family {
            Family::OpenAi if self.reading.model.contains("4o-mini") => {
                self.tokens(OPENAI_4O_MINI_IMAGE)
            }
            Family::OpenAi => self.tokens(OPENAI_IMAGE),
            Family::Anthropic => self.tokens(ANTHROPIC_IMAGE),
            Family::Gemini | Family::Other => self.unbounded("image"),
        }
    }

    /// Notes a part of the input that only the context window bounds.
    pub(super) fn unbounded(&mut self, part: &'static str) {
        self.bound.unbounded.get_or_insert(part);
    }
}

/// An `io::Write` that only counts bytes.
struct ByteCount(u64);

impl std::io::Write for ByteCount {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

//! Exact token counts of OpenAI's models (feature `tokenizer`): bpe-openai's o200k and cl100k
//! encoders, their vocabularies embedded in the build.

use bpe_openai::Tokenizer;

/// The tokens of `text` in the encoding of `model`, or `None` when genops does not know the
/// model's encoding (then the caller counts bytes, which bound any encoding).
pub(super) fn count(model: &str, text: &str) -> Option<u64> {
    Some(encoding(model)?.count(text) as u64)
}

/// The encoding of an OpenAI model, by the name prefixes tiktoken maps (an `azure/` prefix
/// aside).
fn encoding(model: &str) -> Option<&'static Tokenizer> {
    let model = model.strip_prefix("azure/").unwrap_or(model);
    let o200k = [
        "gpt-4o",
        "gpt-4.1",
        "gpt-4.5",
        "gpt-5",
        "o1",
        "o3",
        "o4",
        "chatgpt-4o",
    ];
    let cl100k = [
        "gpt-4",
        "gpt-3.5",
        "gpt-35",
        "text-embedding-3",
        "text-embedding-ada-002",
    ];
    if o200k.iter().any(|prefix| model.starts_with(prefix)) {
        Some(bpe_openai::o200k_base())
    } else if cl100k.iter().any(|prefix| model.starts_with(prefix)) {
        Some(bpe_openai::cl100k_base())
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_in_the_models_encoding() {
        // "Hello!" is "Hello" + "!" in both encodings; "Bonjour" is one o200k token.
        assert_eq!(count("gpt-4o", "Hello!"), Some(2));
        assert_eq!(count("azure/gpt-4", "Hello!"), Some(2));
        assert_eq!(count("gpt-5", "Bonjour"), Some(1));
        // A model whose encoding genops does not know is counted in bytes by the caller.
        assert_eq!(count("gpt-6-sol", "Hello!"), None);
    }
}

#!/usr/bin/env python3
"""Regenerates genops-runtime/data/model_prices.json, the price table compiled into genops,
from a LiteLLM ``model_prices_and_context_window.json``.

Usage::

    python3 scripts/embed_prices.py LITELLM_FILE [OUTPUT]

``OUTPUT`` defaults to genops-runtime/data/model_prices.json. The last run used LiteLLM 1.110.2's
bundled ``model_prices_and_context_window_backup.json`` (identical to
genops-runtime/tests/data/litellm_model_prices.json).

Selection rules
---------------

1. **Providers.** Only entries whose ``litellm_provider`` is a key of ``MODELS`` below: the
   providers genops documents (OpenAI, Anthropic, Google Gemini and Vertex AI, AWS Bedrock, Azure
   OpenAI, Mistral, Cohere, Groq, DeepSeek, xAI) under LiteLLM's names for them.
2. **Models.** Only the keys listed for that provider in ``MODELS``: current chat and embedding
   models, the list genops 0.1 shipped with, plus Gemini 2.5 Pro on Gemini and Vertex AI (the
   long-context example of the pricing docs). A key missing from the LiteLLM file, or filed there
   under another provider, is an error: edit the list rather than ship a silently smaller table.
   Models are added by adding their LiteLLM key to the list.
3. **Fields.** Every field genops reads (see genops-runtime/src/pricing/litellm.rs), copied as
   LiteLLM writes it:
   - ``litellm_provider``, ``mode``;
   - ``max_input_tokens`` and ``max_output_tokens``, the most one response can take and write,
     which bound the usage genops believes (see docs/guide/recording.md) and a worst-case hold
     (see docs/guide/holds.md);
   - every per-token price ``{base}[_above_{N}_tokens][_flex|_priority|_batches]`` with ``base``
     one of ``BASES`` (tiers only on ``TIERED_BASES``);
   - ``search_context_cost_per_query``, ``web_search_billing_unit``, ``tiered_pricing``,
     ``off_peak_pricing`` and the per-second prices (``cost_per_second``,
     ``input_cost_per_second``, ``output_cost_per_second``), which genops flags as unsupported.
   Nothing else (capabilities, ...) is kept.

The output is sorted by key, indented by one space, so diffs stay small.
"""

import json
import re
import sys
from pathlib import Path

BASES = (
    "input_cost_per_token",
    "output_cost_per_token",
    "cache_read_input_token_cost",
    "cache_creation_input_token_cost",
    "cache_creation_input_token_cost_above_1hr",
    "input_cost_per_audio_token",
    "output_cost_per_audio_token",
    "output_cost_per_reasoning_token",
    "output_cost_per_image_token",
)
TIERED_BASES = BASES[:6]
SUFFIX = r"(?:_flex|_priority|_batches)?"
PRICE_KEY = re.compile(
    rf"^(?:(?:{'|'.join(map(re.escape, TIERED_BASES))})_above_\d+k?_tokens"
    rf"|(?:{'|'.join(map(re.escape, BASES))})){SUFFIX}$"
)
OTHER_FIELDS = (
    "litellm_provider",
    "mode",
    "max_input_tokens",
    "max_output_tokens",
    "search_context_cost_per_query",
    "web_search_billing_unit",
    "tiered_pricing",
    "off_peak_pricing",
    "cost_per_second",
    "input_cost_per_second",
    "output_cost_per_second",
)

MODELS = {
    "anthropic": [
        "claude-fable-5",
        "claude-fable-5-1",
        "claude-haiku-4-5",
        "claude-haiku-4-5-20251001",
        "claude-haiku-5-5",
        "claude-mythos-5",
        "claude-mythos-5-1",
        "claude-mythos-preview",
        "claude-opus-4-5",
        "claude-opus-4-5-20251101",
        "claude-opus-4-6",
        "claude-opus-4-6-20260205",
        "claude-opus-4-7",
        "claude-opus-4-7-20260416",
        "claude-opus-4-8",
        "claude-opus-5",
        "claude-opus-5-5",
        "claude-sonnet-4-5",
        "claude-sonnet-4-5-20250929",
        "claude-sonnet-4-6",
        "claude-sonnet-5",
        "claude-sonnet-5-5",
    ],
    "azure": [
        "azure/ada",
        "azure/computer-use-preview",
        "azure/gpt-3.5-turbo",
        "azure/gpt-35-turbo",
        "azure/gpt-4-0125-preview",
        "azure/gpt-4-1106-preview",
        "azure/gpt-4-turbo",
        "azure/gpt-4-turbo-2024-04-09",
        "azure/gpt-4-turbo-vision-preview",
        "azure/gpt-4.1",
        "azure/gpt-4o",
        "azure/gpt-4o-audio-preview-2024-12-17",
        "azure/gpt-4o-mini-audio-preview-2024-12-17",
        "azure/gpt-5",
        "azure/gpt-5.6",
        "azure/gpt-6.1-terra",
        "azure/mistral-large-2402",
        "azure/mistral-large-latest",
        "azure/o1",
        "azure/o1-mini",
        "azure/o1-mini-2024-09-12",
        "azure/o3",
    ],
    "bedrock": [
        "ai21.j2-mid-v1",
        "ai21.j2-ultra-v1",
        "ai21.jamba-instruct-v1:0",
        "anthropic.claude-3-5-sonnet-20240620-v1:0",
        "anthropic.claude-v1",
        "anthropic.claude-v2:1",
        "cohere.command-text-v14",
        "cohere.embed-english-v3",
        "cohere.embed-v4:0",
        "global.cohere.embed-v4:0",
        "meta.llama2-13b-chat-v1",
        "meta.llama2-70b-chat-v1",
        "us.cohere.embed-v4:0",
    ],
    "bedrock_converse": [
        "deepseek.v3.2",
        "eu.deepseek.v3.2",
        "global.xai.grok-4.6",
        "global.xai.grok-4.7",
        "global.zai.glm-5.3",
        "moonshotai.kimi-k3",
        "openai.gpt-6-luna",
        "openai.gpt-6-sol",
        "qwen.qwen3-32b-v1:0",
        "us-gov.xai.grok-4.6",
        "us.deepseek.v3.2",
        "us.openai.gpt-5.4",
        "us.openai.gpt-5.5",
        "us.openai.gpt-6-sol",
        "us.xai.grok-4.6",
        "us.xai.grok-4.7",
        "us.zai.glm-5.3",
        "zai.glm-5",
    ],
    "cohere": [
        "cohere/embed-v4.0",
        "command-nightly",
        "embed-english-light-v3.0",
        "embed-english-v3.0",
        "embed-multilingual-light-v3.0",
        "embed-multilingual-v3.0",
    ],
    "cohere_chat": [
        "c4ai-aya-expanse-32b",
        "command-a-03-2025",
        "command-a-plus-05-2026",
        "command-r-08-2024",
        "command-r-plus-08-2024",
        "command-r7b-12-2024",
    ],
    "deepseek": [
        "deepseek-flash",
        "deepseek-v4-flash",
        "deepseek-v4-pro",
        "deepseek/deepseek-chat",
        "deepseek/deepseek-r1",
        "deepseek/deepseek-reasoner",
        "deepseek/deepseek-v3",
        "deepseek/deepseek-v3.2",
    ],
    "gemini": [
        "gemini/gemini-2.5-pro",
        "gemini-exp-1206",
        "gemini-flash-latest",
        "gemini-flash-lite-latest",
        "gemini-pro-latest",
        "gemini/gemini-3.5-flash",
        "gemini/gemini-3.6-flash",
        "gemini/gemini-3.7-flash",
        "gemini/gemini-3.8-flash",
        "gemini/gemini-4-argon",
        "gemini/gemini-4-hydrogen",
        "gemini/gemini-embedding-2",
        "gemini/gemini-exp-1114",
        "gemini/gemini-exp-1206",
        "gemini/gemini-flash-latest",
        "gemini/gemini-gemma-2-9b-it",
        "gemini/gemini-pro-latest",
        "gemini/gemma-3-27b-it",
        "gemini/gemma-4-26b-a4b-it",
        "gemini/gemma-4-31b-it",
        "gemini/lyria-3-pro-preview",
        "gemini/lyria-3.5",
        "gemini/lyria-realtime-exp",
    ],
    "groq": [
        "groq/meta-llama/llama-prompt-guard-2-22m",
        "groq/meta-llama/llama-prompt-guard-2-86m",
        "groq/openai/gpt-oss-120b",
        "groq/openai/gpt-oss-20b",
        "groq/openai/gpt-oss-safeguard-20b",
        "groq/qwen/qwen3.8-27b",
    ],
    "mistral": [
        "mistral/codestral-2508",
        "mistral/codestral-embed",
        "mistral/codestral-latest",
        "mistral/devstral-latest",
        "mistral/glm-5-2",
        "mistral/ministral-3b-2512",
        "mistral/mistral-embed",
        "mistral/mistral-large-3",
        "mistral/mistral-large-4",
        "mistral/mistral-large-latest",
        "mistral/mistral-medium",
        "mistral/mistral-medium-3",
        "mistral/mistral-small",
        "mistral/mistral-tiny",
        "mistral/zai-glm-5",
        "mistral/zai-glm-5-3",
        "mistral/zai-glm-latest",
    ],
    "openai": [
        "chat-latest",
        "daybreak-blue-latest",
        "daybreak-red-latest",
        "gpt-3.5-turbo",
        "gpt-4",
        "gpt-4.1",
        "gpt-4o",
        "gpt-4o-mini",
        "gpt-4o-mini-search-preview",
        "gpt-4o-search-preview",
        "gpt-5",
        "gpt-5-search-api",
        "gpt-5-search-api-2025-10-14",
        "gpt-5.2",
        "gpt-5.2-2025-12-11",
        "gpt-5.4",
        "gpt-5.4-2026-03-05",
        "gpt-5.4-mini",
        "gpt-5.4-mini-2026-03-17",
        "gpt-5.5",
        "gpt-5.5-2026-04-23",
        "gpt-5.5-cyber",
        "gpt-5.6",
        "gpt-5.6-cyber",
        "gpt-5.6-luna",
        "gpt-5.6-sol",
        "gpt-5.6-terra",
        "gpt-6-astra",
        "gpt-6-astra-law",
        "gpt-6-cyber",
        "gpt-6-luna",
        "gpt-6-rosalind",
        "gpt-6-sol",
        "gpt-6.1-sol",
        "gpt-6.1-terra",
        "gpt-audio-1.5",
        "gpt-rosalind-discovery",
        "gpt-rosalind-research",
        "o1",
        "o3",
        "o3-mini",
        "text-embedding-3-large",
        "text-embedding-3-small",
        "text-embedding-ada-002",
        "text-embedding-ada-002-v2",
    ],
    "vertex_ai-anthropic_models": [
        "vertex_ai/claude-3-sonnet",
        "vertex_ai/claude-haiku-5-5",
        "vertex_ai/claude-opus-5-5",
        "vertex_ai/claude-opus-5-5@default",
        "vertex_ai/claude-sonnet-4-6",
        "vertex_ai/claude-sonnet-5-5",
    ],
    "vertex_ai-language-models": [
        "gemini-2.5-pro",
        "gemini-2.5-flash-preview-09-2025",
        "gemini-2.5-pro-preview-tts",
        "gemini-3-flash-preview",
        "gemini-3.1-flash-lite-preview",
        "gemini-3.1-pro-preview",
        "gemini-3.8-flash",
        "gemini-3.8-flash-cyber",
        "gemini-flash-experimental",
        "gemini-robotics-er-1.5-preview",
        "gemini-robotics-er-2-preview",
    ],
    "xai": [
        "xai/grok-4.20",
        "xai/grok-4.20-0309",
        "xai/grok-4.20-beta",
        "xai/grok-4.20-beta-0309",
        "xai/grok-4.20-beta-latest",
        "xai/grok-4.20-reasoning",
        "xai/grok-4.3",
        "xai/grok-4.3-latest",
        "xai/grok-4.5",
        "xai/grok-4.5-latest",
        "xai/grok-4.6",
        "xai/grok-4.7",
        "xai/grok-build-0.1",
        "xai/grok-build-latest",
        "xai/grok-code-fast",
        "xai/grok-code-fast-1-0825",
    ],
}


def read_fields(entry):
    """The fields genops reads, in LiteLLM's order, without nulls."""
    return {
        key: value
        for key, value in entry.items()
        if value is not None and (key in OTHER_FIELDS or PRICE_KEY.match(key))
    }


def select(litellm):
    out = {}
    problems = []
    for provider, keys in MODELS.items():
        for key in keys:
            entry = litellm.get(key)
            if not isinstance(entry, dict):
                problems.append(f"{key}: not in the LiteLLM file")
            elif entry.get("litellm_provider") != provider:
                problems.append(f"{key}: filed under {entry.get('litellm_provider')!r}, not {provider!r}")
            else:
                out[key] = read_fields(entry)
    if problems:
        sys.exit("embed_prices.py: fix MODELS:\n  " + "\n  ".join(problems))
    return dict(sorted(out.items()))


def main(argv):
    if len(argv) not in (2, 3):
        sys.exit(__doc__)
    source = Path(argv[1])
    target = Path(argv[2]) if len(argv) == 3 else Path(__file__).resolve().parent.parent / "genops-runtime/data/model_prices.json"
    table = select(json.loads(source.read_text()))
    target.write_text(json.dumps(table, indent=1) + "\n")
    print(f"{target}: {len(table)} models from {source}")


if __name__ == "__main__":
    main(sys.argv)

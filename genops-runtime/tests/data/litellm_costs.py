#!/usr/bin/env python3
"""LiteLLM cost oracle for genops tests.

Run as ``python3 genops-runtime/tests/data/litellm_costs.py`` with litellm installed, either
in that interpreter or in the one ``GENOPS_LITELLM_PYTHON`` names (the script
re-executes itself there when ``import litellm`` fails). It reads a JSON array of test cases
on stdin and writes JSON lines on stdout:

* line 1: ``{"litellm_version": ..., "price_file": "/abs/.../model_prices_and_context_window_backup.json"}``
* then one line per case, in input order:
  ``{"id", "cost", "prompt_cost", "completion_cost", "tool_cost", "resolved_key", "custom_llm_provider", "error"}``.
  ``cost`` is the total USD from ``litellm.completion_cost``; ``prompt_cost`` and
  ``completion_cost`` come from ``litellm.cost_per_token``; ``tool_cost`` is
  ``cost - (prompt_cost + completion_cost)`` (web search). ``resolved_key`` is the
  price-file entry LiteLLM actually priced. A failed case gets ``error`` set and
  null costs; it never stops the run. A model with no price entry gets ``error``
  set too (LiteLLM may still return 0 for it via a fallback_generalizations rule).

``LITELLM_LOCAL_MODEL_COST_MAP=True`` is set before the import: litellm's
``get_model_cost_map`` then loads the bundled ``model_prices_and_context_window_backup.json``
(read by ``GetModelCostMap.read_local_model_cost_map_bytes``) instead of fetching
the map from GitHub.

Case input (GenAI semantic conventions)::

    {"id": str, "model": str,
     "usage": {"input", "output", "cache_read", "cache_creation", "cache_creation_1h",
               "reasoning", "input_audio", "output_audio", "web_search_requests",
               "search_context_size"},
     "service_tier": str | null,
     # optional extras:
     "custom_llm_provider": str,   # overrides the provider taken from the price entry
     "billing_time": "2025-01-15T08:00:00Z"}  # moment used for off_peak_pricing

``input`` INCLUDES cache_read, cache_creation and input_audio; ``output`` INCLUDES
reasoning and output_audio; cache_creation_1h is a subset of cache_creation.

Mapping onto LiteLLM's ``Usage`` and why:

* ``prompt_tokens = input``. LiteLLM's own convention is that prompt_tokens already
  contains cached and cache-write tokens: ``AnthropicConfig.calculate_usage`` adds
  Anthropic's cache_read/cache_creation counts into prompt_tokens, and
  ``generic_cost_per_token`` derives the plain-text count as prompt_tokens minus
  cached, cache-write, audio, image and video tokens. So GenAI ``input`` maps 1:1.
* ``completion_tokens = output``; ``completion_tokens_details.reasoning_tokens`` and
  ``.audio_tokens`` carry reasoning/output_audio. ``generic_cost_per_token`` treats
  them as subsets of completion_tokens (text = completion - reasoning - audio - ...),
  which is the GenAI convention.
* ``prompt_tokens_details.cached_tokens = cache_read`` (the OpenAI field that
  ``parse_prompt_tokens_details`` reads as the cache-hit count).
* ``prompt_tokens_details.cache_creation_tokens = cache_creation`` (mirrored to
  ``cache_write_tokens`` by ``PromptTokensDetailsWrapper``); when cache_creation_1h > 0
  also ``cache_creation_token_details = {ephemeral_1h_input_tokens: 1h,
  ephemeral_5m_input_tokens: rest}``, the shape ``AnthropicConfig`` builds from
  Anthropic's ``usage.cache_creation`` and that ``calculate_cache_writing_cost``
  prices with ``cache_creation_input_token_cost_above_1hr``. The top-level
  Anthropic keys (``cache_read_input_tokens`` ...) are deliberately not set: they
  only matter for custom pricing and would make the usage look like a raw
  Anthropic payload to ``completion_cost``.
* ``prompt_tokens_details.audio_tokens = input_audio`` (priced with
  ``input_cost_per_audio_token`` by ``_calculate_input_cost``).
  ``prompt_tokens_details.text_tokens`` is left unset so ``generic_cost_per_token``
  computes it by subtraction.
* web search (only when web_search_requests > 0, because a present 0 still counts
  as "a search happened" for some providers): ``server_tool_use.web_search_requests``
  (Anthropic/OpenAI-compatible field read by ``get_web_search_requests_from_usage``),
  ``prompt_tokens_details.web_search_requests`` (Gemini/Vertex/Perplexity field),
  and for xAI ``server_side_tool_usage_details.web_search_calls`` (read by the xAI
  ``cost_per_web_search_request``). ``search_context_size`` goes into
  ``standard_built_in_tools_params.web_search_options`` for the generic per-call
  path (``StandardBuiltInToolCostTracking.get_cost_for_web_search``); provider
  calculators (Gemini, Anthropic, xAI, Perplexity, Groq) ignore it.
* ``service_tier`` is passed through (flex / priority / fast / balanced / ultrafast;
  "auto"/"default"/"standard"/null mean standard pricing). LiteLLM has no
  "batch" service tier: ``*_batches`` keys are only read by ``batch_cost_calculator``
  for ``call_type="retrieve_batch"``, so service_tier "batch"/"batches" is mapped
  to that call type.
* ``custom_llm_provider`` = the price entry's ``litellm_provider`` (or the case's
  override). Kept literally, e.g. "vertex_ai-language-models" rather than the
  "vertex_ai" a live Vertex call carries: ``cost_per_token`` first tries the name
  "<provider>/<model>", and "vertex_ai/<model>" is often a different entry with
  different prices. For the Vertex models in the file both spellings run the same
  ``generic_cost_per_token`` arithmetic (none has the ``*_above_128k_tokens`` keys
  that send "vertex_ai" to its own calculator).
* Checks reported through ``error`` (costs are still filled in): the priced entry
  (``resolved_key``) is missing from the price file (LiteLLM then falls back to a
  price-less fallback_generalizations rule and says 0) or has prices different
  from the requested entry; or, for a case without web search,
  ``completion_cost`` differs from the sum of ``cost_per_token`` (LiteLLM re-maps
  some together_ai names to size-category entries inside ``completion_cost`` only).
* Batch cases (service_tier "batch") are checked the way ``batch_cost_calculator`` resolves
  the entry (``get_llm_provider``, then ``get_model_info``): when that fails LiteLLM silently
  prices the batch at 0, and when ``get_llm_provider`` needs provider credentials
  (github_copilot) it raises; both are reported through ``error`` with null costs.
* Off-peak pricing depends on the clock, so every case is priced inside
  ``pinned_billing_time`` at a fixed standard-price moment (Wed 2025-01-15 08:00 UTC)
  unless the case gives ``billing_time``.
"""

import json
import os
import sys
from contextlib import redirect_stdout
from datetime import datetime, timezone

os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"

# litellm prints banners/hints to stdout; keep stdout for our JSON lines only.
try:
    with redirect_stdout(sys.stderr):
        import litellm  # noqa: E402
        from litellm import ModelResponse, Usage  # noqa: E402
except ImportError:
    # A plain `python3` without litellm: re-run under the interpreter named by
    # GENOPS_LITELLM_PYTHON (e.g. a venv's bin/python) if there is one.
    other = os.environ.get("GENOPS_LITELLM_PYTHON")
    if other and not os.environ.get("_GENOPS_ORACLE_REEXEC"):
        os.environ["_GENOPS_ORACLE_REEXEC"] = "1"
        os.execv(other, [other, os.path.abspath(__file__), *sys.argv[1:]])
    print(json.dumps({"litellm_version": None, "price_file": None,
                      "error": "litellm is not importable; set GENOPS_LITELLM_PYTHON"}))
    sys.exit(2)

try:
    from litellm._internal_context import pinned_billing_time  # noqa: E402
except ImportError:  # older litellm: no off-peak pricing, nothing to pin
    from contextlib import nullcontext

    def pinned_billing_time(_moment):
        return nullcontext()


DEFAULT_BILLING_TIME = datetime(2025, 1, 15, 8, 0, tzinfo=timezone.utc)
BATCH_TIERS = {"batch", "batches"}


def litellm_version():
    try:
        from importlib.metadata import version

        return version("litellm")
    except Exception:
        return getattr(litellm, "__version__", "unknown")


def price_file():
    return os.path.abspath(
        os.path.join(os.path.dirname(litellm.__file__), "model_prices_and_context_window_backup.json")
    )


def provider_for(model, override):
    if override:
        return override
    entry = litellm.model_cost.get(model)
    provider = entry.get("litellm_provider") if isinstance(entry, dict) else None
    if provider is None:
        provider = litellm.get_llm_provider(model=model)[1]
    return provider


PRICE_FIELDS = ("cost", "pricing", "multiplier", "provider_specific_entry", "web_search_billing_unit")


def prices(key):
    entry = litellm.model_cost.get(key) or {}
    return {k: v for k, v in entry.items() if any(f in k for f in PRICE_FIELDS)}


def check_resolution(model, key):
    """None when LiteLLM priced ``model``'s own entry (or one with identical prices)."""
    if key not in litellm.model_cost:
        # An unmapped name can still be "priced" through a fallback_generalizations
        # rule (no prices, so cost 0): report that instead of a silent 0.
        return f"model {model!r} has no entry in the price file"
    if key != model and model in litellm.model_cost and prices(key) != prices(model):
        return f"LiteLLM priced entry {key!r}, whose prices differ from {model!r}"
    return None


def count(usage, key):
    value = usage.get(key) or 0
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"usage.{key} must be a non-negative integer, got {value!r}")
    return value


def build_usage(usage, provider):
    n = {k: count(usage, k) for k in (
        "input", "output", "cache_read", "cache_creation", "cache_creation_1h",
        "reasoning", "input_audio", "output_audio", "web_search_requests")}
    if n["cache_creation_1h"] > n["cache_creation"]:
        raise ValueError("cache_creation_1h exceeds cache_creation")

    prompt_details = {}
    if n["cache_read"]:
        prompt_details["cached_tokens"] = n["cache_read"]
    if n["cache_creation"]:
        prompt_details["cache_creation_tokens"] = n["cache_creation"]
    if n["cache_creation_1h"]:
        prompt_details["cache_creation_token_details"] = {
            "ephemeral_5m_input_tokens": n["cache_creation"] - n["cache_creation_1h"],
            "ephemeral_1h_input_tokens": n["cache_creation_1h"],
        }
    if n["input_audio"]:
        prompt_details["audio_tokens"] = n["input_audio"]
    if n["web_search_requests"]:
        prompt_details["web_search_requests"] = n["web_search_requests"]

    completion_details = {}
    if n["reasoning"]:
        completion_details["reasoning_tokens"] = n["reasoning"]
    if n["output_audio"]:
        completion_details["audio_tokens"] = n["output_audio"]

    kwargs = {}
    if n["web_search_requests"]:
        kwargs["server_tool_use"] = {"web_search_requests": n["web_search_requests"]}
        if provider == "xai":
            kwargs["server_side_tool_usage_details"] = {"web_search_calls": n["web_search_requests"]}

    return Usage(
        prompt_tokens=n["input"],
        completion_tokens=n["output"],
        total_tokens=n["input"] + n["output"],
        prompt_tokens_details=prompt_details or None,
        completion_tokens_details=completion_details or None,
        **kwargs,
    )


def check_totals(total, prompt_cost, completion_cost, usage):
    """Without web search, completion_cost must equal cost_per_token's two parts."""
    if (usage.get("web_search_requests") or 0) == 0 and total != prompt_cost + completion_cost:
        return (f"completion_cost ({total!r}) disagrees with cost_per_token "
                f"({prompt_cost!r} + {completion_cost!r})")
    return None


def check_batch_resolution(model, provider):
    """None when LiteLLM's batch path prices ``model``'s own entry.

    ``batch_cost_calculator`` re-derives the provider with ``get_llm_provider`` and looks the
    entry up again; when that lookup fails it returns (0, 0) without a word.
    """
    try:
        batch_provider = litellm.get_llm_provider(model=model, custom_llm_provider=provider)[1]
    except Exception as e:
        return f"batch path: get_llm_provider raised {type(e).__name__}: {str(e).splitlines()[0]}"
    try:
        key = litellm.get_model_info(model=model, custom_llm_provider=batch_provider).get("key")
    except Exception:
        return (f"batch path: LiteLLM finds no entry for {model!r} under provider "
                f"{batch_provider!r} and prices it at 0")
    if key != model and model in litellm.model_cost and prices(key) != prices(model):
        return f"batch path: LiteLLM priced entry {key!r}, whose prices differ from {model!r}"
    return None


def resolved_key(model, provider):
    try:
        return litellm.get_model_info(model=model, custom_llm_provider=provider).get("key")
    except Exception:
        return None


def price(case):
    model = case["model"]
    usage = case.get("usage") or {}
    provider = provider_for(model, case.get("custom_llm_provider"))
    tier = case.get("service_tier")
    call_type = "completion"
    if isinstance(tier, str) and tier.lower() in BATCH_TIERS:
        call_type, tier = "retrieve_batch", None

    size = usage.get("search_context_size")
    tools_params = {"web_search_options": {"search_context_size": size}} if size else None

    moment = DEFAULT_BILLING_TIME
    if case.get("billing_time"):
        moment = datetime.fromisoformat(case["billing_time"].replace("Z", "+00:00"))

    if call_type == "retrieve_batch":
        batch_error = check_batch_resolution(model, provider)
        if batch_error is not None:
            # get_llm_provider may ask the provider for credentials (github_copilot): do not
            # run the batch path at all.
            return {"cost": None, "prompt_cost": None, "completion_cost": None, "tool_cost": None,
                    "resolved_key": None, "custom_llm_provider": provider, "error": batch_error}

    with pinned_billing_time(moment):
        prompt_cost, completion_cost = litellm.cost_per_token(
            model=model,
            custom_llm_provider=provider,
            usage_object=build_usage(usage, provider),
            service_tier=tier,
            call_type=call_type,
        )
        response = ModelResponse(model=model, usage=build_usage(usage, provider))
        total = litellm.completion_cost(
            completion_response=response,
            model=model,
            custom_llm_provider=provider,
            service_tier=tier,
            call_type=call_type,
            standard_built_in_tools_params=tools_params,
        )
    key = resolved_key(model, provider)
    return {
        "cost": total,
        "prompt_cost": prompt_cost,
        "completion_cost": completion_cost,
        "tool_cost": total - (prompt_cost + completion_cost),
        "resolved_key": key,
        "custom_llm_provider": provider,
        "error": check_resolution(model, key) or check_totals(total, prompt_cost, completion_cost, usage),
    }


def main():
    print(json.dumps({"litellm_version": litellm_version(), "price_file": price_file()}), flush=True)
    try:
        cases = json.load(sys.stdin)
        if not isinstance(cases, list):
            raise ValueError("stdin must hold a JSON array of cases")
    except Exception as e:
        print(json.dumps({"id": None, "cost": None, "prompt_cost": None, "completion_cost": None,
                          "error": f"bad input: {type(e).__name__}: {e}"}), flush=True)
        return 1
    for case in cases:
        case_id = case.get("id") if isinstance(case, dict) else None
        out = {"id": case_id, "cost": None, "prompt_cost": None, "completion_cost": None, "error": None}
        try:
            with redirect_stdout(sys.stderr):
                out.update(price(case))
        except Exception as e:  # report, never crash on one case
            out["error"] = f"{type(e).__name__}: {e}"
        print(json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

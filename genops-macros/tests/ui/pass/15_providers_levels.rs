// Every provider spelling the attribute accepts, aliases included, and every level.
use tracing_subscriber::layer::SubscriberExt;

#[genops::track(provider = "openai", level = "trace")]
fn openai() {}
#[genops::track(provider = "anthropic", level = "debug")]
fn anthropic() {}
#[genops::track(provider = "aws.bedrock", level = "info")]
fn aws_bedrock() {}
#[genops::track(provider = "gcp.gemini", level = "warn")]
fn gcp_gemini() {}
#[genops::track(provider = "gcp.vertex_ai", level = "error")]
fn gcp_vertex_ai() {}
#[genops::track(provider = "azure.ai.openai")]
fn azure_ai_openai() {}
#[genops::track(provider = "mistral_ai")]
fn mistral_ai() {}
#[genops::track(provider = "cohere")]
fn cohere() {}
#[genops::track(provider = "groq")]
fn groq() {}
#[genops::track(provider = "deepseek")]
fn deepseek() {}
#[genops::track(provider = "x_ai")]
fn x_ai() {}
#[genops::track(provider = "perplexity")]
fn perplexity() {}
#[genops::track(provider = "ibm.watsonx.ai")]
fn ibm_watsonx_ai() {}
#[genops::track(provider = "ollama", model = "llama3.2")]
fn ollama() {}
#[genops::track(provider = "vllm")]
fn vllm() {}
#[genops::track(provider = "llama_cpp")]
fn llama_cpp() {}
#[genops::track(provider = "bedrock")]
fn alias_bedrock() {}
#[genops::track(provider = "gemini")]
fn alias_gemini() {}
#[genops::track(provider = "mistral")]
fn alias_mistral() {}
#[genops::track(provider = "azure")]
fn alias_azure() {}
#[genops::track(provider = custom("in-house"), name = "custom call", level = "warn")]
fn custom_provider() {}

fn main() {
    let layer = genops::layer();
    let ledger = layer.ledger();
    let _guard = tracing::subscriber::set_default(tracing_subscriber::registry().with(layer));

    let calls: [fn(); 21] = [
        openai, anthropic, aws_bedrock, gcp_gemini, gcp_vertex_ai, azure_ai_openai, mistral_ai,
        cohere, groq, deepseek, x_ai, perplexity, ibm_watsonx_ai, ollama, vllm, llama_cpp,
        alias_bedrock, alias_gemini, alias_mistral, alias_azure, custom_provider,
    ];
    for call in calls {
        call();
    }

    let snapshot = ledger.snapshot();
    assert_eq!(snapshot.total.calls, 21);
    // Aliases are recorded under their canonical name.
    assert_eq!(snapshot.by_provider["aws.bedrock"].calls, 2);
    assert_eq!(snapshot.by_provider["gcp.gemini"].calls, 2);
    assert_eq!(snapshot.by_provider["mistral_ai"].calls, 2);
    assert_eq!(snapshot.by_provider["azure.ai.openai"].calls, 2);
    assert_eq!(snapshot.by_provider["in-house"].calls, 1);
}

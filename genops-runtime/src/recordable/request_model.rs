//! [`RequestModel`]: the model a request asks for, rewritten to the one a step-down admitted.

use serde_json::Value;

/// A request whose model can be set: a JSON body, or an async-openai chat request (feature
/// `async-openai`). `genops::use_admitted_model(&mut request)` sets it to the model the
/// nearest tracked call was admitted on.
///
/// ```
/// use genops::RequestModel;
/// let mut body = serde_json::json!({"model": "gpt-4o", "messages": []});
/// body.set_model("gpt-4o-mini");
/// assert_eq!(body["model"], "gpt-4o-mini");
/// ```
pub trait RequestModel {
    /// Sets the model the request asks for.
    fn set_model(&mut self, model: &str) -> &mut Self;
}

impl RequestModel for Value {
    /// Sets `model` on a JSON request body (an object); a body that is not an object is left as
    /// it is.
    fn set_model(&mut self, model: &str) -> &mut Self {
        if let Some(body) = self.as_object_mut() {
            body.insert("model".into(), Value::String(model.into()));
        }
        self
    }
}

#[cfg(feature = "async-openai")]
impl RequestModel for async_openai::types::chat::CreateChatCompletionRequest {
    fn set_model(&mut self, model: &str) -> &mut Self {
        self.model = model.into();
        self
    }
}

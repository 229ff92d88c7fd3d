//! genai's real client, every model routed (with a `ServiceTargetResolver`) to a mock server
//! through one adapter.

use genai::adapter::AdapterKind;
use genai::resolver::{AuthData, Endpoint, ServiceTargetResolver};
use genai::{Client, ModelIden, ServiceTarget};

/// A client whose requests go to `base` (ending in `/`) through `adapter`, with `key`.
pub fn client(base: String, adapter: AdapterKind, key: &'static str) -> Client {
    let resolver = ServiceTargetResolver::from_resolver_fn(
        move |target: ServiceTarget| -> Result<ServiceTarget, genai::resolver::Error> {
            Ok(ServiceTarget {
                endpoint: Endpoint::from_owned(base.clone()),
                auth: AuthData::from_single(key),
                model: ModelIden::new(adapter, target.model.model_name),
            })
        },
    );
    Client::builder()
        .with_service_target_resolver(resolver)
        .build()
        .expect("a genai client")
}

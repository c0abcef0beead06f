//! `fasthooks:hooks/routing`: which of the plugin's subscriptions the event matched, as the host
//! found with the one matcher (`fasthooks_protocol::matcher`), and the one merge rule
//! (`fasthooks_protocol::response`), so no guest needs its own.

use crate::sandbox::InstanceState;
use crate::wit::routing::Host;
use crate::wit::{from_wit_response, to_wit_response, types};
use fasthooks_protocol::Response;

impl Host for InstanceState {
    fn matched_subscriptions(&mut self) -> Vec<u32> {
        self.matched.clone()
    }

    fn merge(&mut self, responses: Vec<types::Response>) -> Result<types::Response, String> {
        let mut merged = Response::none();
        for response in responses {
            merged.merge(from_wit_response(response)?);
        }
        Ok(to_wit_response(merged))
    }
}

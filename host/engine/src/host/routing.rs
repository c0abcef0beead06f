//! `fasthooks:hooks/routing`: which of the plugin's subscriptions the event matched, as the host
//! found with the one matcher (`fasthooks_protocol::matcher`), so no guest needs its own.

use crate::sandbox::InstanceState;
use crate::wit::routing::Host;

impl Host for InstanceState {
    fn matched_subscriptions(&mut self) -> Vec<u32> {
        self.matched.clone()
    }
}

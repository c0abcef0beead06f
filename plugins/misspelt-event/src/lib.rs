//! A plugin whose `describe()` subscribes to `PreTooluse`, a typo of `PreToolUse` that Claude
//! Code would never send: the host refuses the build at describe time, naming the event meant,
//! instead of installing a hook that never fires.

wit_bindgen::generate!({
    world: "plugin",
    path: "../../wit",
});

use fasthooks::hooks::types::Subscription;

struct Misspelt;

impl Guest for Misspelt {
    fn describe() -> PluginInfo {
        PluginInfo {
            name: "misspelt-event".into(),
            version: "0.1.0".into(),
            subscriptions: vec![Subscription {
                event: "PreTooluse".into(),
                matcher: "Bash".into(),
            }],
            capabilities: Vec::new(),
        }
    }

    fn handle(_event: Event) -> Result<Response, String> {
        Err("unreachable: the host refuses this plugin".into())
    }

    fn run_task(_name: String, _args: String) -> Result<String, String> {
        Err("unreachable: the host refuses this plugin".into())
    }

    fn task_names() -> Vec<String> {
        Vec::new()
    }
}

export!(Misspelt);

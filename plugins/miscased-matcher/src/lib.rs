//! A plugin subscribed to PreToolUse with the matcher `write|Edit`: Claude Code compares tool
//! names case-sensitively, so `write` never fires, and `install` must say so (naming `Write`).
//! It has no opinion on what it sees, so the hook itself works.

wit_bindgen::generate!({
    world: "plugin",
    path: "../../wit",
});

use fasthooks::hooks::types::Subscription;

struct Miscased;

impl Guest for Miscased {
    fn describe() -> PluginInfo {
        PluginInfo {
            name: "miscased-matcher".into(),
            version: "0.1.0".into(),
            subscriptions: vec![Subscription {
                event: "PreToolUse".into(),
                matcher: "write|Edit".into(),
            }],
            capabilities: Vec::new(),
        }
    }

    fn handle(_event: Event) -> Result<Response, String> {
        // No opinion: the call goes on as it would without this plugin.
        Ok(Response {
            decision: None,
            reason: None,
            additional_context: None,
            updated_input: None,
            system_message: None,
            stop_reason: None,
        })
    }

    fn run_task(name: String, _args: String) -> Result<String, String> {
        Err(format!("no task {name}"))
    }

    fn task_names() -> Vec<String> {
        Vec::new()
    }
}

export!(Miscased);

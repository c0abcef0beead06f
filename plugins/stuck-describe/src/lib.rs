//! A plugin whose `describe()` spins forever: the host must stop it at describe's own deadline,
//! remember the failure for this build, and still give the other plugins of the command their
//! say. Its other exports are never reached.

wit_bindgen::generate!({
    world: "plugin",
    path: "../../wit",
});

struct Stuck;

impl Guest for Stuck {
    fn describe() -> PluginInfo {
        let mut spins: u64 = 0;
        loop {
            spins = std::hint::black_box(spins.wrapping_add(1));
        }
    }

    fn handle(_event: Event) -> Result<Response, String> {
        Err("unreachable: describe never returns".into())
    }

    fn run_task(_name: String, _args: String) -> Result<String, String> {
        Err("unreachable: describe never returns".into())
    }

    fn task_names() -> Vec<String> {
        Vec::new()
    }
}

export!(Stuck);

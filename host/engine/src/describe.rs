//! `fasthooks-host describe PLUGIN`: load a plugin and print what it declares.

use crate::call::CallContext;
use crate::dispatch::Dispatcher;
use crate::info::PluginInfo;
use crate::plugin::{LoadedPlugin, PluginError, PluginFile, PluginLoader};
use fasthooks_ipc::Paths;
use fasthooks_ipc::hook_io::finish;
use fasthooks_protocol::Rendered;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

pub fn command(plugin: &Path, home: Option<&Path>) -> ExitCode {
    let paths = Paths::resolve(home);
    crate::logging::init(paths.logs.clone());
    let result = describe_plugin(&paths, plugin).map(|(info, file)| {
        let mut json = serde_json::to_value(&info).expect("serializes");
        json["sha256"] = file.sha256.clone().into();
        json["path"] = file.path.display().to_string().into();
        let warnings = crate::info::info_warnings(&info);
        (
            serde_json::to_string_pretty(&json).expect("serializes"),
            warnings,
        )
    });
    match result {
        Ok((json, warnings)) => finish(with_warnings(Rendered::output(json), &warnings)),
        Err(err) => finish(Rendered::error(format!("{err:#}"))),
    }
}

/// `rendered` with `warnings` on stderr, a line each (stdout stays what scripts read).
pub fn with_warnings(mut rendered: Rendered, warnings: &[String]) -> Rendered {
    for warning in warnings {
        rendered.stderr.push_str(warning);
        rendered.stderr.push('\n');
    }
    rendered
}

/// Load a plugin and ask it what it declares (its `describe()`), without handling any event.
pub fn describe_plugin(paths: &Paths, plugin: &Path) -> anyhow::Result<(PluginInfo, PluginFile)> {
    let (loaded, file, _) = load_for_describe(paths, plugin)?;
    Ok((loaded.info.clone(), file))
}

/// [`describe_plugin`], keeping the loaded build and its engine (to look at the component).
pub fn load_for_describe(
    paths: &Paths,
    plugin: &Path,
) -> anyhow::Result<(Arc<LoadedPlugin>, PluginFile, wasmtime::Engine)> {
    let dispatcher = Dispatcher::in_process(paths)?;
    let file = PluginFile::read(plugin)?;
    let loader = dispatcher.loader();
    loader.announce_compiles();
    let loaded = load_file(loader, &file)
        .map_err(|err: PluginError| anyhow::anyhow!("plugin {}: {err}", plugin.display()))?;
    Ok((loaded, file, loader.engine().clone()))
}

/// Load `file` with `loader`, asking its `describe()` when the answer is not cached.
pub fn load_file(
    loader: &PluginLoader,
    file: &PluginFile,
) -> Result<Arc<LoadedPlugin>, PluginError> {
    loader.load(file, |pre| {
        crate::instance::describe(
            loader.engine(),
            pre,
            CallContext::describe(file.provisional_id(), &file.sha256),
        )
    })
}

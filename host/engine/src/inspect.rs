//! `fasthooks-host inspect PLUGIN`: what a user must see before granting a plugin anything (or
//! installing one somebody shared): who it says it is, the exact build (sha256), the contract
//! version it was built against, the events and matchers it subscribes to, the capabilities
//! it asks for with the flag that grants each, and every interface it imports. Nothing of
//! the plugin runs but its `describe()`, in the sandbox with no grants.

use crate::describe::load_for_describe;
use crate::info::{PluginInfo, Subscription};
use crate::install::shell::shell_quote;
use crate::plugin::PluginFile;
use fasthooks_ipc::Paths;
use fasthooks_ipc::hook_io::finish;
use fasthooks_protocol::Rendered;
use serde::Serialize;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::ExitCode;

/// Everything `inspect` shows, as printed with `--json`.
#[derive(Debug, Serialize)]
pub struct Inspection {
    pub name: String,
    pub version: String,
    pub path: String,
    pub bytes: u64,
    pub sha256: String,
    /// The `fasthooks:hooks` version its imports name (none: it imports nothing of the host).
    pub contract: Option<String>,
    /// The contract version this host serves.
    pub host_contract: String,
    pub subscriptions: Vec<Subscription>,
    pub capabilities: Vec<CapabilityAsked>,
    /// The background tasks it registered; `None` when the build cannot list them (before 0.1.4).
    pub tasks: Option<Vec<String>>,
    /// Interfaces it imports, by package: `fasthooks:hooks` → [tasks, log], `wasi:filesystem` → …
    pub imports: Vec<(String, Vec<String>)>,
    /// An `install` command with the pin and a grant for each capability.
    pub install: String,
}

#[derive(Debug, Serialize)]
pub struct CapabilityAsked {
    pub capability: &'static str,
    pub granted_by: &'static str,
}

pub fn command(plugin: &Path, json: bool, home: Option<&Path>) -> ExitCode {
    let paths = Paths::resolve(home);
    crate::logging::init(paths.logs.clone());
    let result = inspect(&paths, plugin).map(|(inspection, warnings)| {
        let text = if json {
            serde_json::to_string_pretty(&inspection).expect("serializes")
        } else {
            render(&inspection)
        };
        (text, warnings)
    });
    match result {
        Ok((text, warnings)) => finish(crate::describe::with_warnings(
            Rendered::output(text),
            &warnings,
        )),
        Err(err) => finish(Rendered::error(format!("{err:#}"))),
    }
}

/// The inspection, and warnings about what the plugin subscribes to (a miscased tool).
pub fn inspect(paths: &Paths, plugin: &Path) -> anyhow::Result<(Inspection, Vec<String>)> {
    let (loaded, file, engine) = load_for_describe(paths, plugin)?;
    let component = loaded.pre.instance_pre().component();
    let imports = crate::plugin::loader::import_names(&engine, component);
    Ok((
        inspection(&loaded.info, &file, &imports),
        crate::info::info_warnings(&loaded.info),
    ))
}

/// The inspection of a plugin that said `info` about itself and imports `imports` (their
/// component-model names, `wasi:filesystem/types@0.2.6`).
fn inspection(info: &PluginInfo, file: &PluginFile, imports: &[String]) -> Inspection {
    let mut by_package: Vec<(String, Vec<String>)> = Vec::new();
    let mut contract = None;
    for name in imports {
        let (package, interface, version) = split_import(name);
        if package == "fasthooks:hooks" && version.is_some() {
            contract = version.map(str::to_owned);
        }
        match by_package.iter_mut().find(|(p, _)| *p == package) {
            Some((_, interfaces)) => interfaces.push(interface.to_owned()),
            None => by_package.push((package.to_owned(), vec![interface.to_owned()])),
        }
    }
    for (_, interfaces) in &mut by_package {
        *interfaces = interfaces
            .iter()
            .cloned()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
    }
    by_package.sort();
    let capabilities: Vec<CapabilityAsked> = info
        .capabilities
        .iter()
        .map(|c| CapabilityAsked {
            capability: c.name(),
            granted_by: c.flag(),
        })
        .collect();
    let path = file.path.display().to_string();
    let mut install = format!(
        "fasthooks-host install --plugin {} --sha256 {}",
        shell_quote(&path),
        file.sha256
    );
    for asked in &capabilities {
        install.push(' ');
        install.push_str(asked.granted_by);
    }
    Inspection {
        name: info.name.clone(),
        version: info.version.clone(),
        bytes: std::fs::metadata(&file.path).map_or(0, |m| m.len()),
        path,
        sha256: file.sha256.clone(),
        contract,
        host_contract: crate::wit::PACKAGE
            .rsplit_once('@')
            .map_or("", |(_, v)| v)
            .to_owned(),
        subscriptions: info.subscriptions.clone(),
        capabilities,
        tasks: info.tasks.clone(),
        imports: by_package,
        install,
    }
}

/// `wasi:filesystem/types@0.2.6` → (`wasi:filesystem`, `types`, Some(`0.2.6`)).
fn split_import(name: &str) -> (&str, &str, Option<&str>) {
    let (path, version) = match name.rsplit_once('@') {
        Some((path, version)) => (path, Some(version)),
        None => (name, None),
    };
    match path.split_once('/') {
        Some((package, interface)) => (package, interface, version),
        None => (path, path, version),
    }
}

/// A plugin's own text, shown on one line with control characters escaped: a name or a
/// matcher cannot move the cursor, clear the screen or fake the lines after it.
fn shown(text: &str) -> String {
    fasthooks_protocol::one_line(text, 1024)
}

fn render(inspection: &Inspection) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let i = inspection;
    let _ = writeln!(out, "{} {}", shown(&i.name), shown(&i.version));
    let _ = writeln!(
        out,
        "  file          {} ({})",
        shown(&i.path),
        size(i.bytes)
    );
    let _ = writeln!(out, "  sha256        {}", i.sha256);
    let contract = match &i.contract {
        Some(version) => format!(
            "fasthooks:hooks@{version} (this host serves {})",
            i.host_contract
        ),
        None => "imports nothing of fasthooks:hooks".to_owned(),
    };
    let _ = writeln!(out, "  built against {contract}");
    let _ = writeln!(out, "  subscribes to");
    if i.subscriptions.is_empty() {
        let _ = writeln!(out, "    nothing: it never runs");
    }
    for sub in &i.subscriptions {
        let event = if sub.event == "*" {
            "every event".to_owned()
        } else {
            shown(&sub.event)
        };
        let matcher = if sub.matcher.is_empty() || sub.matcher == "*" {
            "(any)".to_owned()
        } else {
            shown(&sub.matcher)
        };
        let _ = writeln!(out, "    {event:<20} {matcher}");
    }
    let _ = writeln!(out, "  asks for");
    if i.capabilities.is_empty() {
        let _ = writeln!(
            out,
            "    nothing: it runs with no files, network, environment or sub-agent"
        );
    }
    for asked in &i.capabilities {
        let _ = writeln!(
            out,
            "    {:<20} granted by {}",
            asked.capability, asked.granted_by
        );
    }
    match &i.tasks {
        None => {
            let _ = writeln!(
                out,
                "  tasks         not listed: built before fasthooks:hooks@0.1.4, which added task-names"
            );
        }
        Some(tasks) if tasks.is_empty() => {
            let _ = writeln!(out, "  tasks         none");
        }
        Some(tasks) => {
            let names: Vec<String> = tasks.iter().map(|t| shown(t)).collect();
            let _ = writeln!(out, "  tasks         {}", names.join(", "));
        }
    }
    let _ = writeln!(out, "  imports");
    for (package, interfaces) in &i.imports {
        let _ = writeln!(out, "    {package:<20} {}", interfaces.join(", "));
    }
    let _ = writeln!(out, "  to install it, pinned to this build:");
    let _ = write!(out, "    {}", i.install);
    if !i.capabilities.is_empty() {
        let _ = write!(
            out,
            "\n    (put what you grant in place of the upper-case words: DIR, HOST[:PORT], NAME, URL)"
        );
    }
    out
}

fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 20 => format!("{:.1} MiB", b as f64 / f64::from(1 << 20)),
        b if b >= 1 << 10 => format!("{:.0} KiB", b as f64 / f64::from(1 << 10)),
        b => format!("{b} bytes"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_names_split_into_package_interface_and_version() {
        assert_eq!(
            split_import("wasi:filesystem/types@0.2.6"),
            ("wasi:filesystem", "types", Some("0.2.6"))
        );
        assert_eq!(
            split_import("fasthooks:hooks/tasks@0.1.0"),
            ("fasthooks:hooks", "tasks", Some("0.1.0"))
        );
        assert_eq!(split_import("env"), ("env", "env", None));
    }
}

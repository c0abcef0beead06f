//! `fasthooks-host package`: one plugin made into a Claude Code plugin directory, to share
//! through `claude --plugin-dir DIR` or a marketplace:
//!
//! ```text
//! DIR/.claude-plugin/plugin.json   name, version, description
//! DIR/hooks/hooks.json             the hook entries install would write, running
//!                                  fasthooks-host --plugin "${CLAUDE_PLUGIN_ROOT}/NAME.wasm"
//!                                  --sha256 <this build> <exactly the grants given>
//! DIR/NAME.wasm                    the plugin
//! DIR/README.md                    what the plugin is, its sha256, and every grant it gets
//! ```
//!
//! The grants are the packager's choice and are all visible in `hooks.json` and the README.
//! They cannot widen silently: the version in `plugin.json` ends in a digest of the build and
//! the grants, so a changed grant or a rebuilt plugin is a new version. A directory grant must
//! be written for the machine that runs it (`"$CLAUDE_PROJECT_DIR/docs"`, `"$HOME/notes"`): an
//! absolute path of the packager's machine is refused. The plugin is pinned to its sha256, so a
//! tampered `NAME.wasm` is refused by the host.

use super::checks::check_grants;
use super::command::{check_expandable, command_line};
use super::entries_for;
use super::exec_form::CommandForm;
use super::settings::{Plan, apply_install};
use super::shell::shell_quote;
use crate::cli::PackageArgs;
use anyhow::{anyhow, bail};
use clap::ArgMatches;
use fasthooks_ipc::hook_io::finish;
use fasthooks_ipc::{Grant, HOST_BINARY, HookCommand, Paths};
use fasthooks_protocol::Rendered;
use std::collections::HashSet;
use std::process::ExitCode;

/// `fasthooks-host package`.
pub fn package(args: &PackageArgs, matches: &ArgMatches) -> ExitCode {
    let paths = Paths::resolve(args.hook.home.as_deref());
    crate::logging::init(paths.logs.clone());
    match run_package(args, matches, &paths) {
        Ok(out) => finish(Rendered::output(out)),
        Err(err) => finish(Rendered::error(format!("package: {err:#}"))),
    }
}

fn run_package(args: &PackageArgs, matches: &ArgMatches, paths: &Paths) -> anyhow::Result<String> {
    let mut command = HookCommand::parse(&args.hook, matches)?;
    let [plugin] = command.plugins.as_mut_slice() else {
        bail!("give exactly one --plugin: a package holds one plugin");
    };
    let mut expandable = HashSet::new();
    for grant in &plugin.grants {
        match grant {
            Grant::Read(dir) | Grant::Write(dir) => {
                let text = dir.display().to_string();
                let portable = [
                    "$CLAUDE_PROJECT_DIR",
                    "${CLAUDE_PROJECT_DIR}",
                    "$HOME",
                    "${HOME}",
                ]
                .iter()
                .any(|root| {
                    text.strip_prefix(root)
                        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
                });
                if !portable {
                    bail!(
                        "{} {text}: a package's directories start at the project or the home of whoever runs it: write it as '\"$CLAUDE_PROJECT_DIR/…\"' or '\"$HOME/…\"'",
                        grant.flag()
                    );
                }
                check_expandable(&text, grant.flag())?;
                expandable.insert(text);
            }
            Grant::Sha256(_) => bail!("--sha256: package pins the build it packages itself"),
            _ => {}
        }
    }
    let (info, file) = crate::describe::describe_plugin(paths, &plugin.path)?;
    check_grants(&info.name, plugin, &info.capabilities)?;
    let name = &info.name;
    // The version goes into plugin.json, the README and the terminal: a version, nothing more.
    let version_ok = !info.version.is_empty()
        && info.version.len() <= 64
        && info
            .version
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".+-".contains(c));
    if !version_ok {
        bail!(
            "the plugin's version {:?} is not a version (letters, digits, '.', '+', '-'; at most 64)",
            fasthooks_protocol::one_line(&info.version, 80)
        );
    }
    if !is_kebab(name) {
        bail!(
            "the plugin calls itself {:?}, which cannot name a Claude Code plugin (lowercase letters, digits and dashes)",
            fasthooks_protocol::one_line(name, 80)
        );
    }
    let subscriptions: Vec<(String, String)> = info
        .subscriptions
        .iter()
        .map(|s| (s.event.clone(), s.matcher.clone()))
        .collect();
    let entries = entries_for(&subscriptions, &args.events)?;
    if entries.is_empty() {
        bail!("{name} subscribes to no event: nothing to package");
    }

    let wasm_name = format!("{name}.wasm");
    let in_package = format!("${{CLAUDE_PLUGIN_ROOT}}/{wasm_name}");
    plugin.path = in_package.clone().into();
    plugin.grants.push(Grant::Sha256(file.sha256.clone()));
    expandable.insert(in_package);
    let grants: Vec<String> = plugin
        .grants
        .iter()
        .filter(|g| !matches!(g, Grant::Sha256(_)))
        .map(|g| match g.value() {
            Some(value) => format!("{} {value}", g.flag()),
            None => g.flag().to_owned(),
        })
        .collect();
    // Over the build and each grant as (flag, value): no two grant lists read alike.
    let pinned: Vec<(&str, Option<String>)> = plugin
        .grants
        .iter()
        .map(|g| (g.flag(), g.value()))
        .collect();
    let version = format!(
        "{}+{}",
        info.version,
        digest(&serde_json::to_string(&pinned)?)
    );
    let host = args
        .host
        .as_deref()
        .map_or_else(|| HOST_BINARY.to_owned(), shell_quote);
    let plan = Plan {
        command: command_line(&host, &command.to_args(), &expandable),
        // The Claude Code that installs the package may be older than the exec form.
        form: CommandForm::Shell,
        entries,
        timeout: args.hook_timeout,
        event_commands: Vec::new(),
        async_rewake: false,
        http_urls: Vec::new(),
    };
    let hooks = apply_install("", &plan, |_| false)
        .map_err(|err| anyhow!("{err}"))?
        .ok_or_else(|| anyhow!("no hook entries to write"))?;

    let out = &args.out;
    let listing = args
        .marketplace
        .as_deref()
        .map(|market| super::marketplace::plan(market, out))
        .transpose()?;
    if out.exists() && std::fs::read_dir(out).map_or(true, |mut d| d.next().is_some()) {
        bail!(
            "{} exists and is not empty: package into a new directory",
            out.display()
        );
    }
    let write = |relative: &str, bytes: &[u8]| -> anyhow::Result<()> {
        let path = out.join(relative);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|err| anyhow!("cannot create {}: {err}", dir.display()))?;
        }
        std::fs::write(&path, bytes)
            .map_err(|err| anyhow!("cannot write {}: {err}", path.display()))
    };
    let bytes = std::fs::read(&file.path)
        .map_err(|err| anyhow!("cannot read {}: {err}", file.path.display()))?;
    write(&wasm_name, &bytes)?;
    write(
        "hooks/hooks.json",
        with_description(&hooks, name).as_bytes(),
    )?;
    let description = format!(
        "{name} hooks, run by fasthooks-host in a WebAssembly sandbox; grants: {}",
        if grants.is_empty() {
            "none".to_owned()
        } else {
            grants.join(", ")
        }
    );
    let manifest = serde_json::json!({
        "name": name,
        "version": version,
        "description": description,
    });
    write(
        ".claude-plugin/plugin.json",
        format!("{}\n", serde_json::to_string_pretty(&manifest)?).as_bytes(),
    )?;
    // Event names are the plugin's words (one far from every known event is let through).
    let events: Vec<String> = plan
        .entries
        .iter()
        .map(|e| fasthooks_protocol::one_line(&e.event, 64).replace('`', "'"))
        .collect();
    let events: Vec<&str> = events.iter().map(String::as_str).collect();
    write(
        "README.md",
        readme(name, &version, &file.sha256, &grants, &events).as_bytes(),
    )?;
    let listed = match &listing {
        Some(listing) => format!(
            "\nlisted in {}\nshare the folder, then: claude plugin marketplace add {} && claude plugin install {name}@{}",
            super::marketplace::list(listing, name, &version, &description)?.display(),
            listing.root().display(),
            listing.name
        ),
        None => String::new(),
    };
    Ok(format!(
        "packaged {name} {version} in {}\n  sha256 {}\n  grants {}\n  events {}\ntry it: claude --plugin-dir {} (fasthooks-host must be on PATH){listed}",
        out.display(),
        file.sha256,
        if grants.is_empty() {
            "none".to_owned()
        } else {
            grants.join(" ")
        },
        events.join(", "),
        out.display()
    ))
}

/// `hooks.json` is settings' `hooks` shape plus a description.
fn with_description(hooks: &str, name: &str) -> String {
    let mut value: serde_json::Value = serde_json::from_str(hooks).expect("install writes JSON");
    if let Some(object) = value.as_object_mut() {
        let hooks = object.remove("hooks");
        object.insert(
            "description".into(),
            format!("{name}, sandboxed by fasthooks-host").into(),
        );
        if let Some(hooks) = hooks {
            object.insert("hooks".into(), hooks);
        }
    }
    format!("{}\n", serde_json::to_string_pretty(&value).expect("JSON"))
}

fn readme(name: &str, version: &str, sha256: &str, grants: &[String], events: &[&str]) -> String {
    let grants = if grants.is_empty() {
        "None: it sees the event and nothing else (no files, network, environment or sub-agent).\n"
            .to_owned()
    } else {
        grants.iter().map(|g| format!("- `{g}`\n")).collect()
    };
    format!(
        "# {name}\n\n\
         Version {version}. Claude Code hooks run by fasthooks-host in a WebAssembly \
         sandbox, on: {}.\n\n\
         ## What it is granted\n\n{grants}\n\
         The hook pins this build: `{name}.wasm` has SHA-256 `{sha256}`, and fasthooks-host \
         refuses to run a file with any other. A changed grant or build is a new version.\n\n\
         ## Use it\n\n\
         `fasthooks-host` (and `fasthooks-engine` beside it) must be on PATH. Then:\n\n\
         ```sh\nclaude --plugin-dir path/to/this/directory\n```\n\n\
         Before trusting it: `fasthooks-host inspect {name}.wasm`.\n",
        events.join(", ")
    )
}

/// A short digest of `text`, for the version.
fn digest(text: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(text.as_bytes())[..6]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub(super) fn is_kebab(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('-')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

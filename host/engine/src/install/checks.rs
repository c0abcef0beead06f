//! What `install` checks and says about a hook command before writing it: every declared
//! capability granted, the deadline inside Claude Code's timeout for the entries, and what a
//! write grant leaves read-only (or, with the flag, does not).

use anyhow::anyhow;
use fasthooks_ipc::request::GrantKind;
use fasthooks_ipc::{Capability, Grant, HookCommand, Limits};

/// Refuse a plugin that would be refused at every event: for a capability it was not granted,
/// or for an `--allow-http` that is not a URL.
pub fn check_grants(
    name: &str,
    plugin: &fasthooks_ipc::PluginArgs,
    capabilities: &[Capability],
) -> anyhow::Result<()> {
    for grant in &plugin.grants {
        if let Grant::Http(url) = grant
            && let Err(why) = fasthooks_ipc::HttpGrant::parse(url)
        {
            return Err(anyhow!("{} {url}: {why}", grant.flag()));
        }
    }
    let kinds: Vec<GrantKind> = plugin.grants.iter().filter_map(Grant::kind).collect();
    match capabilities.iter().find(|c| !c.granted_by(&kinds)) {
        Some(missing) => Err(anyhow!(
            "plugin {name} ({}) needs the {} capability: add {} after its --plugin",
            plugin.path.display(),
            missing.name(),
            missing.flag()
        )),
        None => Ok(()),
    }
}

/// The hook must answer before Claude Code's timeout for its entries kills it: a default
/// deadline that does not fit is lowered to 90% of the entry's timeout, and a `--deadline-ms`
/// given that does not fit is refused.
pub fn fit_deadline(
    command: &mut HookCommand,
    entry_timeout_secs: Option<u64>,
) -> anyhow::Result<()> {
    let entry_ms = entry_timeout_secs.map_or(Limits::CLAUDE_CODE_DEFAULT_TIMEOUT_MS, |s| {
        s.saturating_mul(1000)
    });
    match command.deadline_ms {
        Some(deadline) if deadline >= entry_ms => Err(anyhow!(
            "--deadline-ms {deadline} is not below the entries' timeout ({} s): Claude Code would \
             stop the hook before it answers; lower --deadline-ms or raise --hook-timeout",
            entry_ms / 1000
        )),
        None if Limits::DEFAULT_DEADLINE_MS >= entry_ms => {
            command.deadline_ms = Some(entry_ms * 9 / 10);
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Claude Code's budget for all SessionEnd hooks together, unless a settings `timeout` raises
/// it (to at most [`SESSION_END_MAX_MS`]).
pub const SESSION_END_BUDGET_MS: u64 = 1_500;
pub const SESSION_END_MAX_MS: u64 = 60_000;

/// The `--deadline-ms` a SessionEnd handler needs, when the command's own does not fit the
/// budget Claude Code gives SessionEnd hooks: 90% of it.
pub fn session_end_deadline(command: &HookCommand, entry_timeout_secs: Option<u64>) -> Option<u64> {
    let budget = entry_timeout_secs.map_or(SESSION_END_BUDGET_MS, |s| {
        s.saturating_mul(1000).min(SESSION_END_MAX_MS)
    });
    let fits = budget * 9 / 10;
    let deadline = command.deadline_ms.unwrap_or(Limits::DEFAULT_DEADLINE_MS);
    (deadline > fits).then_some(fits)
}

/// What a write grant means for the places Claude Code and git run commands from.
pub fn write_grant_notes(command: &HookCommand) -> Vec<String> {
    let mut notes = Vec::new();
    for plugin in &command.plugins {
        let lifted = plugin.grants.contains(&Grant::WriteClaudeAndGit);
        for grant in &plugin.grants {
            let Grant::Write(dir) = grant else { continue };
            let text = dir.display();
            let holds = crate::sandbox::write_policy::READ_ONLY_NAMES
                .iter()
                .any(|name| dir.join(name).exists())
                || text.to_string().contains('$');
            if lifted {
                notes.push(format!(
                    "warning: {} may change .claude/ and .git/ inside {text} \
                     (--allow-write-claude-and-git): Claude Code and git run the commands \
                     written there, outside any sandbox",
                    plugin.path.display()
                ));
            } else if holds {
                notes.push(format!(
                    "note: .claude/ and .git/ inside {text} stay read-only for {} \
                     (Claude Code and git run commands from them); \
                     --allow-write-claude-and-git would lift that",
                    plugin.path.display()
                ));
            }
        }
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn capabilities_need_their_grants() {
        use Capability::*;
        let plugin = |grants: Vec<Grant>| fasthooks_ipc::PluginArgs {
            path: "/p/x.wasm".into(),
            grants,
        };
        let dir = || PathBuf::from("/d");
        assert!(check_grants("x", &plugin(vec![]), &[]).is_ok());
        let err = check_grants("x", &plugin(vec![]), &[ReadFiles])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("--allow-read DIR") && err.contains("/p/x.wasm"),
            "{err}"
        );
        assert!(
            check_grants(
                "x",
                &plugin(vec![Grant::Write(dir())]),
                &[ReadFiles, WriteFiles]
            )
            .is_ok()
        );
        assert!(check_grants("x", &plugin(vec![Grant::Read(dir())]), &[WriteFiles]).is_err());
        let all = vec![Grant::Net("h".into()), Grant::Env("E".into()), Grant::Agent];
        assert!(check_grants("x", &plugin(all), &[Network, Environment, Agent]).is_ok());
        assert!(check_grants("x", &plugin(vec![Grant::Net("h".into())]), &[Agent]).is_err());
    }
}

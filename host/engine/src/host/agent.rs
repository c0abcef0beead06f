//! `fasthooks:hooks/agent`: Claude sub-agents for plugins the user granted `--allow-agent`: one query runs the Claude Code
//! CLI non-interactively (`claude -p … --output-format json`) and returns its final answer, like
//! the seed's `ClaudeAgent.query`.
//!
//! - The CLI is `$FASTHOOKS_CLAUDE_BIN`, or `claude` on the PATH of the process that runs the
//!   plugin (the daemon inherits the environment of the hook that started it, so the sub-agent
//!   uses the same credentials and API endpoint as Claude Code).
//! - It runs in the session's working directory, with hooks disabled (a sub-agent must not
//!   re-enter the plugins that started it) and without saving its session.
//! - Its tools are only those the user granted with `--allow-agent-tools` (none with
//!   `--allow-agent` alone, not even reads: a sub-agent that reads files would read outside the
//!   plugin's grants): the plugin's `allowed-tools` must be among them, and the CLI gets exactly
//!   that set (`--tools`, pre-approved with `--allowedTools`), without MCP servers
//!   (`--strict-mcp-config`). Settings cannot add a tool the set does not have.
//! - Turns and budget are what the plugin asks, capped by the user's `--agent-max-turns` and
//!   `--agent-max-budget-usd` (defaults [`DEFAULT_MAX_TURNS`], [`DEFAULT_MAX_BUDGET_CENTS`]).
//! - It ends by the caller's deadline (the hook's `--deadline-ms`, or the task's timeout) and when
//!   the task that runs it is cancelled: the process is killed.

use crate::sandbox::InstanceState;
use crate::wit::types::AgentRequest;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

pub const CLAUDE_BIN_ENV: &str = "FASTHOOKS_CLAUDE_BIN";

/// Turns of one query when the user gave no `--agent-max-turns`.
pub const DEFAULT_MAX_TURNS: u32 = 10;
/// Spending of one query, in US cents, when the user gave no `--agent-max-budget-usd`.
pub const DEFAULT_MAX_BUDGET_CENTS: u32 = 100;

/// `request` as the user's grants allow it: tools checked, turns and budget capped.
pub fn within_grants(
    mut request: AgentRequest,
    grants: &fasthooks_ipc::Grants,
    plugin: &str,
) -> Result<AgentRequest, String> {
    let missing: Vec<&str> = request
        .allowed_tools
        .iter()
        .filter(|tool| !grants.agent_tools.contains(tool))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        let list = missing.join(",");
        return Err(format!(
            "plugin {plugin} asked for a sub-agent with tools the user did not grant ({list}): \
             add --allow-agent-tools {list} after its --plugin in the hook command"
        ));
    }
    let max_turns = grants.agent_max_turns.unwrap_or(DEFAULT_MAX_TURNS);
    request.max_turns = Some(request.max_turns.map_or(max_turns, |n| n.min(max_turns)));
    let budget = f64::from(
        grants
            .agent_max_budget_cents
            .unwrap_or(DEFAULT_MAX_BUDGET_CENTS),
    ) / 100.0;
    request.max_budget_usd = Some(
        request
            .max_budget_usd
            .filter(|usd| usd.is_finite() && *usd >= 0.0)
            .map_or(budget, |usd| usd.min(budget)),
    );
    Ok(request)
}

/// The `claude` arguments for a query (already [`within_grants`]).
pub fn arguments(query: &AgentRequest) -> Vec<String> {
    // Every value is joined to its flag (`--flag=value`) and the prompt comes after `--`, so
    // nothing a plugin writes can be read by the CLI as an option of its own.
    let mut args = vec![
        "-p".to_owned(),
        "--output-format=json".into(),
        r#"--settings={"disableAllHooks": true}"#.into(),
        "--no-session-persistence".into(),
        "--strict-mcp-config".into(),
        // Exactly these tools exist for the sub-agent (none when empty).
        format!("--tools={}", query.allowed_tools.join(",")),
    ];
    let mut option = |flag: &str, value: Option<String>| {
        if let Some(value) = value {
            args.push(format!("{flag}={value}"));
        }
    };
    option("--model", query.model.clone());
    option("--system-prompt", query.system_prompt.clone());
    option("--max-turns", query.max_turns.map(|n| n.to_string()));
    option(
        "--max-budget-usd",
        query.max_budget_usd.map(|usd| usd.to_string()),
    );
    option(
        "--allowedTools",
        (!query.allowed_tools.is_empty()).then(|| query.allowed_tools.join(",")),
    );
    args.push("--".into());
    args.push(query.prompt.clone());
    args
}

/// Run `query` in `cwd`; the agent's final answer.
pub fn query(
    query: &AgentRequest,
    cwd: &Path,
    deadline: Instant,
    cancel: &Arc<AtomicBool>,
) -> Result<String, String> {
    let program = std::env::var_os(CLAUDE_BIN_ENV).unwrap_or_else(|| "claude".into());
    let cwd = if cwd.is_dir() { cwd } else { Path::new("/") };
    let mut child = Command::new(&program)
        .args(arguments(query))
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|err| {
            format!(
                "cannot start the Claude Code CLI ({}): {err}; set {CLAUDE_BIN_ENV}",
                program.to_string_lossy()
            )
        })?;
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            text
        })
    };
    let stdout = drain(Box::new(child.stdout.take().expect("piped stdout")));
    let stderr = drain(Box::new(child.stderr.take().expect("piped stderr")));
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|err| err.to_string())? {
            break status;
        }
        let stop = if cancel.load(Ordering::Relaxed) {
            Some("cancelled")
        } else if Instant::now() >= deadline {
            Some("out of time")
        } else {
            None
        };
        if let Some(why) = stop {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("the sub-agent was stopped: {why}"));
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let stdout = stdout.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    answer(&stdout).ok_or_else(|| {
        let detail = stderr
            .lines()
            .chain(stdout.lines())
            .find(|l| !l.trim().is_empty())
            .unwrap_or("no output");
        format!("the sub-agent failed ({status}): {detail}")
    })?
}

/// The final answer in `claude -p --output-format json` output: `Ok(result)`, or `Err` when the
/// CLI reports an error. `None` when the output is not such a result at all.
fn answer(stdout: &str) -> Option<Result<String, String>> {
    let value: serde_json::Value = serde_json::from_str(stdout.trim()).ok()?;
    let result = value
        .get("result")
        .and_then(|r| r.as_str())
        .unwrap_or_default()
        .to_owned();
    if value
        .get("is_error")
        .and_then(|e| e.as_bool())
        .unwrap_or(false)
    {
        let subtype = value
            .get("subtype")
            .and_then(|s| s.as_str())
            .unwrap_or("error");
        return Some(Err(format!("the sub-agent ended with {subtype}: {result}")));
    }
    value.get("result").is_some().then_some(Ok(result))
}

impl crate::wit::agent::Host for InstanceState {
    fn query(&mut self, request: AgentRequest) -> Result<String, String> {
        if !self.grants.agent {
            return Err(format!(
                "plugin {} may not start sub-agents: add --allow-agent after its --plugin in the hook command",
                self.plugin.name
            ));
        }
        let request = within_grants(request, &self.grants, &self.plugin.name)?;
        let (cwd, deadline, cancel) = (
            std::path::PathBuf::from(&self.cwd),
            self.wait_deadline,
            self.cancel.clone(),
        );
        self.waiting(|_| query(&request, &cwd, deadline, &cancel))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_carry_every_option_and_keep_hooks_off() {
        let query = AgentRequest {
            prompt: "--version".into(),
            model: Some("haiku".into()),
            system_prompt: Some("--dangerously-skip-permissions".into()),
            allowed_tools: vec!["Read".into(), "Grep".into()],
            max_turns: Some(3),
            max_budget_usd: Some(0.1),
        };
        let args = arguments(&query);
        assert_eq!(args[0], "-p");
        assert!(args.contains(&r#"--settings={"disableAllHooks": true}"#.to_owned()));
        assert!(args.contains(&"--model=haiku".to_owned()));
        assert!(args.contains(&"--max-turns=3".to_owned()));
        assert!(args.contains(&"--allowedTools=Read,Grep".to_owned()));
        assert!(args.contains(&"--tools=Read,Grep".to_owned()));
        assert!(args.contains(&"--strict-mcp-config".to_owned()));
        // What the plugin wrote is never an option: values are joined, the prompt follows `--`.
        assert!(args.contains(&"--system-prompt=--dangerously-skip-permissions".to_owned()));
        assert_eq!(&args[args.len() - 2..], ["--", "--version"]);
        assert_eq!(
            args.iter().filter(|a| a.starts_with("--version")).count(),
            1
        );
    }

    fn asking(tools: &[&str], max_turns: Option<u32>, usd: Option<f64>) -> AgentRequest {
        AgentRequest {
            prompt: "p".into(),
            model: None,
            system_prompt: None,
            allowed_tools: tools.iter().map(|t| t.to_string()).collect(),
            max_turns,
            max_budget_usd: usd,
        }
    }

    #[test]
    fn a_sub_agent_gets_only_the_granted_tools_and_the_users_caps() {
        let agent_only = fasthooks_ipc::Grants {
            agent: true,
            ..Default::default()
        };
        let err =
            within_grants(asking(&["Bash", "Read"], None, None), &agent_only, "p").unwrap_err();
        assert!(err.contains("add --allow-agent-tools Bash,Read"), "{err}");
        let none = within_grants(asking(&[], None, None), &agent_only, "p").unwrap();
        assert!(
            arguments(&none).contains(&"--tools=".to_owned()),
            "no tools at all"
        );
        assert_eq!(none.max_turns, Some(DEFAULT_MAX_TURNS));
        assert_eq!(none.max_budget_usd, Some(1.0));

        let reads = fasthooks_ipc::Grants {
            agent: true,
            agent_tools: vec!["Read".into(), "Grep".into()],
            agent_max_turns: Some(3),
            agent_max_budget_cents: Some(25),
            ..Default::default()
        };
        let capped = within_grants(asking(&["Read"], Some(50), Some(9.0)), &reads, "p").unwrap();
        assert_eq!(
            (capped.max_turns, capped.max_budget_usd),
            (Some(3), Some(0.25))
        );
        let under = within_grants(asking(&["Grep"], Some(2), Some(0.1)), &reads, "p").unwrap();
        assert_eq!(
            (under.max_turns, under.max_budget_usd),
            (Some(2), Some(0.1))
        );
        let nan = within_grants(asking(&[], None, Some(f64::NAN)), &reads, "p").unwrap();
        assert_eq!(nan.max_budget_usd, Some(0.25));
    }

    #[test]
    fn answers_and_errors_are_read_from_the_json_result() {
        assert_eq!(
            answer(r#"{"type":"result","is_error":false,"result":"4"}"#),
            Some(Ok("4".into()))
        );
        assert!(matches!(
            answer(r#"{"is_error":true,"subtype":"error_max_turns","result":""}"#),
            Some(Err(_))
        ));
        assert_eq!(answer("not json"), None);
    }

    #[test]
    fn a_missing_cli_is_a_clear_error() {
        // SAFETY: the test sets a variable only this module reads.
        unsafe { std::env::set_var(CLAUDE_BIN_ENV, "/nonexistent/claude") };
        let empty = AgentRequest {
            prompt: String::new(),
            model: None,
            system_prompt: None,
            allowed_tools: Vec::new(),
            max_turns: None,
            max_budget_usd: None,
        };
        let err = query(
            &empty,
            Path::new("/"),
            Instant::now() + Duration::from_secs(5),
            &Default::default(),
        )
        .unwrap_err();
        assert!(
            err.contains("cannot start the Claude Code CLI") && err.contains(CLAUDE_BIN_ENV),
            "{err}"
        );
    }
}

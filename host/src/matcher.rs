//! Claude Code matcher semantics, so that a plugin's subscription fires exactly when a
//! `settings.json` matcher with the same text would.
//!
//! - `""` or `"*"`: everything.
//! - Only letters, digits, `_`, `-`, space, `,` and `|`: a list of exact names split on `|` or `,`.
//! - Anything else: a JavaScript regular expression tested unanchored (`RegExp.prototype.test`),
//!   which is why this uses `regress` (ECMAScript syntax) rather than the `regex` crate.
//!
//! Events without matcher support match every subscription for them, whatever the matcher says
//! (Claude Code silently ignores such matchers too).

use std::fmt;

#[derive(Clone)]
pub enum Matcher {
    Any,
    Exact(Vec<String>),
    Regex {
        source: String,
        regex: regress::Regex,
    },
}

impl Matcher {
    pub fn parse(text: &str) -> Result<Matcher, String> {
        let trimmed = text.trim();
        if trimmed.is_empty() || trimmed == "*" {
            return Ok(Matcher::Any);
        }
        let is_name_list = trimmed
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | ' ' | ',' | '|'));
        if is_name_list {
            let names = trimmed
                .split(['|', ','])
                .map(str::trim)
                .filter(|name| !name.is_empty())
                .map(str::to_owned)
                .collect();
            return Ok(Matcher::Exact(names));
        }
        regress::Regex::new(text)
            .map(|regex| Matcher::Regex {
                source: text.to_owned(),
                regex,
            })
            .map_err(|err| format!("invalid matcher regex {text:?}: {err}"))
    }

    /// Does this matcher accept `subject` (the tool name, source, reason, ... of the event)?
    /// `None` means the event has no matcher field, which Claude Code treats as "always runs".
    pub fn matches(&self, subject: Option<&str>) -> bool {
        let Some(subject) = subject else { return true };
        match self {
            Matcher::Any => true,
            Matcher::Exact(names) => names.iter().any(|name| name == subject),
            Matcher::Regex { regex, .. } => regex.find(subject).is_some(),
        }
    }
}

impl fmt::Debug for Matcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Matcher::Any => f.write_str("Any"),
            Matcher::Exact(names) => f.debug_tuple("Exact").field(names).finish(),
            Matcher::Regex { source, .. } => f.debug_tuple("Regex").field(source).finish(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(text: &str, subject: &str) -> bool {
        Matcher::parse(text).unwrap().matches(Some(subject))
    }

    #[test]
    fn wildcard_and_empty_match_everything() {
        assert!(m("", "Bash"));
        assert!(m("*", "mcp__memory__read"));
        assert!(m("  ", "Write"));
    }

    #[test]
    fn exact_names_and_lists() {
        assert!(m("Bash", "Bash"));
        assert!(!m("Bash", "bash"), "case-sensitive");
        assert!(!m("Bash", "BashOutput"), "exact, not substring");
        assert!(m("Edit|Write", "Write"));
        assert!(m("Edit, Write", "Write"));
        assert!(m("Edit,Write", "Edit"));
        assert!(!m("Edit|Write", "NotebookEdit"));
        assert!(m("auto-compact", "auto-compact"));
        assert!(
            !m("mcp__memory", "mcp__memory__read"),
            "bare server name is exact"
        );
    }

    #[test]
    fn anything_else_is_an_unanchored_regex() {
        assert!(m("Edit.*", "NotebookEdit"), "unanchored like RegExp.test");
        assert!(!m("^Edit.*", "NotebookEdit"));
        assert!(m("mcp__memory__.*", "mcp__memory__read"));
        assert!(!m("^(Edit|Write)$", "MultiEdit"));
        assert!(
            m("(?!Bash)^\\w+$", "Read"),
            "ECMAScript look-ahead is supported"
        );
        assert!(!m("(?!Bash)^\\w+$", "Bash"));
    }

    #[test]
    fn events_without_a_matcher_field_always_match() {
        assert!(Matcher::parse("Bash").unwrap().matches(None));
    }

    #[test]
    fn invalid_regex_is_an_error() {
        assert!(Matcher::parse("Bash(").is_err());
    }
}

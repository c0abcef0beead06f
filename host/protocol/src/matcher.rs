//! Claude Code matcher semantics, so that a subscription fires exactly when a `settings.json`
//! matcher with the same text would (protocol reference §2.3):
//!
//! - `""` or `"*"`: everything.
//! - Only letters, digits, `_`, `-`, space, `,` and `|` (FileChanged and StopFailure: only
//!   letters, digits, `_` and `|`): a list of exact names split on `|` or `,`.
//! - Anything else: a JavaScript regular expression tested unanchored (`RegExp.prototype.test`),
//!   run by [`crate::regex`] in time linear in the subject. The few JavaScript features that
//!   cannot run in linear time (look-around, back-references) are refused by [`Matcher::parse`]
//!   with what to write instead; [`Matcher::lenient`] turns such a matcher into one that
//!   matches nothing, as Claude Code does with a pattern it cannot compile.
//!
//! Matching is case-sensitive. Where the event has no subject (see
//! [`crate::events::matcher_subject`]) every matcher matches.

use crate::events::{ExactNames, spec_or_unknown};
use crate::regex::{Regex, RegexError};
use std::cell::OnceCell;
use std::fmt;

/// A matcher that cannot be used, named for the plugin author.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatcherError {
    pub matcher: String,
    pub reason: RegexError,
}

impl fmt::Display for MatcherError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "matcher `{}`: {}", self.matcher, self.reason)
    }
}

impl std::error::Error for MatcherError {}

/// A matcher as Claude Code reads it on one event.
pub struct Matcher {
    source: String,
    kind: Kind,
}

enum Kind {
    All,
    Names(Vec<String>),
    /// Compiled on first use: a guest builds its routes on every call and tests few of them.
    Regex(OnceCell<Option<Regex>>),
}

impl Matcher {
    /// The matcher `text` on `event`, with its regular expression (if it is one) checked now.
    pub fn parse(event: &str, text: &str) -> Result<Matcher, MatcherError> {
        let matcher = Matcher::lenient(event, text);
        if let Kind::Regex(cell) = &matcher.kind {
            let regex = Regex::new(text.trim()).map_err(|reason| MatcherError {
                matcher: text.to_owned(),
                reason,
            })?;
            let _ = cell.set(Some(regex));
        }
        Ok(matcher)
    }

    /// The matcher `text` on `event`; a regular expression that cannot be used matches nothing.
    pub fn lenient(event: &str, text: &str) -> Matcher {
        let exact: fn(char) -> bool = match spec_or_unknown(event).exact_names {
            ExactNames::General => is_exact_char,
            ExactNames::Narrow => is_narrow_exact_char,
        };
        let trimmed = text.trim();
        let kind = if trimmed.is_empty() || trimmed == "*" {
            Kind::All
        } else if trimmed.chars().all(exact) {
            Kind::Names(
                trimmed
                    .split(['|', ','])
                    .map(str::trim)
                    .filter(|name| !name.is_empty())
                    .map(str::to_owned)
                    .collect(),
            )
        } else {
            Kind::Regex(OnceCell::new())
        };
        Matcher {
            source: text.to_owned(),
            kind,
        }
    }

    /// The matcher text as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// True for `""` and `"*"`.
    pub fn is_match_all(&self) -> bool {
        matches!(self.kind, Kind::All)
    }

    /// The exact names, when the matcher is a list of them.
    pub fn names(&self) -> Option<&[String]> {
        match &self.kind {
            Kind::Names(names) => Some(names),
            _ => None,
        }
    }

    /// Does the matcher accept `subject` (the tool name, source, reason, … of the event)?
    /// `None`: the event has no subject, and every matcher applies.
    pub fn matches(&self, subject: Option<&str>) -> bool {
        let Some(subject) = subject else { return true };
        match &self.kind {
            Kind::All => true,
            Kind::Names(names) => names.iter().any(|name| name == subject),
            Kind::Regex(cell) => cell
                .get_or_init(|| Regex::new(self.source.trim()).ok())
                .as_ref()
                .is_some_and(|regex| regex.is_match(subject)),
        }
    }
}

/// For an exact-name matcher on a tool event: each name that matches no built-in tool but one
/// in another case (`write` → `Write`), with the tool meant. Claude Code compares names
/// case-sensitively, so such a matcher never fires.
pub fn miscased_tools(event: &str, matcher: &Matcher) -> Vec<(String, &'static str)> {
    if spec_or_unknown(event).subject != crate::events::MatchSubject::Field("tool_name") {
        return Vec::new();
    }
    matcher
        .names()
        .unwrap_or_default()
        .iter()
        .filter(|name| !crate::events::KNOWN_TOOLS.contains(&name.as_str()))
        .filter_map(|name| {
            crate::events::KNOWN_TOOLS
                .iter()
                .find(|tool| tool.eq_ignore_ascii_case(name))
                .map(|tool| (name.clone(), *tool))
        })
        .collect()
}

fn is_exact_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | ' ' | ',' | '|')
}

fn is_narrow_exact_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '|')
}

impl fmt::Debug for Matcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            Kind::All => "all",
            Kind::Names(_) => "names",
            Kind::Regex(_) => "regex",
        };
        f.debug_struct("Matcher")
            .field("source", &self.source)
            .field("kind", &kind)
            .finish()
    }
}

impl fmt::Display for Matcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

/// One settings.json matcher for `event` that accepts whatever any of `matchers` accepts
/// (`None`: everything). Exact-name lists are joined with `|`; otherwise every alternative
/// becomes one regular expression, exact lists anchored so they stay exact.
pub fn union(event: &str, matchers: &[String]) -> Option<String> {
    let mut distinct: Vec<&str> = Vec::new();
    for m in matchers.iter().map(|m| m.trim()) {
        if m.is_empty() || m == "*" {
            return None;
        }
        if !distinct.contains(&m) {
            distinct.push(m);
        }
    }
    match distinct.as_slice() {
        [] => None,
        [one] => Some((*one).to_owned()),
        several => {
            let parsed: Vec<Option<Vec<String>>> = several
                .iter()
                .map(|m| Matcher::lenient(event, m).names().map(<[String]>::to_vec))
                .collect();
            if parsed.iter().all(Option::is_some) {
                let mut names: Vec<String> = Vec::new();
                for name in parsed.into_iter().flatten().flatten() {
                    if !names.contains(&name) {
                        names.push(name);
                    }
                }
                return Some(names.join("|"));
            }
            let alternatives: Vec<String> = several
                .iter()
                .zip(parsed)
                .map(|(m, exact)| match exact {
                    Some(names) => format!("^(?:{})$", names.join("|")),
                    None => format!("(?:{m})"),
                })
                .collect();
            Some(alternatives.join("|"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(text: &str, subject: &str) -> bool {
        Matcher::parse("PreToolUse", text)
            .unwrap()
            .matches(Some(subject))
    }

    #[test]
    fn wildcard_and_empty_match_everything() {
        assert!(m("", "Bash"));
        assert!(m("*", "mcp__memory__read"));
        assert!(m("  ", "Write"));
    }

    #[test]
    fn events_without_a_subject_always_match() {
        assert!(Matcher::parse("Stop", "Bash").unwrap().matches(None));
    }

    #[test]
    fn look_around_is_refused_with_what_to_write_instead() {
        let err = Matcher::parse("PreToolUse", "(?!Bash)^\\w+$").unwrap_err();
        assert!(err.to_string().contains("(?!Bash)^\\w+$"), "{err}");
        assert!(
            !Matcher::lenient("PreToolUse", "(?!Bash)^\\w+$").matches(Some("Read")),
            "a refused pattern matches nothing, as in Claude Code"
        );
    }

    #[test]
    fn invalid_regex_is_an_error() {
        assert!(Matcher::parse("PreToolUse", "Bash(").is_err());
        assert!(Matcher::parse("PreToolUse", "Bash(git *)").is_ok());
    }

    #[test]
    fn narrow_exact_set_for_file_changed_and_stop_failure() {
        let m = Matcher::parse("FileChanged", ".envrc|package.json").unwrap();
        assert!(m.matches(Some(".envrc")) && m.matches(Some("package.json")));
        let m = Matcher::parse("StopFailure", "rate-limit").unwrap();
        assert!(m.names().is_none(), "a hyphen makes it a regex here");
        assert!(m.matches(Some("x-rate-limit-y")));
        assert!(
            Matcher::parse("PreToolUse", "rate-limit")
                .unwrap()
                .names()
                .is_some()
        );
    }

    #[test]
    fn union_accepts_what_any_accepts() {
        let u = |ms: &[&str]| {
            union(
                "PreToolUse",
                &ms.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            )
        };
        assert_eq!(u(&["Bash"]).as_deref(), Some("Bash"));
        assert_eq!(
            u(&["Bash", "Write|Edit", "Bash"]).as_deref(),
            Some("Bash|Write|Edit")
        );
        assert_eq!(u(&["Bash", "*"]), None);
        assert_eq!(
            u(&["Bash", "mcp__.*"]).as_deref(),
            Some("^(?:Bash)$|(?:mcp__.*)")
        );
        assert_eq!(u(&[]), None);
    }
}

/// The shared table (`tests/fixtures/matchers.json`), also run against every guest SDK.
#[cfg(test)]
mod table {
    use super::*;
    use crate::events::matcher_subject;
    use serde_json::Value;

    #[test]
    fn the_shared_matcher_table() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/fixtures/matchers.json"
        );
        let table: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let cases = table["cases"].as_array().unwrap();
        for case in cases {
            let fields = case["event"].as_object().unwrap();
            let event = fields["hook_event_name"].as_str().unwrap();
            let text = case["matcher"].as_str().unwrap();
            let parsed = Matcher::parse(event, text);
            if case["expected"] == "refused" {
                assert!(parsed.is_err(), "{case}");
                continue;
            }
            let subject = matcher_subject(event, fields);
            let matched = parsed.unwrap().matches(subject.as_deref());
            assert_eq!(Value::Bool(matched), case["expected"], "{case}");
        }
        assert!(cases.len() >= 50);
    }

    #[test]
    fn a_tool_name_in_the_wrong_case_is_found() {
        let matcher = |text| Matcher::lenient("PreToolUse", text);
        assert_eq!(
            miscased_tools("PreToolUse", &matcher("write|Edit")),
            [("write".to_owned(), "Write")]
        );
        assert!(miscased_tools("PreToolUse", &matcher("Write|mcp__x__y")).is_empty());
        assert!(
            miscased_tools("PreToolUse", &matcher("^write$")).is_empty(),
            "a regex"
        );
        assert!(
            miscased_tools("SessionStart", &matcher("bash")).is_empty(),
            "not a tool"
        );
    }
}

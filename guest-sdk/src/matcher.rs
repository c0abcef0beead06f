//! Claude Code matcher semantics.
//!
//! - `""` or `"*"`: everything.
//! - Only letters, digits, `_`, `-`, space, `,` and `|`: exact names, a list split on `|` or `,`
//!   (surrounding spaces allowed). `Edit|Write` and `Edit, Write` are the same.
//! - Anything else: a JavaScript regular expression tested unanchored, so `Edit.*` also matches
//!   `NotebookEdit`; anchor with `^…$`. MCP servers: `mcp__memory__.*`.
//!
//! Matching is case-sensitive. FileChanged and StopFailure use the narrower exact set (letters,
//! digits, `_`, `|`). Regular expressions follow JavaScript semantics for the syntax matchers
//! use (see [`Matcher::parse`] for what is supported). A pattern that is not a valid regular
//! expression matches nothing, as in Claude Code.

use std::cell::OnceCell;
use std::fmt;

use crate::regex::{Regex, RegexError};

/// A compiled Claude Code matcher.
pub struct Matcher {
    source: String,
    kind: Kind,
}

enum Kind {
    All,
    Names(Vec<String>),
    /// Compiled on first use: most dispatches never test most regular expressions.
    Regex(OnceCell<Option<Regex>>),
}

impl Matcher {
    /// The matcher `text` with the general exact-name rules.
    pub fn new(text: &str) -> Matcher {
        Matcher::build(text, is_exact_char)
    }

    /// The matcher `text` as Claude Code reads it on `event` (FileChanged and StopFailure
    /// have a narrower exact-name set).
    pub fn for_event(event: &str, text: &str) -> Matcher {
        match event {
            "FileChanged" | "StopFailure" => Matcher::build(text, is_narrow_exact_char),
            _ => Matcher::new(text),
        }
    }

    /// Like [`Matcher::new`], but reports a regular expression that does not compile.
    ///
    /// Supported: literals, `.`, classes (`[a-z_]`, `[^…]`), `\d \w \s \b` and their
    /// negations, escaped punctuation, `\xHH`, `\uHHHH`, groups (`(…)`, `(?:…)`, `(?<n>…)`),
    /// alternation, `^`, `$` and the quantifiers `* + ? {n} {n,} {n,m}` (greedy or lazy).
    /// Rejected (they match nothing): look-around, back-references and Unicode property
    /// escapes.
    pub fn parse(text: &str) -> Result<Matcher, String> {
        let matcher = Matcher::new(text);
        match matcher.kind {
            Kind::Regex(_) => compile(text)
                .map(|regex| Matcher {
                    source: text.to_owned(),
                    kind: Kind::Regex(OnceCell::from(Some(regex))),
                })
                .map_err(|e| format!("invalid matcher regex `{text}`: {e}")),
            _ => Ok(matcher),
        }
    }

    fn build(text: &str, exact_char: fn(char) -> bool) -> Matcher {
        let trimmed = text.trim();
        let kind = if trimmed.is_empty() || trimmed == "*" {
            Kind::All
        } else if trimmed.chars().all(exact_char) {
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

    /// The matcher text as registered.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// True for `""` and `"*"`.
    pub fn is_match_all(&self) -> bool {
        matches!(self.kind, Kind::All)
    }

    /// Tests `subject` (a tool name, a SessionStart source, ...).
    pub fn matches(&self, subject: &str) -> bool {
        match &self.kind {
            Kind::All => true,
            Kind::Names(names) => names.iter().any(|name| name == subject),
            Kind::Regex(cell) => cell
                .get_or_init(|| compile(self.source.trim()).ok())
                .as_ref()
                .is_some_and(|regex| regex.is_match(subject)),
        }
    }
}

fn compile(pattern: &str) -> Result<Regex, RegexError> {
    Regex::new(pattern)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn match_all() {
        for text in ["", "*", "  ", " * "] {
            let m = Matcher::new(text);
            assert!(m.is_match_all(), "{text:?}");
            assert!(m.matches("Bash") && m.matches("mcp__x__y") && m.matches(""));
        }
    }

    #[test]
    fn exact_names() {
        let m = Matcher::new("Bash");
        assert!(m.matches("Bash"));
        assert!(!m.matches("bash"), "case-sensitive");
        assert!(!m.matches("BashOutput"), "exact, not substring");

        for text in ["Edit|Write", "Edit, Write", " Edit |Write ", "Edit,Write,"] {
            let m = Matcher::new(text);
            assert!(m.matches("Edit") && m.matches("Write"), "{text:?}");
            assert!(
                !m.matches("NotebookEdit") && !m.matches("MultiEdit"),
                "{text:?}"
            );
        }
        // Hyphens and spaces stay exact.
        assert!(Matcher::new("my-tool").matches("my-tool"));
        assert!(!Matcher::new("my-tool").matches("my-tool-2"));
        // A bare server name is an exact string and matches no MCP tool.
        assert!(!Matcher::new("mcp__memory").matches("mcp__memory__search"));
    }

    #[test]
    fn regular_expressions() {
        let m = Matcher::new("Edit.*");
        assert!(m.matches("Edit") && m.matches("NotebookEdit"), "unanchored");
        let m = Matcher::new("^Edit$");
        assert!(m.matches("Edit") && !m.matches("NotebookEdit"));
        let m = Matcher::new("mcp__memory__.*");
        assert!(m.matches("mcp__memory__create_entities"));
        assert!(!m.matches("mcp__github__search"));
        let m = Matcher::new("^(Write|Edit|MultiEdit)$");
        assert!(m.matches("MultiEdit") && !m.matches("NotebookEdit"));
        let m = Matcher::new("mcp__.*__(read|write)_file");
        assert!(m.matches("mcp__fs__read_file") && !m.matches("mcp__fs__list_dir"));
        let m = Matcher::new(r"^(Read|Grep|Glob)$|^mcp__\w+__(get|list)_");
        assert!(m.matches("Grep") && m.matches("mcp__gh__list_issues"));
        assert!(!m.matches("mcp__gh__create_issue"));
        // Look-around is rejected rather than guessed at: it matches nothing.
        assert!(Matcher::parse("^(?!Bash$).*").is_err());
        assert!(!Matcher::new("^(?!Bash$).*").matches("Write"));
        let m = Matcher::new("^plugin:.*");
        assert!(m.matches("plugin:reviewer"));
    }

    #[test]
    fn invalid_regex_matches_nothing() {
        let m = Matcher::new("Bash(*)");
        assert!(!m.matches("Bash") && !m.matches("Bash(*)"));
        assert!(Matcher::parse("Bash(*)").is_err());
        assert!(Matcher::parse("Bash(git *)").is_ok(), "valid JS regex");
        assert!(Matcher::parse("Edit|Write").is_ok());
    }

    #[test]
    fn narrow_exact_set_for_file_changed() {
        // `.envrc` has a dot: a regex, matching `.envrc` and also `xenvrc`.
        let m = Matcher::for_event("FileChanged", ".envrc|package.json");
        assert!(m.matches(".envrc") && m.matches("package.json"));
        // With a hyphen, the narrow set makes it a regex (still matching the name itself).
        let m = Matcher::for_event("StopFailure", "rate-limit");
        assert!(m.matches("rate-limit") && m.matches("x-rate-limit-y"));
        let m = Matcher::for_event("StopFailure", "rate_limit|overloaded");
        assert!(m.matches("overloaded") && !m.matches("server_error"));
    }
}

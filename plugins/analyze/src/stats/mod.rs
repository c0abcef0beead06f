//! Source code statistics: line kinds, definitions, long lines, TODO/FIXME markers and
//! duplicated lines, with the comment syntax and definition forms of the language guessed
//! from the file extension.
//!
//! The scanner works line by line: it follows block comments across lines and skips string
//! literals within a line (so `"http://x"` is not a comment), then classifies each line as
//! blank, comment-only or code. Definitions are recognised on the code part of a line (with
//! comments removed) by the leading keywords of each language, after modifiers such as `pub`,
//! `export` or `static`.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

mod languages;
pub use languages::{Language, language_of};

/// The statistics of one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Analysis {
    /// The file, as shown to the user (relative to the project when it is inside it).
    pub path: String,
    /// The language guessed from the extension (`"text"` when unknown).
    pub language: String,
    /// Size in bytes.
    pub bytes: usize,
    /// Every line.
    pub lines: usize,
    /// Lines with nothing but whitespace.
    pub blank_lines: usize,
    /// Lines with a comment and no code.
    pub comment_lines: usize,
    /// Lines with code (possibly followed by a comment).
    pub code_lines: usize,
    /// Function, method and procedure definitions.
    pub functions: usize,
    /// Type definitions: classes, structs, enums, traits, interfaces, ...
    pub types: usize,
    /// Length of the longest line, in characters.
    pub longest_line: usize,
    /// Its 1-based line number (0 for an empty file).
    pub longest_line_number: usize,
    /// `TODO` and `FIXME` markers.
    pub todos: usize,
    /// Non-trivial code lines that repeat an earlier line (each repetition counts once).
    pub duplicated_lines: usize,
    /// The most repeated non-trivial code line, if any line repeats.
    pub most_repeated: Option<RepeatedLine>,
}

/// A code line that occurs several times.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepeatedLine {
    /// The line, trimmed.
    pub text: String,
    /// How many times it occurs.
    pub count: usize,
}

/// One scanned line.
struct Line {
    /// The code part: the line without its comments.
    code: String,
    /// A comment starts, ends or continues on this line.
    comment: bool,
}

/// Splits every line of `content` into its code part and whether it holds a comment.
fn scan(language: &Language, content: &str) -> Vec<Line> {
    let mut open_block: Option<&'static str> = None;
    let mut lines = Vec::new();
    for text in content.lines() {
        let mut code = String::new();
        let mut comment = open_block.is_some();
        let mut in_string: Option<char> = None;
        let mut rest = text;
        while let Some(c) = rest.chars().next() {
            if let Some(end) = open_block {
                match rest.find(end) {
                    Some(i) => {
                        rest = &rest[i + end.len()..];
                        open_block = None;
                    }
                    None => rest = "",
                }
                continue;
            }
            if let Some(quote) = in_string {
                code.push(c);
                rest = &rest[c.len_utf8()..];
                if c == '\\' {
                    if let Some(escaped) = rest.chars().next() {
                        code.push(escaped);
                        rest = &rest[escaped.len_utf8()..];
                    }
                } else if c == quote {
                    in_string = None;
                }
                continue;
            }
            if let Some((start, end)) = language
                .block_comments
                .iter()
                .find(|(start, _)| rest.starts_with(start))
            {
                comment = true;
                open_block = Some(end);
                rest = &rest[start.len()..];
                continue;
            }
            let at_word_start = code.is_empty() || code.ends_with(char::is_whitespace);
            if language.line_comments.iter().any(|marker| {
                rest.starts_with(marker) && (!language.comments_at_word_start || at_word_start)
            }) {
                comment = true;
                break;
            }
            if language.quotes.contains(&c) {
                in_string = Some(c);
            }
            code.push(c);
            rest = &rest[c.len_utf8()..];
        }
        lines.push(Line { code, comment });
    }
    lines
}

/// Counts `TODO` and `FIXME` markers standing as words in `text`.
fn count_markers(text: &str) -> usize {
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    ["TODO", "FIXME"]
        .iter()
        .map(|marker| {
            text.match_indices(marker)
                .filter(|(i, _)| {
                    let before = text[..*i].chars().next_back();
                    let after = text[i + marker.len()..].chars().next();
                    !before.is_some_and(is_word) && !after.is_some_and(is_word)
                })
                .count()
        })
        .sum()
}

/// Shortest trimmed code line that counts for duplication: shorter lines (`}`, `end`,
/// `return;`, `else {`) repeat in any healthy file.
const MIN_DUPLICATE_CHARS: usize = 12;

/// Analyses `content`, the text of the file `path`.
pub fn analyze(path: &str, content: &str) -> Analysis {
    let language = language_of(path);
    let scanned = scan(language, content);
    let mut analysis = Analysis {
        path: path.to_owned(),
        language: language.name.to_owned(),
        bytes: content.len(),
        lines: scanned.len(),
        blank_lines: 0,
        comment_lines: 0,
        code_lines: 0,
        functions: 0,
        types: 0,
        longest_line: 0,
        longest_line_number: 0,
        todos: count_markers(content),
        duplicated_lines: 0,
        most_repeated: None,
    };
    // Occurrences of each non-trivial code line, with the order of first appearance.
    let mut seen: HashMap<&str, (usize, usize)> = HashMap::new();
    for (index, (text, line)) in content.lines().zip(&scanned).enumerate() {
        let length = text.chars().count();
        if length > analysis.longest_line {
            analysis.longest_line = length;
            analysis.longest_line_number = index + 1;
        }
        let code = line.code.trim();
        if text.trim().is_empty() {
            analysis.blank_lines += 1;
            continue;
        }
        if code.is_empty() {
            if line.comment {
                analysis.comment_lines += 1;
            } else {
                analysis.code_lines += 1;
            }
            continue;
        }
        analysis.code_lines += 1;
        let indented = line.code.starts_with(char::is_whitespace);
        if language.definitions_at_top_level && indented {
            // Not a definition; still counts for duplication below.
        } else if (language.functions)(code) {
            analysis.functions += 1;
        } else if (language.types)(code) {
            analysis.types += 1;
        }
        if code.chars().count() >= MIN_DUPLICATE_CHARS && code.chars().any(char::is_alphanumeric) {
            let first = seen.len();
            let entry = seen.entry(code).or_insert((0, first));
            entry.0 += 1;
            if entry.0 > 1 {
                analysis.duplicated_lines += 1;
            }
        }
    }
    analysis.most_repeated = seen
        .into_iter()
        .filter(|(_, (count, _))| *count > 1)
        // The most frequent; among equals, the first to appear.
        .max_by(|(_, (a, first_a)), (_, (b, first_b))| a.cmp(b).then(first_b.cmp(first_a)))
        .map(|(text, (count, _))| RepeatedLine {
            text: text.to_owned(),
            count,
        });
    analysis
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

impl Analysis {
    /// One readable line: what a user (and Claude) reads as context.
    pub fn summary(&self) -> String {
        let mut parts = vec![format!(
            "{} ({} code, {} comment, {} blank)",
            plural(self.lines, "line", "lines"),
            self.code_lines,
            self.comment_lines,
            self.blank_lines
        )];
        if self.functions > 0 || self.types > 0 {
            parts.push(format!(
                "{}, {}",
                plural(self.functions, "function", "functions"),
                plural(self.types, "type", "types")
            ));
        }
        if self.longest_line_number > 0 {
            parts.push(format!(
                "longest line {} chars (line {})",
                self.longest_line, self.longest_line_number
            ));
        }
        parts.push(plural(self.todos, "TODO/FIXME", "TODO/FIXMEs"));
        let mut duplicated = plural(self.duplicated_lines, "duplicated line", "duplicated lines");
        if let Some(repeated) = &self.most_repeated {
            const SHOWN: usize = 60;
            let mut text: String = repeated.text.chars().take(SHOWN).collect();
            if repeated.text.chars().count() > SHOWN {
                text.push('…');
            }
            duplicated.push_str(&format!(" (`{text}` {}×)", repeated.count));
        }
        parts.push(duplicated);
        format!(
            "{} ({}, {}): {}",
            self.path,
            self.language,
            plural(self.bytes, "byte", "bytes"),
            parts.join("; ")
        )
    }
}

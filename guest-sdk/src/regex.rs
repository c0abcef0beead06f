//! A small backtracking engine for the regular expressions of Claude Code matchers.
//!
//! Claude Code tests matchers with JavaScript's `RegExp.prototype.test` (no flags). This engine
//! implements the part of that language matchers use, with JavaScript semantics:
//! literals, `.`, classes (`[a-z_]`, `[^…]`), the escapes `\d \D \w \W \s \S \b \B \t \n \r
//! \f \v \0 \xHH \uHHHH` and escaped punctuation, groups `(…)`, `(?:…)`, `(?<name>…)`,
//! alternation, anchors `^` `$`, and the quantifiers `* + ? {n} {n,} {n,m}` (greedy or lazy).
//! Look-around, back-references and Unicode property escapes are rejected at compile time
//! rather than guessed at. A full engine would cost a guest component hundreds of kilobytes;
//! matchers are tested against short names, so a simple backtracker is plenty.

use std::fmt;

/// Why a pattern was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegexError(String);

impl fmt::Display for RegexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A compiled pattern.
#[derive(Debug, Clone)]
pub struct Regex {
    node: Node,
}

#[derive(Debug, Clone)]
enum Node {
    Empty,
    Char(char),
    Any,
    Class(Class),
    Start,
    End,
    WordBoundary(bool),
    Concat(Vec<Node>),
    Alternation(Vec<Node>),
    Repeat {
        node: Box<Node>,
        min: u32,
        max: Option<u32>,
    },
}

#[derive(Debug, Clone)]
struct Class {
    negated: bool,
    items: Vec<ClassItem>,
}

#[derive(Debug, Clone)]
enum ClassItem {
    Range(char, char),
    Digit(bool),
    Word(bool),
    Space(bool),
}

fn is_line_terminator(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}')
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn is_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202f}'
                | '\u{205f}'
                | '\u{3000}'
                | '\u{feff}'
    )
}

impl ClassItem {
    fn matches(&self, c: char) -> bool {
        match *self {
            ClassItem::Range(lo, hi) => lo <= c && c <= hi,
            ClassItem::Digit(yes) => c.is_ascii_digit() == yes,
            ClassItem::Word(yes) => is_word(c) == yes,
            ClassItem::Space(yes) => is_space(c) == yes,
        }
    }
}

impl Class {
    fn matches(&self, c: char) -> bool {
        self.items.iter().any(|item| item.matches(c)) != self.negated
    }
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
}

fn error<T>(message: impl Into<String>) -> Result<T, RegexError> {
    Err(RegexError(message.into()))
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn alternation(&mut self) -> Result<Node, RegexError> {
        let mut branches = vec![self.concat()?];
        while self.eat('|') {
            branches.push(self.concat()?);
        }
        Ok(if branches.len() == 1 {
            branches.pop().expect("one branch")
        } else {
            Node::Alternation(branches)
        })
    }

    fn concat(&mut self) -> Result<Node, RegexError> {
        let mut items = Vec::new();
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            let atom = self.atom()?;
            let atom = self.quantified(atom)?;
            items.push(atom);
        }
        Ok(match items.len() {
            0 => Node::Empty,
            1 => items.pop().expect("one item"),
            _ => Node::Concat(items),
        })
    }

    fn atom(&mut self) -> Result<Node, RegexError> {
        let c = self.peek().expect("atom called at a character");
        self.pos += 1;
        Ok(match c {
            '^' => Node::Start,
            '$' => Node::End,
            '.' => Node::Any,
            '(' => {
                if self.eat('?') {
                    if self.eat(':') {
                    } else if self.peek() == Some('<')
                        && !matches!(self.chars.get(self.pos + 1), Some('=' | '!'))
                    {
                        // A named group: skip the name.
                        while let Some(c) = self.peek() {
                            self.pos += 1;
                            if c == '>' {
                                break;
                            }
                        }
                    } else {
                        return error("look-around assertions are not supported");
                    }
                }
                let inner = self.alternation()?;
                if !self.eat(')') {
                    return error("unterminated group");
                }
                inner
            }
            ')' => return error("unmatched `)`"),
            '[' => Node::Class(self.class()?),
            '\\' => self.escape()?,
            '*' | '+' | '?' => return error(format!("nothing to repeat before `{c}`")),
            '{' => {
                // Annex B: a `{` that does not start a valid quantifier is a literal.
                self.pos -= 1;
                if self.bounds().is_some() {
                    return error("nothing to repeat before `{`");
                }
                self.pos += 1;
                Node::Char('{')
            }
            c => Node::Char(c),
        })
    }

    /// `{n}`, `{n,}` or `{n,m}` at the current position; consumes it if valid.
    fn bounds(&mut self) -> Option<(u32, Option<u32>)> {
        let start = self.pos;
        let parsed = self.try_bounds();
        if parsed.is_none() {
            self.pos = start;
        }
        parsed
    }

    fn try_bounds(&mut self) -> Option<(u32, Option<u32>)> {
        if !self.eat('{') {
            return None;
        }
        let min = self.number()?;
        let max = if self.eat(',') {
            if self.peek() == Some('}') {
                None
            } else {
                Some(self.number()?)
            }
        } else {
            Some(min)
        };
        self.eat('}').then_some((min, max))
    }

    fn number(&mut self) -> Option<u32> {
        let from = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        if self.pos == from {
            return None;
        }
        let digits: String = self.chars[from..self.pos].iter().collect();
        Some(digits.parse().unwrap_or(u32::MAX))
    }

    fn quantified(&mut self, atom: Node) -> Result<Node, RegexError> {
        let (min, max) = match self.peek() {
            Some('*') => {
                self.pos += 1;
                (0, None)
            }
            Some('+') => {
                self.pos += 1;
                (1, None)
            }
            Some('?') => {
                self.pos += 1;
                (0, Some(1))
            }
            Some('{') => match self.bounds() {
                Some(bounds) => bounds,
                None => return Ok(atom),
            },
            _ => return Ok(atom),
        };
        if max.is_some_and(|max| max < min) {
            return error("numbers out of order in `{}` quantifier");
        }
        if matches!(atom, Node::Start | Node::End | Node::WordBoundary(_)) {
            return error("nothing to repeat");
        }
        // Laziness changes which match is found, never whether one exists.
        self.eat('?');
        if matches!(self.peek(), Some('*' | '+' | '?')) {
            return error("nothing to repeat");
        }
        Ok(Node::Repeat {
            node: Box::new(atom),
            min,
            max,
        })
    }

    /// An escape after `\`, outside a class.
    fn escape(&mut self) -> Result<Node, RegexError> {
        Ok(match self.peek() {
            Some('b') => {
                self.pos += 1;
                Node::WordBoundary(true)
            }
            Some('B') => {
                self.pos += 1;
                Node::WordBoundary(false)
            }
            _ => match self.class_escape()? {
                ClassItem::Range(lo, hi) if lo == hi => Node::Char(lo),
                item => Node::Class(Class {
                    negated: false,
                    items: vec![item],
                }),
            },
        })
    }

    /// An escape after `\` that stands for characters (valid inside and outside classes).
    fn class_escape(&mut self) -> Result<ClassItem, RegexError> {
        let Some(c) = self.peek() else {
            return error("`\\` at end of pattern");
        };
        self.pos += 1;
        let single = |c: char| Ok(ClassItem::Range(c, c));
        match c {
            'd' => Ok(ClassItem::Digit(true)),
            'D' => Ok(ClassItem::Digit(false)),
            'w' => Ok(ClassItem::Word(true)),
            'W' => Ok(ClassItem::Word(false)),
            's' => Ok(ClassItem::Space(true)),
            'S' => Ok(ClassItem::Space(false)),
            't' => single('\t'),
            'n' => single('\n'),
            'r' => single('\r'),
            'f' => single('\u{c}'),
            'v' => single('\u{b}'),
            '0' if !self.peek().is_some_and(|c| c.is_ascii_digit()) => single('\0'),
            'x' => self.hex(2).map_or_else(|| single('x'), single),
            'u' => self.hex(4).map_or_else(|| single('u'), single),
            '1'..='9' => error("back-references are not supported"),
            'k' | 'p' | 'P' | 'c' => error(format!("`\\{c}` is not supported")),
            c => single(c),
        }
    }

    fn hex(&mut self, digits: usize) -> Option<char> {
        let text: String = self
            .chars
            .get(self.pos..self.pos + digits)?
            .iter()
            .collect();
        let value = u32::from_str_radix(&text, 16).ok()?;
        let c = char::from_u32(value)?;
        self.pos += digits;
        Some(c)
    }

    fn class(&mut self) -> Result<Class, RegexError> {
        let negated = self.eat('^');
        let mut items = Vec::new();
        loop {
            let Some(c) = self.peek() else {
                return error("unterminated character class");
            };
            self.pos += 1;
            if c == ']' {
                break;
            }
            let low = if c == '\\' {
                self.class_escape_in_class()?
            } else {
                ClassItem::Range(c, c)
            };
            // A range `a-z`, unless `-` is last or an end is a class escape (then literal).
            let range_follows =
                self.peek() == Some('-') && self.chars.get(self.pos + 1).is_some_and(|&c| c != ']');
            if range_follows && let ClassItem::Range(lo, _) = low {
                self.pos += 2;
                let next = self.chars[self.pos - 1];
                let high = if next == '\\' {
                    self.class_escape_in_class()?
                } else {
                    ClassItem::Range(next, next)
                };
                match high {
                    ClassItem::Range(hi, _) if lo <= hi => items.push(ClassItem::Range(lo, hi)),
                    ClassItem::Range(..) => return error("range out of order in class"),
                    other => {
                        items.push(low);
                        items.push(ClassItem::Range('-', '-'));
                        items.push(other);
                    }
                }
                continue;
            }
            items.push(low);
        }
        Ok(Class { negated, items })
    }

    /// Inside a class `\b` is a backspace.
    fn class_escape_in_class(&mut self) -> Result<ClassItem, RegexError> {
        if self.eat('b') {
            return Ok(ClassItem::Range('\u{8}', '\u{8}'));
        }
        self.class_escape()
    }
}

impl Regex {
    /// Compiles `pattern`.
    pub fn new(pattern: &str) -> Result<Regex, RegexError> {
        let mut parser = Parser {
            chars: pattern.chars().collect(),
            pos: 0,
        };
        let node = parser.alternation()?;
        if parser.pos != parser.chars.len() {
            return error("unmatched `)`");
        }
        Ok(Regex { node })
    }

    /// `RegExp.prototype.test`: true if the pattern matches anywhere in `text`.
    pub fn is_match(&self, text: &str) -> bool {
        let chars: Vec<char> = text.chars().collect();
        (0..=chars.len()).any(|start| match_node(&self.node, &chars, start, &mut |_| true))
    }
}

/// Matches `node` at `pos`, then calls `next` with the end position; backtracks into `node`
/// while `next` fails.
fn match_node(node: &Node, text: &[char], pos: usize, next: &mut dyn FnMut(usize) -> bool) -> bool {
    let char_at = |p: usize| text.get(p).copied();
    match node {
        Node::Empty => next(pos),
        Node::Char(c) => char_at(pos) == Some(*c) && next(pos + 1),
        Node::Any => char_at(pos).is_some_and(|c| !is_line_terminator(c)) && next(pos + 1),
        Node::Class(class) => char_at(pos).is_some_and(|c| class.matches(c)) && next(pos + 1),
        Node::Start => pos == 0 && next(pos),
        Node::End => pos == text.len() && next(pos),
        Node::WordBoundary(expected) => {
            let before = pos > 0 && is_word(text[pos - 1]);
            let after = char_at(pos).is_some_and(is_word);
            ((before != after) == *expected) && next(pos)
        }
        Node::Concat(items) => match_sequence(items, text, pos, next),
        Node::Alternation(branches) => branches
            .iter()
            .any(|branch| match_node(branch, text, pos, next)),
        Node::Repeat { node, min, max } => match_repeat(node, *min, *max, 0, text, pos, next),
    }
}

fn match_sequence(
    items: &[Node],
    text: &[char],
    pos: usize,
    next: &mut dyn FnMut(usize) -> bool,
) -> bool {
    match items.split_first() {
        None => next(pos),
        Some((first, rest)) => match_node(first, text, pos, &mut |p| {
            match_sequence(rest, text, p, next)
        }),
    }
}

fn match_repeat(
    node: &Node,
    min: u32,
    max: Option<u32>,
    count: u32,
    text: &[char],
    pos: usize,
    next: &mut dyn FnMut(usize) -> bool,
) -> bool {
    let more_allowed = max.is_none_or(|max| count < max);
    if more_allowed {
        let matched = match_node(node, text, pos, &mut |p| {
            // An iteration that consumed nothing past the minimum ends the loop (as in
            // JavaScript), which also keeps `(a*)*` from looping forever.
            if p == pos && count >= min {
                return false;
            }
            match_repeat(node, min, max, count.saturating_add(1), text, p, next)
        });
        if matched {
            return true;
        }
    }
    count >= min && next(pos)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_match(pattern: &str, text: &str) -> bool {
        Regex::new(pattern)
            .unwrap_or_else(|e| panic!("{pattern}: {e}"))
            .is_match(text)
    }

    #[test]
    fn literals_and_unanchored_search() {
        assert!(is_match("Edit", "NotebookEdit"));
        assert!(is_match("Edit", "Edit"));
        assert!(!is_match("Edit", "edit"));
        assert!(is_match("", "anything"));
        assert!(is_match("a.c", "xabcx"));
        assert!(!is_match("a.c", "a\nc"));
    }

    #[test]
    fn anchors_and_alternation() {
        assert!(is_match("^Edit$", "Edit"));
        assert!(!is_match("^Edit$", "NotebookEdit"));
        assert!(!is_match("^Edit$", "Edits"));
        assert!(is_match("^(Edit|Write)$", "Write"));
        assert!(!is_match("^(Edit|Write)$", "MultiEdit"));
        assert!(is_match("^Edit|Write$", "NotebookWrite"));
        assert!(is_match("a|", "zzz"), "empty branch matches");
    }

    #[test]
    fn quantifiers() {
        assert!(is_match("mcp__memory__.*", "mcp__memory__create_entities"));
        assert!(!is_match("mcp__memory__.*", "mcp__github__search"));
        assert!(is_match("^mcp__.+__read.*$", "mcp__fs__read_file"));
        assert!(!is_match("^mcp__.+__read.*$", "mcp____read"));
        assert!(is_match("^ab?c$", "ac") && is_match("^ab?c$", "abc"));
        assert!(!is_match("^ab?c$", "abbc"));
        assert!(is_match("^a{2,3}$", "aaa") && !is_match("^a{2,3}$", "aaaa"));
        assert!(is_match("^a{2}$", "aa") && !is_match("^a{2}$", "a"));
        assert!(is_match("^a{2,}$", "aaaaa"));
        assert!(is_match("^a.*?b$", "axxb"));
        assert!(is_match("^(a*)*b$", "aaab"));
        assert!(!is_match("^(a*)*b$", "aaac"));
        assert!(is_match("^(?:ab)+$", "ababab") && !is_match("^(?:ab)+$", "aba"));
        // Annex B: braces that are not a quantifier are literal.
        assert!(is_match("a{", "a{") && is_match("^x{1,a}$", "x{1,a}"));
    }

    #[test]
    fn classes_and_escapes() {
        assert!(is_match("^[A-Z][a-z]+$", "Bash"));
        assert!(!is_match("^[A-Z][a-z]+$", "bash"));
        assert!(is_match("^[^_]+$", "Bash") && !is_match("^[^_]+$", "mcp__x"));
        assert!(is_match(r"^\w+$", "Multi_Edit2") && !is_match(r"^\w+$", "a-b"));
        assert!(is_match(r"^\d{3}$", "123"));
        assert!(is_match(r"\s", "a b") && !is_match(r"\S", "  "));
        assert!(is_match(r"^a\.b$", "a.b") && !is_match(r"^a\.b$", "axb"));
        assert!(is_match(r"^[\w-]+$", "my-tool_1"));
        assert!(is_match(r"^[a\-z]$", "-") && !is_match(r"^[a\-z]$", "m"));
        assert!(is_match(r"^[a-]$", "-"));
        assert!(is_match(r"\bEdit\b", "Multi Edit now") && !is_match(r"\bEdit\b", "MultiEdit"));
        assert!(is_match(r"^\x41\u0042$", "AB"));
        assert!(is_match(r"^\/tmp$", "/tmp"));
        assert!(is_match("^plugin:rev.*$", "plugin:reviewer"));
        // In JavaScript `[]` is an empty class (matches nothing) and `[^]` matches anything.
        assert!(!is_match("^[]a]", "]"));
        assert!(is_match("^[^]$", "\n"));
    }

    #[test]
    fn named_groups() {
        assert!(is_match("^(?<tool>Edit|Write)$", "Edit"));
    }

    #[test]
    fn rejected_patterns() {
        for pattern in [
            "(?=Bash)", "(?!Bash)", "(?<=a)b", "(?<!a)b", r"(a)\1", r"\p{L}", r"\k<x>", "(", "a)",
            "*a", "a**", "[a", r"\", "a{3,1}", "[z-a]", "Bash(*)",
        ] {
            assert!(Regex::new(pattern).is_err(), "{pattern} should be rejected");
        }
        assert!(Regex::new("Bash(git *)").is_ok());
    }

    #[test]
    fn non_ascii_text() {
        assert!(is_match("^é+$", "ééé"));
        assert!(is_match("^.$", "😀"));
    }
}

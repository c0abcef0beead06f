//! The regular expressions of Claude Code matchers, matched in time linear in the subject.
//!
//! Claude Code tests a matcher that is not a plain list of names with JavaScript's
//! `new RegExp(pattern).test(subject)` (no flags). This engine implements that language with
//! JavaScript's (Annex B) semantics: literals, `.`, classes (`[a-z_]`, `[^…]`, `[]`, `[^]`), the
//! escapes `\d \D \w \W \s \S \b \B \t \n \r \f \v \0 \xHH \uHHHH \cX`, legacy octal escapes
//! and escaped punctuation, groups `(…)`, `(?:…)`, `(?<name>…)`, alternation, anchors `^` `$`
//! (whole subject) and the quantifiers `* + ? {n} {n,} {n,m}`, greedy or lazy (a `{` that
//! starts no quantifier is a literal).
//!
//! A plugin may subscribe with `^([a-z_]+)+\d`, which takes a backtracker exponential time, so
//! the pattern is compiled to a small NFA program that is simulated state set by state set
//! (Thompson/Pike, without captures, as only "is there a match" is asked): time is O(subject
//! length × program size), and programs are capped at [`MAX_PROGRAM`] instructions. Refused,
//! with what to write instead: look-around and back-references (not linear); `\p{…}`, `\u{…}`
//! and `(?i:…)`, which engines read differently without the `u` flag; syntax errors.
//!
//! Differences from `regress`, the reference engine: it accepts `\b*`, which JavaScript (and
//! so this engine) refuses. Both match per Unicode scalar value, where JavaScript without the
//! `u` flag works on UTF-16 code units: outside the BMP they differ (`^.$` matches one emoji).

use std::fmt;

/// The largest compiled program; bounds the work per subject character.
const MAX_PROGRAM: usize = 10_000;
/// The deepest group nesting, so that parsing cannot overflow a guest's small stack.
const MAX_NESTING: usize = 100;

/// Why a pattern was refused. Display gives one line: what is wrong and what to write instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegexError(String);

impl fmt::Display for RegexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RegexError {}

fn error<T>(message: impl Into<String>) -> Result<T, RegexError> {
    Err(RegexError(message.into()))
}

fn syntax<T>(message: &str) -> Result<T, RegexError> {
    error(format!("syntax error: {message}"))
}

fn check_size(len: usize) -> Result<(), RegexError> {
    if len > MAX_PROGRAM {
        return error(format!(
            "repetition counts too large: the pattern needs more than {MAX_PROGRAM} \
             instructions; use `*` or `+` instead of large `{{n,m}}` counts"
        ));
    }
    Ok(())
}

/// A compiled pattern.
#[derive(Debug, Clone)]
pub struct Regex {
    program: Vec<Inst>,
}

/// One instruction of the NFA program. Jumps are relative, so that the parser can build a
/// repetition by copying the fragment of its atom.
#[derive(Debug, Clone)]
enum Inst {
    /// Consume one character of the class.
    Set(Class),
    /// Assertions: go on only if it holds between the previous and the next character.
    Start,
    End,
    WordBoundary(bool),
    /// Go on both at the next instruction and at this offset.
    Split(isize),
    Jump(isize),
    Match,
}

/// Characters are code points (`u32`), so that a lone surrogate `\uD800` is one that no subject
/// character equals.
#[derive(Debug, Clone)]
struct Class {
    negated: bool,
    items: Vec<ClassItem>,
}

#[derive(Debug, Clone)]
enum ClassItem {
    Range(u32, u32),
    Digit(bool),
    Word(bool),
    Space(bool),
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// JavaScript's WhiteSpace and LineTerminator.
fn is_space(c: char) -> bool {
    let singles = "\t\n\u{b}\u{c}\r \u{a0}\u{1680}\u{2028}\u{2029}\u{202f}\u{205f}\u{3000}\u{feff}";
    singles.contains(c) || ('\u{2000}'..='\u{200a}').contains(&c)
}

impl ClassItem {
    fn single(c: impl Into<u32>) -> ClassItem {
        let c = c.into();
        ClassItem::Range(c, c)
    }

    fn matches(&self, c: char) -> bool {
        match *self {
            ClassItem::Range(lo, hi) => (lo..=hi).contains(&u32::from(c)),
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

/// The one-instruction program consuming a character of `item`.
fn set(item: ClassItem) -> Vec<Inst> {
    vec![Inst::Set(Class {
        negated: false,
        items: vec![item],
    })]
}

/// `body` repeated `min` to `max` (`None`: any number of) times, counted repetition expanded.
fn repeat(body: Vec<Inst>, min: u32, max: Option<u32>) -> Result<Vec<Inst>, RegexError> {
    let len = body.len();
    if len == 0 {
        return Ok(body);
    }
    let optional = max.map_or(1, |max| (max - min) as usize);
    check_size(
        len.saturating_mul(min as usize)
            .saturating_add((len + 2).saturating_mul(optional)),
    )?;
    let mut out = Vec::new();
    for _ in 0..min {
        out.extend_from_slice(&body);
    }
    let len = len as isize;
    match max {
        // `x{n,}`: loop back over the last required copy.
        None if min > 0 => out.push(Inst::Split(-len)),
        None => {
            out.push(Inst::Split(len + 2));
            out.extend(body);
            out.push(Inst::Jump(-len - 1));
        }
        // Optional copies nested as `(x(x)?)?`: each skip goes to the end.
        Some(_) => {
            for left in (1..=optional as isize).rev() {
                out.push(Inst::Split(left * (len + 1)));
                out.extend_from_slice(&body);
            }
        }
    }
    Ok(out)
}

/// A recursive-descent parser that emits program fragments as it goes.
struct Parser {
    chars: Vec<char>,
    pos: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn eat(&mut self, c: char) -> bool {
        let found = self.peek() == Some(c);
        self.pos += usize::from(found);
        found
    }

    fn alternation(&mut self) -> Result<Vec<Inst>, RegexError> {
        let mut branches = vec![self.concat()?];
        // Before each branch but the last a `Split` to the next, after it a `Jump` to the end.
        let mut total = branches[0].len();
        while self.eat('|') {
            branches.push(self.concat()?);
            total += branches[branches.len() - 1].len() + 2;
            check_size(total)?;
        }
        let last = branches.pop().expect("one branch or more");
        let mut out = Vec::with_capacity(total);
        for branch in branches {
            out.push(Inst::Split(branch.len() as isize + 2));
            out.extend(branch);
            out.push(Inst::Jump((total - out.len()) as isize));
        }
        out.extend(last);
        Ok(out)
    }

    fn concat(&mut self) -> Result<Vec<Inst>, RegexError> {
        let mut out = Vec::new();
        while let Some(c) = self.peek()
            && c != '|'
            && c != ')'
        {
            let atom = self.atom()?;
            // `^*` is an error, `(^)*` is not.
            let assertion =
                c != '(' && matches!(atom[..], [Inst::Start | Inst::End | Inst::WordBoundary(_)]);
            out.extend(self.quantified(atom, assertion)?);
            check_size(out.len())?;
        }
        Ok(out)
    }

    fn atom(&mut self) -> Result<Vec<Inst>, RegexError> {
        let c = self.peek().expect("atom called at a character");
        self.pos += 1;
        Ok(match c {
            '^' => vec![Inst::Start],
            '$' => vec![Inst::End],
            // Anything but a line terminator.
            '.' => vec![Inst::Set(Class {
                negated: true,
                items: ['\n', '\r', '\u{2028}', '\u{2029}']
                    .map(ClassItem::single)
                    .to_vec(),
            })],
            '(' => self.group()?,
            '[' => vec![Inst::Set(self.class()?)],
            '\\' => self.escape()?,
            '*' | '+' | '?' => return syntax(&nothing_to_repeat(c)),
            '{' => {
                // Annex B: a `{` that does not start a valid quantifier is a literal.
                self.pos -= 1;
                if self.bounds().is_some() {
                    return syntax(&nothing_to_repeat(c));
                }
                self.pos += 1;
                set(ClassItem::single(c))
            }
            c => set(ClassItem::single(c)),
        })
    }

    /// A group, after its `(`.
    fn group(&mut self) -> Result<Vec<Inst>, RegexError> {
        if self.eat('?') {
            let ahead: String = self.chars.iter().skip(self.pos).take(2).collect();
            if self.eat(':') {
            } else if let Some(look) = ["=", "!", "<=", "<!"]
                .iter()
                .find(|l| ahead.starts_with(*l))
            {
                return error(format!(
                    "look-around `(?{look}…)` cannot run in linear time; list the names you want \
                     instead (`Read|Grep`) or use a negated class (`[^…]`)"
                ));
            } else if self.eat('<') {
                self.group_name()?;
            } else {
                return error(
                    "`(?` must start `(?:…)` or `(?<name>…)` (inline flags such as `(?i:…)` are \
                     not supported); write both cases as a class (`[Ee]dit`) instead",
                );
            }
        }
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return error(format!(
                "groups nested more than {MAX_NESTING} deep; write fewer nested groups"
            ));
        }
        let inner = self.alternation()?;
        self.depth -= 1;
        if !self.eat(')') {
            return syntax("unterminated group; add the missing `)`");
        }
        Ok(inner)
    }

    /// A group name after its `<`: it only labels the group.
    fn group_name(&mut self) -> Result<(), RegexError> {
        let name = self.chars[self.pos..].iter();
        let len = name
            .take_while(|&&c| c.is_alphanumeric() || c == '_' || c == '$')
            .count();
        let starts_ok = self.peek().is_some_and(|c| !c.is_numeric());
        self.pos += len;
        if len == 0 || !starts_ok || !self.eat('>') {
            return syntax("bad group name in `(?<…>`; use letters, digits, `_` or `$`, then `>`");
        }
        Ok(())
    }

    /// `{n}`, `{n,}` or `{n,m}` at the current position; consumed only if valid.
    fn bounds(&mut self) -> Option<(u32, Option<u32>)> {
        let start = self.pos;
        let mut parse = || {
            if !self.eat('{') {
                return None;
            }
            let min = self.number()?;
            let max = match self.eat(',') {
                false => Some(min),
                true if self.peek() == Some('}') => None,
                true => Some(self.number()?),
            };
            self.eat('}').then_some((min, max))
        };
        let parsed = parse();
        if parsed.is_none() {
            self.pos = start;
        }
        parsed
    }

    fn number(&mut self) -> Option<u32> {
        let digits: String = self.chars[self.pos..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .collect();
        self.pos += digits.len();
        // Counts too large for u32 are refused by the program bound anyway.
        (!digits.is_empty()).then(|| digits.parse().unwrap_or(u32::MAX))
    }

    fn quantified(&mut self, atom: Vec<Inst>, assertion: bool) -> Result<Vec<Inst>, RegexError> {
        let simple = match self.peek() {
            Some('*') => Some((0, None)),
            Some('+') => Some((1, None)),
            Some('?') => Some((0, Some(1))),
            _ => None,
        };
        self.pos += usize::from(simple.is_some());
        let Some((min, max)) = simple.or_else(|| self.bounds()) else {
            return Ok(atom);
        };
        if max.is_some_and(|max| max < min) {
            return syntax("numbers out of order in `{}` quantifier; write the smaller first");
        }
        if assertion {
            return syntax(
                "JavaScript allows no quantifier on `^`, `$`, `\\b` or `\\B`; remove it",
            );
        }
        // Laziness changes which match is found, never whether one exists.
        self.eat('?');
        if let Some(c @ ('*' | '+' | '?')) = self.peek() {
            return syntax(&nothing_to_repeat(c));
        }
        repeat(atom, min, max)
    }

    /// An escape after `\`, outside a class.
    fn escape(&mut self) -> Result<Vec<Inst>, RegexError> {
        match self.peek() {
            Some(c @ ('b' | 'B')) => {
                self.pos += 1;
                Ok(vec![Inst::WordBoundary(c == 'b')])
            }
            Some(c @ '1'..='9') => error(format!(
                "back-reference `\\{c}` cannot run in linear time; repeat the group's text \
                 instead (write `\\xHH` for a character code)"
            )),
            _ => Ok(set(self.class_escape(false)?)),
        }
    }

    /// An escape after `\` that stands for characters (valid inside and outside classes).
    fn class_escape(&mut self, in_class: bool) -> Result<ClassItem, RegexError> {
        let Some(c) = self.peek() else {
            return syntax("`\\` at end of pattern; write `\\\\` for a backslash");
        };
        self.pos += 1;
        Ok(match c {
            'd' | 'D' => ClassItem::Digit(c == 'd'),
            'w' | 'W' => ClassItem::Word(c == 'w'),
            's' | 'S' => ClassItem::Space(c == 's'),
            'b' if in_class => ClassItem::single('\u{8}'),
            't' => ClassItem::single('\t'),
            'n' => ClassItem::single('\n'),
            'r' => ClassItem::single('\r'),
            'f' => ClassItem::single('\u{c}'),
            'v' => ClassItem::single('\u{b}'),
            '0'..='7' => ClassItem::single(self.octal(c)),
            'x' => ClassItem::single(self.hex(2).unwrap_or('x'.into())),
            'u' if self.peek() == Some('{') => {
                return error(
                    "`\\u{…}` means a code point to some engines and repeated `u`s to \
                     JavaScript without the `u` flag; write `\\uHHHH` or the character itself",
                );
            }
            'u' => ClassItem::single(self.unicode_escape()),
            'c' => match self.peek().filter(|&l| {
                l.is_ascii_alphabetic() || (in_class && (l.is_ascii_digit() || l == '_'))
            }) {
                Some(letter) => {
                    self.pos += 1;
                    ClassItem::single(u32::from(letter) % 32)
                }
                // Annex B: a `\c` without its letter is a `\`, and the `c` is read as itself.
                None => {
                    self.pos -= 1;
                    ClassItem::single('\\')
                }
            },
            'k' => {
                return error(
                    "back-reference `\\k<…>` cannot run in linear time; repeat the group's \
                     text instead (for the letter write plain `k`)",
                );
            }
            'p' | 'P' => {
                return error(format!(
                    "Unicode property escape `\\{c}{{…}}` is not supported (without the `u` flag \
                     JavaScript reads it as plain text); write a class such as `[A-Za-z]` instead"
                ));
            }
            c => ClassItem::single(c),
        })
    }

    /// Annex B legacy octal, after its first digit: up to 0o377.
    fn octal(&mut self, first: char) -> u32 {
        let mut value = first.to_digit(8).expect("octal digit");
        let more = if first <= '3' { 2 } else { 1 };
        for _ in 0..more {
            let Some(digit) = self.peek().and_then(|c| c.to_digit(8)) else {
                break;
            };
            value = value * 8 + digit;
            self.pos += 1;
        }
        value
    }

    /// `\uHHHH` after its `u`; a surrogate pair written as two escapes is one character.
    fn unicode_escape(&mut self) -> u32 {
        let Some(high) = self.hex(4) else {
            return 'u'.into();
        };
        let resume = self.pos;
        if (0xd800..0xdc00).contains(&high)
            && self.eat('\\')
            && self.eat('u')
            && let Some(low @ 0xdc00..0xe000) = self.hex(4)
        {
            return 0x10000 + ((high - 0xd800) << 10) + (low - 0xdc00);
        }
        self.pos = resume;
        high
    }

    fn hex(&mut self, digits: usize) -> Option<u32> {
        let text: String = self
            .chars
            .get(self.pos..self.pos + digits)?
            .iter()
            .collect();
        if !text.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        self.pos += digits;
        u32::from_str_radix(&text, 16).ok()
    }

    fn class(&mut self) -> Result<Class, RegexError> {
        let negated = self.eat('^');
        let mut items = Vec::new();
        while let Some(low) = self.class_atom()? {
            // A range `a-z`, unless `-` is last or an end is a class escape (then literal).
            let range_follows =
                self.peek() == Some('-') && self.chars.get(self.pos + 1).is_some_and(|&c| c != ']');
            if range_follows && let ClassItem::Range(lo, _) = low {
                self.pos += 1;
                match self.class_atom()?.expect("an atom follows `-`") {
                    ClassItem::Range(hi, _) if lo <= hi => items.push(ClassItem::Range(lo, hi)),
                    ClassItem::Range(..) => {
                        return syntax("class range out of order; write the lower end first");
                    }
                    other => items.extend([low, ClassItem::single('-'), other]),
                }
            } else {
                items.push(low);
            }
        }
        Ok(Class { negated, items })
    }

    /// The next character or escape of a class; `None` at its closing `]`.
    fn class_atom(&mut self) -> Result<Option<ClassItem>, RegexError> {
        let Some(c) = self.peek() else {
            return syntax("unterminated character class; add the missing `]`");
        };
        self.pos += 1;
        Ok(match c {
            ']' => None,
            '\\' => Some(self.class_escape(true)?),
            c => Some(ClassItem::single(c)),
        })
    }
}

fn nothing_to_repeat(c: char) -> String {
    format!("nothing to repeat before `{c}`; write `\\{c}` for the character")
}

impl Regex {
    /// Compiles `pattern`, or says why it is refused.
    pub fn new(pattern: &str) -> Result<Regex, RegexError> {
        let mut parser = Parser {
            chars: pattern.chars().collect(),
            pos: 0,
            depth: 0,
        };
        let mut program = parser.alternation()?;
        if parser.pos != parser.chars.len() {
            return syntax("unmatched `)`; write `\\)` for the character");
        }
        program.push(Inst::Match);
        Ok(Regex { program })
    }

    /// `RegExp.prototype.test` without flags: is there a match anywhere in `subject`?
    /// Time O(subject.len() × program size), whatever the pattern.
    pub fn is_match(&self, subject: &str) -> bool {
        let program = &self.program;
        let mut seen = vec![false; program.len()];
        // The states reached at the current position, and those still to follow there.
        let mut live: Vec<usize> = Vec::new();
        let mut pending: Vec<usize> = Vec::new();
        let mut prev = None;
        let mut rest = subject.chars();
        loop {
            let next = rest.clone().next();
            let boundary = prev.is_some_and(is_word) != next.is_some_and(is_word);
            for &pc in &live {
                seen[pc] = false;
            }
            live.clear();
            // The search is unanchored: a match may start at every position.
            pending.push(0);
            while let Some(pc) = pending.pop() {
                if std::mem::replace(&mut seen[pc], true) {
                    continue;
                }
                live.push(pc);
                match &program[pc] {
                    Inst::Match => return true,
                    Inst::Jump(offset) => pending.push(pc.wrapping_add_signed(*offset)),
                    Inst::Split(offset) => {
                        pending.extend([pc + 1, pc.wrapping_add_signed(*offset)])
                    }
                    Inst::Start if prev.is_none() => pending.push(pc + 1),
                    Inst::End if next.is_none() => pending.push(pc + 1),
                    Inst::WordBoundary(yes) if *yes == boundary => pending.push(pc + 1),
                    _ => {}
                }
            }
            let Some(c) = rest.next() else {
                return false;
            };
            for &pc in &live {
                if let Inst::Set(class) = &program[pc]
                    && class.matches(c)
                {
                    pending.push(pc + 1);
                }
            }
            prev = Some(c);
        }
    }
}

#[cfg(test)]
#[path = "regex_tests.rs"]
mod tests;

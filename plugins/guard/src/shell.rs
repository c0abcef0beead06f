//! A small POSIX shell reader: enough structure to judge a Bash command line.
//!
//! It splits a command line into pipelines of simple commands, removes quotes, separates
//! redirections from arguments, skips comments and here-document bodies, and collects the
//! bodies of command substitutions (`$(…)`, backticks) and process substitutions (`<(…)`,
//! `>(…)`) so they can be judged too. It never fails: unterminated quotes or parentheses just
//! run to the end of the input. It does not expand anything (`$HOME` stays `$HOME`).

/// One word after quote removal, with the substitutions that appeared inside it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Word {
    /// The text with quotes and escapes removed; substitutions are kept verbatim (`$(…)`).
    pub text: String,
    /// The bodies of the command or process substitutions inside the word.
    pub substitutions: Vec<String>,
}

/// A redirection: its operator (`>`, `>>`, `&>`, `<`, …) and target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    /// The operator, without any file descriptor number.
    pub op: &'static str,
    /// The target word.
    pub target: Word,
}

impl Redirect {
    /// True if the redirection writes to its target as a file.
    pub fn writes_file(&self) -> bool {
        match self.op {
            ">" | ">>" | ">|" | "&>" | "&>>" | "<>" => true,
            // `>&2` duplicates a descriptor; `>&file` writes the file.
            ">&" => {
                !(self.target.text == "-" || self.target.text.bytes().all(|b| b.is_ascii_digit()))
            }
            _ => false,
        }
    }
}

/// A simple command: its words (program first) and its redirections.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Command {
    /// Program and arguments.
    pub words: Vec<Word>,
    /// Redirections, in order.
    pub redirects: Vec<Redirect>,
}

impl Command {
    /// Every substitution body in the command's words and redirection targets.
    pub fn substitutions(&self) -> impl Iterator<Item = &str> {
        self.words
            .iter()
            .chain(self.redirects.iter().map(|r| &r.target))
            .flat_map(|w| w.substitutions.iter().map(String::as_str))
    }
}

/// Commands connected by `|`.
pub type Pipeline = Vec<Command>;

const OPERATORS: &[&str] = &[
    "&>>", "<<<", "<<-", "||", "|&", "&&", "&>", ";;", ">>", ">|", ">&", "<<", "<&", "<>", "|",
    "&", ";", ">", "<", "(", ")",
];

const REDIRECTS: &[&str] = &[
    ">", ">>", ">|", "&>", "&>>", "<", "<<", "<<-", "<<<", "<>", ">&", "<&",
];

/// Reserved words that may open a command without being its program.
const KEYWORDS: &[&str] = &[
    "if", "then", "else", "elif", "fi", "do", "done", "while", "until", "!", "{", "}", "coproc",
];

#[derive(Debug)]
enum Token {
    Word(Word),
    Op(&'static str),
    Newline,
}

struct Lexer {
    chars: Vec<char>,
    pos: usize,
    tokens: Vec<Token>,
    /// Here-documents whose bodies start after the next newline.
    heredocs: Vec<PendingHeredoc>,
    /// The next word is a here-document delimiter (the flag: `<<-`).
    heredoc_next: Option<bool>,
}

struct PendingHeredoc {
    delimiter: String,
    /// `<<-`: leading tabs are stripped.
    strip_tabs: bool,
    /// The delimiter is unquoted: the body is expanded, its substitutions run.
    expands: bool,
    /// The index of the delimiter's word token, which gets the body's substitutions.
    token: usize,
}

impl Lexer {
    fn new(chars: Vec<char>) -> Self {
        Lexer {
            chars,
            pos: 0,
            tokens: Vec::new(),
            heredocs: Vec::new(),
            heredoc_next: None,
        }
    }

    fn peek(&self, offset: usize) -> Option<char> {
        self.chars.get(self.pos + offset).copied()
    }

    fn run(mut self) -> Vec<Token> {
        while let Some(c) = self.peek(0) {
            match c {
                ' ' | '\t' | '\r' => self.pos += 1,
                '\n' => {
                    self.pos += 1;
                    self.tokens.push(Token::Newline);
                    self.skip_heredoc_bodies();
                }
                '#' => {
                    while self.peek(0).is_some_and(|c| c != '\n') {
                        self.pos += 1;
                    }
                }
                '\\' if self.peek(1) == Some('\n') => self.pos += 2,
                // `(( … ))`: arithmetic, read like `$(( … ))` so that its `<<` is no
                // here-document.
                '(' if self.peek(1) == Some('(') => {
                    let text_start = self.pos;
                    let body = self.capture_parens();
                    let text: String = self.chars[text_start..self.pos].iter().collect();
                    self.tokens.push(Token::Word(Word {
                        text,
                        substitutions: vec![body],
                    }));
                }
                '<' | '>' if self.peek(1) == Some('(') => {
                    let text_start = self.pos;
                    self.pos += 1;
                    let body = self.capture_parens();
                    let text: String = self.chars[text_start..self.pos].iter().collect();
                    self.tokens.push(Token::Word(Word {
                        text,
                        substitutions: vec![body],
                    }));
                }
                '|' | '&' | ';' | '<' | '>' | '(' | ')' => self.operator(),
                _ => self.word(),
            }
        }
        self.tokens
    }

    fn operator(&mut self) {
        for op in OPERATORS {
            let len = op.chars().count();
            let matches = op.chars().enumerate().all(|(i, c)| self.peek(i) == Some(c));
            if matches {
                self.pos += len;
                if *op == "<<" || *op == "<<-" {
                    self.heredoc_next = Some(*op == "<<-");
                }
                self.tokens.push(Token::Op(op));
                return;
            }
        }
        // Unreachable in practice: every operator start character has a one-character operator.
        self.pos += 1;
    }

    fn word(&mut self) {
        let mut word = Word::default();
        let mut quoted = false;
        while let Some(c) = self.peek(0) {
            match c {
                ' ' | '\t' | '\r' | '\n' | '|' | '&' | ';' | '(' | ')' => break,
                '<' | '>' => {
                    // `2>file`: a descriptor number, not a word.
                    if !quoted
                        && !word.text.is_empty()
                        && word.text.bytes().all(|b| b.is_ascii_digit())
                    {
                        return;
                    }
                    break;
                }
                '\\' => {
                    quoted = true;
                    match self.peek(1) {
                        Some('\n') => self.pos += 2,
                        Some(next) => {
                            word.text.push(next);
                            self.pos += 2;
                        }
                        None => self.pos += 1,
                    }
                }
                '\'' => {
                    quoted = true;
                    self.pos += 1;
                    while let Some(c) = self.peek(0) {
                        self.pos += 1;
                        if c == '\'' {
                            break;
                        }
                        word.text.push(c);
                    }
                }
                '"' => {
                    quoted = true;
                    self.pos += 1;
                    self.double_quoted(&mut word);
                }
                // `$'…'`: ANSI-C quoting, escapes decoded.
                '$' if self.peek(1) == Some('\'') => {
                    quoted = true;
                    self.pos += 2;
                    self.ansi_c_quoted(&mut word);
                }
                // `$"…"`: locale translation, otherwise double quotes.
                '$' if self.peek(1) == Some('"') => {
                    quoted = true;
                    self.pos += 2;
                    self.double_quoted(&mut word);
                }
                '$' | '`' => self.dollar_or_backtick(&mut word, false),
                _ => {
                    word.text.push(c);
                    self.pos += 1;
                }
            }
        }
        if word.text.is_empty() && !quoted && word.substitutions.is_empty() {
            return;
        }
        if let Some(strip_tabs) = self.heredoc_next.take() {
            self.heredocs.push(PendingHeredoc {
                delimiter: word.text.clone(),
                strip_tabs,
                expands: !quoted,
                token: self.tokens.len(),
            });
        }
        self.tokens.push(Token::Word(word));
    }

    /// Reads the inside of `"…"` (the opening quote already consumed).
    fn double_quoted(&mut self, word: &mut Word) {
        while let Some(c) = self.peek(0) {
            match c {
                '"' => {
                    self.pos += 1;
                    return;
                }
                '\\' => match self.peek(1) {
                    Some(next @ ('"' | '\\' | '$' | '`')) => {
                        word.text.push(next);
                        self.pos += 2;
                    }
                    Some('\n') => self.pos += 2,
                    _ => {
                        word.text.push('\\');
                        self.pos += 1;
                    }
                },
                '$' | '`' => self.dollar_or_backtick(word, true),
                _ => {
                    word.text.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    /// Reads the inside of `$'…'` (the opening `$'` already consumed), decoding its escapes.
    fn ansi_c_quoted(&mut self, word: &mut Word) {
        while let Some(c) = self.peek(0) {
            self.pos += 1;
            match c {
                '\'' => return,
                '\\' => {
                    let Some(e) = self.peek(0) else { return };
                    self.pos += 1;
                    let simple = match e {
                        'a' => Some('\x07'),
                        'b' => Some('\x08'),
                        'e' | 'E' => Some('\x1b'),
                        'f' => Some('\x0c'),
                        'n' => Some('\n'),
                        'r' => Some('\r'),
                        't' => Some('\t'),
                        'v' => Some('\x0b'),
                        '\\' | '\'' | '"' | '?' => Some(e),
                        _ => None,
                    };
                    let (radix, max) = match e {
                        _ if simple.is_some() => (0, 0),
                        '0'..='7' => {
                            self.pos -= 1; // the first digit is part of the number
                            (8, 3)
                        }
                        'x' => (16, 2),
                        'u' => (16, 4),
                        'U' => (16, 8),
                        'c' => {
                            // `\cX`: control-X.
                            if let Some(x) = self.peek(0) {
                                self.pos += 1;
                                word.text.extend(char::from_u32(u32::from(x) & 0x1f));
                            }
                            continue;
                        }
                        _ => (0, 0),
                    };
                    if let Some(c) = simple {
                        word.text.push(c);
                    } else if radix == 0 {
                        word.text.push('\\');
                        word.text.push(e);
                    } else {
                        let mut value = 0u32;
                        let mut digits = 0;
                        while digits < max
                            && let Some(d) = self.peek(0).and_then(|c| c.to_digit(radix))
                        {
                            value = value * radix + d;
                            digits += 1;
                            self.pos += 1;
                        }
                        if digits == 0 {
                            word.text.push('\\');
                            word.text.push(e);
                        } else {
                            word.text.extend(char::from_u32(value));
                        }
                    }
                }
                _ => word.text.push(c),
            }
        }
    }

    /// `$(…)`, `${…}`, `$[…]`, `` `…` `` or a plain `$`, at the current position.
    /// `in_double_quotes`: inside `"…"`, where `\"` in backticks stands for `"`.
    fn dollar_or_backtick(&mut self, word: &mut Word, in_double_quotes: bool) {
        let start = self.pos;
        match (self.peek(0), self.peek(1)) {
            (Some('$'), Some('(')) => {
                self.pos += 1;
                let body = self.capture_parens();
                word.substitutions.push(body);
            }
            // `${…}` and the old arithmetic `$[…]`: bash runs the substitutions inside
            // (`${x:-$(cmd)}`), and a `<<` inside `$[…]` is no here-document.
            (Some('$'), Some(open @ ('{' | '['))) => {
                let close = if open == '{' { '}' } else { ']' };
                self.pos += 2;
                let mut depth = 1;
                let mut inner = Word::default();
                while let Some(c) = self.peek(0) {
                    match c {
                        '\\' => self.pos += 2,
                        '$' | '`' => self.dollar_or_backtick(&mut inner, in_double_quotes),
                        _ => {
                            self.pos += 1;
                            if c == open && open == '[' {
                                depth += 1;
                            } else if c == close {
                                depth -= 1;
                                if depth == 0 {
                                    break;
                                }
                            }
                        }
                    }
                }
                self.pos = self.pos.min(self.chars.len());
                word.substitutions.append(&mut inner.substitutions);
            }
            (Some('`'), _) => {
                self.pos += 1;
                let mut body = String::new();
                while let Some(c) = self.peek(0) {
                    self.pos += 1;
                    match c {
                        '`' => break,
                        '\\' if matches!(self.peek(0), Some('`' | '\\' | '$'))
                            || (in_double_quotes && self.peek(0) == Some('"')) =>
                        {
                            body.push(self.chars[self.pos]);
                            self.pos += 1;
                        }
                        _ => body.push(c),
                    }
                }
                word.substitutions.push(body);
            }
            _ => self.pos += 1,
        }
        word.text.extend(&self.chars[start..self.pos]);
    }

    /// Reads a balanced `(…)` starting at the `(`; returns the inside.
    fn capture_parens(&mut self) -> String {
        self.pos += 1;
        let start = self.pos;
        let mut depth = 1;
        // Open `case` commands: their patterns end with a `)` that closes nothing.
        let mut cases = 0usize;
        while let Some(c) = self.peek(0) {
            match c {
                '\\' => self.pos += 1,
                // `$'…'`: `\'` does not end it.
                '$' if self.peek(1) == Some('\'') => {
                    self.pos += 2;
                    while let Some(c) = self.peek(0) {
                        match c {
                            '\\' => self.pos += 1,
                            '\'' => break,
                            _ => {}
                        }
                        self.pos += 1;
                    }
                }
                'c' if self.reserved_word_at("case") => cases += 1,
                'e' if self.reserved_word_at("esac") => cases = cases.saturating_sub(1),
                '\'' => {
                    self.pos += 1;
                    while self.peek(0).is_some_and(|c| c != '\'') {
                        self.pos += 1;
                    }
                }
                '"' => {
                    self.pos += 1;
                    while let Some(c) = self.peek(0) {
                        if c == '\\' {
                            self.pos += 1;
                        } else if c == '"' {
                            break;
                        }
                        self.pos += 1;
                    }
                }
                '(' => depth += 1,
                ')' if depth == 1 && cases > 0 => {}
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        let body = self.chars[start..self.pos].iter().collect();
                        self.pos += 1;
                        return body;
                    }
                }
                _ => {}
            }
            self.pos += 1;
        }
        self.pos = self.pos.min(self.chars.len());
        self.chars[start.min(self.chars.len())..].iter().collect()
    }

    /// Whether the reserved word `word` stands at the current position, where a command
    /// starts (inside `$( )`: `echo case` is no `case` command).
    fn reserved_word_at(&self, word: &str) -> bool {
        let mut before = self.pos;
        while before > 0 && matches!(self.chars[before - 1], ' ' | '\t') {
            before -= 1;
        }
        let command_start =
            before == 0 || matches!(self.chars[before - 1], ';' | '&' | '|' | '(' | '\n');
        let len = word.chars().count();
        command_start
            && word
                .chars()
                .enumerate()
                .all(|(i, c)| self.peek(i) == Some(c))
            && self
                .peek(len)
                .is_none_or(|c| c.is_whitespace() || matches!(c, ';' | '&' | '|' | ')'))
    }

    /// After a newline: skips the bodies of pending here-documents, keeping the
    /// substitutions of those whose delimiter is unquoted (bash runs them).
    fn skip_heredoc_bodies(&mut self) {
        for heredoc in std::mem::take(&mut self.heredocs) {
            let PendingHeredoc {
                delimiter,
                strip_tabs,
                expands,
                token,
            } = heredoc;
            let body_start = self.pos;
            let mut body_end = self.chars.len();
            while self.pos < self.chars.len() {
                let line_start = self.pos;
                let end = self.chars[self.pos..]
                    .iter()
                    .position(|&c| c == '\n')
                    .map_or(self.chars.len(), |i| self.pos + i);
                let line: String = self.chars[self.pos..end].iter().collect();
                self.pos = (end + 1).min(self.chars.len());
                let line = if strip_tabs {
                    line.trim_start_matches('\t')
                } else {
                    &line
                };
                if line == delimiter {
                    body_end = line_start;
                    break;
                }
            }
            if expands {
                let mut scan = Lexer::new(self.chars[body_start..body_end].to_vec());
                let mut found = Word::default();
                while let Some(c) = scan.peek(0) {
                    match c {
                        '\\' => scan.pos += 2,
                        '$' | '`' => scan.dollar_or_backtick(&mut found, false),
                        _ => scan.pos += 1,
                    }
                }
                if let Some(Token::Word(target)) = self.tokens.get_mut(token) {
                    target.substitutions.append(&mut found.substitutions);
                }
            }
        }
    }
}

/// Splits a command line into pipelines of simple commands. Pipelines are separated by `;`,
/// `&`, `&&`, `||`, newlines and parentheses; commands within one by `|` or `|&`.
pub fn parse(input: &str) -> Vec<Pipeline> {
    let tokens = Lexer::new(input.chars().collect()).run();

    let mut pipelines = Vec::new();
    let mut pipeline = Pipeline::new();
    let mut command = Command::default();

    fn end_command(pipeline: &mut Pipeline, command: &mut Command) {
        let done = std::mem::take(command);
        if !done.words.is_empty() || !done.redirects.is_empty() {
            pipeline.push(done);
        }
    }

    // After `|`, `&&` or `||` a newline does not end the list (`curl … |⏎ sh`).
    let mut continued = false;
    let mut tokens = tokens.into_iter().peekable();
    while let Some(token) = tokens.next() {
        let continues = matches!(token, Token::Op("|" | "|&" | "&&" | "||"));
        match token {
            // (`continue`: a blank line after `|` keeps it open too.)
            Token::Newline if continued => continue,
            Token::Word(word) => {
                if command.words.is_empty() && KEYWORDS.contains(&word.text.as_str()) {
                    continue;
                }
                command.words.push(word);
                // `function NAME { …; }`: the body is a command of its own.
                if command.words.len() == 2 && command.words[0].text == "function" {
                    end_command(&mut pipeline, &mut command);
                    pipelines.push(std::mem::take(&mut pipeline));
                }
            }
            Token::Op(op) if REDIRECTS.contains(&op) => {
                if let Some(Token::Word(_)) = tokens.peek() {
                    let Some(Token::Word(target)) = tokens.next() else {
                        unreachable!("peeked a word")
                    };
                    command.redirects.push(Redirect { op, target });
                }
            }
            Token::Op("|" | "|&") => end_command(&mut pipeline, &mut command),
            Token::Op(_) | Token::Newline => {
                end_command(&mut pipeline, &mut command);
                if !pipeline.is_empty() {
                    pipelines.push(std::mem::take(&mut pipeline));
                }
            }
        }
        continued = continues;
    }
    end_command(&mut pipeline, &mut command);
    if !pipeline.is_empty() {
        pipelines.push(pipeline);
    }
    pipelines
}

#[cfg(test)]
#[path = "shell_tests.rs"]
mod tests;

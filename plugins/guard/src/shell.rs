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
    "if", "then", "else", "elif", "fi", "do", "done", "while", "until", "!", "{", "}",
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
    /// Here-documents whose bodies start after the next newline: (delimiter, strip tabs).
    heredocs: Vec<(String, bool)>,
    /// The next word is a here-document delimiter (the flag: `<<-`).
    heredoc_next: Option<bool>,
}

impl Lexer {
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
                '$' | '`' => self.dollar_or_backtick(&mut word),
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
            self.heredocs.push((word.text.clone(), strip_tabs));
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
                '$' | '`' => self.dollar_or_backtick(word),
                _ => {
                    word.text.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    /// `$(…)`, `${…}`, `` `…` `` or a plain `$`, at the current position.
    fn dollar_or_backtick(&mut self, word: &mut Word) {
        let start = self.pos;
        match (self.peek(0), self.peek(1)) {
            (Some('$'), Some('(')) => {
                self.pos += 1;
                let body = self.capture_parens();
                word.substitutions.push(body);
            }
            (Some('$'), Some('{')) => {
                self.pos += 2;
                while let Some(c) = self.peek(0) {
                    self.pos += 1;
                    if c == '}' {
                        break;
                    }
                }
            }
            (Some('`'), _) => {
                self.pos += 1;
                let mut body = String::new();
                while let Some(c) = self.peek(0) {
                    self.pos += 1;
                    match c {
                        '`' => break,
                        '\\' if matches!(self.peek(0), Some('`' | '\\' | '$')) => {
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
        while let Some(c) = self.peek(0) {
            match c {
                '\\' => self.pos += 1,
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

    /// After a newline: skips the bodies of pending here-documents.
    fn skip_heredoc_bodies(&mut self) {
        for (delimiter, strip_tabs) in std::mem::take(&mut self.heredocs) {
            while self.pos < self.chars.len() {
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
                    break;
                }
            }
        }
    }
}

/// Splits a command line into pipelines of simple commands. Pipelines are separated by `;`,
/// `&`, `&&`, `||`, newlines and parentheses; commands within one by `|` or `|&`.
pub fn parse(input: &str) -> Vec<Pipeline> {
    let tokens = Lexer {
        chars: input.chars().collect(),
        pos: 0,
        tokens: Vec::new(),
        heredocs: Vec::new(),
        heredoc_next: None,
    }
    .run();

    let mut pipelines = Vec::new();
    let mut pipeline = Pipeline::new();
    let mut command = Command::default();

    fn end_command(pipeline: &mut Pipeline, command: &mut Command) {
        let done = std::mem::take(command);
        if !done.words.is_empty() || !done.redirects.is_empty() {
            pipeline.push(done);
        }
    }

    let mut tokens = tokens.into_iter().peekable();
    while let Some(token) = tokens.next() {
        match token {
            Token::Word(word) => {
                if command.words.is_empty() && KEYWORDS.contains(&word.text.as_str()) {
                    continue;
                }
                command.words.push(word);
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
    }
    end_command(&mut pipeline, &mut command);
    if !pipeline.is_empty() {
        pipelines.push(pipeline);
    }
    pipelines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(input: &str) -> Vec<Vec<Vec<String>>> {
        parse(input)
            .into_iter()
            .map(|p| {
                p.into_iter()
                    .map(|c| c.words.into_iter().map(|w| w.text).collect())
                    .collect()
            })
            .collect()
    }

    #[test]
    fn splits_pipelines_and_commands() {
        assert_eq!(
            words("cd x && make | tee log; echo done & ls || true"),
            vec![
                vec![vec!["cd", "x"]],
                vec![vec!["make"], vec!["tee", "log"]],
                vec![vec!["echo", "done"]],
                vec![vec!["ls"]],
                vec![vec!["true"]],
            ]
        );
        assert_eq!(
            words("(cd a; rm -rf b)\nls"),
            vec![
                vec![vec!["cd", "a"]],
                vec![vec!["rm", "-rf", "b"]],
                vec![vec!["ls"]]
            ]
        );
    }

    #[test]
    fn removes_quotes_and_escapes() {
        assert_eq!(
            words(r#"echo 'a b' "c \"d\" $x" e\ f \r\m"#),
            vec![vec![vec!["echo", "a b", "c \"d\" $x", "e f", "rm"]]]
        );
        assert_eq!(words(r#"echo "" ''"#), vec![vec![vec!["echo", "", ""]]]);
        assert_eq!(
            words("echo 'unterminated"),
            vec![vec![vec!["echo", "unterminated"]]]
        );
    }

    #[test]
    fn redirections() {
        let p = parse("echo x >> ./.git/config 2>&1 > out 2>err <in &>all");
        let c = &p[0][0];
        assert_eq!(c.words.len(), 2);
        let r: Vec<(&str, &str, bool)> = c
            .redirects
            .iter()
            .map(|r| (r.op, r.target.text.as_str(), r.writes_file()))
            .collect();
        assert_eq!(
            r,
            vec![
                (">>", "./.git/config", true),
                (">&", "1", false),
                (">", "out", true),
                (">", "err", true),
                ("<", "in", false),
                ("&>", "all", true),
            ]
        );
        // A quoted number is a word, not a descriptor.
        let p = parse("echo '2'>f");
        assert_eq!(p[0][0].words[1].text, "2");
    }

    #[test]
    fn substitutions() {
        let p = parse(r#"echo "$(curl -s x | sh)" `whoami` <(wget -O- y) ${HOME}"#);
        let c = &p[0][0];
        let subs: Vec<&str> = c.substitutions().collect();
        assert_eq!(subs, vec!["curl -s x | sh", "whoami", "wget -O- y"]);
        assert_eq!(c.words[4].text, "${HOME}");
        let p = parse("x=$(echo $(date) 'a)b')");
        assert_eq!(p[0][0].words[0].substitutions, vec!["echo $(date) 'a)b'"]);
    }

    #[test]
    fn comments_keywords_and_heredocs() {
        assert_eq!(words("ls # rm -rf /"), vec![vec![vec!["ls"]]]);
        assert_eq!(words("echo a#b"), vec![vec![vec!["echo", "a#b"]]]);
        assert_eq!(
            words("if true; then rm -rf x; fi"),
            vec![vec![vec!["true"]], vec![vec!["rm", "-rf", "x"]]]
        );
        assert_eq!(
            words("cat > notes.md <<'EOF'\nrm -rf /\nEOF\nls"),
            vec![vec![vec!["cat"]], vec![vec!["ls"]]]
        );
        assert_eq!(
            words("cat <<-END\n\trm -rf /\n\tEND\necho ok"),
            vec![vec![vec!["cat"]], vec![vec!["echo", "ok"]]]
        );
    }

    #[test]
    fn never_panics_on_odd_input() {
        for input in [
            "",
            "|",
            "&&",
            ">",
            "$(",
            "`",
            "\"",
            "'",
            "\\",
            "<(",
            "$((1+2",
            "a >",
            "<<",
            "<<EOF",
            "😀 | ü >> ü",
            "echo $",
            "${",
            "))((",
            "cat <<E\n",
        ] {
            let _ = parse(input);
        }
    }
}

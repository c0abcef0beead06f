//! The shell side of a settings.json `command`: quoting the words install writes, and reading
//! back which plugins an existing command runs (so install and uninstall find their entries).

use fasthooks_ipc::HOST_BINARY;
use std::path::Path;

/// `text` as one shell word: bare when it is plainly safe, otherwise in single quotes.
pub fn shell_quote(text: &str) -> String {
    let safe = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_@%+=:,./-".contains(c));
    if safe {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', r#"'\''"#))
    }
}

/// Split a `sh -c` command into words, undoing quotes and escapes (no expansion). Stops at the
/// first unquoted `;`, `&`, `|`, `<`, `>` or newline: only the first simple command matters here.
pub fn shell_words(command: &str) -> Vec<String> {
    split(command).0.into_iter().map(|word| word.text).collect()
}

/// One word of a command, and whether the shell expands a `$` in it (one outside single quotes
/// and not escaped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    pub expands: bool,
}

/// [`shell_words`], each marked with whether the shell would expand a `$` in it.
pub fn marked_words(command: &str) -> Vec<Word> {
    split(command).0
}

/// Does anything but blanks follow the first simple command (`; more`, `| tee`, `|| true`,
/// `2>/dev/null`)? It can run something else, or throw a plugin's answer away.
pub fn has_more_than_one_command(command: &str) -> bool {
    let (_, rest) = split(command);
    !rest.trim().is_empty()
}

/// The words of the first simple command, and the text after it (from the operator on).
fn split(command: &str) -> (Vec<Word>, &str) {
    let mut words = Vec::new();
    let mut word: Option<Word> = None;
    let new_word = || Word {
        text: String::new(),
        expands: false,
    };
    let mut chars = command.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' => {
                words.extend(word.take());
            }
            ';' | '&' | '|' | '<' | '>' | '\n' => {
                words.extend(word.take());
                let at = command.len() - chars.as_str().len() - c.len_utf8();
                return (words, &command[at..]);
            }
            '\'' => {
                let w = word.get_or_insert_with(new_word);
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    w.text.push(c);
                }
            }
            '"' => {
                let w = word.get_or_insert_with(new_word);
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => match chars.next() {
                            Some(next @ ('$' | '`' | '"' | '\\')) => w.text.push(next),
                            Some('\n') => {}
                            Some(other) => {
                                w.text.push('\\');
                                w.text.push(other);
                            }
                            None => w.text.push('\\'),
                        },
                        '$' => {
                            w.expands = true;
                            w.text.push('$');
                        }
                        other => w.text.push(other),
                    }
                }
            }
            '\\' => {
                if let Some(next) = chars.next()
                    && next != '\n'
                {
                    word.get_or_insert_with(new_word).text.push(next);
                }
            }
            other => {
                let w = word.get_or_insert_with(new_word);
                w.expands |= other == '$';
                w.text.push(other);
            }
        }
    }
    words.extend(word);
    (words, "")
}

/// The `--plugin` list of a command that runs `fasthooks-host`, or of the URL of an `http` hook
/// the daemon serves; `None` for any other command or URL.
pub fn plugins_of_command(command: &str) -> Option<Vec<String>> {
    if let Some(words) = words_of_hook_url(command) {
        return Some(
            words
                .iter()
                .filter_map(|word| word.strip_prefix("--plugin="))
                .map(str::to_owned)
                .collect(),
        );
    }
    let words = shell_words(command);
    let program = words.first()?;
    if Path::new(program).file_name()? != HOST_BINARY {
        return None;
    }
    // A subcommand (`fasthooks-host wake --plugin P`) is not the hook that runs P.
    if words.get(1).is_some_and(|word| !word.starts_with('-')) {
        return None;
    }
    let mut plugins = Vec::new();
    let mut rest = words[1..].iter();
    while let Some(word) = rest.next() {
        if word == "--plugin" {
            plugins.extend(rest.next().cloned());
        } else if let Some(path) = word.strip_prefix("--plugin=") {
            plugins.push(path.to_owned());
        }
    }
    Some(plugins)
}

/// The hook command words of an `http` hook's URL, if it is one the daemon serves
/// (`http://127.0.0.1:PORT/hook?…`).
pub fn words_of_hook_url(url: &str) -> Option<Vec<String>> {
    let rest = url.strip_prefix("http://127.0.0.1:")?;
    let (port, rest) = rest.split_once('/')?;
    port.parse::<u16>().ok()?;
    let query = rest
        .strip_prefix(fasthooks_ipc::http_hook::HOOK_PATH.trim_start_matches('/'))?
        .strip_prefix('?')?;
    fasthooks_ipc::http_hook::words_of_query(query).ok()
}

/// The port of an `http` hook's URL the daemon serves.
pub fn port_of_hook_url(url: &str) -> Option<u16> {
    words_of_hook_url(url)?;
    url.strip_prefix("http://127.0.0.1:")?
        .split_once('/')?
        .0
        .parse()
        .ok()
}

/// The plugin of a `fasthooks-host wake --plugin P` command (the wake hook of P), or `None`.
pub fn wake_plugin_of_command(command: &str) -> Option<String> {
    let words = shell_words(command);
    if Path::new(words.first()?).file_name()? != HOST_BINARY || words.get(1)? != "wake" {
        return None;
    }
    let mut rest = words[2..].iter();
    while let Some(word) = rest.next() {
        if word == "--plugin" {
            return rest.next().cloned();
        } else if let Some(path) = word.strip_prefix("--plugin=") {
            return Some(path.to_owned());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_round_trips_through_the_reader() {
        for path in [
            "/a/b.wasm",
            "/with space/p.wasm",
            "/it's/p.wasm",
            "/x/$HOME/p.wasm",
        ] {
            let command = format!(
                "{} --plugin {} --allow-read /tmp",
                shell_quote("/opt/fasthooks-host"),
                shell_quote(path)
            );
            assert_eq!(
                plugins_of_command(&command),
                Some(vec![path.to_owned()]),
                "{command}"
            );
        }
        assert_eq!(shell_quote("/plain/path-1.wasm"), "/plain/path-1.wasm");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(
            shell_words(r#"fasthooks-host --plugin "/a \"q\"/p.wasm" x\ y; rm -rf /"#),
            vec!["fasthooks-host", "--plugin", "/a \"q\"/p.wasm", "x y"]
        );
        assert_eq!(plugins_of_command("my-hook --plugin /p/guard.wasm"), None);
        assert_eq!(
            plugins_of_command("sh -c 'fasthooks-host --plugin /p'"),
            None
        );
    }
}

//! A hook command as the URL of a Claude Code `http` hook, and back.
//!
//! `install --transport http` writes `http://127.0.0.1:PORT/hook?plugin=…&allow-read=…`: the
//! query holds the same words as the command form's arguments, `--name VALUE` as `name=VALUE`
//! and a switch as a bare `name`, in order (a grant belongs to the `--plugin` before it). The
//! daemon turns the query back into those words and parses them as a hook command line, so
//! both transports read one grammar ([`crate::HookArgs`]).
//!
//! The query ends with a signature ([`crate::http_key`]): the daemon runs only queries
//! `install` signed with this home's key.
//!
//! The port is the user's choice, kept in `http-port` in the data directory: every daemon of
//! that home listens on it, whichever hook started it.

use crate::http_key::{UrlKey, split_signature};
use crate::{HookArgs, HookCommand, Paths};
use clap::{Args, Command, FromArgMatches};
use std::path::PathBuf;

/// The path every hook is posted to.
pub const HOOK_PATH: &str = "/hook";
/// The file, in the data directory, that holds the port the daemon serves `http` hooks on.
pub const PORT_FILE: &str = "http-port";
/// The port `install --transport http` picks when none is given.
pub const DEFAULT_PORT: u16 = 47_983;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum QueryError {
    #[error("unknown hook option `{0}` in the URL's query")]
    Unknown(String),
    #[error("`{0}` in the URL's query needs a value (`{0}=VALUE`)")]
    MissingValue(String),
    #[error("`{0}` in the URL's query takes no value")]
    UnexpectedValue(String),
}

fn hook_arguments() -> Command {
    let mut command = HookArgs::augment_args(Command::new("hook"));
    // Built, so that every argument knows how many values it takes.
    command.build();
    command
}

/// Does the hook option `--name` take a value?
fn takes_value(arguments: &Command, name: &str) -> Option<bool> {
    arguments
        .get_arguments()
        .find(|arg| arg.get_long() == Some(name))
        .map(|arg| arg.get_num_args().is_some_and(|range| range.takes_values()))
}

/// The URL of an `http` hook on `port` that runs the hook command `words` (as
/// [`crate::HookCommand::to_args`] gives them), its query signed with `key`.
pub fn url(port: u16, words: &[String], key: &UrlKey) -> String {
    let arguments = hook_arguments();
    let mut query = form_urlencoded::Serializer::new(String::new());
    let mut words = words.iter();
    while let Some(word) = words.next() {
        let name = word.strip_prefix("--").unwrap_or(word);
        match takes_value(&arguments, name) {
            Some(true) => {
                query.append_pair(name, words.next().map(String::as_str).unwrap_or(""));
            }
            _ => {
                query.append_key_only(name);
            }
        }
    }
    format!(
        "http://127.0.0.1:{port}{HOOK_PATH}?{}",
        key.sign(&query.finish())
    )
}

/// The hook command words a URL's query stands for (without the program name); its signature,
/// if any, is not one of them (the daemon checks it, [`crate::http_key`]).
pub fn words_of_query(query: &str) -> Result<Vec<String>, QueryError> {
    let (query, _) = split_signature(query);
    let arguments = hook_arguments();
    let mut words = Vec::new();
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        let has_value = query_has_value(query, &name);
        match takes_value(&arguments, &name) {
            None => return Err(QueryError::Unknown(name.into_owned())),
            Some(true) if !has_value => return Err(QueryError::MissingValue(name.into_owned())),
            Some(true) => words.push(format!("--{name}={value}")),
            Some(false) if !value.is_empty() => {
                return Err(QueryError::UnexpectedValue(name.into_owned()));
            }
            Some(false) => words.push(format!("--{name}")),
        }
    }
    Ok(words)
}

/// Was `name` given as `name=…` somewhere in the query (rather than as a bare `name`)?
fn query_has_value(query: &str, name: &str) -> bool {
    query.split('&').any(|pair| {
        pair.split_once('=').is_some_and(|(key, _)| {
            form_urlencoded::parse(key.as_bytes())
                .next()
                .is_some_and(|(k, _)| k == name)
        })
    })
}

/// The hook command a URL's query stands for, and the `--home` it names, if any.
pub fn command_of_query(query: &str) -> Result<(HookCommand, Option<PathBuf>), String> {
    let words = words_of_query(query).map_err(|err| err.to_string())?;
    let matches = hook_arguments()
        .try_get_matches_from(std::iter::once("hook".to_owned()).chain(words))
        .map_err(|err| {
            err.to_string()
                .lines()
                .next()
                .unwrap_or_default()
                .to_owned()
        })?;
    let args = HookArgs::from_arg_matches(&matches).map_err(|err| err.to_string())?;
    let command = HookCommand::parse(&args, &matches).map_err(|err| err.to_string())?;
    Ok((command, args.home))
}

pub fn port_file(paths: &Paths) -> PathBuf {
    paths.data.join(PORT_FILE)
}

/// The port this home's daemon serves `http` hooks on, if `install --transport http` set one.
pub fn configured_port(paths: &Paths) -> Result<Option<u16>, String> {
    let file = port_file(paths);
    match std::fs::read_to_string(&file) {
        Ok(text) => text.trim().parse::<u16>().map(Some).map_err(|_| {
            format!(
                "{} holds {:?}, not a port number: fix it or run `install --transport http` again",
                file.display(),
                text.trim()
            )
        }),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(format!("cannot read {}: {err}", file.display())),
    }
}

/// Keep `port` as the one this home's daemon serves `http` hooks on.
pub fn set_port(paths: &Paths, port: u16) -> std::io::Result<()> {
    crate::private::create_dir(&paths.data)?;
    crate::private::write_atomically(&port_file(paths), format!("{port}\n").as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(list: &[&str]) -> Vec<String> {
        list.iter().map(|w| w.to_string()).collect()
    }

    fn parse(words: &[String]) -> HookCommand {
        let matches = hook_arguments()
            .try_get_matches_from(std::iter::once("hook".to_string()).chain(words.iter().cloned()))
            .unwrap();
        let args = HookArgs::from_arg_matches(&matches).unwrap();
        HookCommand::parse(&args, &matches).unwrap()
    }

    #[test]
    fn a_command_survives_the_trip_through_a_url() {
        let command = words(&[
            "--plugin",
            "/home/me/plugins/guard one.wasm",
            "--allow-read",
            "/home/me/docs&more=x",
            "--allow-write-claude-and-git",
            "--plugin",
            "/p/two.wasm",
            "--allow-http",
            "https://docs.rs/?a=b#c",
            "--fail-closed",
            "--timeout-ms",
            "250",
        ]);
        let key = crate::http_key::UrlKey::load_or_create(&Paths::under(
            tempfile::tempdir().unwrap().path(),
        ))
        .unwrap();
        let url = url(47_983, &command, &key);
        assert!(url.contains("&sig="), "{url}");
        assert!(
            url.starts_with("http://127.0.0.1:47983/hook?plugin=%2Fhome"),
            "{url}"
        );
        let query = url.split_once('?').unwrap().1;
        let back = words_of_query(query).unwrap();
        assert_eq!(parse(&back).to_args(), parse(&command).to_args());
    }

    #[test]
    fn a_query_that_is_not_a_hook_command_names_the_part() {
        assert_eq!(
            words_of_query("plugin=/a.wasm&rm-rf=1"),
            Err(QueryError::Unknown("rm-rf".into()))
        );
        assert_eq!(
            words_of_query("plugin"),
            Err(QueryError::MissingValue("plugin".into()))
        );
        assert_eq!(
            words_of_query("plugin=/a.wasm&fail-closed=yes"),
            Err(QueryError::UnexpectedValue("fail-closed".into()))
        );
        assert_eq!(
            words_of_query("plugin=&fail-closed").unwrap(),
            words(&["--plugin=", "--fail-closed"])
        );
    }

    #[test]
    fn the_port_is_kept_in_the_data_directory() {
        let home = tempfile::tempdir().unwrap();
        let paths = Paths::under(home.path());
        assert_eq!(configured_port(&paths), Ok(None));
        set_port(&paths, 5000).unwrap();
        assert_eq!(configured_port(&paths), Ok(Some(5000)));
        std::fs::write(port_file(&paths), "many").unwrap();
        let err = configured_port(&paths).unwrap_err();
        assert!(err.contains("not a port number"), "{err}");
    }
}

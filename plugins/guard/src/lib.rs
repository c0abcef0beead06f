//! guard: a fasthooks plugin that denies dangerous Bash commands before they run.
//!
//! It subscribes to `PreToolUse` for `Bash` and denies:
//! - recursive deletion of the root filesystem, the home directory or a top-level system
//!   directory (`rm -rf /`, `rm -fr ~`, `rm -r -f $HOME/*`, `rm --recursive --force /*`, …);
//! - a download piped into a shell or interpreter (`curl … | sh`, `wget -O- … | sudo bash`),
//!   or run through a substitution (`bash <(curl …)`, `sh -c "$(curl …)"`);
//! - force pushes to `main` or `master` (`--force`, `-f`, `--force-with-lease`, `+main`,
//!   `HEAD:main`, …), deleting them remotely, and `--mirror`;
//! - writes into a `.git` directory (`> .git/…`, `tee .git/…`, `cp`/`mv`/`ln`/`install` into
//!   `.git/`, `sed -i` on `.git/…`, `dd of=.git/…`, `touch`, `truncate`, `mkdir`).
//!
//! A force push without an explicit branch (`git push -f`, `git push -f origin HEAD`) pushes
//! the current branch, which the guard cannot see, so it asks the user instead of denying.
//!
//! The command line is read with a small shell parser: quotes, escapes, pipelines, `&&`/`;`
//! lists, redirections, comments and here-documents are understood, wrappers such as `sudo`,
//! `env`, `nohup` and `xargs` are looked through, and `sh -c '…'`, `eval …`, `$(…)` and
//! backticks are judged recursively. Everything else gets no opinion, so the hook prints
//! nothing and Claude Code's normal permission flow applies.

mod git;
mod shell;

use fasthooks_sdk::{App, Event, Response, Tasks, ask, deny};

use git::{check_git, check_git_dir_write, check_redirects};
use shell::{Command, Word};

/// The prefix of every reason the guard gives.
pub const PREFIX: &str = "fasthooks guard: ";

/// Builds the plugin.
pub fn build_app() -> App {
    let mut app = App::new("guard", env!("CARGO_PKG_VERSION"));
    app.pre_tool("Bash", check_bash);
    app
}

fasthooks_sdk::plugin!(build_app);

fn check_bash(event: &Event, _tasks: &Tasks) -> Response {
    match event.command() {
        Some(command) => verdict(command),
        None => Response::none(),
    }
}

/// The guard's decision for one Bash command line.
pub fn verdict(command: &str) -> Response {
    match judge(command, 0) {
        Some(Finding::Deny(reason)) => deny(format!("{PREFIX}{reason}")),
        Some(Finding::Ask(reason)) => ask(format!("{PREFIX}{reason}")),
        None => Response::none(),
    }
}

enum Finding {
    Deny(String),
    Ask(String),
}

/// How deep `sh -c`, `eval` and substitutions are followed.
const MAX_DEPTH: usize = 8;

/// Judges a command line: the first deny found wins; an ask is kept in case a deny follows.
fn judge(input: &str, depth: usize) -> Option<Finding> {
    if depth > MAX_DEPTH {
        return None;
    }
    let mut pending_ask = None;
    let mut consider = |finding: Option<Finding>| -> Option<Finding> {
        match finding {
            Some(Finding::Deny(reason)) => Some(Finding::Deny(reason)),
            Some(Finding::Ask(reason)) => {
                pending_ask.get_or_insert(reason);
                None
            }
            None => None,
        }
    };
    for pipeline in shell::parse(input) {
        if let Some(found) = consider(check_pipeline(&pipeline)) {
            return Some(found);
        }
        for command in &pipeline {
            if let Some(found) = consider(check_command(command, depth)) {
                return Some(found);
            }
            for body in command.substitutions() {
                if let Some(found) = consider(judge(body, depth + 1)) {
                    return Some(found);
                }
            }
        }
    }
    pending_ask.map(Finding::Ask)
}

/// A command with its wrappers (`sudo`, `env`, `nohup`, assignments, …) looked through.
struct Invocation<'a> {
    /// The program's base name (`/usr/bin/rm` → `rm`).
    program: &'a str,
    /// Its arguments.
    args: Vec<&'a str>,
    /// The argument words, with their substitutions.
    arg_words: &'a [Word],
}

fn base_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

fn is_assignment(word: &str) -> bool {
    match word.split_once('=') {
        Some((name, _)) => {
            !name.is_empty()
                && !name.starts_with(|c: char| c.is_ascii_digit())
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        }
        None => false,
    }
}

/// Options of wrapper commands that take a separate value.
fn wrapper_option_takes_value(wrapper: &str, option: &str) -> bool {
    match wrapper {
        "sudo" => matches!(
            option,
            "-u" | "-g" | "-C" | "-D" | "-h" | "-p" | "-r" | "-t" | "-U" | "-T" | "-R"
        ),
        "doas" => matches!(option, "-u" | "-C"),
        "env" => matches!(
            option,
            "-u" | "-C" | "-S" | "--unset" | "--chdir" | "--split-string"
        ),
        "exec" => option == "-a",
        "nice" => matches!(option, "-n" | "--adjustment"),
        "ionice" => matches!(option, "-c" | "-n" | "-p" | "--class" | "--classdata"),
        "timeout" => matches!(option, "-s" | "-k" | "--signal" | "--kill-after"),
        "xargs" => matches!(
            option,
            "-I" | "-n"
                | "-P"
                | "-L"
                | "-d"
                | "-E"
                | "-s"
                | "-a"
                | "--max-args"
                | "--max-procs"
                | "--delimiter"
                | "--arg-file"
        ),
        _ => false,
    }
}

fn invocation(command: &Command) -> Option<Invocation<'_>> {
    let words = &command.words;
    let mut i = 0;
    loop {
        while i < words.len() && is_assignment(&words[i].text) {
            i += 1;
        }
        let first = words.get(i)?;
        let program = base_name(&first.text);
        match program {
            "sudo" | "doas" | "env" | "command" | "builtin" | "exec" | "nohup" | "time"
            | "nice" | "ionice" | "timeout" | "stdbuf" | "xargs" | "busybox" | "caffeinate" => {
                i += 1;
                while let Some(word) = words.get(i) {
                    let text = word.text.as_str();
                    if text == "--" {
                        i += 1;
                        break;
                    }
                    if text.starts_with('-') && text.len() > 1 {
                        i += if wrapper_option_takes_value(program, text) {
                            2
                        } else {
                            1
                        };
                    } else if program == "env" && is_assignment(text) {
                        i += 1;
                    } else {
                        break;
                    }
                }
                if program == "timeout" && i < words.len() {
                    i += 1; // the duration
                }
            }
            _ => {
                return Some(Invocation {
                    program,
                    args: words[i + 1..].iter().map(|w| w.text.as_str()).collect(),
                    arg_words: &words[i + 1..],
                });
            }
        }
    }
}

fn check_command(command: &Command, depth: usize) -> Option<Finding> {
    if let Some(found) = check_redirects(command) {
        return Some(found);
    }
    let inv = invocation(command)?;
    match inv.program {
        "rm" => check_rm(&inv.args),
        "git" => check_git(&inv.args),
        "eval" => {
            downloaded_code("eval", inv.arg_words).or_else(|| judge(&inv.args.join(" "), depth + 1))
        }
        program if is_shell(program) => check_shell(&inv, depth),
        "source" | "." => downloaded_code(inv.program, inv.arg_words.get(..1)?),
        _ => check_git_dir_write(&inv),
    }
}

// ---------------------------------------------------------------------------------------------
// rm -rf / ~ $HOME

/// Top-level directories whose recursive deletion wrecks the system.
const SYSTEM_DIRS: &[&str] = &[
    "/bin",
    "/boot",
    "/dev",
    "/etc",
    "/home",
    "/lib",
    "/lib32",
    "/lib64",
    "/opt",
    "/proc",
    "/root",
    "/sbin",
    "/srv",
    "/sys",
    "/usr",
    "/var",
    "/Applications",
    "/Library",
    "/System",
    "/Users",
];

/// What deleting `target` recursively would destroy, if it is catastrophic.
fn dangerous_rm_target(target: &str) -> Option<String> {
    let path = collapse_slashes(target.trim());
    // `/usr/`, `~/*`, `$HOME/.` name the same directory (or all of its contents).
    let mut t = path.as_str();
    while let Some(shorter) = ["/*", "/.", "/"]
        .iter()
        .find_map(|suffix| t.strip_suffix(suffix).filter(|rest| !rest.is_empty()))
    {
        t = shorter;
    }
    match t {
        "/" | "/*" | "/." => Some("the whole root filesystem".to_owned()),
        "~" | "$HOME" | "${HOME}" => Some("your entire home directory".to_owned()),
        _ if SYSTEM_DIRS.contains(&t) => Some(format!("the system directory `{t}`")),
        _ => None,
    }
}

fn collapse_slashes(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        if !(c == '/' && out.ends_with('/')) {
            out.push(c);
        }
    }
    out
}

fn check_rm(args: &[&str]) -> Option<Finding> {
    let mut recursive = false;
    let mut operands = Vec::new();
    let mut options_done = false;
    for &arg in args {
        if options_done || !arg.starts_with('-') || arg == "-" {
            operands.push(arg);
        } else if arg == "--" {
            options_done = true;
        } else if let Some(long) = arg.strip_prefix("--") {
            if long == "recursive" {
                recursive = true;
            }
        } else if arg[1..].contains(['r', 'R']) {
            recursive = true;
        }
    }
    if !recursive {
        return None;
    }
    operands.iter().find_map(|target| {
        dangerous_rm_target(target).map(|what| {
            Finding::Deny(format!(
                "`rm` would recursively delete `{target}`, {what}. \
                 Delete the specific files or directories you mean instead."
            ))
        })
    })
}

// ---------------------------------------------------------------------------------------------
// curl … | sh

const SHELLS: &[&str] = &[
    "sh", "bash", "zsh", "dash", "ksh", "mksh", "ash", "fish", "csh", "tcsh", "yash", "posh",
];

const INTERPRETERS: &[&str] = &[
    "python", "python3", "python2", "perl", "ruby", "node", "php", "lua",
];

const DOWNLOADERS: &[&str] = &["curl", "wget", "fetch", "aria2c"];

fn is_shell(program: &str) -> bool {
    SHELLS.contains(&program)
}

/// Whether a shell has `-c` (it then runs its argument, not its standard input), and the
/// index of its first operand among its arguments: the command string with `-c`, otherwise
/// the script file.
fn shell_operand(inv: &Invocation<'_>) -> (bool, Option<usize>) {
    let mut has_c = false;
    let mut skip_next = false;
    for (i, arg) in inv.args.iter().enumerate() {
        if skip_next {
            skip_next = false;
        } else if *arg == "--" {
            return (has_c, (i + 1 < inv.args.len()).then_some(i + 1));
        } else if *arg == "-o" || *arg == "+o" {
            skip_next = true;
        } else if arg.starts_with('-') && !arg.starts_with("--") && arg.len() > 1 {
            has_c |= arg[1..].contains('c');
        } else if !arg.starts_with("--") {
            return (has_c, Some(i));
        }
    }
    (has_c, None)
}

/// What runs a download: the shell or interpreter reading a pipe, if any.
fn runs_stdin(command: &Command) -> Option<String> {
    let inv = invocation(command)?;
    if is_shell(inv.program) {
        let (has_c, _) = shell_operand(&inv);
        return (!has_c).then(|| inv.program.to_owned());
    }
    let runs = INTERPRETERS.contains(&inv.program)
        && (inv.args.is_empty() || inv.args.as_slice() == ["-"]);
    runs.then(|| inv.program.to_owned())
}

fn downloader_in(body: &str) -> Option<String> {
    shell::parse(body).iter().flatten().find_map(|command| {
        let inv = invocation(command)?;
        DOWNLOADERS
            .contains(&inv.program)
            .then(|| inv.program.to_owned())
    })
}

fn check_pipeline(pipeline: &[Command]) -> Option<Finding> {
    let first_download = pipeline.iter().position(|command| {
        invocation(command).is_some_and(|inv| DOWNLOADERS.contains(&inv.program))
    })?;
    let downloader = invocation(&pipeline[first_download])?.program.to_owned();
    pipeline[first_download + 1..]
        .iter()
        .find_map(runs_stdin)
        .map(|runner| {
            Finding::Deny(format!(
                "piping a download from `{downloader}` into `{runner}` runs unreviewed remote \
                 code. Download the script to a file, inspect it, then run it."
            ))
        })
}

/// `program` runs `words` as code: deny if they come from a download (`bash <(curl …)`,
/// `source <(wget …)`, `sh -c "$(curl …)"`, `eval "$(curl …)"`).
fn downloaded_code(program: &str, words: &[Word]) -> Option<Finding> {
    words
        .iter()
        .flat_map(|w| w.substitutions.iter())
        .find_map(|body| downloader_in(body))
        .map(|downloader| {
            Finding::Deny(format!(
                "`{program}` would run code downloaded by `{downloader}` without review. \
                 Download the script to a file, inspect it, then run it."
            ))
        })
}

fn check_shell(inv: &Invocation<'_>, depth: usize) -> Option<Finding> {
    let (has_c, operand) = shell_operand(inv);
    let operand = operand?;
    if let Some(found) = downloaded_code(inv.program, &inv.arg_words[operand..=operand]) {
        return Some(found);
    }
    if has_c {
        judge(inv.args[operand], depth + 1)
    } else {
        None
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod shell_reference_tests;

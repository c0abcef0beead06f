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

mod shell;

use fasthooks_sdk::{App, Event, Response, Tasks, ask, deny};

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

// ---------------------------------------------------------------------------------------------
// git push --force to main/master

const PROTECTED_BRANCHES: &[&str] = &["main", "master"];

fn git_option_takes_value(option: &str) -> bool {
    matches!(
        option,
        "-C" | "-c"
            | "--git-dir"
            | "--work-tree"
            | "--namespace"
            | "--super-prefix"
            | "--config-env"
            | "--exec-path"
    )
}

fn check_git(args: &[&str]) -> Option<Finding> {
    let mut i = 0;
    while i < args.len() && args[i].starts_with('-') {
        i += if git_option_takes_value(args[i]) {
            2
        } else {
            1
        };
    }
    match args.get(i) {
        Some(&"push") => check_git_push(&args[i + 1..]),
        _ => None,
    }
}

fn protected_branch(refname: &str) -> Option<&str> {
    let name = refname.strip_prefix("refs/heads/").unwrap_or(refname);
    PROTECTED_BRANCHES.contains(&name).then_some(name)
}

fn check_git_push(args: &[&str]) -> Option<Finding> {
    let mut force = false;
    let mut delete = false;
    let mut all = false;
    let mut mirror = false;
    let mut positional = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let arg = args[i];
        i += 1;
        if let Some(long) = arg.strip_prefix("--") {
            let name = long.split('=').next().unwrap_or(long);
            match name {
                "" => {
                    positional.extend_from_slice(&args[i..]);
                    break;
                }
                "force" | "force-with-lease" => force = true,
                "delete" => delete = true,
                "all" | "branches" => all = true,
                "mirror" => mirror = true,
                "repo" | "receive-pack" | "exec" | "push-option" if !long.contains('=') => i += 1,
                _ => {}
            }
        } else if arg.len() > 1 && arg.starts_with('-') {
            for (at, flag) in arg[1..].char_indices() {
                match flag {
                    'f' => force = true,
                    'd' => delete = true,
                    'o' => {
                        // `-o value` or `-ovalue`: the rest is the push option.
                        if at + 2 == arg.len() {
                            i += 1;
                        }
                        break;
                    }
                    _ => {}
                }
            }
        } else {
            positional.push(arg);
        }
    }

    if mirror {
        return Some(Finding::Deny(
            "`git push --mirror` overwrites every remote branch, including main/master. Push \
             the branches you mean one by one."
                .to_owned(),
        ));
    }
    if all && force {
        return Some(Finding::Deny(
            "`git push --force --all` force-pushes every branch, including main/master. \
             Force-push only your feature branch."
                .to_owned(),
        ));
    }
    let refspecs = positional.get(1..).unwrap_or(&[]);
    for refspec in refspecs {
        let (plus, spec) = match refspec.strip_prefix('+') {
            Some(rest) => (true, rest),
            None => (false, *refspec),
        };
        let (source, destination) = match spec.rsplit_once(':') {
            Some((src, dst)) => (Some(src), dst),
            None => (None, spec),
        };
        let Some(branch) = protected_branch(destination) else {
            continue;
        };
        if delete || source == Some("") {
            return Some(Finding::Deny(format!(
                "deleting the remote `{branch}` branch is not allowed. Ask the user to do this \
                 by hand if it is really intended."
            )));
        }
        if force || plus {
            return Some(Finding::Deny(format!(
                "force-pushing to `{branch}` rewrites the shared history of a protected branch. \
                 Push to a feature branch and open a pull request, or ask the user to do this \
                 by hand."
            )));
        }
    }
    let names_branch = refspecs.iter().any(|spec| {
        let destination = spec
            .rsplit(':')
            .next()
            .unwrap_or(spec)
            .trim_start_matches('+');
        destination != "HEAD" && !destination.is_empty()
    });
    if force && !all && !names_branch {
        return Some(Finding::Ask(
            "this force push names no branch, so it pushes the current branch, which may be \
             main or master. Confirm, or push with an explicit feature branch \
             (`git push --force origin my-branch`)."
                .to_owned(),
        ));
    }
    None
}

// ---------------------------------------------------------------------------------------------
// Writes into .git/

/// True if `path` is a `.git` directory or something inside one.
fn in_git_dir(path: &str) -> bool {
    path.split(['/', '\\']).any(|part| part == ".git")
        || path.starts_with("$GIT_DIR")
        || path.starts_with("${GIT_DIR}")
}

fn git_write(path: &str) -> Finding {
    Finding::Deny(format!(
        "writing into `{path}` changes git's internal data directly and can corrupt the \
         repository. Use git commands instead (git config, git update-ref, git hooks through \
         core.hooksPath, …)."
    ))
}

fn check_redirects(command: &Command) -> Option<Finding> {
    command
        .redirects
        .iter()
        .find(|r| r.writes_file() && in_git_dir(&r.target.text))
        .map(|r| git_write(&r.target.text))
}

/// The operands of a command, skipping options (and the values of `value_options`).
fn operands<'a>(args: &[&'a str], value_options: &[&str]) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut i = 0;
    let mut options_done = false;
    while i < args.len() {
        let arg = args[i];
        i += 1;
        if options_done || !arg.starts_with('-') || arg == "-" {
            out.push(arg);
        } else if arg == "--" {
            options_done = true;
        } else if value_options.contains(&arg) {
            i += 1;
        }
    }
    out
}

/// The value of `-t DIR`, `-tDIR`, `--target-directory DIR` or `--target-directory=DIR`.
fn target_directory<'a>(args: &[&'a str]) -> Option<&'a str> {
    let mut iter = args.iter();
    while let Some(&arg) = iter.next() {
        if arg == "-t" || arg == "--target-directory" {
            return iter.next().copied();
        }
        if let Some(dir) = arg.strip_prefix("--target-directory=") {
            return Some(dir);
        }
        if let Some(dir) = arg.strip_prefix("-t").filter(|dir| !dir.is_empty()) {
            return Some(dir);
        }
    }
    None
}

/// The files `sed` edits in place, or `None` when it does not edit in place.
fn sed_in_place_files<'a>(args: &[&'a str]) -> Option<Vec<&'a str>> {
    let mut in_place = false;
    let mut script_given = false;
    let mut operands = Vec::new();
    let mut options_done = false;
    let mut i = 0;
    while i < args.len() {
        let arg = args[i];
        i += 1;
        if options_done || !arg.starts_with('-') || arg == "-" {
            operands.push(arg);
        } else if arg == "--" {
            options_done = true;
        } else if let Some(long) = arg.strip_prefix("--") {
            let (name, inline_value) = match long.split_once('=') {
                Some((name, _)) => (name, true),
                None => (long, false),
            };
            match name {
                "in-place" => in_place = true,
                "expression" | "file" => {
                    script_given = true;
                    i += usize::from(!inline_value);
                }
                "line-length" => i += usize::from(!inline_value),
                _ => {}
            }
        } else {
            // A short cluster: `-i[SUFFIX]` ends it; `-e`, `-f`, `-l` take the rest or the
            // next argument as their value.
            for (at, flag) in arg[1..].char_indices() {
                let last = at + 2 == arg.len();
                match flag {
                    'i' => {
                        in_place = true;
                        break;
                    }
                    'e' | 'f' => {
                        script_given = true;
                        i += usize::from(last);
                        break;
                    }
                    'l' => {
                        i += usize::from(last);
                        break;
                    }
                    _ => {}
                }
            }
        }
    }
    if !in_place {
        return None;
    }
    // Without -e/-f the first operand is the script.
    let skip = usize::from(!script_given);
    Some(operands.into_iter().skip(skip).collect())
}

fn check_git_dir_write(inv: &Invocation<'_>) -> Option<Finding> {
    let args = inv.args.as_slice();
    let written: Vec<&str> = match inv.program {
        "tee" | "touch" | "mkdir" => operands(args, &["-m", "-d", "-r", "-t", "--mode"]),
        "truncate" => operands(args, &["-s", "-r", "--size", "--reference"]),
        "cp" | "mv" | "install" | "ln" => match target_directory(args) {
            Some(dir) => vec![dir],
            None => last_of_several(operands(args, &["-m", "-o", "-g", "-S", "--suffix"])),
        },
        "rsync" => last_of_several(operands(args, &["-e", "--rsh", "-f", "--filter"])),
        "dd" => args.iter().filter_map(|a| a.strip_prefix("of=")).collect(),
        "sed" => sed_in_place_files(args)?,
        _ => return None,
    };
    written.into_iter().find(|p| in_git_dir(p)).map(git_write)
}

/// The destination of a copy-like command: its last operand, when it has at least two.
fn last_of_several(operands: Vec<&str>) -> Vec<&str> {
    if operands.len() >= 2 {
        operands.last().copied().into_iter().collect()
    } else {
        Vec::new()
    }
}

#[cfg(test)]
mod tests;

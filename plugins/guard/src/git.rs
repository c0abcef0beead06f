//! Git rules: force pushes to protected branches (and their remote deletion, `--mirror`), and
//! writes into a `.git` directory by redirection or by the usual file commands.

use crate::shell::Command;
use crate::{Finding, Invocation};

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

pub(crate) fn check_git(args: &[&str]) -> Option<Finding> {
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

pub(crate) fn check_redirects(command: &Command) -> Option<Finding> {
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

pub(crate) fn check_git_dir_write(inv: &Invocation<'_>) -> Option<Finding> {
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

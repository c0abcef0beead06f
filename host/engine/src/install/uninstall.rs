//! `fasthooks-host uninstall`: remove every entry that runs exactly the given plugins (and their
//! wake hooks) from one settings file, whichever transport or command form wrote them.

use super::command::{from_project_dir, from_project_variable};
use super::settings::apply_uninstall;
use super::{file, refuse, runs, wakes_for};
use crate::cli::UninstallArgs;
use fasthooks_ipc::Paths;

pub(super) fn run(args: &UninstallArgs, paths: &Paths) -> anyhow::Result<String> {
    let cwd = std::env::current_dir().unwrap_or_default();
    // The plugin file may be gone already: fall back to the absolute path as given.
    let project = args.target.project()?;
    let plugins: Vec<(String, String)> = args
        .plugins
        .iter()
        .map(|p| {
            let p = from_project_variable(p, project.as_deref())?;
            let path = std::fs::canonicalize(&p).unwrap_or_else(|_| cwd.join(&p));
            let absolute = path.display().to_string();
            let written = project
                .as_deref()
                .and_then(|dir| from_project_dir(&path, dir))
                .unwrap_or_else(|| absolute.clone());
            Ok((absolute, written))
        })
        .collect::<anyhow::Result<_>>()?;
    let shown: Vec<&str> = plugins
        .iter()
        .map(|(absolute, _)| absolute.as_str())
        .collect();
    let file = args.target.settings_file()?;
    if !file.exists() {
        return Ok(format!(
            "{} does not exist: nothing to remove",
            file.display()
        ));
    }
    let original = file::read(&file)?.unwrap_or_default();
    let (text, hooks_removed) =
        apply_uninstall(&original, runs(&plugins)).map_err(|err| refuse(&file, &err))?;
    let (text, wakes_removed) =
        apply_uninstall(&text, wakes_for(&plugins)).map_err(|err| refuse(&file, &err))?;
    let removed = hooks_removed + wakes_removed;
    if removed == 0 {
        return Ok(format!(
            "no hook runs {} in {}: nothing to remove",
            shown.join(" + "),
            file.display()
        ));
    }
    let backup = file::backup_path(&file, project.is_some(), &paths.data);
    let mut out = format!(
        "removed {removed} hook entr{} for {} from {}",
        if removed == 1 { "y" } else { "ies" },
        shown.join(" + "),
        file.display()
    );
    // A project's file left holding nothing goes; a user's own settings file stays.
    if project.is_some() && file::holds_nothing(&text) {
        file::remove(&file, &backup)?;
        out.push_str(", which held nothing else: removed it");
    } else {
        file::save(&file, &text, Some(&backup))?;
    }
    out.push_str(&format!("\nprevious file kept as {}", backup.display()));
    Ok(out)
}

//! `fasthooks-engine`'s entry point: every command of [`crate::cli`], dispatched to the module
//! that owns it.

use crate::cli::{Command, parse};
use std::process::ExitCode;

pub fn main() -> ExitCode {
    let (cli, matches) = parse();
    if !matches!(cli.command, Some(Command::CompilePlugin { .. })) {
        crate::compile_child::enable();
    }
    match cli.command {
        Some(Command::CompilePlugin { out, sha256 }) => {
            crate::compile_child::command(&out, &sha256)
        }
        Some(Command::Describe { plugin, home }) => {
            crate::describe::command(&plugin, home.as_deref())
        }
        Some(Command::Stats { json, home }) => crate::admin::stats(json, home.as_deref()),
        Some(Command::Doctor { project_dir, home }) => {
            crate::doctor::command(project_dir.as_deref(), home.as_deref())
        }
        Some(Command::Inspect { plugin, json, home }) => {
            crate::inspect::command(&plugin, json, home.as_deref())
        }
        Some(Command::Logs {
            plugin,
            session,
            event,
            task,
            lines,
            follow,
            home,
        }) => {
            let filter = crate::log_view::LogFilter {
                plugin,
                session,
                event,
                task,
            };
            crate::log_view::command(&filter, lines, follow, home.as_deref())
        }
        Some(Command::Daemon { action, home }) => crate::admin::daemon(action, home.as_deref()),
        Some(Command::Tasks {
            action:
                Some(crate::cli::TasksAction::Cancel {
                    key,
                    plugin,
                    session,
                    all,
                }),
            home,
            ..
        }) => crate::admin::cancel_tasks(
            crate::admin::Whose {
                key,
                plugin,
                session,
            },
            all,
            home.as_deref(),
        ),
        Some(Command::Tasks {
            action:
                Some(crate::cli::TasksAction::Show {
                    key,
                    plugin,
                    session,
                    json,
                }),
            home,
            ..
        }) => crate::admin::show_task(&key, plugin, session, json, home.as_deref()),
        Some(Command::Tasks {
            action: None,
            session,
            plugin,
            json,
            home,
        }) => crate::admin::tasks(session.as_deref(), plugin, json, home.as_deref()),
        Some(Command::Package(args)) => {
            let matches = matches
                .subcommand_matches("package")
                .expect("clap parsed this subcommand");
            crate::install::package(&args, matches)
        }
        Some(Command::Install(args)) => {
            let matches = matches
                .subcommand_matches("install")
                .expect("clap parsed this subcommand");
            crate::install::install(&args, matches)
        }
        Some(Command::Wake {
            plugin,
            sha256,
            wait_seconds,
            home,
        }) => crate::wake::command(&crate::wake::WakeRequest {
            plugin: &plugin,
            sha256: sha256.as_deref(),
            wait: std::time::Duration::from_secs(wait_seconds),
            home: home.as_deref(),
        }),
        Some(Command::New {
            name,
            lang,
            dir,
            sdk,
            sdk_git,
        }) => crate::scaffold::command(&crate::scaffold::NewRequest {
            name: &name,
            lang,
            parent: dir.as_deref(),
            sdk: sdk.as_deref(),
            sdk_git: sdk_git.as_deref(),
        }),
        Some(Command::Build {
            dir,
            sdk,
            world,
            home,
        }) => crate::build::command(&crate::build::BuildRequest {
            dir: dir.as_deref(),
            sdk: sdk.as_deref(),
            world,
            home: home.as_deref(),
        }),
        Some(Command::Uninstall(args)) => crate::install::uninstall(&args),
        Some(Command::Test(args)) => {
            let matches = matches
                .subcommand_matches("test")
                .expect("clap parsed this subcommand");
            crate::test_run::command(&args, matches)
        }
        None => crate::inline::run_hook(&cli.hook, &matches),
    }
}

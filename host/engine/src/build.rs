//! `fasthooks-host build [DIR]`: a plugin project (Rust, Python or JavaScript/TypeScript, as
//! `new` makes them) built into `DIR/NAME.wasm`, the path printed. The toolchains are pinned
//! and installed on first use, with a line on stderr saying so: the `wasm32-wasip2` Rust
//! target (by rustup), componentize-py in a virtualenv, and esbuild, jco and TypeScript by npm,
//! under the toolchain folder (`FASTHOOKS_TOOLCHAINS`, default `toolchains/` in the cache
//! directory; safe to delete).
//!
//! The built component is then loaded as a hook would load it: compiled into the compile cache
//! (so the first hook does not pay for it; on a terminal a line says so) and its `describe()`
//! checked, so a plugin the host would refuse fails its build, and a subscription that can never
//! fire is warned about.

use crate::scaffold::{Lang, sdk_dir};
use fasthooks_ipc::hook_io::finish;
use fasthooks_protocol::Rendered;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// The pinned tools, shared with `scripts/build-plugins.sh`: lines `KIND WHAT-TO-INSTALL`.
const PINS: &str = include_str!("../../../scripts/toolchains.txt");

/// What pip or npm installs for toolchain `kind`, in the file's order.
fn pinned(kind: &str) -> Vec<&'static str> {
    PINS.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.split_once(' '))
        .filter(|(k, _)| *k == kind)
        .map(|(_, what)| what.trim())
        .collect()
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(
        "{0} has no Cargo.toml, package.json or app.py: build runs in a plugin project (fasthooks-host new makes one)"
    )]
    NotAProject(PathBuf),
    #[error("{what} failed ({status}): {hint}")]
    Step {
        what: String,
        status: String,
        hint: String,
    },
    #[error("cannot start {program}: {why} ({hint})")]
    Missing {
        program: String,
        why: std::io::Error,
        hint: &'static str,
    },
    #[error("{0}")]
    Project(String),
    /// Built, but the host refuses it (its `describe()`, its imports): no hook could run it.
    #[error("built, but it does not load: {0}")]
    DoesNotLoad(String),
    #[error(transparent)]
    Sdk(#[from] crate::scaffold::ScaffoldError),
}

/// The WIT world a component is built against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum World {
    /// The plugin interfaces alone.
    Plugin,
    /// Those and `wasi:http/outgoing-handler`: the plugin sends HTTP requests (and so asks for
    /// `--allow-http`).
    PluginHttp,
}

impl World {
    fn name(self) -> &'static str {
        match self {
            World::Plugin => "plugin",
            World::PluginHttp => "plugin-http",
        }
    }
}

pub struct BuildRequest<'a> {
    pub dir: Option<&'a Path>,
    pub sdk: Option<&'a Path>,
    /// None: found from the plugin's code.
    pub world: Option<World>,
    pub home: Option<&'a Path>,
}

pub fn command(request: &BuildRequest) -> ExitCode {
    let built = build(request).and_then(|wasm| {
        let warnings = precompile(request.home, &wasm)?;
        Ok((wasm, warnings))
    });
    finish(match built {
        Ok((wasm, warnings)) => crate::describe::with_warnings(
            Rendered::output(format!("{}\n", wasm.display())),
            &warnings,
        ),
        Err(err) => Rendered::error(err),
    })
}

/// Load the built component as a hook would: compiled into the cache, `describe()` checked.
/// The warnings about what it subscribes to.
fn precompile(home: Option<&Path>, wasm: &Path) -> Result<Vec<String>, BuildError> {
    let paths = fasthooks_ipc::Paths::resolve(home);
    crate::logging::init(paths.logs.clone());
    let (info, _) = crate::describe::describe_plugin(&paths, wasm)
        .map_err(|err| BuildError::DoesNotLoad(format!("{err:#}")))?;
    Ok(crate::info::info_warnings(&info))
}

/// Build the project in `request.dir`: the component's path.
pub fn build(request: &BuildRequest) -> Result<PathBuf, BuildError> {
    let given = request
        .dir
        .map_or_else(|| PathBuf::from("."), Path::to_owned);
    let dir = std::fs::canonicalize(&given).map_err(|_| BuildError::NotAProject(given.clone()))?;
    let lang = if dir.join("Cargo.toml").is_file() {
        Lang::Rust
    } else if dir.join("package.json").is_file() {
        Lang::Js
    } else if dir.join("app.py").is_file() {
        Lang::Python
    } else {
        return Err(BuildError::NotAProject(dir));
    };
    let toolchains = std::env::var_os("FASTHOOKS_TOOLCHAINS")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            fasthooks_ipc::Paths::resolve(request.home)
                .cache
                .join("toolchains")
        });
    match lang {
        Lang::Rust => build_rust(&dir),
        Lang::Python => build_python(&dir, &toolchains, &sdk_dir(request.sdk)?, request.world),
        Lang::Js => build_js(&dir, &toolchains, &sdk_dir(request.sdk)?, request.world),
    }
}

fn say(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// Run `command` in `dir`, its output on our stderr (so stdout is the path alone).
fn run(what: &str, command: &mut Command, hint: &'static str) -> Result<(), BuildError> {
    let program = command.get_program().to_string_lossy().into_owned();
    let status = command
        .stdout(std::process::Stdio::from(std::io::stderr()))
        .status()
        .map_err(|why| BuildError::Missing { program, why, hint })?;
    if status.success() {
        Ok(())
    } else {
        Err(BuildError::Step {
            what: what.to_owned(),
            status: status.to_string(),
            hint: format!("its output is above ({hint})"),
        })
    }
}

/// Hold `toolchains/NAME.lock` while a toolchain is checked and installed: two first builds at
/// once install it once.
fn locked(toolchains: &Path, name: &str) -> Result<std::fs::File, BuildError> {
    let failed = |err: std::io::Error| {
        BuildError::Project(format!(
            "cannot lock the toolchain folder {}: {err} (set FASTHOOKS_TOOLCHAINS to a folder you can write)",
            toolchains.display()
        ))
    };
    std::fs::create_dir_all(toolchains).map_err(failed)?;
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(toolchains.join(format!("{name}.lock")))
        .map_err(failed)?;
    lock.lock().map_err(failed)?;
    Ok(lock)
}

/// Whether `program --version` runs: a toolchain whose stamp is there but which is broken
/// (a Python upgraded under its virtualenv, say) is installed again.
fn runs(program: &Path) -> bool {
    Command::new(program)
        .arg("--version")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

fn write_stamp(stamp: &Path, versions: &str) -> Result<(), BuildError> {
    std::fs::write(stamp, versions).map_err(|err| {
        BuildError::Project(format!(
            "cannot write {}: {err} (set FASTHOOKS_TOOLCHAINS to a folder you can write)",
            stamp.display()
        ))
    })
}

fn build_rust(dir: &Path) -> Result<PathBuf, BuildError> {
    // In the project, so that its rust-toolchain.toml (if any) is the toolchain asked.
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .current_dir(dir)
        .output()
        .map_err(|why| BuildError::Missing {
            program: "rustup".into(),
            why,
            hint: "install Rust with rustup: https://rustup.rs",
        })?;
    if !String::from_utf8_lossy(&installed.stdout)
        .lines()
        .any(|target| target == "wasm32-wasip2")
    {
        say("installing the wasm32-wasip2 Rust target (first time only)…");
        run(
            "rustup target add wasm32-wasip2",
            Command::new("rustup")
                .args(["target", "add", "wasm32-wasip2"])
                .current_dir(dir),
            "install Rust with rustup",
        )?;
    }
    run(
        "cargo build --release --target wasm32-wasip2",
        Command::new("cargo")
            .args(["build", "--release", "--target", "wasm32-wasip2"])
            .current_dir(dir),
        "install Rust with rustup",
    )?;
    let metadata = Command::new("cargo")
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .current_dir(dir)
        .output()
        .map_err(|why| BuildError::Missing {
            program: "cargo".into(),
            why,
            hint: "install Rust with rustup",
        })?;
    if !metadata.status.success() {
        let why = String::from_utf8_lossy(&metadata.stderr);
        return Err(BuildError::Project(format!(
            "cargo metadata failed: {}",
            why.lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("no output")
        )));
    }
    let metadata: serde_json::Value = serde_json::from_slice(&metadata.stdout)
        .map_err(|err| BuildError::Project(format!("cargo metadata: {err}")))?;
    let target = metadata["target_directory"].as_str().unwrap_or("target");
    // The project's own package (in a workspace, metadata lists every member).
    let manifest = dir.join("Cargo.toml");
    let name = metadata["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|package| {
            package["manifest_path"].as_str().map(Path::new) == Some(manifest.as_path())
        })
        .and_then(|package| package["name"].as_str())
        .ok_or_else(|| BuildError::Project(format!("{} names no package", manifest.display())))?;
    let built = Path::new(target)
        .join("wasm32-wasip2/release")
        .join(format!("{}.wasm", name.replace('-', "_")));
    copy_out(&built, &dir.join(format!("{name}.wasm")))
}

fn copy_out(built: &Path, out: &Path) -> Result<PathBuf, BuildError> {
    std::fs::copy(built, out).map_err(|err| {
        BuildError::Project(format!(
            "{} was not built ({err}): is the crate a cdylib (crate-type = [\"cdylib\", \"rlib\"])?",
            built.display()
        ))
    })?;
    Ok(out.to_owned())
}

/// The Python files of the project, its own folders included (not virtualenvs or caches).
fn python_files(dir: &Path) -> Vec<String> {
    let mut texts = Vec::new();
    let mut folders = vec![dir.to_owned()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).into_iter().flatten().flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            let skipped = name.starts_with('.')
                || name == "__pycache__"
                || name == "node_modules"
                || path.join("pyvenv.cfg").exists();
            if path.is_dir() && !skipped {
                folders.push(path);
            } else if name.ends_with(".py") {
                texts.extend(std::fs::read_to_string(&path));
            }
        }
    }
    texts
}

/// Whether a bundled JavaScript plugin calls the standard `fetch` (`fetch(…)` or
/// `globalThis.fetch(…)`, not `prefetch(…)` or `obj.fetch(…)`).
pub fn js_sends_http(bundle: &str) -> bool {
    bundle.match_indices("fetch").any(|(at, _)| {
        let before = &bundle[..at];
        let own_name = before.ends_with("globalThis.")
            || !before
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$' || c == '.');
        own_name && bundle[at + "fetch".len()..].trim_start().starts_with('(')
    })
}

/// Whether a Python plugin sends HTTP: it imports the SDK's `http` module, in any of the ways
/// Python allows (`from fasthooks_sdk import …, http`, `import fasthooks_sdk.http`, …).
pub fn python_sends_http(source: &str) -> bool {
    let joined = source.replace("\\\n", " ");
    let mut rest = joined.as_str();
    while let Some(at) = rest.find("from fasthooks_sdk import") {
        let names = &rest[at + "from fasthooks_sdk import".len()..];
        let names = if names.trim_start().starts_with('(') {
            &names[..names.find(')').unwrap_or(names.len())]
        } else {
            &names[..names.find('\n').unwrap_or(names.len())]
        };
        let words = names
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>();
        // `http` imported, possibly renamed (`http as web`), but not a name `as http`.
        if words
            .iter()
            .enumerate()
            .any(|(i, w)| *w == "http" && (i == 0 || words[i - 1] != "as"))
        {
            return true;
        }
        rest = &rest[at + 1..];
    }
    joined.contains("fasthooks_sdk.http")
}

fn build_python(
    dir: &Path,
    toolchains: &Path,
    sdk: &Path,
    world: Option<World>,
) -> Result<PathBuf, BuildError> {
    let _lock = locked(toolchains, "componentize-py")?;
    let wanted = pinned("python").join(" ");
    let venv = toolchains.join("componentize-py");
    let componentize = venv.join("bin/componentize-py");
    let stamp = venv.join("versions");
    if std::fs::read_to_string(&stamp).ok().as_deref() != Some(wanted.as_str())
        || !runs(&componentize)
    {
        say(&format!(
            "installing {wanted} into {} (first time only)…",
            venv.display()
        ));
        let _ = std::fs::remove_file(&stamp);
        run(
            "python3 -m venv",
            Command::new("python3")
                .args(["-m", "venv", "--clear"])
                .arg(&venv),
            "install Python 3 with its venv module",
        )?;
        run(
            "pip install componentize-py",
            Command::new(venv.join("bin/pip"))
                .args(["install", "--quiet", "--disable-pip-version-check"])
                .args(pinned("python")),
            "pip installs from PyPI: is it reachable?",
        )?;
        write_stamp(&stamp, &wanted)?;
    }
    let name = dir
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("plugin")
        .to_owned();
    // A plugin that sends HTTP requests is built against the world that imports wasi:http.
    let world = world
        .unwrap_or_else(|| {
            if python_files(dir).iter().any(|text| python_sends_http(text)) {
                World::PluginHttp
            } else {
                World::Plugin
            }
        })
        .name();
    let out = dir.join(format!("{name}.wasm"));
    run(
        "componentize-py",
        Command::new(&componentize)
            .arg("-d")
            .arg(sdk.join("../wit"))
            .args(["-w", world, "componentize", "-p"])
            .arg(sdk.join("python"))
            .arg("-p")
            .arg(dir)
            .args(["app", "-o"])
            .arg(&out)
            .current_dir(dir),
        "the toolchain folder may be damaged: delete it to reinstall",
    )?;
    Ok(out)
}

fn build_js(
    dir: &Path,
    toolchains: &Path,
    sdk: &Path,
    world: Option<World>,
) -> Result<PathBuf, BuildError> {
    let package: serde_json::Value = std::fs::read(dir.join("package.json"))
        .map_err(|err| BuildError::Project(format!("cannot read package.json: {err}")))
        .and_then(|bytes| {
            serde_json::from_slice(&bytes)
                .map_err(|err| BuildError::Project(format!("package.json is not JSON: {err}")))
        })?;
    // The component is named after the package: a name that could leave the folder is refused.
    let name = package["name"]
        .as_str()
        .filter(|name| crate::scaffold::is_plugin_name(name))
        .ok_or_else(|| {
            BuildError::Project(format!(
                "package.json's name {} is not a plugin name: use lowercase letters, digits and `-`",
                package["name"]
            ))
        })?
        .to_owned();
    let _lock = locked(toolchains, "js")?;
    let tools = toolchains.join("js");
    let stamp = tools.join("versions");
    let wanted = pinned("js").join(" ");
    let bin = tools.join("node_modules/.bin");
    if std::fs::read_to_string(&stamp).ok().as_deref() != Some(wanted.as_str())
        || !runs(&bin.join("esbuild"))
    {
        say(&format!(
            "installing {wanted} into {} (first time only)…",
            tools.display()
        ));
        let _ = std::fs::remove_file(&stamp);
        std::fs::create_dir_all(&tools).map_err(|err| {
            BuildError::Project(format!("cannot make {}: {err}", tools.display()))
        })?;
        run(
            "npm install of the JavaScript toolchain",
            Command::new("npm")
                .arg("install")
                .arg("--prefix")
                .arg(&tools)
                .args([
                    "--no-audit",
                    "--no-fund",
                    "--loglevel=error",
                    "--save-exact",
                ])
                .args(pinned("js")),
            "install Node.js 20 with npm; npm installs from its registry: is it reachable?",
        )?;
        write_stamp(&stamp, &wanted)?;
    }
    // The project's dependencies, without running anybody's install scripts.
    run(
        "npm install",
        Command::new("npm")
            .args(["install", "--ignore-scripts", "--no-audit", "--no-fund"])
            .arg("--loglevel=error")
            .current_dir(dir),
        "install Node.js 20 with npm",
    )?;
    let entry = if dir.join("app.ts").is_file() {
        "app.ts"
    } else {
        "app.js"
    };
    let damaged = "the toolchain folder may be damaged: delete it to reinstall";
    if dir.join("tsconfig.json").is_file() {
        run(
            "tsc",
            Command::new(bin.join("tsc"))
                .args(["-p", ".", "--noEmit"])
                .current_dir(dir),
            "the type errors are above",
        )?;
    }
    run(
        "esbuild",
        Command::new(bin.join("esbuild"))
            .args([entry, "--bundle", "--format=esm", "--platform=neutral"])
            .args([
                "--main-fields=module,main",
                "--conditions=fasthooks-component",
            ])
            .args([
                "--external:fasthooks:*",
                "--external:wasi:*",
                "--log-level=warning",
            ])
            .arg("--outfile=build/app.js")
            .current_dir(dir),
        damaged,
    )?;
    // A plugin that calls fetch is built against the world that imports wasi:http: read from
    // the bundle, which holds every module the plugin uses and none of their comments.
    let world = world.unwrap_or_else(|| {
        let bundle = std::fs::read_to_string(dir.join("build/app.js")).unwrap_or_default();
        if js_sends_http(&bundle) {
            World::PluginHttp
        } else {
            World::Plugin
        }
    });
    let out = dir.join(format!("{name}.wasm"));
    let mut jco = Command::new(bin.join("jco"));
    jco.args(["componentize", "build/app.js", "--wit"])
        .arg(sdk.join("../wit"))
        .args(["--world-name", world.name()]);
    if world == World::Plugin {
        jco.args(["-d", "http"]);
    }
    jco.args(["-d", "fetch-event", "-o"])
        .arg(&out)
        .current_dir(dir);
    run(
        "jco componentize",
        &mut jco,
        "an export jco names as missing: app.js ends with `export const { describe, handle, runTask, taskNames } = app.exports();` (taskNames since contract 0.1.4)",
    )?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_python_plugin_sends_http_when_it_imports_the_sdks_http_module() {
        for yes in [
            "from fasthooks_sdk import HookApp, context, export, http",
            "from fasthooks_sdk import http",
            "from fasthooks_sdk import (\n    HookApp,\n    http,\n)",
            "from fasthooks_sdk import http as web",
            "import fasthooks_sdk.http",
            "from fasthooks_sdk.http import get",
        ] {
            assert!(python_sends_http(yes), "{yes}");
        }
        for no in [
            "from fasthooks_sdk import HookApp, context",
            "from fasthooks_sdk import httpx_like",
            "from fasthooks_sdk import state as http",
            "import http",
        ] {
            assert!(!python_sends_http(no), "{no}");
        }
    }

    #[test]
    fn the_pins_name_each_toolchain() {
        assert_eq!(pinned("python"), ["componentize-py==0.25.1"]);
        assert_eq!(pinned("js").len(), 4);
        assert!(pinned("js").iter().any(|p| p.starts_with("esbuild@")));
    }

    #[test]
    fn a_bundle_sends_http_when_it_calls_fetch() {
        assert!(js_sends_http("const r = await fetch(url, init);"));
        assert!(js_sends_http("globalThis.fetch (url)"));
        assert!(!js_sends_http(
            "prefetch(url); cache.fetch(key); const fetched = 1;"
        ));
        assert!(!js_sends_http("export { fetchDocumentation };"));
    }
}

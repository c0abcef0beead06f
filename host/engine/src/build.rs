//! `fasthooks-host build [DIR]`: a plugin project (Rust, Python or JavaScript/TypeScript, as
//! `new` makes them) built into `DIR/NAME.wasm`, the path printed. The toolchains are pinned
//! and installed on first use, with a line on stderr saying so: the `wasm32-wasip2` Rust
//! target (by rustup), componentize-py in a virtualenv, and esbuild, jco and TypeScript by npm,
//! under the toolchain folder (`FASTHOOKS_TOOLCHAINS`, default `toolchains/` in the cache
//! directory; safe to delete).

use crate::scaffold::{Lang, sdk_dir};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// The pinned tools (the versions `scripts/build-plugins.sh` builds this repository with).
const COMPONENTIZE_PY: &str = "componentize-py==0.25.1";
const JS_TOOLS: &[&str] = &[
    "@bytecodealliance/jco@1.34.0",
    "@bytecodealliance/componentize-js@0.23.0",
    "esbuild@0.24.2",
    "typescript@5.9.3",
];

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
    #[error(transparent)]
    Sdk(#[from] crate::scaffold::ScaffoldError),
}

pub struct BuildRequest<'a> {
    pub dir: Option<&'a Path>,
    pub sdk: Option<&'a Path>,
    pub home: Option<&'a Path>,
}

pub fn command(request: &BuildRequest) -> ExitCode {
    match build(request) {
        Ok(wasm) => {
            let _ = writeln!(std::io::stdout(), "{}", wasm.display());
            ExitCode::SUCCESS
        }
        Err(err) => {
            let _ = writeln!(
                std::io::stderr(),
                "{}",
                fasthooks_protocol::error_line(err.to_string())
            );
            ExitCode::from(1)
        }
    }
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
        Lang::Python => build_python(&dir, &toolchains, &sdk_dir(request.sdk)?),
        Lang::Js => build_js(&dir, &toolchains, &sdk_dir(request.sdk)?),
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
            hint: "its output is above".to_owned(),
        })
    }
}

fn build_rust(dir: &Path) -> Result<PathBuf, BuildError> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
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
            Command::new("rustup").args(["target", "add", "wasm32-wasip2"]),
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
    let metadata: serde_json::Value = serde_json::from_slice(&metadata.stdout)
        .map_err(|err| BuildError::Project(format!("cargo metadata: {err}")))?;
    let target = metadata["target_directory"].as_str().unwrap_or("target");
    let name = metadata["packages"][0]["name"]
        .as_str()
        .ok_or_else(|| BuildError::Project("Cargo.toml names no package".into()))?;
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

/// Whether any source file of the project (not its dependencies) contains `needle`.
fn sources_mention(dir: &Path, extensions: &[&str], needle: &str) -> bool {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .any(|entry| {
            let path = entry.path();
            path.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| extensions.contains(&e))
                && std::fs::read_to_string(&path).is_ok_and(|text| text.contains(needle))
        })
}

fn build_python(dir: &Path, toolchains: &Path, sdk: &Path) -> Result<PathBuf, BuildError> {
    let venv = toolchains.join("componentize-py");
    let componentize = venv.join("bin/componentize-py");
    let stamp = venv.join("versions");
    if std::fs::read_to_string(&stamp).ok().as_deref() != Some(COMPONENTIZE_PY) {
        say(&format!(
            "installing {COMPONENTIZE_PY} into {} (first time only)…",
            venv.display()
        ));
        run(
            "python3 -m venv",
            Command::new("python3").arg("-m").arg("venv").arg(&venv),
            "install Python 3 with its venv module",
        )?;
        run(
            "pip install componentize-py",
            Command::new(venv.join("bin/pip")).args([
                "install",
                "--quiet",
                "--disable-pip-version-check",
                COMPONENTIZE_PY,
            ]),
            "pip needs to reach PyPI",
        )?;
        let _ = std::fs::write(&stamp, COMPONENTIZE_PY);
    }
    let name = dir
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("plugin")
        .to_owned();
    // A plugin that sends HTTP requests is built against the world that imports wasi:http.
    let world = if sources_mention(dir, &["py"], "fasthooks_sdk import http")
        || sources_mention(dir, &["py"], "fasthooks_sdk.http")
    {
        "plugin-http"
    } else {
        "plugin"
    };
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

fn build_js(dir: &Path, toolchains: &Path, sdk: &Path) -> Result<PathBuf, BuildError> {
    let tools = toolchains.join("js");
    let stamp = tools.join("versions");
    let wanted = JS_TOOLS.join(" ");
    if std::fs::read_to_string(&stamp).ok().as_deref() != Some(wanted.as_str()) {
        say(&format!(
            "installing {wanted} into {} (first time only)…",
            tools.display()
        ));
        std::fs::create_dir_all(&tools).map_err(|err| BuildError::Project(err.to_string()))?;
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
                .args(JS_TOOLS),
            "install Node.js 20 with npm",
        )?;
        let _ = std::fs::write(&stamp, &wanted);
    }
    let bin = tools.join("node_modules/.bin");
    let package: serde_json::Value = std::fs::read(dir.join("package.json"))
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or_else(|| BuildError::Project("package.json is not JSON".into()))?;
    let name = package["name"]
        .as_str()
        .filter(|n| !n.is_empty())
        .ok_or_else(|| BuildError::Project("package.json has no name".into()))?
        .to_owned();
    run(
        "npm install",
        Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(dir),
        "install Node.js 20 with npm",
    )?;
    let entry = if dir.join("app.ts").is_file() {
        "app.ts"
    } else {
        "app.js"
    };
    if dir.join("tsconfig.json").is_file() {
        run(
            "tsc",
            Command::new(bin.join("tsc"))
                .args(["-p", "."])
                .current_dir(dir),
            "the toolchain folder may be damaged: delete it to reinstall",
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
        "the toolchain folder may be damaged: delete it to reinstall",
    )?;
    // A plugin that calls fetch is built against the world that imports wasi:http.
    let fetches = sources_mention(dir, &["js", "ts", "mjs"], "fetch(");
    let out = dir.join(format!("{name}.wasm"));
    let mut jco = Command::new(bin.join("jco"));
    jco.args(["componentize", "build/app.js", "--wit"])
        .arg(sdk.join("../wit"));
    if fetches {
        jco.args(["--world-name", "plugin-http"]);
    } else {
        jco.args(["--world-name", "plugin", "-d", "http"]);
    }
    jco.args(["-d", "fetch-event", "-o"])
        .arg(&out)
        .current_dir(dir);
    run(
        "jco componentize",
        &mut jco,
        "the toolchain folder may be damaged: delete it to reinstall",
    )?;
    Ok(out)
}

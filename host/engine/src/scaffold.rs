//! `fasthooks-host new NAME --lang rust|python|js`: a plugin project that tests and builds out
//! of the box: the SDK as a dependency (by path, from this build's source tree or `--sdk`; for
//! Rust also by git, `--sdk-git URL`, which needs no source tree on this machine), a
//! handler in the seed's Quick Start shape, a unit test that passes in the SDK's native test
//! mode, and a README with the commands that test, build, try and install it. The templates
//! live in `host/engine/templates/`, one folder per language.

use fasthooks_ipc::hook_io::finish;
use fasthooks_protocol::Rendered;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The language of a new plugin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    Rust,
    Python,
    Js,
}

/// Where this build's SDKs are: the `guest-sdk` folder of the source tree it was built from.
const SOURCE_SDK: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../guest-sdk");

/// (path in the project, template) per language.
fn templates(lang: Lang) -> &'static [(&'static str, &'static str)] {
    match lang {
        Lang::Rust => &[
            (
                "Cargo.toml",
                include_str!("../templates/rust/Cargo.toml.tmpl"),
            ),
            (
                "src/lib.rs",
                include_str!("../templates/rust/src/lib.rs.tmpl"),
            ),
            (
                "README.md",
                include_str!("../templates/rust/README.md.tmpl"),
            ),
        ],
        Lang::Python => &[
            ("app.py", include_str!("../templates/python/app.py.tmpl")),
            (
                "test_app.py",
                include_str!("../templates/python/test_app.py.tmpl"),
            ),
            (
                "README.md",
                include_str!("../templates/python/README.md.tmpl"),
            ),
        ],
        Lang::Js => &[
            (
                "package.json",
                include_str!("../templates/js/package.json.tmpl"),
            ),
            ("app.js", include_str!("../templates/js/app.js.tmpl")),
            (
                "app.test.js",
                include_str!("../templates/js/app.test.js.tmpl"),
            ),
            ("README.md", include_str!("../templates/js/README.md.tmpl")),
        ],
    }
}

/// What `new` cannot do, with what to do instead.
#[derive(Debug, thiserror::Error)]
pub enum ScaffoldError {
    #[error(
        "`{0}` is not a plugin name: use lowercase letters, digits and `-`, starting with a letter (at most 64)"
    )]
    Name(String),
    #[error("{0} already exists: choose another name, or remove it")]
    Exists(PathBuf),
    #[error(
        "the SDKs are not at {0} (this build's source tree), or its path has a quote, backslash, `$` or newline: pass --sdk DIR, the guest-sdk folder of fasthooks-host's source"
    )]
    NoSdk(PathBuf),
    #[error(
        "--sdk-git is for Rust plugins (cargo fetches the SDK from the repository); for {0}, pass --sdk DIR, the guest-sdk folder of a clone"
    )]
    GitNotForLang(&'static str),
    #[error(
        "`{0}` is not a git URL the templates can hold: use https://, ssh://, git:// or file:// without quotes, spaces or backslashes"
    )]
    GitUrl(String),
    #[error("cannot write {path}: {why}")]
    Write { path: PathBuf, why: std::io::Error },
}

pub struct NewRequest<'a> {
    pub name: &'a str,
    pub lang: Lang,
    /// The folder the project is made in (default: the current one).
    pub parent: Option<&'a Path>,
    pub sdk: Option<&'a Path>,
    /// The Rust SDK as a git dependency: the repository of fasthooks-host (`--sdk-git`).
    pub sdk_git: Option<&'a str>,
}

/// Where the Rust project's `fasthooks-sdk` comes from: the inside of its dependency table.
fn rust_sdk_source(sdk: &Path, git: Option<&str>) -> String {
    match git {
        Some(url) => format!("git = \"{url}\""),
        None => format!("path = \"{}\"", sdk.display()),
    }
}

/// A git URL as cargo takes it, that the TOML template holds as it is.
fn check_git_url(url: &str) -> Result<&str, ScaffoldError> {
    let known = ["https://", "http://", "ssh://", "git://", "file://"]
        .iter()
        .any(|scheme| url.starts_with(scheme) && url.len() > scheme.len());
    let plain = !url
        .contains(|c: char| c.is_whitespace() || c.is_control() || matches!(c, '"' | '\\' | '\''));
    if known && plain {
        Ok(url)
    } else {
        Err(ScaffoldError::GitUrl(url.to_owned()))
    }
}

pub fn command(request: &NewRequest) -> ExitCode {
    finish(match scaffold(request) {
        Ok((dir, files)) => {
            let next = match request.lang {
                Lang::Rust => "cargo test",
                Lang::Python => "see README.md: PYTHONPATH=… python -m pytest",
                Lang::Js => "npm install && npm test",
            };
            Rendered::output(format!(
                "created {} ({}), then: cd {} && {next}\n",
                dir.display(),
                files.join(", "),
                dir.display()
            ))
        }
        Err(err) => Rendered::error(err),
    })
}

/// The SDKs' folder (`guest-sdk`): `given`, or this build's source tree's; checked to hold the
/// three SDKs and the contract beside them.
pub fn sdk_dir(given: Option<&Path>) -> Result<PathBuf, ScaffoldError> {
    let sdk_given = given.map_or_else(|| PathBuf::from(SOURCE_SDK), Path::to_owned);
    std::fs::canonicalize(&sdk_given)
        .ok()
        .filter(|sdk| {
            // Written into TOML, JSON and shell lines: a path any of them would misread is refused.
            sdk.to_str()
                .is_some_and(|text| !text.contains(['"', '\\', '\n', '\'', '$', '`']))
                && sdk.join("Cargo.toml").is_file()
                && sdk.join("python/fasthooks_sdk").is_dir()
                && sdk.join("js/package.json").is_file()
                && sdk.join("../wit/world.wit").is_file()
        })
        .ok_or(ScaffoldError::NoSdk(sdk_given))
}

/// Lowercase letters, digits and `-`, starting with a letter, at most 64: a name that is a
/// folder name, a crate name and an npm package name at once, and cannot leave a folder.
pub fn is_plugin_name(name: &str) -> bool {
    name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && name != "fasthooks-sdk"
}

/// Make the project: its folder and the files written.
pub fn scaffold(request: &NewRequest) -> Result<(PathBuf, Vec<&'static str>), ScaffoldError> {
    let name = request.name;
    if !is_plugin_name(name) {
        return Err(ScaffoldError::Name(name.to_owned()));
    }
    let git = match (request.sdk_git, request.lang) {
        (None, _) => None,
        (Some(url), Lang::Rust) => Some(check_git_url(url)?),
        (Some(_), Lang::Python) => return Err(ScaffoldError::GitNotForLang("Python")),
        (Some(_), Lang::Js) => return Err(ScaffoldError::GitNotForLang("JavaScript")),
    };
    // A Rust project fetched by git needs no SDK on this machine.
    let sdk = match (git, request.sdk) {
        (Some(_), None) => PathBuf::new(),
        _ => sdk_dir(request.sdk)?,
    };
    let wit = std::fs::canonicalize(sdk.join("../wit")).unwrap_or_else(|_| sdk.join("../wit"));
    let parent = request
        .parent
        .map_or_else(|| PathBuf::from("."), Path::to_owned);
    let dir = parent.join(name);
    // Made here, at once: a folder (or file, or link) already there is refused, and a failure
    // below takes the folder away again, so nothing half-made stays.
    match std::fs::create_dir(&dir) {
        Ok(()) => {}
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(ScaffoldError::Exists(dir));
        }
        Err(why) => return Err(ScaffoldError::Write { path: dir, why }),
    }
    let written = write_templates(request.lang, &dir, name, &sdk, git, &wit);
    if written.is_err() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok((dir, written?))
}

fn write_templates(
    lang: Lang,
    dir: &Path,
    name: &str,
    sdk: &Path,
    git: Option<&str>,
    wit: &Path,
) -> Result<Vec<&'static str>, ScaffoldError> {
    let fill = |template: &str| {
        template
            .replace("{{name}}", name)
            .replace("{{crate}}", &name.replace('-', "_"))
            .replace("{{sdk_rust}}", &rust_sdk_source(sdk, git))
            .replace("{{sdk_python}}", &sdk.join("python").display().to_string())
            .replace("{{sdk_js}}", &sdk.join("js").display().to_string())
            .replace("{{wit}}", &wit.display().to_string())
    };
    let mut written = Vec::new();
    for (relative, template) in templates(lang) {
        let path = dir.join(relative);
        let write = || -> std::io::Result<()> {
            std::fs::create_dir_all(path.parent().unwrap_or(dir))?;
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)?;
            file.write_all(fill(template).as_bytes())
        };
        write().map_err(|why| ScaffoldError::Write {
            path: path.clone(),
            why,
        })?;
        written.push(*relative);
    }
    Ok(written)
}

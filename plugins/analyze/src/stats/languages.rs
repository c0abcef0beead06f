//! Over 600 lines: one table entry and one pair of recognisers per language (25 of them).
//!
//! The languages the analysis knows: each one's comment syntax, quotes, and how its function
//! and type definitions start, recognised on the code part of a line after modifiers such as
//! `pub`, `export` or `static`.

/// Comment syntax and definition forms of one language.
#[derive(Debug)]
pub struct Language {
    /// The display name.
    pub name: &'static str,
    pub(crate) line_comments: &'static [&'static str],
    pub(crate) block_comments: &'static [(&'static str, &'static str)],
    pub(crate) quotes: &'static [char],
    /// Comments start only at the start of a word (shell-like languages: `$#`, `a#b`).
    pub(crate) comments_at_word_start: bool,
    /// Only unindented lines can hold definitions (Make rules, Haskell signatures).
    pub(crate) definitions_at_top_level: bool,
    pub(crate) functions: fn(&str) -> bool,
    pub(crate) types: fn(&str) -> bool,
}

const C_BLOCK: &[(&str, &str)] = &[("/*", "*/")];
const SLASHES: &[&str] = &["//"];
const HASH: &[&str] = &["#"];

fn never(_: &str) -> bool {
    false
}

/// The language of `path`, from its extension or well-known file name.
pub fn language_of(path: &str) -> &'static Language {
    let file = path.rsplit(['/', '\\']).next().unwrap_or(path);
    let lower = file.to_ascii_lowercase();
    let by_name = match lower.as_str() {
        "makefile" | "gnumakefile" => Some(&MAKE),
        "dockerfile" | "containerfile" => Some(&DOCKERFILE),
        _ => None,
    };
    if let Some(language) = by_name {
        return language;
    }
    let extension = match lower.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => ext,
        _ => "",
    };
    match extension {
        "rs" => &RUST,
        "py" | "pyi" | "pyw" => &PYTHON,
        "js" | "mjs" | "cjs" | "jsx" => &JAVASCRIPT,
        "ts" | "mts" | "cts" | "tsx" => &TYPESCRIPT,
        "go" => &GO,
        "c" | "h" => &C,
        "cc" | "cpp" | "cxx" | "c++" | "hh" | "hpp" | "hxx" | "ipp" => &CPP,
        "java" => &JAVA,
        "cs" => &CSHARP,
        "kt" | "kts" => &KOTLIN,
        "swift" => &SWIFT,
        "rb" | "rake" => &RUBY,
        "php" => &PHP,
        "sh" | "bash" | "zsh" | "ksh" => &SHELL,
        "lua" => &LUA,
        "hs" => &HASKELL,
        "sql" => &SQL,
        "html" | "htm" | "xml" | "svg" | "vue" => &MARKUP,
        "css" => &CSS,
        "scss" | "less" => &SCSS,
        "toml" | "yaml" | "yml" | "conf" => &CONFIG,
        "ini" | "cfg" => &INI,
        "md" | "markdown" => &MARKDOWN,
        _ => &TEXT,
    }
}

/// Strips leading modifier words (and `pub(...)`, `extern "C"`, `@annotations`) from `code`.
fn strip_modifiers<'a>(mut code: &'a str, modifiers: &[&str]) -> &'a str {
    loop {
        let trimmed = code.trim_start();
        if let Some(rest) = trimmed.strip_prefix('@') {
            // An annotation or decorator on the same line: `@Override public void f() {`.
            let end = rest.find(|c: char| c.is_whitespace()).unwrap_or(rest.len());
            if rest[..end].contains('(') && !rest[..end].contains(')') {
                return trimmed;
            }
            code = &rest[end..];
            continue;
        }
        let word_end = trimmed
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(trimmed.len());
        let word = &trimmed[..word_end];
        let rest = &trimmed[word_end..];
        if !modifiers.contains(&word) {
            return trimmed;
        }
        // `pub(crate)`, `extern "C"`: the modifier's argument goes with it.
        let rest = if word == "pub" && rest.starts_with('(') {
            rest.find(')').map_or(rest, |i| &rest[i + 1..])
        } else if word == "extern" && rest.trim_start().starts_with('"') {
            let quoted = rest.trim_start();
            quoted[1..].find('"').map_or(rest, |i| &quoted[i + 2..])
        } else {
            rest
        };
        if !rest.starts_with(char::is_whitespace) && !rest.is_empty() {
            return trimmed;
        }
        code = rest;
    }
}

/// True if `code` starts with `keyword` followed by whitespace (or `extra` characters).
fn starts_with_word(code: &str, keyword: &str, extra: &[char]) -> bool {
    code.strip_prefix(keyword).is_some_and(|rest| {
        rest.starts_with(char::is_whitespace) || rest.starts_with(|c: char| extra.contains(&c))
    })
}

fn any_word(code: &str, keywords: &[&str]) -> bool {
    keywords.iter().any(|k| starts_with_word(code, k, &[]))
}

fn is_identifier(word: &str) -> bool {
    let mut chars = word.chars();
    chars
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '$')
}

const CONTROL: &[&str] = &[
    "if", "else", "for", "foreach", "while", "do", "switch", "case", "catch", "return", "throw",
    "new", "delete", "sizeof", "typeof", "await", "yield", "using", "lock", "fixed", "when",
    "until", "elif", "with", "assert", "goto", "defer", "go", "select", "match", "loop",
    "function",
];

// Rust.
const RUST_MODIFIERS: &[&str] = &["pub", "async", "const", "unsafe", "extern", "default"];
fn rust_functions(code: &str) -> bool {
    starts_with_word(strip_modifiers(code, RUST_MODIFIERS), "fn", &[])
}
fn rust_types(code: &str) -> bool {
    any_word(
        strip_modifiers(code, RUST_MODIFIERS),
        &["struct", "enum", "trait", "union"],
    )
}

// Python.
fn python_functions(code: &str) -> bool {
    starts_with_word(strip_modifiers(code, &["async"]), "def", &[])
}
fn python_types(code: &str) -> bool {
    starts_with_word(code, "class", &[])
}

// JavaScript and TypeScript.
const JS_MODIFIERS: &[&str] = &[
    "export",
    "default",
    "async",
    "declare",
    "public",
    "private",
    "protected",
    "static",
    "abstract",
    "override",
    "readonly",
    "get",
    "set",
];
fn js_functions(code: &str) -> bool {
    let code = strip_modifiers(code, JS_MODIFIERS);
    if starts_with_word(code, "function", &['*', '(']) {
        return true;
    }
    // `const name = (a, b) => ...`, `let f = async x => ...`
    if let Some(rest) = ["const ", "let ", "var "]
        .iter()
        .find_map(|k| code.strip_prefix(k))
        && let Some((_, value)) = rest.split_once('=')
        && !value.starts_with(['=', '>'])
    {
        let value = value.trim_start();
        let value = value.strip_prefix("async").unwrap_or(value).trim_start();
        if value.starts_with("function") {
            return true;
        }
        if let Some(arrow) = value.find("=>") {
            let params = value[..arrow].trim();
            return (params.starts_with('(') && params.contains(')')) || is_identifier(params);
        }
        return false;
    }
    // A method in a class body: `name(args) {`, `async name(args): T {`.
    if code.contains("=>") || !code.ends_with('{') {
        return false;
    }
    let Some(open) = code.find('(') else {
        return false;
    };
    let name = code[..open].trim_end();
    let name = name.strip_prefix('*').unwrap_or(name).trim();
    // A parameter list, not the arguments of a call such as `describe("x", function () {`.
    let Some(close) = code.rfind(')') else {
        return false;
    };
    let params = &code[open..close];
    is_identifier(name)
        && !CONTROL.contains(&name)
        && !params.contains(['"', '\'', '`'])
        && !params.contains("function")
}
fn js_types(code: &str) -> bool {
    let code = strip_modifiers(code, JS_MODIFIERS);
    if any_word(code, &["class", "interface", "enum"]) {
        return true;
    }
    // `type Name = ...` (a type alias), not a variable called `type`.
    code.strip_prefix("type ").is_some_and(|rest| {
        rest.split_once('=').is_some_and(|(name, _)| {
            let name = name.trim();
            let name = name.split('<').next().unwrap_or(name).trim();
            is_identifier(name)
        })
    })
}

// Go.
fn go_functions(code: &str) -> bool {
    starts_with_word(code, "func", &['('])
}
fn go_types(code: &str) -> bool {
    code.strip_prefix("type ").is_some_and(|rest| {
        let rest = rest.trim_start();
        !rest.starts_with('(')
    })
}

/// C-family function definitions: `[modifiers] ReturnType name(params) [{]`, without `;`.
fn c_like_function(code: &str, modifiers: &[&str]) -> bool {
    if code.starts_with(['#', '}', '.', '-', '+', '*', '&', '(', '"', '\'']) || code.ends_with(';')
    {
        return false;
    }
    let stripped = strip_modifiers(code, modifiers);
    let had_modifier = stripped.len() != code.trim_start().len();
    let Some(open) = stripped.find('(') else {
        return false;
    };
    let head = &stripped[..open];
    if head.contains(['=', '.', '!', '?', '"', '+', '-', '|', '/']) {
        return false;
    }
    let words: Vec<&str> = head.split_whitespace().collect();
    let Some(name) = words.last() else {
        return false;
    };
    let name = name.trim_start_matches(['*', '&']);
    let name = name.rsplit("::").next().unwrap_or(name);
    let name = name.strip_prefix('~').unwrap_or(name);
    if !is_identifier(name) || words.iter().any(|w| CONTROL.contains(w)) {
        return false;
    }
    let tail = &stripped[open..];
    let closed_or_continued = tail.contains(')') || tail.ends_with(',') || tail.ends_with('(');
    closed_or_continued && (words.len() >= 2 || had_modifier)
}

fn c_like_type(code: &str, modifiers: &[&str], keywords: &[&str]) -> bool {
    let code = strip_modifiers(code, modifiers);
    let code = code.strip_prefix("typedef ").unwrap_or(code).trim_start();
    !code.ends_with(';') && any_word(code, keywords)
}

const C_MODIFIERS: &[&str] = &[
    "static",
    "inline",
    "extern",
    "const",
    "volatile",
    "unsigned",
    "signed",
    "register",
    "virtual",
    "explicit",
    "constexpr",
    "consteval",
    "friend",
    "template",
    "typename",
    "noexcept",
    "export",
    "__inline",
    "_Noreturn",
];
fn c_functions(code: &str) -> bool {
    c_like_function(code, C_MODIFIERS)
}
fn c_types(code: &str) -> bool {
    c_like_type(code, C_MODIFIERS, &["struct", "union", "enum"])
}
fn cpp_types(code: &str) -> bool {
    c_like_type(code, C_MODIFIERS, &["struct", "union", "enum", "class"])
}

const JAVA_MODIFIERS: &[&str] = &[
    "public",
    "private",
    "protected",
    "static",
    "final",
    "abstract",
    "synchronized",
    "native",
    "default",
    "strictfp",
    "transient",
    "sealed",
    "non",
    "internal",
    "virtual",
    "override",
    "async",
    "extern",
    "unsafe",
    "partial",
    "readonly",
];
fn java_functions(code: &str) -> bool {
    c_like_function(code, JAVA_MODIFIERS)
}
fn java_types(code: &str) -> bool {
    c_like_type(
        code,
        JAVA_MODIFIERS,
        &["class", "interface", "enum", "record", "struct"],
    )
}

const KOTLIN_MODIFIERS: &[&str] = &[
    "public",
    "private",
    "protected",
    "internal",
    "open",
    "override",
    "abstract",
    "final",
    "suspend",
    "inline",
    "operator",
    "infix",
    "tailrec",
    "external",
    "data",
    "sealed",
    "inner",
    "enum",
    "annotation",
    "value",
];
fn kotlin_functions(code: &str) -> bool {
    starts_with_word(strip_modifiers(code, KOTLIN_MODIFIERS), "fun", &['<'])
}
fn kotlin_types(code: &str) -> bool {
    any_word(
        strip_modifiers(code, KOTLIN_MODIFIERS),
        &["class", "interface", "object"],
    )
}

const SWIFT_MODIFIERS: &[&str] = &[
    "public",
    "private",
    "fileprivate",
    "internal",
    "open",
    "override",
    "static",
    "final",
    "mutating",
    "nonmutating",
    "convenience",
    "required",
    "class",
    "indirect",
];
fn swift_functions(code: &str) -> bool {
    let code = strip_modifiers(code, SWIFT_MODIFIERS);
    starts_with_word(code, "func", &[]) || starts_with_word(code, "init", &['(', '?'])
}
fn swift_types(code: &str) -> bool {
    // `class` is also a modifier (`class func f()`): strip the others only.
    let code = strip_modifiers(
        code,
        &[
            "public",
            "private",
            "fileprivate",
            "internal",
            "open",
            "final",
            "indirect",
        ],
    );
    match code.strip_prefix("class ") {
        Some(rest) => !any_word(rest.trim_start(), &["func", "var", "let", "subscript"]),
        None => any_word(code, &["struct", "enum", "protocol", "actor"]),
    }
}

fn ruby_functions(code: &str) -> bool {
    starts_with_word(code, "def", &[])
}
fn ruby_types(code: &str) -> bool {
    any_word(code, &["class", "module"])
}

const PHP_MODIFIERS: &[&str] = &[
    "public",
    "private",
    "protected",
    "static",
    "final",
    "abstract",
    "readonly",
];
fn php_functions(code: &str) -> bool {
    starts_with_word(
        strip_modifiers(code, PHP_MODIFIERS),
        "function",
        &['(', '&'],
    )
}
fn php_types(code: &str) -> bool {
    any_word(
        strip_modifiers(code, PHP_MODIFIERS),
        &["class", "interface", "trait", "enum"],
    )
}

fn shell_functions(code: &str) -> bool {
    if starts_with_word(code, "function", &[]) {
        return true;
    }
    // `name() {` or `name () {`
    code.split_once('(').is_some_and(|(name, rest)| {
        let name = name.trim();
        rest.trim_start().starts_with(')')
            && !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | ':' | '.'))
    })
}

fn lua_functions(code: &str) -> bool {
    starts_with_word(strip_modifiers(code, &["local"]), "function", &[])
        || (code.contains("= function") || code.contains("=function"))
}

fn haskell_functions(code: &str) -> bool {
    // A top-level type signature: `name :: Type`.
    code.split_once("::")
        .is_some_and(|(name, _)| is_identifier(name.trim()))
}
fn haskell_types(code: &str) -> bool {
    any_word(code, &["data", "newtype", "type", "class"])
}

fn sql_functions(code: &str) -> bool {
    let upper = code.to_ascii_uppercase();
    let upper = upper.trim_start();
    upper.starts_with("CREATE") && (upper.contains(" FUNCTION ") || upper.contains(" PROCEDURE "))
}
fn sql_types(code: &str) -> bool {
    let upper = code.to_ascii_uppercase();
    let upper = upper.trim_start();
    upper.starts_with("CREATE") && (upper.contains(" TABLE ") || upper.contains(" TYPE "))
}

fn make_functions(code: &str) -> bool {
    // A rule `target: prerequisites`; not an assignment (`X := y`) or a special target.
    !code.starts_with('.')
        && code
            .split_once(':')
            .is_some_and(|(target, rest)| !target.contains('=') && !rest.starts_with('='))
}

const fn language(
    name: &'static str,
    line_comments: &'static [&'static str],
    block_comments: &'static [(&'static str, &'static str)],
    quotes: &'static [char],
    functions: fn(&str) -> bool,
    types: fn(&str) -> bool,
) -> Language {
    Language {
        name,
        line_comments,
        block_comments,
        quotes,
        comments_at_word_start: false,
        definitions_at_top_level: false,
        functions,
        types,
    }
}

const fn shell_like(mut language: Language) -> Language {
    language.comments_at_word_start = true;
    language
}

const fn top_level(mut language: Language) -> Language {
    language.definitions_at_top_level = true;
    language
}

static RUST: Language = language("Rust", SLASHES, C_BLOCK, &['"'], rust_functions, rust_types);
static PYTHON: Language = language(
    "Python",
    HASH,
    &[("\"\"\"", "\"\"\""), ("'''", "'''")],
    &['"', '\''],
    python_functions,
    python_types,
);
static JAVASCRIPT: Language = language(
    "JavaScript",
    SLASHES,
    C_BLOCK,
    &['"', '\'', '`'],
    js_functions,
    js_types,
);
static TYPESCRIPT: Language = language(
    "TypeScript",
    SLASHES,
    C_BLOCK,
    &['"', '\'', '`'],
    js_functions,
    js_types,
);
static GO: Language = language("Go", SLASHES, C_BLOCK, &['"', '`'], go_functions, go_types);
static C: Language = language("C", SLASHES, C_BLOCK, &['"', '\''], c_functions, c_types);
static CPP: Language = language(
    "C++",
    SLASHES,
    C_BLOCK,
    &['"', '\''],
    c_functions,
    cpp_types,
);
static JAVA: Language = language(
    "Java",
    SLASHES,
    C_BLOCK,
    &['"', '\''],
    java_functions,
    java_types,
);
static CSHARP: Language = language(
    "C#",
    SLASHES,
    C_BLOCK,
    &['"', '\''],
    java_functions,
    java_types,
);
static KOTLIN: Language = language(
    "Kotlin",
    SLASHES,
    C_BLOCK,
    &['"', '\''],
    kotlin_functions,
    kotlin_types,
);
static SWIFT: Language = language(
    "Swift",
    SLASHES,
    C_BLOCK,
    &['"'],
    swift_functions,
    swift_types,
);
static RUBY: Language = language(
    "Ruby",
    HASH,
    &[("=begin", "=end")],
    &['"', '\''],
    ruby_functions,
    ruby_types,
);
static PHP: Language = language(
    "PHP",
    &["//", "#"],
    C_BLOCK,
    &['"', '\''],
    php_functions,
    php_types,
);
static SHELL: Language = shell_like(language(
    "Shell",
    HASH,
    &[],
    &['"', '\''],
    shell_functions,
    never,
));
static LUA: Language = language(
    "Lua",
    &["--"],
    &[("--[[", "]]")],
    &['"', '\''],
    lua_functions,
    never,
);
static HASKELL: Language = top_level(language(
    "Haskell",
    &["--"],
    &[("{-", "-}")],
    &['"'],
    haskell_functions,
    haskell_types,
));
static SQL: Language = language("SQL", &["--"], C_BLOCK, &['\''], sql_functions, sql_types);
static MARKUP: Language = language("HTML/XML", &[], &[("<!--", "-->")], &[], never, never);
static CSS: Language = language("CSS", &[], C_BLOCK, &['"', '\''], never, never);
static SCSS: Language = language("SCSS", SLASHES, C_BLOCK, &['"', '\''], never, never);
static CONFIG: Language = shell_like(language("config", HASH, &[], &['"', '\''], never, never));
static INI: Language = shell_like(language("INI", &["#", ";"], &[], &['"'], never, never));
static MAKE: Language = top_level(shell_like(language(
    "Makefile",
    HASH,
    &[],
    &[],
    make_functions,
    never,
)));
static DOCKERFILE: Language = shell_like(language("Dockerfile", HASH, &[], &[], never, never));
static MARKDOWN: Language = language("Markdown", &[], &[("<!--", "-->")], &[], never, never);
static TEXT: Language = language("text", &[], &[], &[], never, never);

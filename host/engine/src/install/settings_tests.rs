//! Over 600 lines: one test per settings layout (inline objects, comments, tabs, CRLF, trailing
//! commas, shared groups, duplicates), each with its text in full, so a change shows as a diff.

use super::*;
use serde_json::{Value, json};

// ---- helpers -------------------------------------------------------------------------------

use crate::install::exec_form::CommandForm;
use crate::install::shell::plugins_of_command as plugins_of;

fn ours(plugins: &[&str]) -> impl Fn(&str) -> bool {
    let plugins: Vec<String> = plugins.iter().map(|p| (*p).to_owned()).collect();
    move |command: &str| plugins_of(command).is_some_and(|found| found == plugins)
}

fn plan(plugin: &str, entries: &[(&str, Option<&str>)]) -> Plan {
    Plan {
        command: format!("/opt/fh/fasthooks-host --plugin {plugin}"),
        form: CommandForm::Shell,
        entries: entries
            .iter()
            .map(|(event, matcher)| Entry {
                event: (*event).to_owned(),
                matcher: matcher.map(str::to_owned),
            })
            .collect(),
        timeout: None,
        event_commands: Vec::new(),
        async_rewake: false,
        http_urls: Vec::new(),
    }
}

fn guard_plan() -> Plan {
    plan("/p/guard.wasm", &[("PreToolUse", Some("Bash"))])
}

fn guard() -> impl Fn(&str) -> bool {
    ours(&["/p/guard.wasm"])
}

/// Install, panicking on an error; the text is unchanged when install says so.
fn install(text: &str, plan: &Plan, is_ours: impl Fn(&str) -> bool) -> String {
    apply_install(text, plan, is_ours)
        .unwrap()
        .unwrap_or_else(|| text.to_owned())
}

fn uninstall(text: &str, is_ours: impl Fn(&str) -> bool) -> String {
    apply_uninstall(text, is_ours).unwrap().0
}

/// The JSON value of a text (comments and trailing commas stripped by jsonc-parser first).
fn value(text: &str) -> Value {
    let root = parse(text).unwrap();
    let plain = strip_trivia(&root.to_string());
    serde_json::from_str(&plain).unwrap_or_else(|err| panic!("{err}: {text}"))
}

/// Remove comments and trailing commas (enough for these tests' texts).
fn strip_trivia(text: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    let mut in_string = false;
    while i < chars.len() {
        let c = chars[i];
        if in_string {
            out.push(c);
            if c == '\\' {
                out.push(chars[i + 1]);
                i += 1;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if c == '/' && chars.get(i + 1) == Some(&'/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            continue;
        } else if c == '/' && chars.get(i + 1) == Some(&'*') {
            i += 2;
            while !(chars[i] == '*' && chars[i + 1] == '/') {
                i += 1;
            }
            i += 2;
            continue;
        } else if c == ',' {
            let rest = chars[i + 1..].iter().find(|c| !c.is_whitespace());
            if !matches!(rest, Some(']') | Some('}')) {
                out.push(c);
            }
        } else {
            out.push(c);
        }
        i += 1;
    }
    out
}

/// The lines only in `a` and the lines only in `b` (a longest-common-subsequence line diff).
fn line_diff(a: &str, b: &str) -> (Vec<String>, Vec<String>) {
    let a: Vec<&str> = a.split('\n').collect();
    let b: Vec<&str> = b.split('\n').collect();
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut removed, mut added) = (Vec::new(), Vec::new());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            i += 1;
            j += 1;
        } else if j < b.len() && (i == a.len() || lcs[i][j + 1] >= lcs[i + 1][j]) {
            added.push(b[j].to_owned());
            j += 1;
        } else {
            removed.push(a[i].to_owned());
            i += 1;
        }
    }
    (removed, added)
}

const GUARD_COMMAND: &str = "/opt/fh/fasthooks-host --plugin /p/guard.wasm";

const FRESH_GUARD: &str = r#"{
  "hooks": {
    "PreToolUse": [
      {
        "matcher": "Bash",
        "hooks": [
          {
            "type": "command",
            "command": "/opt/fh/fasthooks-host --plugin /p/guard.wasm"
          }
        ]
      }
    ]
  }
}
"#;

// ---- ported from host/src/install.rs -------------------------------------------------------

#[test]
fn installs_into_empty_settings() {
    for empty in ["", "  \n", "\n\n"] {
        let out = apply_install(empty, &guard_plan(), guard())
            .unwrap()
            .unwrap();
        assert_eq!(out, FRESH_GUARD, "{empty:?}");
    }
    // An existing `{}` keeps its own (missing) final newline.
    assert_eq!(
        install("{}", &guard_plan(), guard()),
        FRESH_GUARD.trim_end()
    );
    assert_eq!(install("{}\n", &guard_plan(), guard()), FRESH_GUARD);
    assert_eq!(
        value(FRESH_GUARD),
        json!({"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [
            {"type": "command", "command": GUARD_COMMAND}]}]}})
    );
    // Keys in the order Claude Code's docs write them.
    assert!(FRESH_GUARD.find("\"matcher\"").unwrap() < FRESH_GUARD.find("\"hooks\": [").unwrap());
    // No matcher, with a timeout.
    let mut stop = plan("/p/guard.wasm", &[("Stop", None)]);
    stop.timeout = Some(7);
    assert_eq!(
        install("", &stop, guard()),
        "{\n  \"hooks\": {\n    \"Stop\": [\n      {\n        \"hooks\": [\n          {\n            \"type\": \"command\",\n            \"command\": \"/opt/fh/fasthooks-host --plugin /p/guard.wasm\",\n            \"timeout\": 7\n          }\n        ]\n      }\n    ]\n  }\n}\n"
    );
}

#[test]
fn keeps_every_other_key_and_entry_in_place() {
    let original = r#"{
  "model": "opus",
  "hooks": {
    "Stop": [{"hooks": [{"type": "command", "command": "notify-send done"}]}],
    "PreToolUse": [
      {"matcher": "Bash", "hooks": [{"type": "command", "command": "my-linter"}]},
      {"matcher": "Write", "hooks": [{"type": "command", "command": "fmt"}]}
    ]
  },
  "permissions": {"allow": ["Bash(ls:*)"], "deny": []},
  "env": {"Z": "1", "A": "2"}
}"#;
    let out = install(original, &guard_plan(), guard());
    let settings = value(&out);
    let keys: Vec<&String> = settings.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["model", "hooks", "permissions", "env"]);
    let env_keys: Vec<&String> = settings["env"].as_object().unwrap().keys().collect();
    assert_eq!(env_keys, ["Z", "A"], "not sorted");
    let events: Vec<&String> = settings["hooks"].as_object().unwrap().keys().collect();
    assert_eq!(events, ["Stop", "PreToolUse"]);
    let groups = settings["hooks"]["PreToolUse"].as_array().unwrap();
    assert_eq!(groups.len(), 3, "a group of its own, appended");
    assert_eq!(groups[0]["hooks"][0]["command"], "my-linter");
    assert_eq!(groups[1]["hooks"][0]["command"], "fmt");
    assert_eq!(groups[2]["hooks"][0]["command"], GUARD_COMMAND);
    // As text: the Write line gains a comma, the rest is only added lines.
    let (removed, added) = line_diff(original, &out);
    assert_eq!(
        removed,
        [r#"      {"matcher": "Write", "hooks": [{"type": "command", "command": "fmt"}]}"#]
    );
    assert_eq!(
        added[0],
        r#"      {"matcher": "Write", "hooks": [{"type": "command", "command": "fmt"}]},"#
    );
    assert_eq!(added[1], "      {", "new group at the list's indentation");
    assert_eq!(uninstall(&out, guard()), original);
}

#[test]
fn installing_twice_changes_nothing() {
    let text = r#"{"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "x"}]}]}}"#;
    let once = apply_install(text, &guard_plan(), guard())
        .unwrap()
        .unwrap();
    assert_eq!(apply_install(&once, &guard_plan(), guard()).unwrap(), None);
    let fresh = install("", &guard_plan(), guard());
    assert_eq!(apply_install(&fresh, &guard_plan(), guard()).unwrap(), None);
    let mut timed = guard_plan();
    timed.timeout = Some(3);
    let with_timeout = install("", &timed, guard());
    assert_eq!(apply_install(&with_timeout, &timed, guard()).unwrap(), None);
    // A plan without a timeout leaves one that is there alone.
    assert_eq!(
        apply_install(&with_timeout, &guard_plan(), guard()).unwrap(),
        None
    );
}

#[test]
fn installing_again_with_other_grants_updates_in_place() {
    let before = r#"{
  "hooks": {
    "PreToolUse": [
      {
        "matcher": "Bash",
        "hooks": [
          {
            "type": "command",
            "command": "/opt/fh/fasthooks-host --plugin /p/guard.wasm"
          }
        ]
      },
      {"matcher": "Edit", "hooks": [{"type": "command", "command": "later"}]}
    ]
  }
}
"#;
    let mut again = guard_plan();
    again.command.push_str(" --fail-closed");
    again.timeout = Some(5);
    let out = apply_install(before, &again, guard()).unwrap().unwrap();
    let settings = value(&out);
    let groups = settings["hooks"]["PreToolUse"].as_array().unwrap();
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[0]["hooks"][0]["command"], again.command);
    assert_eq!(groups[0]["hooks"][0]["timeout"], 5);
    assert_eq!(groups[1]["hooks"][0]["command"], "later");
    let (removed, added) = line_diff(before, &out);
    assert_eq!(
        removed,
        [r#"            "command": "/opt/fh/fasthooks-host --plugin /p/guard.wasm""#]
    );
    assert_eq!(
        added,
        [
            r#"            "command": "/opt/fh/fasthooks-host --plugin /p/guard.wasm --fail-closed","#,
            r#"            "timeout": 5"#,
        ]
    );
    // A changed timeout only changes the number.
    again.timeout = Some(9);
    let out2 = apply_install(&out, &again, guard()).unwrap().unwrap();
    assert_eq!(out2, out.replace("\"timeout\": 5", "\"timeout\": 9"));
}

#[test]
fn a_changed_subscription_moves_the_entry() {
    let first = install(
        "",
        &plan("/p/a.wasm", &[("PreToolUse", Some("Bash")), ("Stop", None)]),
        ours(&["/p/a.wasm"]),
    );
    let second_plan = plan("/p/a.wasm", &[("PreToolUse", Some("Bash|Write"))]);
    let second = install(&first, &second_plan, ours(&["/p/a.wasm"]));
    assert_eq!(
        value(&second),
        json!({"hooks": {"PreToolUse": [{"matcher": "Bash|Write", "hooks": [
            {"type": "command", "command": "/opt/fh/fasthooks-host --plugin /p/a.wasm"}]}]}})
    );
    assert_eq!(second, install("", &second_plan, ours(&["/p/a.wasm"])));
}

#[test]
fn two_plugins_side_by_side() {
    let rules = plan(
        "/p/rules.wasm",
        &[("PreToolUse", Some("Bash")), ("Stop", None)],
    );
    let rules_ours = || ours(&["/p/rules.wasm"]);
    let both = install(&install("", &guard_plan(), guard()), &rules, rules_ours());
    assert_eq!(
        value(&both)["hooks"]["PreToolUse"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let (only_rules, removed) = apply_uninstall(&both, guard()).unwrap();
    assert_eq!(removed, 1);
    assert_eq!(only_rules, install("", &rules, rules_ours()));
}

#[test]
fn uninstall_removes_exactly_what_install_added() {
    let original = r#"{
  "hooks": {
    "PreToolUse": [
      {"matcher": "Bash", "hooks": [
        {"type": "command", "command": "my-linter"},
        {"type": "command", "command": "/elsewhere/fasthooks-host --plugin /p/other.wasm"},
        {"type": "command", "command": "/opt/fh/fasthooks-host --plugin /p/guard.wasm --plugin /p/more.wasm"}
      ]}
    ]
  },
  "theme": "dark"
}"#;
    let combined = plan(
        "/p/guard.wasm",
        &[("PreToolUse", Some("Bash")), ("UserPromptSubmit", None)],
    );
    let out = install(original, &combined, guard());
    assert_eq!(
        value(&out)["hooks"]["PreToolUse"].as_array().unwrap().len(),
        2
    );
    let (back, removed) = apply_uninstall(&out, guard()).unwrap();
    assert_eq!(removed, 2);
    assert_eq!(back, original, "byte for byte");
    assert_eq!(apply_uninstall(&back, guard()).unwrap(), (back.clone(), 0));
}

#[test]
fn uninstall_drops_what_it_emptied_and_nothing_else() {
    let out = install(r#"{"hooks": {}, "x": 1}"#, &guard_plan(), guard());
    let back = uninstall(&out, guard());
    assert_eq!(value(&back), json!({"x": 1}));
    assert_eq!(back, r#"{"x": 1}"#);

    let out = install(r#"{"hooks": {"Stop": []}}"#, &guard_plan(), guard());
    let back = uninstall(&out, guard());
    assert_eq!(
        value(&back),
        json!({"hooks": {"Stop": []}}),
        "an empty list the user had stays"
    );

    // An empty group the user had stays, and so does its event.
    let text = r#"{"hooks": {"PreToolUse": [{"hooks": []}]}}"#;
    let back = uninstall(&install(text, &guard_plan(), guard()), guard());
    assert_eq!(value(&back), value(text));

    // Installed into a fresh file and removed again: the empty object.
    assert_eq!(uninstall(FRESH_GUARD, guard()), "{}\n");
}

#[test]
fn a_handler_the_user_put_in_a_shared_group_is_updated_there() {
    let text = r#"{"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [
        {"type": "command", "command": "first"},
        {"type": "command", "command": "'/opt/fh/fasthooks-host' --plugin=/p/guard.wasm", "statusMessage": "guarding"}
    ]}]}}"#;
    let out = apply_install(text, &guard_plan(), guard())
        .unwrap()
        .unwrap();
    let settings = value(&out);
    let handlers = settings["hooks"]["PreToolUse"][0]["hooks"]
        .as_array()
        .unwrap();
    assert_eq!(handlers.len(), 2);
    assert_eq!(handlers[1]["command"], GUARD_COMMAND);
    assert_eq!(
        handlers[1]["statusMessage"], "guarding",
        "extra fields kept"
    );
    assert_eq!(settings["hooks"]["PreToolUse"].as_array().unwrap().len(), 1);
    // Only the command string changed.
    assert_eq!(
        out,
        text.replace(
            "'/opt/fh/fasthooks-host' --plugin=/p/guard.wasm",
            GUARD_COMMAND
        )
    );
    // Removing it from the shared group leaves the other handler, written as it was.
    let (back, removed) = apply_uninstall(&out, guard()).unwrap();
    assert_eq!(removed, 1);
    assert_eq!(
        back,
        r#"{"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [
        {"type": "command", "command": "first"}
    ]}]}}"#
    );
}

#[test]
fn refuses_shapes_it_cannot_merge_into() {
    assert_eq!(
        apply_install("[]", &guard_plan(), guard()).unwrap_err(),
        SettingsError::RootNotObject
    );
    assert_eq!(
        apply_uninstall("\"x\"", guard()).unwrap_err(),
        SettingsError::RootNotObject
    );
    let err = apply_install(r#"{"hooks": []}"#, &guard_plan(), guard()).unwrap_err();
    assert!(
        err.to_string().contains("\"hooks\" is not an object"),
        "{err}"
    );
    assert_eq!(
        apply_uninstall(r#"{"hooks": 1}"#, guard()).unwrap_err(),
        SettingsError::HooksNotObject
    );
    let err =
        apply_install(r#"{"hooks": {"PreToolUse": {}}}"#, &guard_plan(), guard()).unwrap_err();
    assert!(err.to_string().contains("hooks.PreToolUse"), "{err}");
    assert_eq!(err.to_string(), "\"hooks.PreToolUse\" is not a list");
    // Other events of other shapes are no obstacle.
    assert!(apply_install(r#"{"hooks": {"Stop": 3}}"#, &guard_plan(), guard()).is_ok());
    assert_eq!(
        apply_uninstall(r#"{"hooks": {"Stop": 3}}"#, guard())
            .unwrap()
            .1,
        0
    );
    // Entries of other shapes are left alone.
    let odd = r#"{"hooks": {"PreToolUse": ["text", {"matcher": "Bash"}]}}"#;
    let out = install(odd, &guard_plan(), guard());
    let settings = value(&out);
    assert_eq!(settings["hooks"]["PreToolUse"][0], "text");
    assert_eq!(
        settings["hooks"]["PreToolUse"][1],
        json!({"matcher": "Bash"})
    );
    assert_eq!(uninstall(&out, guard()), odd);
}

#[test]
fn invalid_json_is_reported_with_its_position() {
    let err = apply_install("{\n  \"a\": 1\n  \"b\": 2\n}", &guard_plan(), guard()).unwrap_err();
    let SettingsError::InvalidJson { line, column, .. } = &err else {
        panic!("{err:?}");
    };
    // jsonc-parser places a missing comma where the previous value ends.
    assert_eq!((*line, *column), (2, 9), "{err}");
    let message = err.to_string();
    assert!(message.starts_with("not valid JSON: "), "{message}");
    assert!(message.contains("at line 2, column 9"), "{message}");
    assert!(!message.contains('\n'));
    for bad in ["{", "{\"a\": }", "{'a': 1}", "{a: 1}", "{\"a\": 0x1}"] {
        assert!(
            matches!(
                apply_uninstall(bad, guard()),
                Err(SettingsError::InvalidJson { .. })
            ),
            "{bad}"
        );
    }
}

#[test]
fn new_nodes_follow_the_indentation() {
    let hooks_line = |out: &str| {
        out.lines()
            .find(|l| l.contains("\"hooks\": {"))
            .unwrap()
            .to_owned()
    };
    assert_eq!(
        hooks_line(&install("", &guard_plan(), guard())),
        "  \"hooks\": {"
    );
    let four = "{\n    \"x\": 1\n}\n";
    let out = install(four, &guard_plan(), guard());
    assert_eq!(hooks_line(&out), "    \"hooks\": {");
    assert!(
        out.contains("\n                        \"type\": \"command\",\n"),
        "{out}"
    );
    assert_eq!(uninstall(&out, guard()), four);
    let tabs = "{\n\t\"x\": 1\n}\n";
    let out = install(tabs, &guard_plan(), guard());
    assert_eq!(hooks_line(&out), "\t\"hooks\": {");
    assert!(
        out.contains("\n\t\t\t\t\t\t\"type\": \"command\",\n"),
        "{out}"
    );
    assert!(!out.contains("  "), "no spaces for indentation: {out}");
    assert_eq!(uninstall(&out, guard()), tabs);
    // A one-line file is spread out, two spaces.
    let out = install("{\"x\": 1}", &guard_plan(), guard());
    assert!(
        out.starts_with("{\n  \"x\": 1,\n  \"hooks\": {\n    \"PreToolUse\": ["),
        "{out}"
    );
}

// ---- new ---------------------------------------------------------------------------------------

const SEVEN: &str = r#"{
  "permissions": {"allow": ["Bash(ls)"]},
  "hooks": {
    "PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "echo hi"}]}]
  },
  "model": "opus"
}
"#;

#[test]
fn a_seven_line_file_with_inline_objects_gets_a_small_diff() {
    assert_eq!(SEVEN.lines().count(), 7);
    let out = install(SEVEN, &guard_plan(), guard());
    let (removed, added) = line_diff(SEVEN, &out);
    assert_eq!(
        removed,
        [
            r#"    "PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "echo hi"}]}]"#
        ],
        "{out}"
    );
    assert_eq!(
        added[0],
        r#"    "PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "echo hi"}]},"#
    );
    assert_eq!(
        added.len(),
        10,
        "the changed line and the new group's nine: {out}"
    );
    assert_eq!(added.last().unwrap(), "      }]");
    let settings = value(&out);
    assert_eq!(
        settings["hooks"]["PreToolUse"][1]["hooks"][0]["command"],
        GUARD_COMMAND
    );
    assert_eq!(uninstall(&out, guard()), SEVEN, "byte for byte");

    // A new event in it: only added lines after the PreToolUse line gains a comma.
    let stop = plan("/p/guard.wasm", &[("Stop", None)]);
    let out = install(SEVEN, &stop, guard());
    let (removed, added) = line_diff(SEVEN, &out);
    assert_eq!(removed.len(), 1, "{out}");
    assert_eq!(added[0], format!("{},", removed[0]));
    assert_eq!(added[1], "    \"Stop\": [");
    assert_eq!(uninstall(&out, guard()), SEVEN);
}

const COMMENTED: &str = r#"// Claude Code settings
{
  /* who may do what */
  "permissions": {"allow": ["Bash(ls)"]}, // keep this short
  // the hooks
  "hooks": {
    // before the events
    "PreToolUse": [
      // the linter
      {"matcher": "Bash", "hooks": [{"type": "command", "command": "my-linter"}]} // after the group
      /* end of PreToolUse */
    ],
    "Stop": [{"hooks": [{"type": "command", "command": "notify"}]}] // trailing
    // end of hooks
  } /* after hooks */
  // last words
}
// after everything
"#;

#[test]
fn comments_survive_install_and_uninstall() {
    let comments: Vec<&str> = COMMENTED
        .lines()
        .filter_map(|l| l.find("//").or_else(|| l.find("/*")).map(|i| &l[i..]))
        .collect();
    assert_eq!(comments.len(), 13);
    let mut both = plan(
        "/p/guard.wasm",
        &[
            ("PreToolUse", Some("Bash")),
            ("Stop", None),
            ("SessionStart", None),
        ],
    );
    both.timeout = Some(4);
    let out = install(COMMENTED, &both, guard());
    for comment in &comments {
        assert!(out.contains(comment), "{comment} lost:\n{out}");
    }
    let settings = value(&out);
    assert_eq!(settings["hooks"]["PreToolUse"].as_array().unwrap().len(), 2);
    assert_eq!(settings["hooks"]["Stop"].as_array().unwrap().len(), 2);
    assert_eq!(
        settings["hooks"]["SessionStart"][0]["hooks"][0]["timeout"],
        4
    );
    // Only added lines, and the two lines after which groups were appended.
    let (removed, _) = line_diff(COMMENTED, &out);
    assert_eq!(
        removed,
        [
            r#"      {"matcher": "Bash", "hooks": [{"type": "command", "command": "my-linter"}]} // after the group"#,
            r#"    "Stop": [{"hooks": [{"type": "command", "command": "notify"}]}] // trailing"#,
        ],
        "{out}"
    );
    // Installing again changes nothing; uninstalling restores the file.
    assert_eq!(apply_install(&out, &both, guard()).unwrap(), None);
    let (back, removed) = apply_uninstall(&out, guard()).unwrap();
    assert_eq!(removed, 3);
    assert_eq!(back, COMMENTED, "byte for byte");
}

#[test]
fn comments_in_the_handlers_edited_in_place_survive() {
    let text = r#"{
  "hooks": {
    "PreToolUse": [
      {
        "matcher": "Bash", // tools
        "hooks": [
          {
            "type": "command", // always
            /* ours */ "command": "/old/fasthooks-host --plugin /p/guard.wasm" // old path
          }
        ]
      }
    ]
  }
}
"#;
    let out = install(text, &guard_plan(), guard());
    assert_eq!(
        out,
        text.replace("/old/fasthooks-host", "/opt/fh/fasthooks-host")
    );
}

#[test]
fn update_in_place_keeps_its_position_and_line_shape() {
    let text = r#"{
  "hooks": {
    "PreToolUse": [
      {"matcher": "Edit", "hooks": [{"type": "command", "command": "fmt"}]},
      {"matcher": "Bash", "hooks": [{"type": "command", "command": "/opt/fh/fasthooks-host --plugin /p/guard.wasm"}]},
      {"matcher": "Write", "hooks": [{"type": "command", "command": "lint"}]}
    ]
  }
}"#;
    let mut again = guard_plan();
    again.command.push_str(" --allow-read /tmp");
    again.timeout = Some(5);
    let out = apply_install(text, &again, guard()).unwrap().unwrap();
    assert_eq!(
        out,
        text.replace(
            r#""command": "/opt/fh/fasthooks-host --plugin /p/guard.wasm"}"#,
            r#""command": "/opt/fh/fasthooks-host --plugin /p/guard.wasm --allow-read /tmp", "timeout": 5}"#
        ),
        "the inline handler stays on its line"
    );
    // Spacing inside the braces is kept too.
    let spaced = r#"{"hooks": {"Stop": [{"hooks": [{ "type": "command",  "command": "/opt/fh/fasthooks-host --plugin /p/guard.wasm" }]}]}}"#;
    let stop = Plan {
        timeout: Some(1),
        event_commands: Vec::new(),
        async_rewake: false,
        http_urls: Vec::new(),
        ..plan("/p/guard.wasm", &[("Stop", None)])
    };
    assert_eq!(
        install(spaced, &stop, guard()),
        spaced.replace(".wasm\" }", ".wasm\",  \"timeout\": 1 }")
    );
}

#[test]
fn duplicates_and_unwanted_events_are_removed() {
    let text = r#"{
  "hooks": {
    "PreToolUse": [
      {"matcher": "Bash", "hooks": [{"type": "command", "command": "/a/fasthooks-host --plugin /p/guard.wasm"}]},
      {"matcher": "Bash", "hooks": [{"type": "command", "command": "/b/fasthooks-host --plugin /p/guard.wasm"}]},
      {"matcher": "Edit", "hooks": [{"type": "command", "command": "fmt"}]}
    ],
    "Stop": [
      {"hooks": [{"type": "command", "command": "/a/fasthooks-host --plugin /p/guard.wasm"}]}
    ],
    "SessionEnd": []
  }
}"#;
    let out = install(text, &guard_plan(), guard());
    assert_eq!(
        out,
        r#"{
  "hooks": {
    "PreToolUse": [
      {"matcher": "Bash", "hooks": [{"type": "command", "command": "/opt/fh/fasthooks-host --plugin /p/guard.wasm"}]},
      {"matcher": "Edit", "hooks": [{"type": "command", "command": "fmt"}]}
    ],
    "SessionEnd": []
  }
}"#
    );
}

#[test]
fn crlf_stays_crlf() {
    let text = "{\r\n  \"model\": \"opus\",\r\n  \"hooks\": {\r\n    \"Stop\": [{\"hooks\": [{\"type\": \"command\", \"command\": \"x\"}]}]\r\n  }\r\n}\r\n";
    let plan = plan(
        "/p/guard.wasm",
        &[("Stop", None), ("PreToolUse", Some("Bash"))],
    );
    let out = install(text, &plan, guard());
    assert!(out.contains("\"PreToolUse\": [\r\n"), "{out:?}");
    assert_eq!(
        out.matches('\n').count(),
        out.matches("\r\n").count(),
        "{out:?}"
    );
    assert_eq!(uninstall(&out, guard()), text);
    let out = install("{\r\n}\r\n", &plan, guard());
    assert_eq!(
        out.matches('\n').count(),
        out.matches("\r\n").count(),
        "{out:?}"
    );
}

#[test]
fn trailing_commas_are_followed() {
    let text = "{\n  \"hooks\": {\n    \"Stop\": [\n      {\"hooks\": [{\"type\": \"command\", \"command\": \"x\"}]},\n    ],\n  },\n}\n";
    let plan = plan(
        "/p/guard.wasm",
        &[("Stop", None), ("PreToolUse", Some("Bash"))],
    );
    let out = install(text, &plan, guard());
    assert!(out.contains("        ],\n      },\n    ],\n"), "{out}");
    assert_eq!(value(&out)["hooks"]["Stop"].as_array().unwrap().len(), 2);
    assert_eq!(uninstall(&out, guard()), text);
}

#[test]
fn commands_are_escaped() {
    let tricky = Plan {
        command: r#"/opt/fh/fasthooks-host --plugin /p/guard.wasm --allow-read "$CLAUDE_PROJECT_DIR/a b" \x"#.to_owned(),
        ..guard_plan()
    };
    let out = install("{}", &tricky, guard());
    assert_eq!(
        value(&out)["hooks"]["PreToolUse"][0]["hooks"][0]["command"],
        tricky.command
    );
    assert!(out.contains(r#""$CLAUDE_PROJECT_DIR/a b\" \\x""#), "{out}");
    assert_eq!(apply_install(&out, &tricky, guard()).unwrap(), None);
}

#[test]
fn blank_and_comment_only_texts() {
    assert_eq!(apply_uninstall("", guard()).unwrap(), (String::new(), 0));
    assert_eq!(
        apply_uninstall(" \n", guard()).unwrap(),
        (" \n".to_owned(), 0)
    );
    let nothing = Plan {
        entries: Vec::new(),
        ..guard_plan()
    };
    assert_eq!(apply_install("\n", &nothing, guard()).unwrap(), None);
    let commented = "// my settings\n";
    let out = install(commented, &guard_plan(), guard());
    assert!(
        out.starts_with("// my settings\n{\n  \"hooks\": {"),
        "{out}"
    );
    assert_eq!(value(&out), value(FRESH_GUARD));
}

#[test]
fn uninstall_install_round_trips() {
    let files: &[&str] = &[
        "{}",
        "{}\n",
        "{\n}\n",
        "{\"model\": \"opus\"}\n",
        SEVEN,
        COMMENTED,
        "{\n  \"model\": \"opus\"\n}\n",
        "{\n    \"model\": \"opus\",\n    \"hooks\": {\n        \"Stop\": [\n            {\n                \"hooks\": [\n                    {\n                        \"type\": \"command\",\n                        \"command\": \"notify\"\n                    }\n                ]\n            }\n        ]\n    }\n}\n",
        "{\n\t\"hooks\": {\n\t\t\"PreToolUse\": [\n\t\t\t{\"matcher\": \"Bash\", \"hooks\": [{\"type\": \"command\", \"command\": \"x\"}]}\n\t\t]\n\t}\n}",
        "{\"hooks\": {\"PreToolUse\": [{\"matcher\": \"Bash\", \"hooks\": [{\"type\": \"command\", \"command\": \"x\"}]}]}}",
        "{\n  \"hooks\": {\n    \"PreToolUse\": [{\"hooks\": [{\"type\": \"command\", \"command\": \"x\"}]}, {\"hooks\": [{\"type\": \"command\", \"command\": \"y\"}]}]\n  },\n  \"env\": {}\n}\n",
        "{\n  \"a\": 1, // one\n  \"b\": [1, 2] /* two */\n}\n",
        "{\r\n  \"model\": \"opus\"\r\n}\r\n",
    ];
    let plans = [
        guard_plan(),
        plan("/p/guard.wasm", &[("Stop", None)]),
        Plan {
            timeout: Some(10),
            event_commands: Vec::new(),
            async_rewake: false,
            http_urls: Vec::new(),
            ..plan(
                "/p/guard.wasm",
                &[
                    ("PreToolUse", Some("Bash|Write")),
                    ("Stop", None),
                    ("Notification", None),
                ],
            )
        },
    ];
    for file in files {
        for plan in &plans {
            let out = install(file, plan, guard());
            assert_ne!(&out, file);
            let (back, removed) = apply_uninstall(&out, guard()).unwrap();
            assert_eq!(removed, plan.entries.len());
            // Known exceptions: an object written on one line that gained a property was spread
            // over lines, and one that becomes empty again is written `{}`.
            let spread = !file.contains('\n') || file.starts_with("{\"model\": \"opus\"}");
            if spread || *file == "{\n}\n" {
                assert_eq!(value(&back), value(file), "{file}");
            } else {
                assert_eq!(back, *file, "after {plan:?}:\n{out}");
            }
            assert_eq!(apply_install(&out, plan, guard()).unwrap(), None, "{out}");
        }
    }
}

#[test]
fn removal_keeps_the_layout_around() {
    let g = r#"{"type": "command", "command": "/x/fasthooks-host --plugin /p/guard.wasm"}"#;
    let o = r#"{"type": "command", "command": "other"}"#;
    let wrap = |inner: &str| format!(r#"{{"hooks": {{"Stop": [{{"hooks": [{inner}]}}]}}}}"#);
    let cases = [
        (format!("{o}, {g}, {o}"), format!("{o}, {o}")),
        (format!("{g}, {o}"), o.to_string()),
        (format!("{o}, {g}"), o.to_string()),
        (format!("{g}, {g}, {o}"), o.to_string()),
        (format!("{o}, {g}, {g}"), o.to_string()),
        (format!("\n  {o}, // c\n  {g}"), format!("\n  {o} // c\n")),
        (
            format!("\n  {o}, /* c */\n  {g}"),
            format!("\n  {o} /* c */\n"),
        ),
        (
            format!("\n  {o},\n  /* c */ {g}\n"),
            format!("\n  {o}\n  /* c */\n"),
        ),
        (format!("\n  {g}, // mine\n  {o}\n"), format!("\n  {o}\n")),
        (
            format!("\n  {o}, {g},\n  {o}\n"),
            format!("\n  {o},\n  {o}\n"),
        ),
        (
            format!("\n  {g}, {o},\n  {o}\n"),
            format!("\n  {o},\n  {o}\n"),
        ),
        (format!("\n  {o},\n  {g},\n"), format!("\n  {o},\n")),
        (
            format!("\n  {o},\n  {g},\n  {g},\n  {o}\n"),
            format!("\n  {o},\n  {o}\n"),
        ),
        (
            format!("\n  // first\n  {g},\n  // second\n  {o}\n"),
            format!("\n  // first\n  // second\n  {o}\n"),
        ),
    ];
    for (before, after) in cases {
        let (out, _) = apply_uninstall(&wrap(&before), guard()).unwrap();
        assert_eq!(out, wrap(&after), "from {before}");
    }
    let objects = [
        (
            format!("{{\n  \"hooks\": {{\"Stop\": [{{\"hooks\": [{g}]}}]}}, \"x\": 1\n}}"),
            "{\n  \"x\": 1\n}",
        ),
        (
            format!("{{\n  \"x\": 1,\n  \"hooks\": {{\"Stop\": [{{\"hooks\": [{g}]}}]}}\n}}"),
            "{\n  \"x\": 1\n}",
        ),
        (
            format!("{{\n  \"x\": 1, // c\n  \"hooks\": {{\"Stop\": [{{\"hooks\": [{g}]}}]}}}}"),
            "{\n  \"x\": 1 // c\n}",
        ),
        (
            format!("{{\n  // only\n  \"hooks\": {{\"Stop\": [{{\"hooks\": [{g}]}}]}}\n}}"),
            "{\n  // only\n}",
        ),
        (
            format!("{{\"hooks\": {{\"Stop\": [{{\"hooks\": [{g}]}}], \"Pre\": []}}}}"),
            "{\"hooks\": {\"Pre\": []}}",
        ),
        (
            format!("{{\"hooks\": {{\"Stop\": [{{\"hooks\": [{g}]}}]}}}}\n"),
            "{}\n",
        ),
    ];
    for (before, after) in objects {
        let (out, _) = apply_uninstall(&before, guard()).unwrap();
        assert_eq!(out, after, "from {before}");
    }
}

#[test]
fn an_installation_switches_between_command_and_http_handlers() {
    let url = "http://127.0.0.1:47983/hook?plugin=%2Fp%2Fguard.wasm";
    let http = Plan {
        entries: vec![
            Entry {
                event: "PreToolUse".into(),
                matcher: Some("Bash".into()),
            },
            Entry {
                event: "SessionStart".into(),
                matcher: None,
            },
        ],
        http_urls: vec![("PreToolUse".into(), url.into())],
        timeout: Some(20),
        ..guard_plan()
    };
    let out = install(FRESH_GUARD, &http, guard());
    let written = value(&out);
    assert_eq!(
        written["hooks"]["PreToolUse"],
        json!([{"matcher": "Bash", "hooks": [{"type": "http", "url": url, "timeout": 20}]}]),
        "{out}"
    );
    assert_eq!(
        written["hooks"]["SessionStart"][0]["hooks"][0]["type"],
        "command"
    );
    assert_eq!(apply_install(&out, &http, guard()).unwrap(), None);
    // Back to commands: the http handler goes, and uninstall takes everything.
    let back = install(&out, &guard_plan(), guard());
    assert_eq!(value(&back), value(FRESH_GUARD), "{back}");
    assert_eq!(uninstall(&out, guard()).trim(), "{}");
}

// ---- the exec form -------------------------------------------------------------------------

fn exec_plan() -> Plan {
    Plan {
        form: CommandForm::Exec,
        ..guard_plan()
    }
}

#[test]
fn the_exec_form_writes_command_and_args_and_installing_again_changes_nothing() {
    let out = install("", &exec_plan(), guard());
    assert_eq!(
        value(&out)["hooks"]["PreToolUse"][0]["hooks"][0],
        json!({"type": "command", "command": "/opt/fh/fasthooks-host", "args": ["--plugin", "/p/guard.wasm"]})
    );
    assert_eq!(apply_install(&out, &exec_plan(), guard()).unwrap(), None);
    assert_eq!(uninstall(&out, guard()), "{}\n");
}

#[test]
fn switching_forms_updates_the_entry_in_place_and_switching_back_gives_the_text_back() {
    let text = "{\n  // mine\n  \"hooks\": {\n    \"PreToolUse\": [\n      {\"matcher\": \"Bash\", \"hooks\": [{\"type\": \"command\", \"command\": \"/opt/fh/fasthooks-host --plugin /p/guard.wasm\", \"timeout\": 5}]}\n    ]\n  }\n}\n";
    let exec = install(text, &exec_plan(), guard());
    let handlers = &value(&exec)["hooks"]["PreToolUse"];
    assert_eq!(handlers.as_array().unwrap().len(), 1, "{exec}");
    assert_eq!(
        handlers[0]["hooks"][0],
        json!({"type": "command", "command": "/opt/fh/fasthooks-host", "timeout": 5, "args": ["--plugin", "/p/guard.wasm"]})
    );
    assert!(exec.starts_with("{\n  // mine\n"), "{exec}");
    assert_eq!(install(&exec, &guard_plan(), guard()), text);
}

#[test]
fn changed_grants_replace_the_args() {
    let exec = install("", &exec_plan(), guard());
    let granted = Plan {
        command: "/opt/fh/fasthooks-host --plugin /p/guard.wasm --allow-read \"$CLAUDE_PROJECT_DIR/docs\"".to_owned(),
        ..exec_plan()
    };
    let out = install(&exec, &granted, guard());
    assert_eq!(
        value(&out)["hooks"]["PreToolUse"][0]["hooks"][0]["args"],
        json!([
            "--plugin",
            "/p/guard.wasm",
            "--allow-read",
            "${CLAUDE_PROJECT_DIR}/docs"
        ])
    );
    assert_eq!(apply_install(&out, &granted, guard()).unwrap(), None);
}

#[test]
fn a_line_that_needs_a_shell_keeps_the_shell_form() {
    let home = Plan {
        command: "/opt/fh/fasthooks-host --plugin /p/guard.wasm --allow-read \"$HOME/docs\""
            .to_owned(),
        ..exec_plan()
    };
    let out = install("", &home, guard());
    assert_eq!(
        value(&out)["hooks"]["PreToolUse"][0]["hooks"][0],
        json!({"type": "command", "command": home.command})
    );
}

#[test]
fn args_that_are_not_strings_are_not_an_installation() {
    let odd = r#"{"hooks": {"PreToolUse": [{"hooks": [{"type": "command", "command": "/opt/fh/fasthooks-host", "args": ["--plugin", 1]}]}]}}"#;
    assert_eq!(uninstall(odd, guard()), odd);
}

use super::*;
use fasthooks_sdk::serde_json::json;
use stats::{RepeatedLine, language_of};

const RUST_SAMPLE: &str = r#"//! Geometry helpers.
use std::fmt;

/// A point.
pub struct Point {
    x: i32, // the x
    y: i32,
}

/* A block comment
   over two lines */
pub(crate) fn add(a: i32, b: i32) -> i32 {
    let url = "http://example.com/*not a comment*/"; // TODO: remove
    a + b
}

pub async unsafe fn fetch() {}

enum Kind { A, B }

fn twice() {
    println!("hello world, again");
    println!("hello world, again");
    println!("hello world, again");
    // FIXME: and again; TODOS and XTODO are not markers
}
"#;

#[test]
fn rust_statistics() {
    let a = analyze("src/geometry.rs", RUST_SAMPLE);
    assert_eq!(a.language, "Rust");
    assert_eq!(a.path, "src/geometry.rs");
    assert_eq!(a.bytes, RUST_SAMPLE.len());
    assert_eq!(a.lines, 26);
    assert_eq!(a.blank_lines, 5);
    // Lines 1, 4, 10, 11 and 25.
    assert_eq!(a.comment_lines, 5);
    assert_eq!(a.code_lines, 16);
    assert_eq!(a.functions, 3, "add, fetch, twice");
    assert_eq!(a.types, 2, "Point, Kind");
    assert_eq!(a.todos, 2);
    assert_eq!(a.longest_line_number, 13);
    assert_eq!(a.longest_line, RUST_SAMPLE.lines().nth(12).unwrap().len());
    assert_eq!(a.duplicated_lines, 2);
    assert_eq!(
        a.most_repeated,
        Some(RepeatedLine {
            text: r#"println!("hello world, again");"#.to_owned(),
            count: 3
        })
    );
}

#[test]
fn python_statistics() {
    let code = "#!/usr/bin/env python3\n\
                \"\"\"Module docstring,\n\
                over two lines.\"\"\"\n\
                import os  # needed\n\
                \n\
                class Greeter:\n\
                \x20   def greet(self, name):\n\
                \x20       return f\"hello {name} # not a comment\"\n\
                \n\
                async def main():\n\
                \x20   # TODO: config\n\
                \x20   print(Greeter().greet('x'))\n";
    let a = analyze("tools/greet.py", code);
    assert_eq!(a.language, "Python");
    assert_eq!(a.lines, 12);
    assert_eq!(a.blank_lines, 2);
    assert_eq!(a.comment_lines, 4, "shebang, docstring (2), # TODO");
    assert_eq!(a.code_lines, 6);
    assert_eq!(a.functions, 2);
    assert_eq!(a.types, 1);
    assert_eq!(a.todos, 1);
    assert_eq!(a.duplicated_lines, 0);
    assert_eq!(a.most_repeated, None);
}

#[test]
fn javascript_and_typescript_definitions() {
    let code = r#"import x from "y";
export default function main() {}
export async function load(url) {
  const parse = (text) => JSON.parse(text);
  const double = n => n * 2;
  const value = compute(1);
  describe("suite", function () {
  });
}
class Store {
  constructor(items) {
  }
  async fetch(id) {
  }
  if (x) {
  }
}
export interface Shape { area(): number }
type Id = string | number;
let type = 3;
"#;
    let js = analyze("web/app.js", code);
    assert_eq!(js.language, "JavaScript");
    assert_eq!(
        js.functions, 6,
        "main, load, parse, double, constructor, fetch"
    );
    assert_eq!(js.types, 3, "Store, Shape, Id");
    assert_eq!(analyze("web/app.tsx", code).language, "TypeScript");
}

#[test]
fn c_family_definitions() {
    let c = r#"#include <stdio.h>
#define SQUARE(x) ((x) * (x))
struct point { int x; int y; };
struct node {
    int value;
};
static int add(int a, int b) {
    int sum = add_more(a,
                       b);
    printf("%d\n", sum);
    if (sum > 0) {
        return sum;
    }
    return 0;
}
int main(void)
{
    int prototype(int);
    return add(1, 2);
}
"#;
    let a = analyze("main.c", c);
    assert_eq!(a.language, "C");
    assert_eq!(a.functions, 2, "add, main");
    assert_eq!(a.types, 1, "node (point is a one-line declaration)");

    let java = r#"package x;
@Service
public class Greeter implements Runnable {
    private final String name;
    public Greeter(String name) {
        this.name = name;
    }
    @Override
    public void run() {
        System.out.println(greet(name));
    }
    static String greet(String who) { return "hi " + who; }
    new Thread(task) {
    }
    enum Mode { ON, OFF }
}
"#;
    let a = analyze("src/Greeter.java", java);
    assert_eq!(a.functions, 3, "constructor, run, greet");
    assert_eq!(a.types, 2, "Greeter, Mode");
}

#[test]
fn other_languages() {
    let go = "package main\n\nfunc main() {}\nfunc (s *Server) Run() error {\n\treturn nil\n}\ntype Server struct{}\n";
    let a = analyze("cmd/main.go", go);
    assert_eq!((a.functions, a.types), (2, 1));

    let sh = "#!/bin/sh\nset -eu\nusage() {\n  echo \"usage: $0 # not a comment\"\n}\nfunction main {\n  echo ${#}\n}\n";
    let a = analyze("run.sh", sh);
    assert_eq!(a.language, "Shell");
    assert_eq!(a.functions, 2);
    assert_eq!(a.comment_lines, 1);

    let make = ".PHONY: all\nCC := cc\nall: build\n\tcc -o out main.c\nbuild: main.c\n\t@echo built: yes\n";
    let a = analyze("Makefile", make);
    assert_eq!(a.language, "Makefile");
    assert_eq!(a.functions, 2, "the rules all and build");

    let a = analyze("docs/README.md", "# Title\n\nSome text.\n");
    assert_eq!(a.language, "Markdown");
    assert_eq!((a.code_lines, a.comment_lines, a.blank_lines), (2, 0, 1));

    let a = analyze("notes", "");
    assert_eq!(a.language, "text");
    assert_eq!((a.lines, a.longest_line, a.longest_line_number), (0, 0, 0));
    assert_eq!(
        a.summary(),
        "notes (text, 0 bytes): 0 lines (0 code, 0 comment, 0 blank); 0 TODO/FIXMEs; \
         0 duplicated lines"
    );
}

#[test]
fn languages_by_extension_and_name() {
    for (path, name) in [
        ("a/b/lib.rs", "Rust"),
        ("x.PY", "Python"),
        ("Dockerfile", "Dockerfile"),
        ("/p/GNUmakefile", "Makefile"),
        ("Cargo.toml", "config"),
        ("setup.cfg", "INI"),
        ("a.hpp", "C++"),
        ("Main.kt", "Kotlin"),
        ("App.swift", "Swift"),
        (".bashrc", "text"),
        ("LICENSE", "text"),
    ] {
        assert_eq!(language_of(path).name, name, "{path}");
    }
}

#[test]
fn summary_is_one_readable_line() {
    let a = analyze("src/geometry.rs", RUST_SAMPLE);
    assert_eq!(
        a.summary(),
        format!(
            "src/geometry.rs (Rust, {} bytes): 26 lines (16 code, 5 comment, 5 blank); \
             3 functions, 2 types; longest line {} chars (line 13); 2 TODO/FIXMEs; \
             2 duplicated lines (`println!(\"hello world, again\");` 3×)",
            RUST_SAMPLE.len(),
            a.longest_line
        )
    );
    assert!(!a.summary().contains('\n'));
}

fn write_event(session: &str, path: &str, content: &str) -> String {
    json!({
        "session_id": session,
        "transcript_path": format!("/home/dev/.claude/projects/-home-dev-project/{session}.jsonl"),
        "cwd": "/home/dev/project",
        "permission_mode": "default",
        "hook_event_name": "PreToolUse",
        "tool_name": "Write",
        "tool_input": {"file_path": path, "content": content},
        "tool_use_id": "toolu_01",
    })
    .to_string()
}

fn prompt_event(session: &str) -> String {
    json!({
        "session_id": session,
        "transcript_path": format!("/home/dev/.claude/projects/-home-dev-project/{session}.jsonl"),
        "cwd": "/home/dev/project",
        "permission_mode": "default",
        "hook_event_name": "UserPromptSubmit",
        "prompt": "what next?",
    })
    .to_string()
}

#[test]
fn write_then_prompt_reports_the_analysis_once() {
    let app = build_app();
    let write = write_event(
        "session-1",
        "/home/dev/project/src/geometry.rs",
        RUST_SAMPLE,
    );
    let response = app.dispatch_json(&write).unwrap();
    assert!(
        response.is_none(),
        "no objection to the write: {response:?}"
    );

    // Another session has nothing.
    assert!(
        app.dispatch_json(&prompt_event("session-2"))
            .unwrap()
            .is_none()
    );

    let response = app.dispatch_json(&prompt_event("session-1")).unwrap();
    let context = response
        .additional_context
        .expect("the analysis as context");
    assert!(
        context.starts_with("Previous analysis: src/geometry.rs (Rust, "),
        "{context}"
    );
    assert!(
        context.contains("26 lines (16 code, 5 comment, 5 blank)"),
        "{context}"
    );
    assert!(context.contains("3 functions, 2 types"), "{context}");
    assert!(context.contains("2 TODO/FIXMEs"), "{context}");
    assert_eq!(response.decision, None);

    // Popped: the next prompt gets nothing.
    assert!(
        app.dispatch_json(&prompt_event("session-1"))
            .unwrap()
            .is_none()
    );
}

#[test]
fn the_latest_write_replaces_the_earlier_analysis() {
    let app = build_app();
    app.dispatch_json(&write_event("s", "/elsewhere/a.py", "x = 1\n"))
        .unwrap();
    app.dispatch_json(&write_event("s", "/home/dev/project/b.go", "package b\n"))
        .unwrap();
    let analysis = app.tasks("s").pop(&ANALYZE).unwrap().unwrap();
    assert_eq!(analysis.path, "b.go");
    assert_eq!(analysis.language, "Go");
    assert_eq!(app.tasks("s").pop(&ANALYZE).unwrap(), None);

    // Outside the project the path stays absolute.
    app.dispatch_json(&write_event("s", "/elsewhere/a.py", "x = 1\n"))
        .unwrap();
    let analysis = app.tasks("s").pop(&ANALYZE).unwrap().unwrap();
    assert_eq!(analysis.path, "/elsewhere/a.py");
}

#[test]
fn other_events_and_tools_are_ignored() {
    let app = build_app();
    let edit = json!({
        "session_id": "s", "cwd": "/p", "hook_event_name": "PreToolUse",
        "tool_name": "Edit",
        "tool_input": {"file_path": "/p/a.rs", "old_string": "a", "new_string": "b"},
    });
    assert!(app.dispatch_json(&edit.to_string()).unwrap().is_none());
    assert_eq!(app.tasks("s").get(&ANALYZE).unwrap(), None);
    let info = app.describe();
    let subs: Vec<(&str, &str)> = info
        .subscriptions
        .iter()
        .map(|s| (s.event.as_str(), s.matcher.as_str()))
        .collect();
    assert_eq!(
        subs,
        vec![("PreToolUse", "Write"), ("UserPromptSubmit", "")]
    );
    assert_eq!(app.task_names(), vec!["analyze_code".to_owned()]);
}

#[test]
fn run_task_round_trip() {
    let app = build_app();
    let args = json!({"path": "a.rs", "content": "fn main() {}\n"}).to_string();
    let out = app.run_task("analyze_code", &args).unwrap();
    let analysis: Analysis = fasthooks_sdk::serde_json::from_str(&out).unwrap();
    assert_eq!(analysis.functions, 1);
    assert!(
        app.run_task("analyze_code", "{}")
            .unwrap_err()
            .contains("invalid arguments")
    );
}

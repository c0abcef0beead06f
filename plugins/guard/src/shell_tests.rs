//! The shell reader on the constructs guard relies on.

use super::*;

fn words(input: &str) -> Vec<Vec<Vec<String>>> {
    parse(input)
        .into_iter()
        .map(|p| {
            p.into_iter()
                .map(|c| c.words.into_iter().map(|w| w.text).collect())
                .collect()
        })
        .collect()
}

#[test]
fn splits_pipelines_and_commands() {
    assert_eq!(
        words("cd x && make | tee log; echo done & ls || true"),
        vec![
            vec![vec!["cd", "x"]],
            vec![vec!["make"], vec!["tee", "log"]],
            vec![vec!["echo", "done"]],
            vec![vec!["ls"]],
            vec![vec!["true"]],
        ]
    );
    assert_eq!(
        words("(cd a; rm -rf b)\nls"),
        vec![
            vec![vec!["cd", "a"]],
            vec![vec!["rm", "-rf", "b"]],
            vec![vec!["ls"]]
        ]
    );
}

#[test]
fn removes_quotes_and_escapes() {
    assert_eq!(
        words(r#"echo 'a b' "c \"d\" $x" e\ f \r\m"#),
        vec![vec![vec!["echo", "a b", "c \"d\" $x", "e f", "rm"]]]
    );
    assert_eq!(words(r#"echo "" ''"#), vec![vec![vec!["echo", "", ""]]]);
    assert_eq!(
        words("echo 'unterminated"),
        vec![vec![vec!["echo", "unterminated"]]]
    );
}

#[test]
fn redirections() {
    let p = parse("echo x >> ./.git/config 2>&1 > out 2>err <in &>all");
    let c = &p[0][0];
    assert_eq!(c.words.len(), 2);
    let r: Vec<(&str, &str, bool)> = c
        .redirects
        .iter()
        .map(|r| (r.op, r.target.text.as_str(), r.writes_file()))
        .collect();
    assert_eq!(
        r,
        vec![
            (">>", "./.git/config", true),
            (">&", "1", false),
            (">", "out", true),
            (">", "err", true),
            ("<", "in", false),
            ("&>", "all", true),
        ]
    );
    // A quoted number is a word, not a descriptor.
    let p = parse("echo '2'>f");
    assert_eq!(p[0][0].words[1].text, "2");
}

#[test]
fn substitutions() {
    let p = parse(r#"echo "$(curl -s x | sh)" `whoami` <(wget -O- y) ${HOME}"#);
    let c = &p[0][0];
    let subs: Vec<&str> = c.substitutions().collect();
    assert_eq!(subs, vec!["curl -s x | sh", "whoami", "wget -O- y"]);
    assert_eq!(c.words[4].text, "${HOME}");
    let p = parse("x=$(echo $(date) 'a)b')");
    assert_eq!(p[0][0].words[0].substitutions, vec!["echo $(date) 'a)b'"]);
}

#[test]
fn comments_keywords_and_heredocs() {
    assert_eq!(words("ls # rm -rf /"), vec![vec![vec!["ls"]]]);
    assert_eq!(words("echo a#b"), vec![vec![vec!["echo", "a#b"]]]);
    assert_eq!(
        words("if true; then rm -rf x; fi"),
        vec![vec![vec!["true"]], vec![vec!["rm", "-rf", "x"]]]
    );
    assert_eq!(
        words("cat > notes.md <<'EOF'\nrm -rf /\nEOF\nls"),
        vec![vec![vec!["cat"]], vec![vec!["ls"]]]
    );
    assert_eq!(
        words("cat <<-END\n\trm -rf /\n\tEND\necho ok"),
        vec![vec![vec!["cat"]], vec![vec!["echo", "ok"]]]
    );
}

#[test]
fn never_panics_on_odd_input() {
    for input in [
        "",
        "|",
        "&&",
        ">",
        "$(",
        "`",
        "\"",
        "'",
        "\\",
        "<(",
        "$((1+2",
        "a >",
        "<<",
        "<<EOF",
        "😀 | ü >> ü",
        "echo $",
        "${",
        "))((",
        "cat <<E\n",
    ] {
        let _ = parse(input);
    }
}

//! The engine against the old cases, Claude Code style matchers, every refusal, the reference
//! ECMAScript engine (`regress`) on a table and on generated patterns, and pathological patterns.
use super::*;

fn is_match(pattern: &str, text: &str) -> bool {
    Regex::new(pattern)
        .unwrap_or_else(|e| panic!("{pattern}: {e}"))
        .is_match(text)
}

fn refusal(pattern: &str) -> String {
    match Regex::new(pattern) {
        Ok(_) => panic!("{pattern} should be refused"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn literals_anchors_and_alternation() {
    assert!(is_match("Edit", "NotebookEdit") && !is_match("Edit", "edit"));
    assert!(is_match("", "anything") && is_match("a|", "zzz"));
    assert!(is_match("a.c", "xabcx") && !is_match("a.c", "a\nc"));
    assert!(is_match("^Edit$", "Edit") && !is_match("^Edit$", "Edits"));
    assert!(is_match("^(Edit|Write)$", "Write") && !is_match("^(Edit|Write)$", "MultiEdit"));
    assert!(is_match("^Edit|Write$", "NotebookWrite"));
}

#[test]
fn quantifiers() {
    assert!(is_match("^mcp__.+__read.*$", "mcp__fs__read_file"));
    assert!(!is_match("^mcp__.+__read.*$", "mcp____read"));
    assert!(is_match("^ab?c$", "ac") && is_match("^ab?c$", "abc") && !is_match("^ab?c$", "abbc"));
    assert!(is_match("^a{2,3}$", "aaa") && !is_match("^a{2,3}$", "aaaa"));
    assert!(is_match("^a{2}$", "aa") && !is_match("^a{2}$", "a"));
    assert!(is_match("^a{2,}$", "aaaaa") && !is_match("^a{2,}$", "a"));
    assert!(is_match("^a.*?b$", "axxb") && is_match("^x{0}$", ""));
    assert!(is_match("^(a*)*b$", "aaab") && !is_match("^(a*)*b$", "aaac"));
    assert!(is_match("^(?:ab)+$", "ababab") && !is_match("^(?:ab)+$", "aba"));
    assert!(is_match("^(^)*a", "a") && is_match(r"^(?:\b)+a", "a"));
    // Annex B: braces that are not a quantifier are literal.
    assert!(is_match("a{", "a{") && is_match("^x{1,a}$", "x{1,a}") && is_match("^}]$", "}]"));
}

#[test]
fn classes_and_escapes() {
    assert!(is_match("^[A-Z][a-z]+$", "Bash") && !is_match("^[A-Z][a-z]+$", "bash"));
    assert!(is_match("^[^_]+$", "Bash") && !is_match("^[^_]+$", "mcp__x"));
    assert!(is_match(r"^\w+$", "Multi_Edit2") && !is_match(r"^\w+$", "a-b"));
    assert!(is_match(r"^\d{3}$", "123") && is_match(r"\s", "a b") && !is_match(r"\S", "  "));
    assert!(is_match(r"^a\.b$", "a.b") && !is_match(r"^a\.b$", "axb"));
    assert!(is_match(r"^[\w-]+$", "my-tool_1") && is_match(r"^[a-]$", "-"));
    assert!(is_match(r"^[a\-z]$", "-") && !is_match(r"^[a\-z]$", "m"));
    assert!(is_match(r"\bEdit\b", "Multi Edit now") && !is_match(r"\bEdit\b", "MultiEdit"));
    assert!(is_match(r"^\x41\u0042$", "AB") && is_match(r"^\/tmp$", "/tmp"));
    assert!(is_match(r"^\cA[\c_]\c1$", "\u{1}\u{1f}\\c1"));
    assert!(is_match(r"^\0\012[\1]\08$", "\0\n\u{1}\u{0}8"));
    assert!(is_match(r"^\uD83D\uDE00$", "😀") && !is_match(r"\uD83D", "😀"));
    // In JavaScript `[]` is an empty class (matches nothing) and `[^]` matches anything.
    assert!(!is_match("^[]a]", "]") && is_match("^[^]$", "\n"));
    assert!(is_match("^(?<tool>Edit|Write)$", "Edit"));
    assert!(is_match("^é+$", "ééé") && is_match("^.$", "😀"));
}

#[test]
fn claude_code_matchers() {
    assert!(is_match("Edit.*", "NotebookEdit") && !is_match("Edit.*", "Write"));
    let edits = "^(Write|Edit|MultiEdit)$";
    assert!(is_match(edits, "MultiEdit") && !is_match(edits, "NotebookEdit"));
    let mcp = "mcp__.*__(read|write)_file";
    assert!(is_match(mcp, "mcp__fs__read_file") && !is_match(mcp, "mcp__fs__stat_file"));
    let reads = r"^(Read|Grep|Glob)$|^mcp__\w+__(get|list)_";
    assert!(is_match(reads, "Glob") && is_match(reads, "mcp__gh__list_issues"));
    assert!(!is_match(reads, "Bash") && !is_match(reads, "mcp__gh__create_issue"));
    // `Bash(git *)` is a regex: "Bashgit" then spaces, not the permission-rule syntax.
    assert!(is_match("Bash(git *)", "Bashgit") && !is_match("Bash(git *)", "Bash(git status)"));
    assert!(is_match("^plugin:.*", "plugin:reviewer") && !is_match("^plugin:.*", "a plugin:"));
}

#[test]
fn refusals_say_what_to_write() {
    for (pattern, message) in [
        (
            "(?=Bash)",
            "look-around `(?=…)` cannot run in linear time; list the names",
        ),
        ("(?!Bash)", "look-around `(?!…)`"),
        ("(?<=a)b", "look-around `(?<=…)`"),
        ("(?<!a)b", "look-around `(?<!…)`"),
        (r"(a)\1", "back-reference `\\1` cannot run in linear time"),
        (r"(?<x>a)\k<x>", "back-reference `\\k<…>`"),
        (r"\p{L}", "Unicode property escape `\\p{…}`"),
        (r"[\P{L}]", "Unicode property escape `\\P{…}`"),
        (r"\u{41}", "write `\\uHHHH`"),
        ("(?i:a)", "inline flags"),
        ("a{10001}", "repetition counts too large"),
        ("(a{100}){101}", "repetition counts too large"),
        ("a{4294967295}", "repetition counts too large"),
        (&"(".repeat(101), "nested more than 100"),
        ("(", "syntax error: unterminated group"),
        ("a)", "syntax error: unmatched `)`"),
        ("*a", "syntax error: nothing to repeat before `*`"),
        ("a**", "syntax error: nothing to repeat"),
        ("{1}", "syntax error: nothing to repeat before `{`"),
        ("^*", "syntax error: JavaScript allows no quantifier on `^`"),
        ("Bash(*)", "syntax error: nothing to repeat"),
        ("[a", "syntax error: unterminated character class"),
        (r"\", "syntax error: `\\` at end"),
        ("a{3,1}", "syntax error: numbers out of order"),
        ("[z-a]", "syntax error: class range out of order"),
        ("(?<1>a)", "syntax error: bad group name"),
        ("(?<a", "syntax error: bad group name"),
    ] {
        let got = refusal(pattern);
        assert!(got.contains(message), "{pattern}: {got}");
        assert!(!got.contains('\n'), "{pattern}: one line");
    }
    assert!(Regex::new("(?:){4294967295}").is_ok() && Regex::new("a{100}").is_ok());
}

#[test]
fn linear_time_on_pathological_patterns() {
    let mib = 1 << 20;
    for (pattern, subject) in [
        (r"^([a-z_]+)+\d", "a".repeat(mib)),
        ("(a*)*b", "a".repeat(mib)),
        ("(x+x+)+y", "x".repeat(mib)),
        // regress itself runs out of memory on this one with the subject "bb".
        ("(?:(?:b?)?)*c", "b".repeat(mib)),
    ] {
        let regex = Regex::new(pattern).unwrap();
        let start = std::time::Instant::now();
        assert!(!regex.is_match(&subject));
        let elapsed = start.elapsed();
        println!("{pattern} on 1 MiB: {elapsed:?}");
        assert!(elapsed.as_secs_f64() < 2.0, "{pattern} took {elapsed:?}");
    }
}

/// Refusals of patterns that `regress` may accept: what this engine does not support.
fn unsupported(e: &RegexError) -> bool {
    let kinds = [
        "look-around",
        "back-ref",
        "Unicode",
        "`\\u{",
        "`(?`",
        "repetition",
        "groups",
    ];
    // regress also takes `\b*`, which JavaScript refuses.
    kinds.iter().any(|kind| e.0.starts_with(kind)) || e.0.contains("no quantifier on `^`")
}

/// Both engines on `pattern`; returns whether both accepted it.
fn agree(pattern: &str, subjects: &[&str]) -> bool {
    match (Regex::new(pattern), regress::Regex::new(pattern)) {
        (Ok(ours), Ok(reference)) => {
            for subject in subjects {
                let expected = reference.find(subject).is_some();
                assert_eq!(
                    ours.is_match(subject),
                    expected,
                    "/{pattern}/ on {subject:?}"
                );
            }
            true
        }
        (Err(e), Ok(_)) => {
            assert!(unsupported(&e), "/{pattern}/ refused but valid: {e}");
            false
        }
        _ => false,
    }
}

/// Edge cases of the grammar, whitespace-separated.
const FIXED: &str = r"
    ^.$ ^..$ ^[😀]$ ^\uD83D\uDE00$ [\uD83D\uDE00] \uD83D ^\cA$ \c1 [\c1] [\c_] [\c] \c [\c-a]
    ^\01$ \012 [\1] [\8] \08 \0 \377 [\400] ^\s$ \S a{,2} ] } ^[]$ [^] ^\-$ ^[\-]$ ^\a$
    x{2}?{ ^x{2}{ [\b] [\B] (?<$x1>a) ^[\d-z]+$ ^[a-\d]+$ \b \B a\b \Bb [\w-a] [a-\w] \xz
    \x4 \u12 \uZZZZ (?:)* (a|)+b (|a)*$ ^(?:\b|a)*$ (a?){3}b a{0,0}b a{1}? (?:a{2}){2,}
    ((a|b)+)+_ (?:(?:a)*)* ^(ab|a)(bc|c)?$ [^\W] [^\D\s] [\s\S] \W\d [a-b-] [-a] ab|cd|ef
    ^$ $^ ^a|b$ x*$ (?:^|_)1 \u2028 [\u2028] \u00a0 [^\u00a0-\u00ff] (?<n>a)|b a{2,3}?$
";

#[test]
fn agrees_with_regress_on_fixed_cases() {
    let subjects = [
        "", "a", "ab", "a b", "_1-", "aab_", "b1", "\n", "😀", "é", "{", "\u{a0}",
    ];
    let both = FIXED
        .split_whitespace()
        .filter(|p| agree(p, &subjects))
        .count();
    println!(
        "{} fixed (pattern, subject) pairs agree",
        both * subjects.len()
    );
    assert!(both >= 75, "most of the table is valid JavaScript");
}

/// A small deterministic xorshift generator, so that failures reproduce.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    fn pattern(&mut self, depth: u32) -> String {
        const ATOMS: &[&str] = &[
            "a", "b", "_", "1", "-", ".", "[ab]", "[^a]", "[a-b]", r"[\w-]", "[_1]", r"\w", r"\d",
            r"\s", r"\W", r"\D", r"\b", r"\B", "^", "$", "[]", "[^]", r"\-", " ",
        ];
        const QUANTIFIERS: &[&str] = &[
            "*", "+", "?", "{2}", "{1,}", "{0,2}", "{1,3}", "*?", "+?", "??", "{2,}?", "{,1}", "{",
            "{3,1}", "**",
        ];
        let mut out = String::new();
        for _ in 0..1 + self.below(4) {
            match self.below(10) {
                0..=1 if depth > 0 => {
                    let open = self.pick(&["(", "(?:", "("]);
                    let inner = self.pattern(depth - 1);
                    out += &format!("{open}{inner})");
                }
                2 => out += "|",
                _ => out += self.pick(ATOMS),
            }
            if self.below(3) == 0 {
                out += self.pick(QUANTIFIERS);
            }
        }
        out
    }

    fn subject(&mut self) -> String {
        let len = self.below(8);
        (0..len)
            .map(|_| self.pick(&["a", "b", "_", "1", "-", " "]))
            .collect()
    }
}

#[test]
fn agrees_with_regress_on_generated_cases() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut patterns, mut checked) = (0, 0);
    while patterns < 3000 {
        let pattern = rng.pattern(2);
        let subjects: Vec<String> = (0..8).map(|_| rng.subject()).collect();
        let subjects: Vec<&str> = subjects.iter().map(String::as_str).collect();
        if agree(&pattern, &subjects) {
            patterns += 1;
            checked += subjects.len();
        }
    }
    println!("{checked} generated (pattern, subject) pairs agree");
}

//! Claude Code matcher semantics: the host's own implementation, shared through
//! `fasthooks-protocol`, so a route fires exactly when the host (and Claude Code) would run the
//! plugin. See [`Matcher`] for the rules; a regular expression the host refuses (look-around,
//! back-references) is refused when the plugin loads, with what to write instead.

pub use fasthooks_protocol::matcher::{Matcher, MatcherError, union};
pub use fasthooks_protocol::regex::RegexError;

/// The shared table (`tests/fixtures/matchers.json`), run here through the router: a route
/// with each matcher must fire exactly when the host would run the plugin.
#[cfg(test)]
mod table {
    use crate::{App, context};
    use serde_json::Value;

    #[test]
    fn the_shared_matcher_table_through_the_router() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/fixtures/matchers.json"
        );
        let table: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        for case in table["cases"].as_array().unwrap() {
            let event = case["event"]["hook_event_name"].as_str().unwrap();
            let text = case["matcher"].as_str().unwrap();
            if case["expected"] == "refused" {
                assert!(super::Matcher::parse(event, text).is_err(), "{case}");
                continue;
            }
            let mut app = App::new("table", "1");
            app.on(event, text, |_, _| context("fired"));
            let response = app.dispatch(&crate::Event::from_value(case["event"].clone()).unwrap());
            let fired = response.unwrap().additional_context.is_some();
            assert_eq!(Value::Bool(fired), case["expected"], "{case}");
        }
    }
}

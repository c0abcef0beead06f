//! The event table as the JavaScript SDK reads it (`guest-sdk/js/src/event-table.js`), kept
//! equal to [`crate::events`] by this test: the SDK's native test mode routes events with it,
//! and its TypeScript types name its events, so the host's table stays their one source.
//!
//! After changing the table: `FASTHOOKS_WRITE_TABLES=1 cargo test -p fasthooks-protocol sdk_table`.

use crate::events::{EVENTS, ExactNames, KNOWN_TOOLS, MatchSubject};
use serde_json::{Value, json};

fn table() -> Value {
    let events: serde_json::Map<String, Value> = EVENTS
        .iter()
        .map(|spec| {
            let subject = match spec.subject {
                MatchSubject::Unsupported => Value::Null,
                MatchSubject::Field(field) => json!({ "field": field }),
                MatchSubject::FileBasename => json!({ "field": "file_path", "basename": true }),
                MatchSubject::ModelName => json!({ "field": "to_model", "model": true }),
            };
            let exact = match spec.exact_names {
                ExactNames::General => "general",
                ExactNames::Narrow => "narrow",
            };
            let entry = json!({
                "subject": subject,
                "exactNames": exact,
                "takesContext": spec.takes_context,
            });
            (spec.name.to_owned(), entry)
        })
        .collect();
    json!({
        "events": events,
        "knownTools": KNOWN_TOOLS,
    })
}

#[test]
fn the_javascript_sdk_has_the_hosts_event_table() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../guest-sdk/js/src/event-table.js"
    );
    let expected = format!(
        "// Generated from fasthooks-protocol's event table by host/protocol/src/sdk_table.rs: do not edit.\nexport const EVENT_TABLE = {};\n",
        serde_json::to_string_pretty(&table()).unwrap()
    );
    if std::env::var_os("FASTHOOKS_WRITE_TABLES").is_some() {
        std::fs::write(path, &expected).unwrap();
    }
    let found = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        found == expected,
        "{path} differs from the host's event table: run FASTHOOKS_WRITE_TABLES=1 cargo test -p fasthooks-protocol sdk_table"
    );
}

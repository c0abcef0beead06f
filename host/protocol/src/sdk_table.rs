//! The event table as the JavaScript and Python SDKs read it (`guest-sdk/js/src/event-table.js`,
//! `guest-sdk/python/fasthooks_sdk/_event_table.py`), kept equal to [`crate::events`] by this
//! test: their native test modes route events with it, and the TypeScript types name its
//! events, so the host's table stays their one source.
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

/// Each SDK's copy: (path from this crate, text around the table's JSON).
const COPIES: &[(&str, &str, &str)] = &[
    (
        "../../guest-sdk/js/src/event-table.js",
        "// Generated from fasthooks-protocol's event table by host/protocol/src/sdk_table.rs: do not edit.\nexport const EVENT_TABLE = ",
        ";\n",
    ),
    (
        "../../guest-sdk/python/fasthooks_sdk/_event_table.py",
        "# Generated from fasthooks-protocol's event table by host/protocol/src/sdk_table.rs: do not edit.\nimport json\n\nEVENT_TABLE = json.loads(r\"\"\"",
        "\"\"\")\n",
    ),
];

#[test]
fn the_sdks_have_the_hosts_event_table() {
    let json = serde_json::to_string_pretty(&table()).unwrap();
    for (relative, before, after) in COPIES {
        let path = format!("{}/{relative}", env!("CARGO_MANIFEST_DIR"));
        let expected = format!("{before}{json}{after}");
        if std::env::var_os("FASTHOOKS_WRITE_TABLES").is_some() {
            std::fs::write(&path, &expected).unwrap();
        }
        let found = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            found == expected,
            "{path} differs from the host's event table: run FASTHOOKS_WRITE_TABLES=1 cargo test -p fasthooks-protocol sdk_table"
        );
    }
}

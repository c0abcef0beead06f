use super::*;
use crate::App;
use crate::state::{self, Scope};

fn double(x: i64) -> Result<i64, String> {
    x.checked_mul(2).ok_or_else(|| format!("{x} is too large"))
}

fn fail(_: ()) -> Result<String, String> {
    Err("boom".to_owned())
}

fn explode(_: ()) -> Result<String, String> {
    panic!("kaboom")
}

fn greet((greeting, name): (String, String)) -> Result<String, String> {
    Ok(format!("{greeting}, {name}! {}", "-".repeat(40)))
}

fn shorten(text: String) -> String {
    text.chars().take(12).collect()
}

fn remember(text: String) -> Result<usize, String> {
    state::set(Scope::Session, "remembered", &text)?;
    Ok(text.len())
}

static DOUBLE: Task<i64, i64> = Task::new("double", double);
static FAIL: Task<(), String> = Task::new("fail", fail);
static EXPLODE: Task<(), String> = Task::new("explode", explode);
static GREET: Task<(String, String), String> = Task::new("greet", greet)
    .ttl_secs(600)
    .priority(3)
    .transform(shorten);
static FLEETING: Task<i64, i64> = Task::new("fleeting", double).ttl(Duration::ZERO);
static UNREGISTERED: Task<i64, i64> = Task::new("unregistered", double);
static REMEMBER: Task<String, usize> = Task::new("remember", remember);

fn test_app() -> App {
    let mut app = App::new("t", "1");
    app.register(&DOUBLE)
        .register(&FAIL)
        .register(&EXPLODE)
        .register(&GREET)
        .register(&FLEETING)
        .register(&REMEMBER)
        .register_raw("upper", |args| Ok(args.to_uppercase()));
    app
}

#[test]
fn typed_add_runs_immediately_and_pop_removes() {
    let app = test_app();
    let t = app.tasks("s1");
    let info = t.add(&DOUBLE, 21).unwrap();
    assert_eq!(info.key, "double");
    assert_eq!(info.name, "double");
    assert_eq!(info.status, TaskStatus::Completed);
    assert_eq!(info.value.as_deref(), Some("42"));
    assert!(t.has(&DOUBLE).unwrap());
    assert!(t.has("double").unwrap());
    assert!(t.has_any().unwrap());
    let snapshot = t.get(&DOUBLE).unwrap().unwrap();
    assert_eq!(snapshot.value_as::<i64>().unwrap(), Some(42));
    assert_eq!(t.wait(&DOUBLE, Duration::from_secs(1)).unwrap(), Some(42));
    assert_eq!(t.pop(&DOUBLE).unwrap(), Some(42));
    assert_eq!(t.pop(&DOUBLE).unwrap(), None);
    assert!(!t.has_any().unwrap());
    assert_eq!(t.get("double").unwrap(), None);
}

#[test]
fn tuples_transform_ttl_and_priority() {
    let app = test_app();
    let t = app.tasks("s");
    // Borrowed arguments work as well as owned ones.
    let args = ("Hello".to_owned(), "world".to_owned());
    t.add(&GREET, &args).unwrap();
    assert_eq!(t.pop(&GREET).unwrap().as_deref(), Some("Hello, world"));
    assert_eq!(GREET.default_options().ttl_seconds, Some(600));
    assert_eq!(GREET.default_options().priority, Some(3));
    assert_eq!(GREET.default_options().key, None);

    // A zero ttl drops the result as soon as it is finished; an override restores it.
    t.add(&FLEETING, 1).unwrap();
    assert_eq!(t.pop(&FLEETING).unwrap(), None);
    t.add_with(&FLEETING, 2, TaskOptions::new().ttl_secs(60))
        .unwrap();
    assert_eq!(t.pop(&FLEETING).unwrap(), Some(4));
}

#[test]
fn keys_sessions_replacement_and_apps() {
    let app = test_app();
    let a = app.tasks("a");
    let b = app.tasks("b");
    a.add_with(&DOUBLE, 1, TaskOptions::new().key("x")).unwrap();
    a.add_with(&DOUBLE, 2, TaskOptions::new().key("y")).unwrap();
    a.add_with(&DOUBLE, 5, TaskOptions::new().key("x")).unwrap();
    assert_eq!(
        b.pop_key::<i64>("x").unwrap(),
        None,
        "sessions are separate"
    );
    assert_eq!(
        test_app().tasks("a").pop_key::<i64>("x").unwrap(),
        None,
        "apps are separate"
    );
    assert_eq!(a.pop(&DOUBLE).unwrap(), None, "nothing under the task name");

    let waited = a.wait_all(["x", "y", "z"], Duration::ZERO).unwrap();
    assert_eq!(waited.len(), 2);
    let once = a.wait_all(["x", "x", "y", "x"], Duration::ZERO).unwrap();
    assert_eq!(once.len(), 2, "one entry per distinct key");
    assert_eq!(waited[0].value_as::<i64>().unwrap(), 10);
    let any = a.wait_any(vec!["z".to_owned(), "y".to_owned()], Duration::ZERO);
    assert_eq!(
        any.unwrap(),
        Some(TaskOutput {
            key: "y".into(),
            value: "4".into()
        })
    );
    assert_eq!(a.wait_key::<i64>("x", Duration::ZERO).unwrap(), Some(10));
    let mut all = a.pop_all().unwrap();
    all.sort_by(|l, r| l.key.cmp(&r.key));
    assert_eq!(
        all,
        vec![
            TaskOutput {
                key: "x".into(),
                value: "10".into()
            },
            TaskOutput {
                key: "y".into(),
                value: "4".into()
            },
        ]
    );
    assert!(a.pop_all().unwrap().is_empty());
}

#[test]
fn failures_go_to_pop_errors_once() {
    let app = test_app();
    let t = app.tasks("f");
    let info = t.add(&FAIL, ()).unwrap();
    assert_eq!(info.status, TaskStatus::Failed);
    assert_eq!(info.error.as_deref(), Some("boom"));
    assert_eq!(t.add(&EXPLODE, ()).unwrap().status, TaskStatus::Failed);
    t.add(&UNREGISTERED, 1).unwrap();
    t.add_raw("double", "\"not a number\"", TaskOptions::new().key("bad"))
        .unwrap();
    t.add(&DOUBLE, i64::MAX).unwrap();
    assert_eq!(t.pop(&FAIL).unwrap(), None);
    assert_eq!(t.wait(&FAIL, Duration::from_secs(5)).unwrap(), None);
    assert_eq!(
        t.wait_any([FAIL.name(), EXPLODE.name()], Duration::ZERO)
            .unwrap(),
        None
    );
    let errors = t.pop_errors().unwrap();
    assert_eq!(
        errors,
        vec![
            ("fail".to_owned(), "boom".to_owned()),
            ("explode".to_owned(), "panicked: kaboom".to_owned()),
            (
                "unregistered".to_owned(),
                "unknown task `unregistered`".to_owned()
            ),
            (
                "bad".to_owned(),
                "task `double`: invalid arguments: invalid type: string \"not a number\", \
                 expected i64 at line 1 column 14"
                    .to_owned()
            ),
            ("double".to_owned(), format!("{} is too large", i64::MAX)),
        ]
    );
    assert!(t.pop_errors().unwrap().is_empty());
    assert!(!t.cancel(&FAIL).unwrap());
    assert!(!t.cancel("anything").unwrap());
    assert_eq!(t.cancel_all().unwrap(), 0);
}

#[test]
fn raw_tasks_and_decoding_errors() {
    let app = test_app();
    let t = app.tasks("r");
    t.add_raw("upper", "abc", TaskOptions::new()).unwrap();
    assert_eq!(
        t.wait_raw("upper", Duration::ZERO).unwrap().as_deref(),
        Some("ABC")
    );
    let err = t.pop_key::<i64>("upper").unwrap_err();
    assert!(
        err.message()
            .starts_with("the result of `upper` does not decode as the expected type"),
        "{err}"
    );
    assert!(err.message().ends_with(": ABC"), "{err}");
    assert_eq!(t.pop_raw("upper").unwrap(), None, "popped even so");
}

#[test]
fn tasks_run_in_their_session_context() {
    let app = test_app();
    let t = app.tasks("ctx");
    assert_eq!(
        t.add(&REMEMBER, "note".to_owned())
            .unwrap()
            .value
            .as_deref(),
        Some("4")
    );
    assert_eq!(
        app.in_session("ctx", || state::get(Scope::Session, "remembered"))
            .unwrap()
            .as_deref(),
        Some("note")
    );
    assert_eq!(
        app.in_session("other", || state::get(Scope::Session, "remembered"))
            .unwrap(),
        None
    );
}

#[test]
fn dispatch_and_handles_share_the_store() {
    let mut app = test_app();
    app.on_prompt(|_, tasks| -> Result<crate::Response, String> {
        Ok(match tasks.pop(&DOUBLE)? {
            Some(n) => crate::context(format!("doubled: {n}")),
            None => crate::allow(),
        })
    });
    let prompt = r#"{"hook_event_name":"UserPromptSubmit","session_id":"d","prompt":"x"}"#;
    assert!(app.dispatch_json(prompt).unwrap().is_none());
    app.tasks("d").add(&DOUBLE, 8).unwrap();
    let r = app.dispatch_json(prompt).unwrap();
    assert_eq!(r.additional_context.as_deref(), Some("doubled: 16"));
    assert!(app.dispatch_json(prompt).unwrap().is_none());
}

#[test]
fn options_builders() {
    let o = TaskOptions::new()
        .key("k")
        .ttl(Duration::from_secs(u64::MAX))
        .priority(-2);
    assert_eq!(o.key.as_deref(), Some("k"));
    assert_eq!(o.ttl_seconds, Some(u32::MAX));
    assert_eq!(o.priority, Some(-2));
    assert_eq!(TaskOptions::new().ttl_secs(7).ttl_seconds, Some(7));
    assert_eq!(TaskStatus::Cancelled.to_string(), "cancelled");
    assert!(TaskStatus::Failed.is_finished() && !TaskStatus::Running.is_finished());
}

#[test]
fn task_error_converts_to_string() {
    fn handler() -> Result<(), String> {
        Err(TaskError("not available in this version".into()))?
    }
    assert_eq!(
        handler().unwrap_err(),
        "tasks: not available in this version"
    );
}

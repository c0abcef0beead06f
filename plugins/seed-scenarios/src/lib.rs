//! seed-scenarios: the examples of the seed's background-tasks page (Quick Start, task options,
//! every `Tasks` method, async waiting, error handling, task status) as scenarios driven by
//! prompts, in Rust. `seed-scenarios-py` and `seed-scenarios-js` are its twins; one end-to-end
//! test (`tests/scenarios.rs`) runs the table `tests/fixtures/seed_scenarios.json` against all
//! three through the real host, and they must answer alike.
//!
//! - PreToolUse `Write`: adds `analyze_code(content)` (the Quick Start).
//! - The prompts `quick-start`, `options add`, `options check`, `methods add`, `methods check`,
//!   `waiting`, `status add`, `status check`: each answers with one line of context (the table
//!   has the lines).

use std::time::Duration;

use fasthooks_sdk::{App, Event, Response, Task, TaskOptions, Tasks, allow, context};

fn analyze_code(code: String) -> Result<String, String> {
    Ok(format!("Analysis complete: {} chars", code.chars().count()))
}
fn important_task(query: String) -> Result<String, String> {
    Ok(format!("found:{query}"))
}
fn long_output_task(_: ()) -> Result<String, String> {
    Ok("abcdefghij".to_owned())
}
fn first_five(text: String) -> String {
    text.chars().take(5).collect()
}
fn fetch(page: String) -> Result<String, String> {
    Ok(format!("page {page}"))
}
fn double(x: i64) -> Result<i64, String> {
    Ok(x * 2)
}
fn risky_task(_: ()) -> Result<String, String> {
    Err("Something went wrong".to_owned())
}

static ANALYZE: Task<String, String> = Task::new("analyze_code", analyze_code);
static IMPORTANT: Task<String, String> = Task::new("important_task", important_task)
    .ttl(Duration::from_secs(600))
    .priority(5);
static LONG_OUTPUT: Task<(), String> =
    Task::new("long_output_task", long_output_task).transform(first_five);
static FETCH: Task<String, String> = Task::new("fetch", fetch);
static DOUBLE: Task<i64, i64> = Task::new("double", double);
static RISKY: Task<(), String> = Task::new("risky_task", risky_task);

pub fn build_app() -> App {
    let mut app = App::new("seed-scenarios", env!("CARGO_PKG_VERSION"));
    app.register(&ANALYZE)
        .register(&IMPORTANT)
        .register(&LONG_OUTPUT)
        .register(&FETCH)
        .register(&DOUBLE)
        .register(&RISKY);
    app.pre_tool("Write", |event: &Event, tasks: &Tasks| {
        tasks.add(&ANALYZE, event.content().unwrap_or_default().to_owned())?;
        Ok::<_, String>(allow())
    });
    app.on_prompt(|event: &Event, tasks: &Tasks| {
        scenario(event.prompt.as_deref().unwrap_or_default().trim(), tasks)
            .map_err(|e| e.to_string())
    });
    app
}

fasthooks_sdk::plugin!(build_app);

fn or_none<T: ToString>(value: Option<T>) -> String {
    value.map_or_else(|| "none".to_owned(), |v| v.to_string())
}

fn pairs(outputs: &[fasthooks_sdk::TaskOutput]) -> String {
    let mut pairs: Vec<String> = outputs
        .iter()
        .map(|o| format!("{}:{}", o.key, o.value))
        .collect();
    pairs.sort();
    pairs.join(",")
}

fn scenario(prompt: &str, tasks: &Tasks) -> Result<Response, fasthooks_sdk::TaskError> {
    let second = Duration::from_secs(1);
    let line = match prompt {
        "quick-start" => match tasks.pop(&ANALYZE)? {
            Some(result) => format!("Previous analysis: {result}"),
            None => return Ok(Response::none()),
        },
        "options add" => {
            tasks.add(&IMPORTANT, "q".to_owned())?;
            tasks.add(&LONG_OUTPUT, ())?;
            tasks.add_with(&FETCH, "a".to_owned(), TaskOptions::new().key("fetch:a"))?;
            tasks.add_with(&FETCH, "b".to_owned(), TaskOptions::new().key("fetch:b"))?;
            "added".to_owned()
        }
        "options check" => format!(
            "important={} long={} fetch:a={} fetch:b={}",
            or_none(tasks.pop(&IMPORTANT)?),
            or_none(tasks.pop(&LONG_OUTPUT)?),
            or_none(tasks.pop_key::<String>("fetch:a")?),
            or_none(tasks.pop_key::<String>("fetch:b")?),
        ),
        "methods add" => {
            for (key, x) in [("a", 2), ("b", 3), ("c", 4)] {
                tasks.add_with(&DOUBLE, x, TaskOptions::new().key(key))?;
            }
            tasks.add(&RISKY, ())?;
            "added".to_owned()
        }
        "methods check" => {
            let has = tasks.has("a")?;
            let info = tasks.get("a")?;
            let status = or_none(info.as_ref().map(|i| i.status.as_str()));
            let got = or_none(info.and_then(|i| i.value));
            let popped = or_none(tasks.pop_key::<i64>("a")?);
            let again = or_none(tasks.pop_key::<i64>("a")?);
            let cancel = tasks.cancel("b")?;
            let wait = or_none(tasks.wait_key::<i64>("b", second)?);
            let all = pairs(&tasks.wait_all(["b", "c"], second)?);
            let any = tasks
                .wait_any(["c"], second)?
                .map_or("none".to_owned(), |o| format!("{}:{}", o.key, o.value));
            let pop_all = pairs(&tasks.pop_all()?);
            let errors: Vec<String> = tasks
                .pop_errors()?
                .into_iter()
                .map(|(key, error)| format!("{key}:{}", error.contains("Something went wrong")))
                .collect();
            let has_after = tasks.has_any()?;
            let cancel_all = tasks.cancel_all()?;
            format!(
                "has={has} status={status} get={got} pop={popped} again={again} cancel={cancel} wait={wait} all={all} any={any} popall={pop_all} errors={} has_after={has_after} cancel_all={cancel_all}",
                errors.join(",")
            )
        }
        "waiting" => {
            tasks.add_with(&DOUBLE, 21, TaskOptions::new().key("w"))?;
            let wait = or_none(tasks.wait_key::<i64>("w", Duration::from_secs(10))?);
            let all = pairs(&tasks.wait_all(["w"], Duration::from_secs(30))?);
            let any = tasks
                .wait_any(["w"], Duration::from_secs(30))?
                .map_or("none".to_owned(), |o| format!("{}:{}", o.key, o.value));
            format!("wait={wait} all={all} any={any}")
        }
        "status add" => {
            tasks.add_with(&DOUBLE, 1, TaskOptions::new().key("s1"))?;
            tasks.add_with(&RISKY, (), TaskOptions::new().key("s2"))?;
            "added".to_owned()
        }
        "status check" => {
            let status = |key: &str| -> Result<String, fasthooks_sdk::TaskError> {
                Ok(or_none(tasks.get(key)?.map(|i| i.status.as_str())))
            };
            format!(
                "s1={} s2={} nothing={}",
                status("s1")?,
                status("s2")?,
                status("nothing")?
            )
        }
        _ => return Ok(Response::none()),
    };
    Ok(context(line))
}

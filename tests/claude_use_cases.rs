//! The seed's use cases against the real Claude Code CLI, end to end and offline (the driver
//! is `fasthooks_e2e::claude_cli`): the review plugin's sub-agent and its wake-up, docs
//! prefetch, memory across sessions, and agent tasks in Python and TypeScript.

use fasthooks_e2e::claude_cli::{World, plugin_arg};
use fasthooks_e2e::fake_anthropic::{Request, text, tool};
use serde_json::json;
use std::time::Duration;

#[test]
fn the_review_plugin_reviews_a_written_file_and_its_wake_hook_hands_claude_the_review_once() {
    let review = "1. eval() on request input runs whatever a caller sends.\n2. The nested loop is quadratic.";
    let world = World::new(vec![vec![text("replaced below")]]);
    let file = world.project().join("src/app.py");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    let source = "def handle(request):\n    return eval(request.args['q'])\n";
    world.model.set_script(vec![
        vec![tool(
            "Write",
            json!({"file_path": file.display().to_string(), "content": source}),
        )],
        vec![text("Wrote src/app.py.")],
        vec![text("The review says eval() is unsafe; I will replace it.")],
    ]);
    // The reviewer sub-agent is told apart by its system prompt, and answers the review.
    world
        .model
        .answer_when("You are a code reviewer", vec![text(review)]);
    world.install(&["--plugin", &plugin_arg("review"), "--allow-agent"]);
    let settings = world.settings();
    let stop_hooks = &settings["hooks"]["Stop"];
    assert!(
        stop_hooks.as_array().unwrap().iter().any(|group| {
            let handler = &group["hooks"][0];
            handler["asyncRewake"] == true
                && fasthooks_e2e::handler::handler_text(handler).contains(" wake --plugin ")
        }),
        "install adds the wake hook of a plugin that marks tasks: {stop_hooks}"
    );

    // Claude writes, stops; the wake hook waits for the review and wakes Claude with it.
    let first = world.claude("write app.py", &["--allowedTools", "Bash,Write"]);
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        source,
        "the write went ahead"
    );
    let asked = world
        .model
        .requests()
        .into_iter()
        .find(|r| r.body.to_string().contains("You are a code reviewer"))
        .expect("the reviewer's request");
    assert!(
        asked.mentions("eval(request.args"),
        "the sub-agent got the code"
    );
    assert!(
        asked.tool_names().is_empty(),
        "a review has no tools unless granted: {:?}",
        asked.tool_names()
    );
    let requests: Vec<Request> = world
        .main_requests()
        .into_iter()
        .filter(|r| !r.body.to_string().contains("You are a code reviewer"))
        .collect();
    assert_eq!(requests.len(), 3, "{}", world.model.summary());
    let woken: Vec<String> = requests[2]
        .texts()
        .into_iter()
        .filter(|t| t.contains("Code review: src/app.py"))
        .collect();
    assert_eq!(woken.len(), 1, "{:?}", requests[2].texts());
    assert!(
        woken[0].contains("eval() on request input")
            && woken[0].contains("quadratic")
            && woken[0].contains("Background result from plugin review"),
        "{}",
        woken[0]
    );

    // Handed over once: the next prompt of the session does not get it again.
    world.model.set_script(vec![vec![text("Noted.")]]);
    let session = first.session_id();
    world.claude(
        "anything to fix?",
        &["--resume", &session, "--allowedTools", "Bash,Write"],
    );
    let next = world
        .main_requests()
        .into_iter()
        .rfind(|r| r.mentions("anything to fix?"))
        .expect("the second prompt's request");
    let mentions = next
        .texts()
        .iter()
        .filter(|t| t.contains("Code review: src/app.py"))
        .count();
    assert_eq!(
        mentions,
        1,
        "only the earlier wake-up mentions the review: {:?}",
        next.texts()
    );
}

#[test]
fn docs_prefetch_fetches_what_claude_fetches_and_the_next_prompt_gets_it() {
    use fasthooks_e2e::web::{WebReply, WebServer};
    let docs = WebServer::http(|request| match request.header("x-fasthooks-prefetch") {
        Some(_) => WebReply::text(200, "serde: derive Serialize with #[derive(Serialize)]."),
        None => WebReply::text(200, "for Claude Code's own fetch"),
    });
    let url = docs.url("/serde/derive");
    let world = World::new(vec![
        vec![tool(
            "WebFetch",
            json!({"url": url, "prompt": "How do I derive Serialize?"}),
        )],
        vec![text("Fetched it.")],
    ]);
    let origin = docs.origin();
    world.install(&[
        "--plugin",
        &plugin_arg("docs-prefetch"),
        "--allow-http",
        &origin,
    ]);
    let first = world.claude("read the serde docs", &["--allowedTools", "Bash,WebFetch"]);
    // The page is delivered once: by the PostToolUse of Claude's fetch if the task was done by
    // then (the task is gone), or else by the next prompt (the task waits, completed).
    let key = format!("doc:{url}");
    world.fasthooks.await_tasks(
        None,
        "the prefetch finishes",
        Duration::from_secs(60),
        |tasks| !tasks.iter().any(|(k, s)| *k == key && s != "completed"),
    );

    world.model.set_script(vec![vec![text("Noted.")]]);
    let session = first.session_id();
    world.claude(
        "so how do I derive it?",
        &["--resume", &session, "--allowedTools", "Bash,WebFetch"],
    );
    let next = world
        .main_requests()
        .into_iter()
        .rfind(|r| r.mentions("so how do I derive it?"))
        .expect("the second prompt's request");
    let expected = format!(
        "Documentation prefetched from {url}:\nserde: derive Serialize with #[derive(Serialize)]."
    );
    let times = next
        .texts()
        .iter()
        .chain(next.tool_results().iter().map(|(_, text, _)| text))
        .filter(|t| t.contains(&expected))
        .count();
    assert!(
        times >= 1,
        "the page reached the session: {:?}",
        next.texts()
    );
}

#[test]
fn memory_found_in_a_second_session_comes_from_the_first() {
    let world = World::new(vec![vec![text(
        "Noted: the deploy key is in vault at secret/deploy.",
    )]]);
    world.install(&["--plugin", &plugin_arg("memory")]);

    // Session 1: its Stop hook keeps the prompt and the answer as a note.
    let first = world.claude(
        "remember that the deploy key lives in vault at secret/deploy",
        &["--allowedTools", "Bash"],
    );

    // Session 2, a new one: its first prompt queues a search (and answers at once)...
    world.model.set_script(vec![vec![text("Let me look.")]]);
    let second = world.claude("where is the deploy key kept?", &["--allowedTools", "Bash"]);
    assert_ne!(second.session_id(), first.session_id(), "a new session");
    // Session 1's own search is done too: wait for session 2's.
    let session = second.session_id();
    world.fasthooks.await_tasks(
        Some(&session),
        "session 2's search finishes",
        Duration::from_secs(60),
        |tasks| {
            tasks
                .iter()
                .any(|(k, s)| k == "search_memory" && s == "completed")
        },
    );
    // ...and its next prompt gets what the search found: session 1's note.
    world.model.set_script(vec![vec![text("Found it.")]]);
    world.claude(
        "so where?",
        &["--resume", &session, "--allowedTools", "Bash"],
    );
    let next = world
        .main_requests()
        .into_iter()
        .rfind(|r| r.mentions("so where?"))
        .expect("the request of the second prompt");
    let context: Vec<String> = next
        .texts()
        .into_iter()
        .filter(|t| t.contains("Relevant context:"))
        .collect();
    assert_eq!(context.len(), 1, "{:?}", next.texts());
    assert!(
        context[0].contains(
            "Asked: remember that the deploy key lives in vault at secret/deploy\nAnswered: Noted: the deploy key is in vault at secret/deploy."
        ),
        "{}",
        context[0]
    );
}

#[test]
fn a_python_agent_task_gets_its_agent_set_up_by_the_decorator() {
    agent_task_runs_with_its_options("agent-task-py");
}

/// The same with a TypeScript plugin on fasthooks-sdk (`app.agentTask`).
#[test]
fn a_typescript_agent_task_gets_its_agent_set_up_by_its_definition() {
    agent_task_runs_with_its_options("agent-task-ts");
}

/// A prompt `ask …` queues the plugin's agent task (haiku, its own system prompt); the
/// sub-agent's request carries both, and its answer reaches the session's next prompt.
fn agent_task_runs_with_its_options(name: &str) {
    let system_prompt = format!("You are the {name} test agent.");
    let world = World::new(vec![vec![text("Queued.")]]);
    world
        .model
        .answer_when(&system_prompt, vec![text("Forty-two, says the agent.")]);
    world.install(&["--plugin", &plugin_arg(name), "--allow-agent"]);
    let first = world.claude("ask what is six times seven?", &["--allowedTools", "Bash"]);
    world.fasthooks.await_tasks(
        None,
        "the agent task finishes",
        Duration::from_secs(90),
        |tasks| {
            tasks
                .iter()
                .any(|(k, s)| k == "ask" && (s == "completed" || s == "failed"))
        },
    );
    let asked = world
        .model
        .requests()
        .into_iter()
        .find(|r| r.body.to_string().contains(&system_prompt))
        .expect("the sub-agent's request");
    assert!(asked.mentions("what is six times seven?"));
    assert_eq!(
        asked.body["model"].as_str().map(|m| m.contains("haiku")),
        Some(true),
        "the decorator's model: {}",
        asked.body["model"]
    );

    world.model.set_script(vec![vec![text("Thanks.")]]);
    world.claude(
        "and?",
        &["--resume", &first.session_id(), "--allowedTools", "Bash"],
    );
    let next = world
        .main_requests()
        .into_iter()
        .rfind(|r| r.mentions("and?"))
        .expect("the second prompt's request");
    assert!(
        next.texts()
            .iter()
            .any(|t| t.contains("Agent said: Forty-two, says the agent.")),
        "{:?}",
        next.texts()
    );
}

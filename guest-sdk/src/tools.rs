//! Typed tool inputs.
//!
//! [`ToolInput::parse`] turns a `tool_name` and its `tool_input` into a typed value. Parsing
//! never fails: a known tool whose input does not have the expected shape, and every tool this
//! SDK does not know, becomes [`ToolInput::Other`] with the input kept as JSON. Fields missing
//! from an otherwise valid input take their default (empty string, `None`, `false`).

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The typed input of one tool call.
#[derive(Debug, Clone, PartialEq)]
pub enum ToolInput {
    /// `Bash`.
    Bash(BashInput),
    /// `PowerShell` (same fields as Bash).
    PowerShell(BashInput),
    /// `Write`.
    Write(WriteInput),
    /// `Edit`.
    Edit(EditInput),
    /// `MultiEdit`.
    MultiEdit(MultiEditInput),
    /// `Read`.
    Read(ReadInput),
    /// `Grep`.
    Grep(GrepInput),
    /// `Glob`.
    Glob(GlobInput),
    /// `WebFetch`.
    WebFetch(WebFetchInput),
    /// `WebSearch`.
    WebSearch(WebSearchInput),
    /// `Agent`, the subagent tool (named `Task` before Claude Code 2.1.63; both names parse here).
    Agent(AgentInput),
    /// `NotebookEdit`.
    NotebookEdit(NotebookEditInput),
    /// An MCP tool, `mcp__<server>__<tool>`.
    Mcp {
        /// The MCP server name (for plugin servers: `plugin_<plugin>_<server>`).
        server: String,
        /// The tool name on that server.
        tool: String,
        /// The tool's arguments.
        input: Value,
    },
    /// Any other tool, or a known tool whose input has an unexpected shape.
    Other {
        /// The `tool_name`.
        name: String,
        /// The `tool_input`.
        input: Value,
    },
}

/// `Bash` / `PowerShell` input.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BashInput {
    /// The command line.
    pub command: String,
    /// What the command does, in Claude's words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Timeout in milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<u64>,
    /// Run the command in the background.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_in_background: Option<bool>,
}

/// `Write` input.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WriteInput {
    /// Absolute path of the file.
    pub file_path: String,
    /// The whole new content.
    pub content: String,
}

/// `Edit` input.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EditInput {
    /// Absolute path of the file.
    pub file_path: String,
    /// The text to replace.
    pub old_string: String,
    /// The replacement.
    pub new_string: String,
    /// Replace every occurrence instead of exactly one.
    pub replace_all: bool,
}

/// One edit of a `MultiEdit` call.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EditOperation {
    /// The text to replace.
    pub old_string: String,
    /// The replacement.
    pub new_string: String,
    /// Replace every occurrence instead of exactly one.
    pub replace_all: bool,
}

/// `MultiEdit` input.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MultiEditInput {
    /// Absolute path of the file.
    pub file_path: String,
    /// The edits, applied in order.
    pub edits: Vec<EditOperation>,
}

/// `Read` input.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReadInput {
    /// Absolute path of the file.
    pub file_path: String,
    /// First line to read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    /// How many lines to read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u64>,
}

/// `Grep` input.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GrepInput {
    /// The regular expression.
    pub pattern: String,
    /// File or directory to search.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Glob filter for file names.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub glob: Option<String>,
    /// `content`, `files_with_matches` or `count`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_mode: Option<String>,
    /// `-i`: case-insensitive.
    #[serde(rename = "-i", skip_serializing_if = "Option::is_none")]
    pub case_insensitive: Option<bool>,
    /// `-n`: show line numbers.
    #[serde(rename = "-n", skip_serializing_if = "Option::is_none")]
    pub line_numbers: Option<bool>,
    /// `-A`: lines of context after a match.
    #[serde(rename = "-A", skip_serializing_if = "Option::is_none")]
    pub after_context: Option<u64>,
    /// `-B`: lines of context before a match.
    #[serde(rename = "-B", skip_serializing_if = "Option::is_none")]
    pub before_context: Option<u64>,
    /// `-C`: lines of context around a match.
    #[serde(rename = "-C", skip_serializing_if = "Option::is_none")]
    pub context: Option<u64>,
    /// `type`: ripgrep file type, e.g. `rust`.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub file_type: Option<String>,
    /// Let patterns span lines.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub multiline: Option<bool>,
    /// Limit the output to the first N entries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub head_limit: Option<u64>,
}

/// `Glob` input.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GlobInput {
    /// The glob pattern.
    pub pattern: String,
    /// Directory to search.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

/// `WebFetch` input.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WebFetchInput {
    /// The URL to fetch.
    pub url: String,
    /// What to extract from the page.
    pub prompt: String,
}

/// `WebSearch` input.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WebSearchInput {
    /// The search query.
    pub query: String,
    /// Only include results from these domains.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allowed_domains: Vec<String>,
    /// Never include results from these domains.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub blocked_domains: Vec<String>,
}

/// `Agent` (formerly `Task`) input: spawn a subagent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AgentInput {
    /// The subagent's task.
    pub prompt: String,
    /// A short description.
    pub description: String,
    /// The subagent type, e.g. `Explore`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subagent_type: Option<String>,
    /// A model override.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
}

/// `NotebookEdit` input.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NotebookEditInput {
    /// Absolute path of the notebook.
    pub notebook_path: String,
    /// The new cell source.
    pub new_source: String,
    /// The cell to edit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cell_id: Option<String>,
    /// `code` or `markdown`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cell_type: Option<String>,
    /// `replace`, `insert` or `delete`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub edit_mode: Option<String>,
}

fn typed<T: DeserializeOwned>(input: &Value, wrap: fn(T) -> ToolInput) -> Option<ToolInput> {
    if !input.is_object() {
        return None;
    }
    T::deserialize(input).ok().map(wrap)
}

/// Splits `mcp__<server>__<tool>` into server and tool.
pub fn split_mcp_name(name: &str) -> Option<(&str, &str)> {
    let rest = name.strip_prefix("mcp__")?;
    let (server, tool) = rest.split_once("__")?;
    (!server.is_empty() && !tool.is_empty()).then_some((server, tool))
}

impl ToolInput {
    /// Types the input of the tool `name`.
    pub fn parse(name: &str, input: &Value) -> ToolInput {
        let parsed = match name {
            "Bash" => typed(input, ToolInput::Bash),
            "PowerShell" => typed(input, ToolInput::PowerShell),
            "Write" => typed(input, ToolInput::Write),
            "Edit" => typed(input, ToolInput::Edit),
            "MultiEdit" => typed(input, ToolInput::MultiEdit),
            "Read" => typed(input, ToolInput::Read),
            "Grep" => typed(input, ToolInput::Grep),
            "Glob" => typed(input, ToolInput::Glob),
            "WebFetch" => typed(input, ToolInput::WebFetch),
            "WebSearch" => typed(input, ToolInput::WebSearch),
            "Agent" | "Task" => typed(input, ToolInput::Agent),
            "NotebookEdit" => typed(input, ToolInput::NotebookEdit),
            _ => split_mcp_name(name).map(|(server, tool)| ToolInput::Mcp {
                server: server.to_owned(),
                tool: tool.to_owned(),
                input: input.clone(),
            }),
        };
        parsed.unwrap_or_else(|| ToolInput::Other {
            name: name.to_owned(),
            input: input.clone(),
        })
    }

    /// The file the call works on: Write, Edit, MultiEdit and Read `file_path`, NotebookEdit
    /// `notebook_path`.
    pub fn file_path(&self) -> Option<&str> {
        match self {
            ToolInput::Write(i) => Some(&i.file_path),
            ToolInput::Edit(i) => Some(&i.file_path),
            ToolInput::MultiEdit(i) => Some(&i.file_path),
            ToolInput::Read(i) => Some(&i.file_path),
            ToolInput::NotebookEdit(i) => Some(&i.notebook_path),
            _ => None,
        }
    }

    /// True for tools that change files (Write, Edit, MultiEdit, NotebookEdit).
    pub fn is_file_edit(&self) -> bool {
        matches!(
            self,
            ToolInput::Write(_)
                | ToolInput::Edit(_)
                | ToolInput::MultiEdit(_)
                | ToolInput::NotebookEdit(_)
        )
    }

    /// The input as JSON, e.g. as the base of an updated input.
    pub fn to_value(&self) -> Value {
        fn json<T: Serialize>(input: &T) -> Value {
            serde_json::to_value(input).unwrap_or(Value::Null)
        }
        match self {
            ToolInput::Bash(i) | ToolInput::PowerShell(i) => json(i),
            ToolInput::Write(i) => json(i),
            ToolInput::Edit(i) => json(i),
            ToolInput::MultiEdit(i) => json(i),
            ToolInput::Read(i) => json(i),
            ToolInput::Grep(i) => json(i),
            ToolInput::Glob(i) => json(i),
            ToolInput::WebFetch(i) => json(i),
            ToolInput::WebSearch(i) => json(i),
            ToolInput::Agent(i) => json(i),
            ToolInput::NotebookEdit(i) => json(i),
            ToolInput::Mcp { input, .. } | ToolInput::Other { input, .. } => input.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bash_full() {
        let input = json!({"command":"rm -rf build","description":"Clean build dir","timeout":120000,"run_in_background":false});
        match ToolInput::parse("Bash", &input) {
            ToolInput::Bash(b) => {
                assert_eq!(b.command, "rm -rf build");
                assert_eq!(b.description.as_deref(), Some("Clean build dir"));
                assert_eq!(b.timeout, Some(120000));
                assert_eq!(b.run_in_background, Some(false));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn file_tools() {
        let write = ToolInput::parse(
            "Write",
            &json!({"file_path":"/a/lib.rs","content":"pub fn f() {}\n"}),
        );
        assert!(matches!(&write, ToolInput::Write(w) if w.content == "pub fn f() {}\n"));
        assert_eq!(write.file_path(), Some("/a/lib.rs"));
        assert!(write.is_file_edit());

        let edit = ToolInput::parse(
            "Edit",
            &json!({"file_path":"/a","old_string":"x","new_string":"y","replace_all":true}),
        );
        assert!(
            matches!(edit, ToolInput::Edit(ref e) if e.replace_all && e.old_string == "x" && e.new_string == "y")
        );

        let multi = ToolInput::parse(
            "MultiEdit",
            &json!({"file_path":"/a","edits":[{"old_string":"a","new_string":"b"},{"old_string":"c","new_string":"d","replace_all":true}]}),
        );
        match multi {
            ToolInput::MultiEdit(m) => {
                assert_eq!(m.edits.len(), 2);
                assert!(!m.edits[0].replace_all);
                assert!(m.edits[1].replace_all);
            }
            other => panic!("{other:?}"),
        }

        let read = ToolInput::parse("Read", &json!({"file_path":"/a","offset":10,"limit":5}));
        assert!(
            matches!(read, ToolInput::Read(ref r) if r.offset == Some(10) && r.limit == Some(5))
        );
        assert!(!read.is_file_edit());

        let nb = ToolInput::parse(
            "NotebookEdit",
            &json!({"notebook_path":"/n.ipynb","new_source":"print(1)","cell_type":"code"}),
        );
        assert_eq!(nb.file_path(), Some("/n.ipynb"));
    }

    #[test]
    fn search_and_web_tools() {
        let grep = ToolInput::parse(
            "Grep",
            &json!({"pattern":"fn main","path":"/src","-i":true,"-C":2,"type":"rust","output_mode":"content"}),
        );
        match grep {
            ToolInput::Grep(g) => {
                assert_eq!(g.case_insensitive, Some(true));
                assert_eq!(g.context, Some(2));
                assert_eq!(g.file_type.as_deref(), Some("rust"));
                assert_eq!(g.output_mode.as_deref(), Some("content"));
            }
            other => panic!("{other:?}"),
        }
        let glob = ToolInput::parse("Glob", &json!({"pattern":"**/*.rs"}));
        assert!(matches!(glob, ToolInput::Glob(ref g) if g.path.is_none()));

        let fetch = ToolInput::parse(
            "WebFetch",
            &json!({"url":"https://example.com","prompt":"summarise"}),
        );
        assert!(matches!(fetch, ToolInput::WebFetch(ref f) if f.url == "https://example.com"));

        let search = ToolInput::parse(
            "WebSearch",
            &json!({"query":"rust wasm","blocked_domains":["spam.example"]}),
        );
        match search {
            ToolInput::WebSearch(s) => {
                assert!(s.allowed_domains.is_empty());
                assert_eq!(s.blocked_domains, vec!["spam.example"]);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn agent_and_task_names() {
        let input =
            json!({"prompt":"find callers","description":"search","subagent_type":"Explore"});
        for name in ["Agent", "Task"] {
            match ToolInput::parse(name, &input) {
                ToolInput::Agent(a) => {
                    assert_eq!(a.subagent_type.as_deref(), Some("Explore"));
                    assert_eq!(a.model, None);
                }
                other => panic!("{name}: {other:?}"),
            }
        }
        // The task-list tools are not the subagent tool.
        assert!(matches!(
            ToolInput::parse("TaskCreate", &input),
            ToolInput::Other { .. }
        ));
    }

    #[test]
    fn mcp_tools() {
        let input = json!({"query":"x"});
        match ToolInput::parse("mcp__memory__search_nodes", &input) {
            ToolInput::Mcp {
                server,
                tool,
                input: i,
            } => {
                assert_eq!(server, "memory");
                assert_eq!(tool, "search_nodes");
                assert_eq!(i, input);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            split_mcp_name("mcp__plugin_docs_search__lookup"),
            Some(("plugin_docs_search", "lookup"))
        );
        assert_eq!(split_mcp_name("mcp__memory"), None);
        assert!(matches!(
            ToolInput::parse("mcp__memory", &input),
            ToolInput::Other { .. }
        ));
    }

    #[test]
    fn unexpected_shapes_become_other() {
        let bad = json!({"command": 42});
        assert!(matches!(
            ToolInput::parse("Bash", &bad),
            ToolInput::Other { ref name, .. } if name == "Bash"
        ));
        assert!(matches!(
            ToolInput::parse("Bash", &Value::Null),
            ToolInput::Other { .. }
        ));
        assert!(matches!(
            ToolInput::parse("AskUserQuestion", &json!({"questions":[]})),
            ToolInput::Other { .. }
        ));
        // Unknown extra fields are fine.
        assert!(matches!(
            ToolInput::parse(
                "Bash",
                &json!({"command":"ls","dangerouslyDisableSandbox":true})
            ),
            ToolInput::Bash(_)
        ));
    }

    #[test]
    fn to_value_round_trip() {
        let input = json!({"file_path":"/a","content":"x"});
        assert_eq!(ToolInput::parse("Write", &input).to_value(), input);
        let bash = json!({"command":"ls","timeout":5});
        assert_eq!(ToolInput::parse("Bash", &bash).to_value(), bash);
    }
}

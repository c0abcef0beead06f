//! Edit the `hooks` of Claude Code's `settings.json` in place.
//!
//! The text is parsed into a concrete syntax tree ([`jsonc_parser::cst`]) and only the nodes
//! that change are touched: the rest (key order, inline objects, blank lines, indentation, line
//! endings, `//` and `/* */` comments) stays byte for byte as it was.
//!
//! The settings are shaped
//! `{"hooks": {"<Event>": [{"matcher": "<m>", "hooks": [{"type": "command", "command": "<c>", "timeout": N}]}]}}`
//! (`matcher` and `timeout` optional), with `"args": [...]` beside `command` in the exec form, or
//! with `{"type": "http", "url": "<u>"}` handlers (the `http` transport). A handler belongs to
//! an installation when its `type` is `"command"` and the caller's predicate accepts its command
//! line (in the exec form, `command` and `args` read back as one, see [`super::exec_form`]), or
//! `"http"` and the predicate accepts its `url`. An installation switching transport has its old
//! handlers replaced by new groups; one switching between the shell and the exec form is
//! updated in place.
//!
//! - [`apply_install`] updates the first handler of the installation in each wanted event whose
//!   group has the wanted matcher (it stays where it is), removes every other handler of the
//!   installation, and appends a new group to each wanted event that got no update.
//! - [`apply_uninstall`] removes every handler of the installation.
//!
//! Both then remove the groups, event lists and `hooks` object that this removal left empty
//! (containers that were empty before stay).
//!
//! Accepted: JSON plus comments and trailing commas (JSONC); a blank text is an empty object. A
//! new file gets two-space indentation and a final newline; new nodes in an existing file take
//! its indentation, line endings and trailing-comma style as far as `jsonc-parser` infers them.
//!
//! Removing a member takes its separator and its layout with it: a member on a line of its own
//! goes with that line (comments after it on the line included), comments on lines of their own
//! stay, and removing what an install appended gives back the text from before byte for byte.
//! Comments inside a removed group, event list or `hooks` object go with it.
//!
//! Where an edit reaches beyond the changed nodes (`jsonc-parser`'s insertion): a property added
//! to a one-line object spreads it over lines (folded back for `timeout`); appending drops blank
//! lines just inside the brackets; a container a removal empties is written `{}` / `[]`.

use super::exec_form::line_of_exec;
use super::one_line::append_scalar;
pub use super::plan::{Entry, Handler, Plan};
use jsonc_parser::ParseOptions;
use jsonc_parser::cst::{
    CstContainerNode, CstInputValue, CstLeafNode, CstNode, CstObject, CstRootNode,
};

/// Why the settings cannot be edited. Nothing was changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    #[error("not valid JSON: {message} at line {line}, column {column}")]
    InvalidJson {
        message: String,
        line: usize,
        column: usize,
    },
    #[error("the settings are not a JSON object")]
    RootNotObject,
    #[error("\"hooks\" is not an object")]
    HooksNotObject,
    #[error("\"hooks.{0}\" is not a list")]
    EventNotList(String),
}

/// Merge `plan` into the settings `text`. `is_ours` says whether a `command` runs exactly this
/// installation's plugins. Returns the new text, or `None` when nothing changes.
pub fn apply_install(
    text: &str,
    plan: &Plan,
    is_ours: impl Fn(&str) -> bool,
) -> Result<Option<String>, SettingsError> {
    let mut root = parse(text)?;
    let mut edited = false;
    let mut placed: Vec<String> = Vec::new();
    if let Some(object) = root_object(&root)? {
        let removed = remove_handlers(&object, &is_ours, |event, group, handler| {
            let Some(entry) = plan.entries.iter().find(|e| e.event == event) else {
                return false;
            };
            if placed.iter().any(|e| e == event)
                || !group_matcher_is(group, entry.matcher.as_deref())
                || string_prop(handler, "type").as_deref() != Some(plan.handler_for(event).kind())
            {
                return false;
            }
            placed.push(event.to_owned());
            edited |= update_handler(handler, plan, event);
            true
        })?;
        edited |= removed > 0;
    }
    if edited && plan.entries.iter().any(|e| !placed.contains(&e.event)) {
        // Removals leave zero-width nodes behind; appends see the text as it now is.
        root = parse(&root.to_string())?;
    }
    for entry in plan.entries.iter().filter(|e| !placed.contains(&e.event)) {
        let object = match root.value() {
            None => root.object_value_or_set(),
            Some(_) => root_object(&root)?.ok_or(SettingsError::RootNotObject)?,
        };
        let group = group_value(entry, plan);
        match object.get("hooks") {
            None => {
                let hooks = CstInputValue::Object(vec![(
                    entry.event.clone(),
                    CstInputValue::Array(vec![group]),
                )]);
                object.append("hooks", hooks);
            }
            Some(prop) => {
                let hooks = prop.object_value().ok_or(SettingsError::HooksNotObject)?;
                match hooks.get(&entry.event) {
                    None => {
                        hooks.append(&entry.event, CstInputValue::Array(vec![group]));
                    }
                    Some(prop) => {
                        let groups = prop
                            .array_value()
                            .ok_or_else(|| SettingsError::EventNotList(entry.event.clone()))?;
                        groups.append(group);
                    }
                }
            }
        }
        edited = true;
    }
    if !edited {
        return Ok(None);
    }
    let out = root.to_string();
    Ok((out != text).then_some(out))
}

/// Remove every handler whose `command` `is_ours` accepts from the settings `text`. Returns the
/// new text (the same text when nothing was removed) and how many handlers were removed.
pub fn apply_uninstall(
    text: &str,
    is_ours: impl Fn(&str) -> bool,
) -> Result<(String, usize), SettingsError> {
    let root = parse(text)?;
    let Some(object) = root_object(&root)? else {
        return Ok((text.to_owned(), 0));
    };
    let removed = remove_handlers(&object, &is_ours, |_, _, _| false)?;
    if removed == 0 {
        return Ok((text.to_owned(), 0));
    }
    Ok((root.to_string(), removed))
}

/// The tree of `text`; a blank text is parsed as nothing at all, so that what is added to it is
/// laid out as a new file.
fn parse(text: &str) -> Result<CstRootNode, SettingsError> {
    let text = if text.trim().is_empty() { "" } else { text };
    let options = ParseOptions {
        allow_comments: true,
        allow_trailing_commas: true,
        allow_loose_object_property_names: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    };
    CstRootNode::parse(text, &options).map_err(|err| SettingsError::InvalidJson {
        message: err.kind().to_string(),
        line: err.line_display(),
        column: err.column_display(),
    })
}

/// The root object, `None` when the text holds no value (blank, or only comments).
fn root_object(root: &CstRootNode) -> Result<Option<CstObject>, SettingsError> {
    match root.value() {
        None => Ok(None),
        Some(value) => value
            .as_object()
            .map(Some)
            .ok_or(SettingsError::RootNotObject),
    }
}

/// The decoded string value of `object.name`, if it is a string.
fn string_prop(object: &CstObject, name: &str) -> Option<String> {
    match object.get(name)?.value()? {
        CstNode::Leaf(CstLeafNode::StringLit(lit)) => lit.decoded_value().ok(),
        _ => None,
    }
}

fn is_ours_handler(handler: &CstObject, is_ours: &impl Fn(&str) -> bool) -> bool {
    let named = match string_prop(handler, "type").as_deref() {
        Some("command") => command_line(handler),
        Some("http") => string_prop(handler, "url"),
        _ => return false,
    };
    named.is_some_and(|value| is_ours(&value))
}

/// The command line a `command` handler runs: `command`, or in the exec form `command` and `args`
/// read back as one line. `None` for `args` that are not strings (install never writes those).
fn command_line(handler: &CstObject) -> Option<String> {
    let command = string_prop(handler, "command")?;
    match handler.get("args").and_then(|prop| prop.value()) {
        None | Some(CstNode::Leaf(CstLeafNode::NullKeyword(_))) => Some(command),
        Some(_) => Some(line_of_exec(&command, &string_list(handler, "args")?)),
    }
}

/// The decoded strings of the list `object.name`, if it is a list of strings.
fn string_list(object: &CstObject, name: &str) -> Option<Vec<String>> {
    let list = object.array_value(name)?;
    list.elements()
        .iter()
        .map(|element| match element {
            CstNode::Leaf(CstLeafNode::StringLit(lit)) => lit.decoded_value().ok(),
            _ => None,
        })
        .collect()
}

fn group_matcher_is(group: &CstObject, wanted: Option<&str>) -> bool {
    if group.get("matcher").is_none() {
        return wanted.is_none();
    }
    match (string_prop(group, "matcher"), wanted) {
        (Some(matcher), None) => matcher.is_empty(),
        (Some(matcher), Some(wanted)) => matcher == wanted,
        (None, _) => false,
    }
}

/// Set the handler's `command` (or `url`) and (when the plan has one) `timeout`, touching only
/// values that differ. Returns whether anything changed.
fn update_handler(handler: &CstObject, plan: &Plan, event: &str) -> bool {
    let mut changed = false;
    let wanted = plan.handler_for(event);
    let (key, value) = wanted.key_and_value();
    if string_prop(handler, key).as_deref() != Some(value.as_str()) {
        let prop = handler
            .get(key)
            .expect("an ours handler has its command or url");
        prop.set_value(value.into());
        changed = true;
    }
    // The exec form's `args`, set, replaced, or (back in the shell form) removed.
    let had_args = handler.get("args").map(|_| string_list(handler, "args"));
    match (wanted.args(), handler.get("args")) {
        (Some(args), _) if had_args == Some(Some(args.to_vec())) => {}
        (Some(args), None) => append_scalar(handler, "args", string_array(args)),
        (Some(args), Some(prop)) => prop.set_value(string_array(args)),
        (None, Some(prop)) => remove_member(prop.into()),
        (None, None) => {}
    }
    changed |= had_args.is_some() != wanted.args().is_some()
        || had_args.is_some_and(|had| had.as_deref() != wanted.args());
    if plan.async_rewake
        && !matches!(
            handler.get("asyncRewake").and_then(|prop| prop.value()),
            Some(CstNode::Leaf(CstLeafNode::BooleanLit(flag))) if flag.value()
        )
    {
        match handler.get("asyncRewake") {
            Some(prop) => prop.set_value(true.into()),
            None => append_scalar(handler, "asyncRewake", true.into()),
        }
        changed = true;
    }
    if let Some(timeout) = plan.timeout {
        match handler.get("timeout") {
            Some(prop) => {
                let same = matches!(prop.value(),
                    Some(CstNode::Leaf(CstLeafNode::NumberLit(n))) if n.to_string() == timeout.to_string());
                if !same {
                    prop.set_value(timeout.into());
                    changed = true;
                }
            }
            None => {
                append_scalar(handler, "timeout", timeout.into());
                changed = true;
            }
        }
    }
    changed
}

/// The group a plan entry adds: `{"matcher": m, "hooks": [{"type", "command", "timeout"}]}`
/// (`url` for `command` in an `http` handler).
fn group_value(entry: &Entry, plan: &Plan) -> CstInputValue {
    let wanted = plan.handler_for(&entry.event);
    let (key, value) = wanted.key_and_value();
    let mut handler = vec![
        ("type".to_owned(), wanted.kind().into()),
        (key.to_owned(), value.into()),
    ];
    if let Some(args) = wanted.args() {
        handler.push(("args".to_owned(), string_array(args)));
    }
    if plan.async_rewake && matches!(wanted, Handler::Command(_) | Handler::Exec(_)) {
        handler.push(("asyncRewake".to_owned(), true.into()));
    }
    if let Some(timeout) = plan.timeout {
        handler.push(("timeout".to_owned(), timeout.into()));
    }
    let mut group = Vec::new();
    if let Some(matcher) = &entry.matcher {
        group.push(("matcher".to_owned(), matcher.clone().into()));
    }
    group.push((
        "hooks".to_owned(),
        CstInputValue::Array(vec![CstInputValue::Object(handler)]),
    ));
    CstInputValue::Object(group)
}

/// `words` as a JSON list.
fn string_array(words: &[String]) -> CstInputValue {
    CstInputValue::Array(words.iter().map(|word| word.clone().into()).collect())
}

/// Walk the handlers `is_ours` accepts; `keep` may update one in place and keep it, the others
/// are removed, with the groups, event lists and `hooks` object left empty by that. Returns how
/// many handlers were removed.
fn remove_handlers(
    root: &CstObject,
    is_ours: &impl Fn(&str) -> bool,
    mut keep: impl FnMut(&str, &CstObject, &CstObject) -> bool,
) -> Result<usize, SettingsError> {
    let Some(hooks_prop) = root.get("hooks") else {
        return Ok(0);
    };
    let hooks = hooks_prop
        .object_value()
        .ok_or(SettingsError::HooksNotObject)?;
    // First decide (and update in place), reading the tree as it was; then remove, the outermost
    // node of each removal only, last first, so that each removal sees its neighbours as written.
    let mut removals: Vec<CstNode> = Vec::new();
    let mut removed = 0;
    let events = hooks.properties();
    let mut emptied_events = 0;
    for event_prop in &events {
        let (Some(event), Some(groups)) = (event_prop.decoded_name(), event_prop.array_value())
        else {
            continue;
        };
        let mut removed_here = 0;
        let mut here: Vec<CstNode> = Vec::new();
        let all_groups = groups.elements();
        let mut groups_gone = 0;
        for group in &all_groups {
            let Some(group) = group.as_object() else {
                continue;
            };
            let Some(handlers) = group.array_value("hooks") else {
                continue;
            };
            let all = handlers.elements();
            let mut doomed = Vec::new();
            for handler in &all {
                let Some(handler) = handler.as_object() else {
                    continue;
                };
                if is_ours_handler(&handler, is_ours) && !keep(&event, &group, &handler) {
                    doomed.push(CstNode::from(handler));
                }
            }
            removed_here += doomed.len();
            if !doomed.is_empty() && doomed.len() == all.len() {
                here.push(group.into());
                groups_gone += 1;
            } else {
                here.extend(doomed);
            }
        }
        removed += removed_here;
        if removed_here > 0 && groups_gone == all_groups.len() {
            removals.push(event_prop.clone().into());
            emptied_events += 1;
        } else {
            removals.extend(here);
        }
    }
    if emptied_events > 0 && emptied_events == events.len() {
        removals = vec![hooks_prop.into()];
    }
    for node in removals.into_iter().rev() {
        remove_member(node);
    }
    Ok(removed)
}

/// What a child of an object or list is, for laying out a removal; `None` for what an earlier
/// removal left behind (zero-width nodes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Space,
    Newline,
    Comment,
    Comma,
    Open,
    Close,
    Member,
}

fn kind(node: &CstNode) -> Option<Kind> {
    let kind = match node {
        CstNode::Leaf(CstLeafNode::Whitespace(_)) => Kind::Space,
        CstNode::Leaf(CstLeafNode::Newline(_)) => Kind::Newline,
        CstNode::Leaf(CstLeafNode::Comment(_)) => Kind::Comment,
        CstNode::Leaf(CstLeafNode::Token(token)) => match token.value() {
            ',' => Kind::Comma,
            '[' | '{' => Kind::Open,
            ']' | '}' => Kind::Close,
            _ => Kind::Member,
        },
        _ => Kind::Member,
    };
    (!node.to_string().is_empty()).then_some(kind)
}

fn is_trivia(kind: Kind) -> bool {
    matches!(kind, Kind::Space | Kind::Newline | Kind::Comment)
}

/// Remove a member of an object or list (a property, an element) with its separator and its
/// layout, so that removing what `CstArray::append` / `CstObject::append` added gives back the
/// text from before, and the rest keeps its lines:
/// - a member followed by another on the same line goes with its comma and the spaces after it
///   (`[a, b]` → `[b]`);
/// - a member on a line of its own goes with the whole line, comments after it on that line
///   included;
/// - the last member goes with the comma before it (or its own trailing comma, keeping the one
///   before); when the closing bracket follows it on its line (`[a,⏎  b]`), with the line break
///   before it too (`[a]`), unless a comment ends the line before;
/// - comments on lines of their own, and anything before the member on its line, stay.
///
/// `jsonc-parser`'s own `remove` always takes the rest of the member's line with its line break,
/// which joins lines (`a, b,⏎  c` → `a,  c`) and drops comments, and it has no way to remove a
/// node alone; so whitespace, line breaks and commas are removed here one by one, and the member
/// itself is replaced by an empty string literal written as nothing (a zero-width node, gone when
/// the text is parsed again).
fn remove_member(member: CstNode) {
    let sibling = |node: CstNode| kind(&node).map(|kind| (node, kind));
    let prev: Vec<(CstNode, Kind)> = member.previous_siblings().filter_map(sibling).collect();
    let next: Vec<(CstNode, Kind)> = member.next_siblings().filter_map(sibling).collect();
    let mut doomed: Vec<CstNode> = Vec::new();

    let lead = prev.iter().take_while(|(_, k)| *k == Kind::Space).count();
    let starts_line = matches!(prev.get(lead), Some((_, Kind::Newline)));
    let first_solid = next.iter().position(|(_, k)| !is_trivia(*k));
    let comma = first_solid.filter(|&i| next[i].1 == Kind::Comma);
    // What follows the member and its comma.
    let rest = &next[comma.map_or(0, |i| i + 1)..];
    let next_member = rest
        .iter()
        .find(|(_, k)| !is_trivia(*k))
        .is_some_and(|(_, k)| *k == Kind::Member);
    let take = |doomed: &mut Vec<CstNode>, nodes: &[(CstNode, Kind)]| {
        doomed.extend(nodes.iter().map(|(n, _)| n.clone()));
    };
    // Spaces and comments, then a line break (or nothing): the line ends after the member.
    let line_end = rest
        .iter()
        .position(|(_, k)| !matches!(k, Kind::Space | Kind::Comment))
        .map_or(Some(rest.len()), |i| {
            (rest[i].1 == Kind::Newline).then_some(i + 1)
        });

    match (comma, next_member) {
        (Some(comma), true) => {
            take(&mut doomed, &next[..=comma]);
            match line_end {
                None => {
                    // Another member on this line: the spaces before it go, the member's own
                    // indentation (or the space after the previous comma) is kept for it.
                    let spaces = rest.iter().take_while(|(_, k)| *k == Kind::Space).count();
                    take(&mut doomed, &rest[..spaces]);
                }
                Some(end) if starts_line => {
                    take(&mut doomed, &prev[..lead]);
                    take(&mut doomed, &rest[..end]);
                }
                Some(_) => take(&mut doomed, &prev[..lead]),
            }
        }
        _ => {
            // The last member. Its separator is the comma before it, unless it has a trailing
            // comma of its own, which then goes instead.
            let before = prev[lead..].iter().find(|(_, k)| !is_trivia(*k));
            match comma {
                Some(comma) => take(&mut doomed, &next[..=comma]),
                None => {
                    if let Some((separator, Kind::Comma)) = before {
                        doomed.push(separator.clone());
                    }
                }
            }
            take(&mut doomed, &prev[..lead]);
            match line_end {
                Some(end) if starts_line => take(&mut doomed, &rest[..end]),
                None if starts_line => {
                    let spaces = rest.iter().take_while(|(_, k)| *k == Kind::Space).count();
                    take(&mut doomed, &rest[..spaces]);
                    // Join the closing bracket to the line before, unless a comment ends it.
                    let newline = lead;
                    let spaces_before = prev[newline + 1..]
                        .iter()
                        .take_while(|(_, k)| *k == Kind::Space)
                        .count();
                    let ends_before = prev.get(newline + 1 + spaces_before).map(|(_, k)| *k);
                    if ends_before != Some(Kind::Comment) {
                        take(&mut doomed, &prev[newline..newline + 1 + spaces_before]);
                    }
                }
                _ => {}
            }
        }
    }
    let container = member.parent();
    for node in doomed {
        if let CstNode::Leaf(leaf) = node {
            erase_leaf(leaf);
        }
    }
    erase(member);
    // A container this emptied is written `[]` / `{}`, unless comments are left in it.
    if let Some(container) = container {
        let inner: Vec<Kind> = container.children().iter().filter_map(kind).collect();
        let only_space = inner
            .iter()
            .all(|k| matches!(k, Kind::Space | Kind::Newline | Kind::Open | Kind::Close));
        if only_space {
            for child in container.children() {
                if matches!(kind(&child), Some(Kind::Space | Kind::Newline))
                    && let CstNode::Leaf(leaf) = child
                {
                    erase_leaf(leaf);
                }
            }
        }
    }
}

/// Take a whitespace, line break, comma or comment out of the text.
fn erase_leaf(leaf: CstLeafNode) {
    match leaf {
        // `CstComment::remove` takes the line break before a line comment too.
        CstLeafNode::Comment(comment) => comment.set_raw_value(String::new()),
        CstLeafNode::StringLit(lit) => lit.set_raw_value(String::new()),
        CstLeafNode::NumberLit(lit) => lit.set_raw_value(String::new()),
        CstLeafNode::WordLit(lit) => lit.set_raw_value(String::new()),
        CstLeafNode::Whitespace(_) | CstLeafNode::Newline(_) | CstLeafNode::Token(_) => {
            leaf.remove()
        }
        CstLeafNode::BooleanLit(lit) => erase_node(lit.replace_with(String::new().into())),
        CstLeafNode::NullKeyword(lit) => erase_node(lit.replace_with(String::new().into())),
    }
}

/// Write a member of an object or list as nothing, leaving a zero-width node in its place.
fn erase(member: CstNode) {
    match member {
        CstNode::Container(CstContainerNode::ObjectProp(prop)) => {
            erase_node(prop.replace_with("", String::new().into()));
        }
        CstNode::Container(CstContainerNode::Object(object)) => {
            erase_node(object.replace_with(String::new().into()));
        }
        CstNode::Container(CstContainerNode::Array(array)) => {
            erase_node(array.replace_with(String::new().into()));
        }
        CstNode::Container(CstContainerNode::Root(_)) => {}
        CstNode::Leaf(leaf) => erase_leaf(leaf),
    }
}

fn erase_node(node: Option<CstNode>) {
    match node {
        Some(CstNode::Leaf(leaf)) => erase_leaf(leaf),
        Some(CstNode::Container(container)) => {
            for child in container.children() {
                match child {
                    CstNode::Leaf(leaf) => erase_leaf(leaf),
                    container => erase_node(Some(container)),
                }
            }
        }
        None => {}
    }
}

#[cfg(test)]
#[path = "settings_tests.rs"]
mod tests;

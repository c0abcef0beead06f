//! Adding a property to a settings object without reflowing it: an object written on one line
//! (`{ "type": "command", "command": "…" }`) stays on one line, with its own spacing.

use jsonc_parser::cst::{CstInputValue, CstLeafNode, CstNode, CstObject};

/// Append a property with a one-line value to `object`, keeping an object written on one line on
/// one line (`jsonc-parser` spreads it over several lines first; this folds it back).
pub fn append_scalar(object: &CstObject, name: &str, value: CstInputValue) {
    let children = object.children();
    if children.iter().any(CstNode::is_newline) {
        object.append(name, value);
        return;
    }
    // The spacing inside the braces and after the commas, as written.
    let inner = &children[1..children.len() - 1];
    let space_of = |node: Option<&CstNode>| match node {
        Some(CstNode::Leaf(CstLeafNode::Whitespace(ws))) => ws.value(),
        _ => String::new(),
    };
    let open = space_of(inner.first());
    let close = if inner.len() > 1 {
        space_of(inner.last())
    } else {
        String::new()
    };
    let after_comma = inner
        .iter()
        .position(CstNode::is_comma)
        .map(|i| space_of(inner.get(i + 1)))
        .unwrap_or_else(|| " ".to_owned());
    object.append(name, value);
    // Now `{ NL WS p1 , NL WS p2 … NL [WS] }`: every line break goes, and the indentation after
    // it becomes the spacing written on the one line.
    let children = object.children();
    let last = children.len() - 1;
    let mut index = 0;
    while index < children.len() {
        if let CstNode::Leaf(CstLeafNode::Newline(newline)) = &children[index] {
            let before_open = index == 1;
            let space = match children.get(index + 1) {
                Some(CstNode::Leaf(CstLeafNode::Whitespace(ws))) => {
                    index += 1;
                    Some(ws.clone())
                }
                _ => None,
            };
            let before_close = index + 1 == last;
            let wanted = if before_open {
                &open
            } else if before_close {
                &close
            } else {
                &after_comma
            };
            newline.clone().remove();
            if let Some(space) = space {
                if wanted.is_empty() {
                    space.remove();
                } else {
                    space.set_value(wanted.clone());
                }
            }
        }
        index += 1;
    }
}

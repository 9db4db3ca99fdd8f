//! Rebuilding typed JSON from flattened parameters (`UserIds.0=u1&Foo.Bar=x`).
//!
//! v1-signed requests and TC3 GET requests carry the action's parameters as flat strings; a
//! flat string cannot tell `"1"` from `1`, so the catalogue decides each leaf's type. Leaves that
//! do not parse as their type stay strings, so that validation reports them in its usual order
//! (unknown, missing, then type) with the dotted path the client sent.

use std::collections::BTreeMap;

use serde_json::{Map, Number, Value};

use super::{Catalog, Member, Object, Type};

#[derive(Debug)]
enum Node {
    Leaf(String),
    Branch(BTreeMap<String, Node>),
}

/// Rebuilds the parameters of object `object_name` from decoded `(name, value)` pairs.
pub fn unflatten<'a>(
    catalog: &Catalog,
    object_name: &str,
    pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Value {
    let mut root = BTreeMap::new();
    for (name, value) in pairs {
        insert(&mut root, name, value);
    }
    match catalog.object(object_name) {
        Some(object) => object_value(catalog, object, root),
        None => untyped(Node::Branch(root)),
    }
}

/// Deepest flat name rebuilt into nesting; the rest of a longer name stays one key (an unknown
/// parameter), so a hostile `A.A.A…` cannot nest deep enough to exhaust the stack.
const MAX_SEGMENTS: usize = 32;

fn insert(root: &mut BTreeMap<String, Node>, name: &str, value: &str) {
    let mut segments = name.splitn(MAX_SEGMENTS, '.').peekable();
    let mut level = root;
    while let Some(segment) = segments.next() {
        if segments.peek().is_none() {
            // A leaf never replaces a branch already built for the same name.
            level.entry(segment.to_owned()).or_insert_with(|| Node::Leaf(value.to_owned()));
            return;
        }
        let node = level.entry(segment.to_owned()).or_insert_with(|| Node::Branch(BTreeMap::new()));
        if let Node::Leaf(_) = node {
            *node = Node::Branch(BTreeMap::new());
        }
        let Node::Branch(next) = node else { unreachable!("just made a branch") };
        level = next;
    }
}

fn object_value(catalog: &Catalog, object: &Object, children: BTreeMap<String, Node>) -> Value {
    let mut map = Map::new();
    for (name, node) in children {
        let value = match object.member(&name) {
            Some(member) => member_value(catalog, member, node),
            None => untyped(node),
        };
        map.insert(name, value);
    }
    Value::Object(map)
}

fn member_value(catalog: &Catalog, member: &Member, node: Node) -> Value {
    if !member.list {
        return item_value(catalog, member, node);
    }
    match node {
        Node::Branch(children) if children.keys().all(|k| k.parse::<usize>().is_ok()) => {
            let mut items: Vec<(usize, Node)> =
                children.into_iter().map(|(k, v)| (k.parse().expect("checked above"), v)).collect();
            items.sort_by_key(|(index, _)| *index);
            Value::Array(items.into_iter().map(|(_, node)| item_value(catalog, member, node)).collect())
        }
        other => untyped(other),
    }
}

fn item_value(catalog: &Catalog, member: &Member, node: Node) -> Value {
    match (member.ty, node) {
        (Type::Object, Node::Branch(children)) => match member.object.and_then(|o| catalog.object(o)) {
            Some(object) => object_value(catalog, object, children),
            None => untyped(Node::Branch(children)),
        },
        (ty, Node::Leaf(text)) => scalar(ty, text),
        (_, node) => untyped(node),
    }
}

fn scalar(ty: Type, text: String) -> Value {
    let parsed = match ty {
        Type::Uint64 | Type::Int64 => text
            .parse::<u64>()
            .map(Number::from)
            .or_else(|_| text.parse::<i64>().map(Number::from))
            .ok()
            .map(Value::Number),
        Type::Float => text.parse::<f64>().ok().and_then(Number::from_f64).map(Value::Number),
        // Python sends `True`/`False`, Node `true`/`false`.
        Type::Bool => match text.to_ascii_lowercase().as_str() {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            _ => None,
        },
        Type::String | Type::Date | Type::Datetime | Type::Object => None,
    };
    parsed.unwrap_or(Value::String(text))
}

/// A node outside the schema: kept as strings so validation can name it.
fn untyped(node: Node) -> Value {
    match node {
        Node::Leaf(text) => Value::String(text),
        Node::Branch(children) => Value::Object(children.into_iter().map(|(k, v)| (k, untyped(v))).collect()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::catalog;

    #[test]
    fn rebuilds_typed_values_and_arrays_in_index_order() {
        let pairs = [
            ("SdkAppId", "1400000001"),
            ("CommId", "1_2_3"),
            ("StartTime", "10"),
            ("EndTime", "20"),
            ("UserIds.10", "k"),
            ("UserIds.2", "c"),
            ("UserIds.0", "a"),
        ];
        let value = unflatten(catalog::get(), "DescribeUserInfoRequest", pairs);
        assert_eq!(
            value,
            json!({"SdkAppId": 1400000001u64, "CommId": "1_2_3", "StartTime": 10, "EndTime": 20, "UserIds": ["a", "c", "k"]})
        );
    }

    #[test]
    fn unparsable_leaves_stay_strings_for_validation() {
        let value = unflatten(catalog::get(), "DescribeUserInfoRequest", [("SdkAppId", "abc"), ("Extra.0", "x")]);
        assert_eq!(value, json!({"SdkAppId": "abc", "Extra": {"0": "x"}}));
    }

    #[test]
    fn very_deep_names_stay_shallow() {
        let name = vec!["A"; 10_000].join(".");
        let value = unflatten(catalog::get(), "DescribeUserInfoRequest", [(name.as_str(), "1")]);
        let mut depth = 0;
        let mut node = &value;
        while let Some((_, child)) = node.as_object().and_then(|m| m.iter().next()) {
            depth += 1;
            node = child;
        }
        assert_eq!(depth, MAX_SEGMENTS);
    }

    #[test]
    fn strings_that_look_numeric_stay_strings() {
        let value = unflatten(catalog::get(), "DescribeRoomInfoRequest", [("RoomId", "1234")]);
        assert_eq!(value, json!({"RoomId": "1234"}));
    }
}

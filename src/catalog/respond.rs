//! The generic schema walk: an answer of the right shape for any action of the definition.
//!
//! Every output member is present, typed and never `null` (the definition's "nullable" says what
//! may happen, not what to answer); lists have one to three elements; a top-level member named
//! like a request parameter of the same type echoes it; a total (`Total`, `TotalCount`,
//! `TotalNum`) counts the list beside it; ranges named by the caller are put in order. The walk
//! decides the shape and asks the caller for every scalar value, so the values' meaning (which
//! this module knows nothing of) stays with the actions. Deterministic for (seed, output,
//! request).

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde_json::{Map, Value};

use super::{Catalog, Member, Object, Type};
use crate::pure::hash::{fnv1a, mix};

/// Deepest nesting generated (the definitions have no cycles, this is a guard).
const MAX_DEPTH: usize = 8;

/// A scalar the walk needs a value for.
#[derive(Debug, Clone, Copy)]
pub struct Leaf<'a> {
    pub member: &'a str,
    pub ty: Type,
    /// Position in its list, or of the object it belongs to in its list.
    pub index: usize,
}

/// What an answer is built from.
pub struct Walk<'a> {
    /// The output object of the action.
    pub output: &'a str,
    /// The validated request parameters.
    pub input: &'a Value,
    pub seed: u64,
    /// (begin, end) member pairs that must not be out of order.
    pub ranges: &'a [(&'a str, &'a str)],
}

/// The output object (without `RequestId`, which the envelope adds); `values` gives each scalar.
pub fn answer(
    catalog: &Catalog,
    walk: &Walk<'_>,
    values: &mut dyn FnMut(&Leaf<'_>, &mut ChaCha8Rng) -> Value,
) -> Map<String, Value> {
    let canonical = serde_json::to_string(walk.input).unwrap_or_default();
    let seed = mix(walk.seed, &[fnv1a(walk.output), fnv1a(&canonical)]);
    let mut walker = Walker { catalog, walk, rng: ChaCha8Rng::seed_from_u64(seed), values };
    match catalog.object(walk.output) {
        Some(object) => walker.object(object, 0, true, 0),
        None => Map::new(),
    }
}

struct Walker<'a, 'v> {
    catalog: &'a Catalog,
    walk: &'a Walk<'a>,
    rng: ChaCha8Rng,
    values: &'v mut dyn FnMut(&Leaf<'_>, &mut ChaCha8Rng) -> Value,
}

impl Walker<'_, '_> {
    /// An object; `index` is its position when it is an element of a list.
    fn object(&mut self, object: &Object, depth: usize, top: bool, index: usize) -> Map<String, Value> {
        let mut map = Map::new();
        for member in object.members {
            if member.name == "RequestId" {
                continue;
            }
            let value = match top.then(|| self.echo(member)).flatten() {
                Some(echo) => echo,
                None => self.member(member, depth, index),
            };
            map.insert(member.name.to_owned(), value);
        }
        self.order_ranges(&mut map);
        // A total counts the list beside it.
        let listed = object.members.iter().find(|m| m.list && m.ty == Type::Object).map(|m| match map.get(m.name) {
            Some(Value::Array(items)) => items.len(),
            _ => 0,
        });
        if let Some(len) = listed {
            for name in ["Total", "TotalCount", "TotalNum"] {
                if map.get(name).is_some_and(Value::is_number) {
                    map.insert(name.into(), len.into());
                }
            }
        }
        map
    }

    /// The request's own value for a top-level output member of the same name and type.
    fn echo(&self, member: &Member) -> Option<Value> {
        let sent = self.walk.input.get(member.name)?;
        let fits = match (member.list, member.ty) {
            (true, _) => sent.is_array(),
            (false, Type::String | Type::Date | Type::Datetime) => sent.is_string(),
            (false, Type::Uint64) => sent.is_u64(),
            (false, Type::Int64) => sent.is_i64(),
            (false, Type::Float) => sent.is_number(),
            (false, Type::Bool) => sent.is_boolean(),
            (false, Type::Object) => false,
        };
        fits.then(|| sent.clone())
    }

    fn member(&mut self, member: &Member, depth: usize, index: usize) -> Value {
        if !member.list {
            return self.item(member, depth, index);
        }
        let count = if depth >= 3 { 1 } else { 1 + (rand::RngExt::random_range(&mut self.rng, 0..3usize)) };
        Value::Array((0..count).map(|i| self.item(member, depth, i)).collect())
    }

    fn item(&mut self, member: &Member, depth: usize, index: usize) -> Value {
        if member.ty == Type::Object {
            let inner = member.object.and_then(|o| self.catalog.object(o));
            return match inner {
                Some(object) if depth < MAX_DEPTH => Value::Object(self.object(object, depth + 1, false, index)),
                _ => Value::Object(Map::new()),
            };
        }
        let leaf = Leaf { member: member.name, ty: member.ty, index };
        (self.values)(&leaf, &mut self.rng)
    }

    /// Puts the caller's ranges in order: a begin never after its end.
    fn order_ranges(&self, map: &mut Map<String, Value>) {
        for (begin, end) in self.walk.ranges {
            let (Some(a), Some(b)) = (map.get(*begin), map.get(*end)) else { continue };
            let swap = match (a, b) {
                (Value::Number(x), Value::Number(y)) => x.as_f64() > y.as_f64(),
                (Value::String(x), Value::String(y)) => x > y,
                _ => false,
            };
            if swap {
                let (a, b) = (a.clone(), b.clone());
                map.insert((*begin).to_owned(), b);
                map.insert((*end).to_owned(), a);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use rand::RngExt;
    use serde_json::json;

    use super::*;
    use crate::catalog;

    /// A walk whose values are plain: a counter for numbers, the member's name for strings.
    fn run(action: &str, input: Value, seed: u64) -> Map<String, Value> {
        let catalog = catalog::get();
        let output = &catalog.action(action).unwrap().output;
        let walk = Walk { output, input: &input, seed, ranges: &[("TextBegin", "TextEnd")] };
        answer(catalog, &walk, &mut |leaf, rng| match leaf.ty {
            Type::Uint64 | Type::Int64 => json!(rng.random_range(0..100u32)),
            Type::Float => json!(1.5),
            Type::Bool => json!(true),
            _ => json!(format!("{}-{}", leaf.member, leaf.index)),
        })
    }

    #[test]
    fn the_shape_is_the_definition_s_and_deterministic() {
        let a = run("DescribeCloudRecording", json!({"SdkAppId": 1400000001u64, "TaskId": "-abc."}), 1);
        assert_eq!(a, run("DescribeCloudRecording", json!({"SdkAppId": 1400000001u64, "TaskId": "-abc."}), 1));
        assert_ne!(a, run("DescribeCloudRecording", json!({"SdkAppId": 1400000001u64, "TaskId": "-abc."}), 2));
        assert_eq!(a["TaskId"], "-abc.", "the request's value is echoed");
        let files = a["StorageFileList"].as_array().unwrap();
        assert!((1..=3).contains(&files.len()));
        assert!(files[0]["FileName"].as_str().unwrap().starts_with("FileName-"));
    }

    #[test]
    fn totals_count_their_list_and_ranges_are_ordered() {
        let pictures = run("DescribePicture", json!({"SdkAppId": 1}), 3);
        assert_eq!(pictures["Total"].as_u64().unwrap() as usize, pictures["PictureInfo"].as_array().unwrap().len());
        // Drawn at random from 0..100, twenty answers' pairs would not all be in order by chance.
        for seed in 0..20 {
            let tts = run("TextToSpeech", json!({}), seed);
            for item in tts["Alignments"].as_array().unwrap() {
                let (begin, end) = (item["TextBegin"].as_u64().unwrap(), item["TextEnd"].as_u64().unwrap());
                assert!(begin <= end, "{item}");
            }
        }
    }
}

//! JSON written in a chosen key order, as TRTC's callbacks are: pretty in the style of the C
//! library cJSON's `cJSON_Print` (a tab per level, a tab after each colon, no trailing
//! newline), which rebuilds the documented room and media samples byte for byte, or compact.

/// A JSON value whose objects keep their keys in the order given.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Int(i64),
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(&'static str, Json)>),
}

impl From<i64> for Json {
    fn from(n: i64) -> Self {
        Json::Int(n)
    }
}

impl From<u64> for Json {
    fn from(n: u64) -> Self {
        Json::Int(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

impl From<&str> for Json {
    fn from(s: &str) -> Self {
        Json::Str(s.to_owned())
    }
}

impl From<String> for Json {
    fn from(s: String) -> Self {
        Json::Str(s)
    }
}

impl Json {
    /// cJSON's pretty form.
    pub fn pretty(&self) -> String {
        let mut out = String::new();
        self.write(&mut out, Some(0));
        out
    }

    pub fn compact(&self) -> String {
        let mut out = String::new();
        self.write(&mut out, None);
        out
    }

    fn write(&self, out: &mut String, depth: Option<usize>) {
        match self {
            Json::Int(n) => out.push_str(&n.to_string()),
            Json::Str(s) => string(out, s),
            Json::Arr(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(if depth.is_some() { ", " } else { "," });
                    }
                    item.write(out, depth);
                }
                out.push(']');
            }
            Json::Obj(members) => {
                out.push('{');
                let Some(depth) = depth else {
                    for (i, (key, value)) in members.iter().enumerate() {
                        if i > 0 {
                            out.push(',');
                        }
                        string(out, key);
                        out.push(':');
                        value.write(out, None);
                    }
                    out.push('}');
                    return;
                };
                out.push('\n');
                for (i, (key, value)) in members.iter().enumerate() {
                    out.extend(std::iter::repeat_n('\t', depth + 1));
                    string(out, key);
                    out.push_str(":\t");
                    value.write(out, Some(depth + 1));
                    if i + 1 < members.len() {
                        out.push(',');
                    }
                    out.push('\n');
                }
                out.extend(std::iter::repeat_n('\t', depth));
                out.push('}');
            }
        }
    }
}

/// A string as cJSON escapes it: quotes, backslashes and control characters; UTF-8 as is.
fn string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rebuilds_the_documented_media_sample() {
        let body = Json::Obj(vec![
            ("EventGroupId", 2i64.into()),
            ("EventType", 204i64.into()),
            ("CallbackTs", 1_664_209_748_188i64.into()),
            (
                "EventInfo",
                Json::Obj(vec![
                    ("RoomId", 8489i64.into()),
                    ("EventTs", 1_664_209_748i64.into()),
                    ("EventMsTs", 1_664_209_748_180i64.into()),
                    ("UserId", "user_85034614".into()),
                    ("Reason", 0i64.into()),
                ]),
            ),
        ]);
        assert_eq!(
            body.pretty(),
            "{\n\t\"EventGroupId\":\t2,\n\t\"EventType\":\t204,\n\t\"CallbackTs\":\t1664209748188,\n\t\"EventInfo\":\t{\n\t\t\"RoomId\":\t8489,\n\t\t\"EventTs\":\t1664209748,\n\t\t\"EventMsTs\":\t1664209748180,\n\t\t\"UserId\":\t\"user_85034614\",\n\t\t\"Reason\":\t0\n\t}\n}"
        );
        assert_eq!(
            body.compact(),
            r#"{"EventGroupId":2,"EventType":204,"CallbackTs":1664209748188,"EventInfo":{"RoomId":8489,"EventTs":1664209748,"EventMsTs":1664209748180,"UserId":"user_85034614","Reason":0}}"#
        );
    }
}

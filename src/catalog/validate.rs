//! Validation of an action's input against the catalogue.
//!
//! One walk over the whole input collects the first finding of each kind; the one reported is
//! chosen by the gateway's order: unknown parameter, then missing, then wrong type. A JSON
//! `null` counts as absent, as the official SDKs never send one.

use serde_json::{Map, Value};

use super::{Catalog, Object, Type};
use crate::error::{ApiError, ApiResult};

/// Checks `input` (the action's parameters) against the object `object_name`.
pub fn validate(catalog: &Catalog, object_name: &str, input: &Value) -> ApiResult<()> {
    let object = catalog.object(object_name).ok_or_else(ApiError::internal_error)?;
    let Value::Object(map) = input else {
        return Err(ApiError::malformed_json());
    };
    let mut walk = Walk { catalog, path: Vec::new(), findings: Findings::default() };
    walk.object(object, map);
    walk.findings.into_result()
}

#[derive(Default)]
struct Findings {
    unknown: Option<String>,
    missing: Option<String>,
    wrong_type: Option<(String, &'static str)>,
}

impl Findings {
    fn into_result(self) -> ApiResult<()> {
        if let Some(path) = self.unknown {
            return Err(ApiError::unknown_parameter(&path));
        }
        if let Some(path) = self.missing {
            return Err(ApiError::missing_parameter(&path));
        }
        if let Some((path, expected)) = self.wrong_type {
            return Err(ApiError::invalid_parameter_type(&path, expected));
        }
        Ok(())
    }
}

/// One step of the path to a value: a member's name or a list index. Borrowed from the input,
/// so that walking a valid request allocates nothing; the path is written out only for a finding.
#[derive(Clone, Copy)]
enum Step<'v> {
    Key(&'v str),
    Index(usize),
}

impl std::fmt::Display for Step<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Step::Key(key) => f.write_str(key),
            Step::Index(index) => write!(f, "{index}"),
        }
    }
}

struct Walk<'c, 'v> {
    catalog: &'c Catalog,
    path: Vec<Step<'v>>,
    findings: Findings,
}

impl<'v> Walk<'_, 'v> {
    fn here(&self, last: &str) -> String {
        let mut out = String::new();
        for segment in &self.path {
            out.push_str(&segment.to_string());
            out.push('.');
        }
        out.push_str(last);
        out
    }

    fn object(&mut self, object: &Object, map: &'v Map<String, Value>) {
        for (key, value) in map {
            let Some(member) = object.member(key) else {
                if self.findings.unknown.is_none() {
                    self.findings.unknown = Some(self.here(key));
                }
                continue;
            };
            if value.is_null() {
                continue;
            }
            self.path.push(Step::Key(key));
            if member.list {
                match value {
                    Value::Array(items) => {
                        for (index, item) in items.iter().enumerate() {
                            self.path.push(Step::Index(index));
                            self.item(member.ty, member.object, item);
                            self.path.pop();
                        }
                    }
                    _ => self.wrong_type("array"),
                }
            } else {
                self.item(member.ty, member.object, value);
            }
            self.path.pop();
        }
        if self.findings.missing.is_none() {
            let absent = object.members.iter().find(|m| m.required && map.get(m.name).is_none_or(Value::is_null));
            if let Some(member) = absent {
                self.findings.missing = Some(self.here(member.name));
            }
        }
    }

    /// Checks one value of type `ty`; the current path names it.
    fn item(&mut self, ty: Type, object: Option<&str>, value: &'v Value) {
        let ok = match ty {
            Type::String | Type::Date | Type::Datetime => value.is_string(),
            Type::Uint64 => value.is_u64(),
            Type::Int64 => value.is_i64(),
            Type::Float => value.is_number(),
            Type::Bool => value.is_boolean(),
            Type::Object => {
                let inner = object.and_then(|name| self.catalog.object(name));
                match (value, inner) {
                    (Value::Object(map), Some(inner)) => {
                        self.object(inner, map);
                        true
                    }
                    _ => false,
                }
            }
        };
        if !ok {
            self.wrong_type(ty.wire_name());
        }
    }

    fn wrong_type(&mut self, expected: &'static str) {
        if self.findings.wrong_type.is_none() {
            let path = self.path.iter().map(Step::to_string).collect::<Vec<_>>().join(".");
            self.findings.wrong_type = Some((path, expected));
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::catalog;

    fn check(input: Value) -> ApiResult<()> {
        validate(catalog::get(), "DescribeUserInfoRequest", &input)
    }

    fn valid() -> Value {
        json!({"CommId": "1_2_3", "StartTime": 1, "EndTime": 2, "SdkAppId": 1400000001u64})
    }

    #[test]
    fn accepts_a_complete_request() {
        assert_eq!(check(valid()), Ok(()));
    }

    #[test]
    fn unknown_comes_before_missing_and_type() {
        let err = check(json!({"Foo": 1, "StartTime": "x"})).unwrap_err();
        assert_eq!(err.code(), "UnknownParameter");
        assert!(err.message(crate::error::Language::English).contains("`Foo`"));
    }

    #[test]
    fn missing_is_named() {
        let mut input = valid();
        input.as_object_mut().unwrap().remove("CommId");
        let err = check(input).unwrap_err();
        assert_eq!(err.code(), "MissingParameter");
        assert!(err.message(crate::error::Language::English).contains("`CommId`"));
    }

    #[test]
    fn null_counts_as_absent() {
        let mut input = valid();
        input["CommId"] = Value::Null;
        assert_eq!(check(input).unwrap_err().code(), "MissingParameter");
        let mut input = valid();
        input["UserIds"] = Value::Null;
        assert_eq!(check(input), Ok(()));
    }

    #[test]
    fn wrong_types_name_the_element_path() {
        let mut input = valid();
        input["UserIds"] = json!(["a", 5]);
        let err = check(input).unwrap_err();
        assert_eq!(err.code(), "InvalidParameter");
        assert_eq!(
            err.message(crate::error::Language::English),
            "The value type of parameter `UserIds.1` is not valid."
        );
    }

    #[test]
    fn uint64_refuses_negatives_and_fractions() {
        for bad in [json!(-1), json!(1.5), json!("1")] {
            let mut input = valid();
            input["SdkAppId"] = bad;
            assert_eq!(check(input).unwrap_err().code(), "InvalidParameter");
        }
    }
}

//! Canonical JSON: the one byte string a value hashes and signs as, on every platform.
//!
//! Rules (RFC 8785-like, restricted to what Baoxiu sends): objects with keys sorted by their UTF-8
//! bytes, no insignificant whitespace, strings escaped as `serde_json` escapes them, integers only
//! (money and quantities travel as decimal strings, so no float ever needs canonicalising), `null`
//! kept. Two encoders that follow these rules produce identical bytes for the same value.

use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// Why a value has no canonical form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CanonicalError {
    /// A floating-point number: Baoxiu's wire carries decimals as strings.
    #[error("floating-point numbers have no canonical form here; send decimals as strings")]
    Float,
    /// The value could not be serialised at all.
    #[error("not serialisable: {0}")]
    Serialise(String),
}

/// The canonical bytes of any serialisable value.
pub fn to_canonical<T: Serialize>(value: &T) -> Result<Vec<u8>, CanonicalError> {
    let value = serde_json::to_value(value).map_err(|e| CanonicalError::Serialise(e.to_string()))?;
    value_to_canonical(&value)
}

/// The canonical bytes of a JSON value, without first copying it as [`to_canonical`] does.
pub fn value_to_canonical(value: &Value) -> Result<Vec<u8>, CanonicalError> {
    let mut out = Vec::with_capacity(1024);
    write(value, &mut out)?;
    Ok(out)
}

/// The lowercase hex SHA-256 of the canonical bytes.
pub fn canonical_hash<T: Serialize>(value: &T) -> Result<String, CanonicalError> {
    Ok(hex::encode(Sha256::digest(to_canonical(value)?)))
}

/// The lowercase hex SHA-256 of a JSON value's canonical bytes (a payload's hash).
pub fn value_hash(value: &Value) -> Result<String, CanonicalError> {
    Ok(hex::encode(Sha256::digest(value_to_canonical(value)?)))
}

/// A string or key as JSON, straight into the output.
fn write_str(s: &str, out: &mut Vec<u8>) -> Result<(), CanonicalError> {
    serde_json::to_writer(&mut *out, s).map_err(|e| CanonicalError::Serialise(e.to_string()))
}

fn write(value: &Value, out: &mut Vec<u8>) -> Result<(), CanonicalError> {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::String(text) => write_str(text, out)?,
        Value::Number(n) => {
            if n.is_f64() {
                return Err(CanonicalError::Float);
            }
            out.extend(n.to_string().as_bytes());
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write(item, out)?;
            }
            out.push(b']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
            out.push(b'{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_str(key, out)?;
                out.push(b':');
                write(&map[key], out)?;
            }
            out.push(b'}');
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn keys_sorted_no_whitespace() {
        let v = json!({"b": 1, "a": {"d": [true, null, "x"], "c": "中文"}});
        assert_eq!(
            String::from_utf8(to_canonical(&v).unwrap()).unwrap(),
            r#"{"a":{"c":"中文","d":[true,null,"x"]},"b":1}"#
        );
    }

    #[test]
    fn floats_are_refused() {
        assert_eq!(to_canonical(&json!({"amount": 1.5})), Err(CanonicalError::Float));
    }

    proptest! {
        /// Key order in the input never changes the bytes.
        #[test]
        fn insertion_order_does_not_matter(pairs in prop::collection::btree_map("[a-z]{1,6}", 0i64..1000, 0..12)) {
            let forward: serde_json::Map<String, Value> = pairs.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
            let backward: serde_json::Map<String, Value> = pairs.iter().rev().map(|(k, v)| (k.clone(), json!(v))).collect();
            prop_assert_eq!(to_canonical(&Value::Object(forward)).unwrap(), to_canonical(&Value::Object(backward)).unwrap());
        }
    }
}

//! Every text through one check: generated from the API document, a NUL (which PostgreSQL cannot
//! store), an ESC and a right-to-left override (U+202E) in every string field of every JSON body
//! and every string query parameter of every operation, sent by every demo party against the demo
//! estate's real ids, and in every string field of every sync payload kind. Each answer is a
//! refusal (4xx) or, in a push, a recorded rejection: never a 5xx, and never the text accepted.

use std::collections::HashMap;

use baoxiu_e2e::{spawn_app, Session, TestApp};
use baoxiu_sync_protocol::vectors::vectors;
use baoxiu_sync_protocol::wire::{wire_name, Mutation, MutationKind};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::sync::{enrolled_phone, push};

const HOSTILE: [&str; 3] = ["a\u{0}b", "\u{1b}[31mred", "\u{202e}gnp.exe"];

/// Fields where any character is the caller's own business and is never stored or shown as text:
/// a password is only hashed (and a wrong one is a 401).
const OPAQUE: [&str; 4] = ["password", "new_password", "current_password", "refresh_token"];

/// Resolves `$ref`s into the document's components.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => resolve(doc, &doc["components"]["schemas"][r.trim_start_matches("#/components/schemas/")]),
        None => schema,
    }
}

/// A value of the schema, as plain as it may be: every property filled, the first of each choice.
fn example(doc: &Value, schema: &Value, ids: &Ids, depth: usize) -> Value {
    let schema = resolve(doc, schema);
    if depth > 8 {
        return Value::Null;
    }
    for choice in ["oneOf", "anyOf", "allOf"] {
        if let Some(first) = schema[choice].as_array().and_then(|c| c.iter().find(|s| s["type"] != "null")) {
            return example(doc, first, ids, depth + 1);
        }
    }
    if let Some(values) = schema["enum"].as_array() {
        return values.first().cloned().unwrap_or(Value::Null);
    }
    // A leaf's example; an object's (a whole request, with made-up ids) is built field by field
    // instead, so that the demo's real ids reach the use cases.
    if let (Some(e), None) = (schema.get("example"), schema.get("properties")) {
        return e.clone();
    }
    let kind = match &schema["type"] {
        Value::Array(types) => types.iter().find(|t| *t != "null").cloned().unwrap_or(Value::Null),
        other => other.clone(),
    };
    match kind.as_str().unwrap_or(if schema.get("properties").is_some() { "object" } else { "" }) {
        "object" => Value::Object(
            schema["properties"]
                .as_object()
                .map(|p| p.iter().map(|(k, s)| (k.clone(), example(doc, s, ids, depth + 1))).collect())
                .unwrap_or_default(),
        ),
        "array" => json!([example(doc, &schema["items"], ids, depth + 1)]),
        "integer" => json!(1),
        "number" => json!(1),
        "boolean" => json!(true),
        "string" => match schema["format"].as_str() {
            Some("uuid") => json!(ids.any()),
            Some("date") => json!(baoxiu_e2e::today().to_string()),
            Some("date-time") => json!(chrono::Utc::now().to_rfc3339()),
            _ => json!("1"),
        },
        _ => Value::Null,
    }
}

/// Every path to a string in `value`, as JSON pointers.
fn string_paths(value: &Value, at: &str, out: &mut Vec<String>) {
    match value {
        Value::String(_) => out.push(at.to_string()),
        Value::Object(map) => map.iter().for_each(|(k, v)| string_paths(v, &format!("{at}/{k}"), out)),
        Value::Array(items) => {
            items.iter().enumerate().for_each(|(i, v)| string_paths(v, &format!("{at}/{i}"), out))
        }
        _ => {}
    }
}

/// The demo's real ids, by the collection they are found under, so that requests reach the use
/// cases behind the not-found checks.
struct Ids(HashMap<&'static str, Vec<String>>);

impl Ids {
    fn any(&self) -> String {
        self.0
            .get("claims")
            .and_then(|c| c.first())
            .cloned()
            .unwrap_or_else(|| uuid::Uuid::now_v7().to_string())
    }

    /// The path with its parameters filled: one path per id known for its collection.
    fn fill(&self, path: &str) -> Vec<String> {
        let (mut paths, mut collection) = (vec![String::new()], "");
        for segment in path.split('/').skip(1) {
            let choices: Vec<String> = match segment {
                "{year}" => vec!["2026".into()],
                "{revision}" => vec!["1".into()],
                "{number}" => vec!["BXJ-370102-2026-000000000000".into()],
                s if s.starts_with('{') => match self.0.get(collection) {
                    Some(known) if !known.is_empty() => known.clone(),
                    _ => vec![uuid::Uuid::now_v7().to_string()],
                },
                s => vec![s.to_string()],
            };
            paths = paths.iter().flat_map(|p| choices.iter().map(move |c| format!("{p}/{c}"))).collect();
            collection = segment;
        }
        paths
    }
}

fn items(v: &Value) -> Vec<String> {
    let list = v.get("items").unwrap_or(v);
    list.as_array()
        .map(|a| a.iter().filter_map(|i| i["id"].as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

async fn demo_ids(app: &TestApp, admin: &Session, reviewer: &Session, technician: &Session) -> Ids {
    let estates = items(&app.get("/api/v1/estates", &admin.access).await.body);
    let mut buildings = Vec::new();
    for e in &estates {
        buildings
            .extend(items(&app.get(&format!("/api/v1/estates/{e}/buildings"), &admin.access).await.body));
    }
    let units =
        items(&app.get(&format!("/api/v1/buildings/{}/units", buildings[0]), &admin.access).await.body);
    let claims = items(&app.get("/api/v1/claims?limit=50", &reviewer.access).await.body);
    let orders = items(&app.get("/api/v1/work-orders", &technician.access).await.body);
    let organisations = items(&app.get("/api/v1/organisations", &admin.access).await.body);
    let users = items(&app.get("/api/v1/users", &admin.access).await.body);
    Ids(HashMap::from([
        ("estates", estates),
        ("buildings", buildings),
        ("units", units.into_iter().take(2).collect()),
        ("claims", claims),
        ("work-orders", orders),
        ("organisations", organisations),
        ("users", users.into_iter().take(2).collect()),
    ]))
}

fn set(body: &mut Value, pointer: &str, text: &str) {
    if let Some(slot) = body.pointer_mut(pointer) {
        *slot = json!(text);
    }
}

/// A server with the demo estate and its claims, each demo party signed in, the demo's ids, and
/// the API document.
async fn demo_world() -> (TestApp, Vec<(&'static str, Session)>, Ids, Value) {
    let app = spawn_app().await;
    app.load_demo().await;
    baoxiu::demo::claims::load(&app.state).await.unwrap();
    let mut parties = Vec::new();
    for name in ["admin", "reviewer", "owner", "technician", "developer", "property"] {
        parties.push((name, app.login(name).await));
    }
    let who = |name: &str| parties.iter().find(|(n, _)| *n == name).map(|(_, s)| s.clone()).unwrap();
    let ids = demo_ids(&app, &who("admin"), &who("reviewer"), &who("technician")).await;
    let doc = app.call(Method::GET, "/api/openapi.json", None, None).await.body;
    (app, parties, ids, doc)
}

#[tokio::test]
async fn every_text_field_refuses_nul_esc_and_overrides_and_never_fails() {
    let (app, parties, ids, doc) = demo_world().await;

    let (mut failures, mut accepted, mut sent) = (Vec::new(), Vec::new(), 0usize);
    let (mut codes, mut refused_by_name) =
        (std::collections::BTreeMap::new(), std::collections::BTreeSet::new());
    for (path, item) in doc["paths"].as_object().unwrap() {
        if path.starts_with("/api/sync/push") || path.contains("/auth/") || path.ends_with("/logout") {
            continue;
        }
        for (method, op) in item.as_object().unwrap() {
            let method: Method = method.to_uppercase().parse().unwrap();
            let body = op["requestBody"]["content"]["application/json"]["schema"].clone();
            let body = (!body.is_null()).then(|| example(&doc, &body, &ids, 0));
            let mut fields = Vec::new();
            if let Some(b) = &body {
                string_paths(b, "", &mut fields);
            }
            let queries: Vec<String> = op["parameters"]
                .as_array()
                .map(|ps| {
                    ps.iter()
                        .filter(|p| p["in"] == "query" && resolve(&doc, &p["schema"])["type"] == "string")
                        .filter_map(|p| p["name"].as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            if fields.is_empty() && queries.is_empty() {
                continue;
            }
            for url in ids.fill(path) {
                for (party, session) in &parties {
                    for text in HOSTILE {
                        let mut tries: Vec<(String, Option<Value>, String)> = Vec::new();
                        for field in fields.iter().filter(|f| !OPAQUE.iter().any(|o| f.ends_with(o))) {
                            let mut b = body.clone().unwrap();
                            set(&mut b, field, text);
                            tries.push((url.clone(), Some(b), field.clone()));
                        }
                        for q in &queries {
                            let encoded: String = text.bytes().map(|b| format!("%{b:02X}")).collect();
                            tries.push((format!("{url}?{q}={encoded}"), body.clone(), format!("?{q}")));
                        }
                        for (target, b, field) in tries {
                            let reply = app.call(method.clone(), &target, Some(&session.access), b).await;
                            sent += 1;
                            *codes
                                .entry(format!("{} {}", reply.status.as_u16(), reply.code()))
                                .or_insert(0usize) += 1;
                            if reply.status == StatusCode::BAD_REQUEST && reply.code() == "invalid_input" {
                                refused_by_name.insert(format!("{method} {path} {field}"));
                            }
                            if reply.status.is_server_error() {
                                failures.push(format!(
                                    "{method} {target} {field} as {party}: {} {}",
                                    reply.status, reply.body
                                ));
                            } else if reply.status.is_success() && method != Method::GET {
                                accepted.push(format!("{method} {target} {field} {text:?} as {party}"));
                            }
                        }
                    }
                }
            }
        }
    }
    eprintln!(
        "{sent} requests; answers: {codes:?}; {} fields refused as invalid_input",
        refused_by_name.len()
    );
    assert!(sent > 3_000, "the document reached few fields: {sent} requests");
    // The bodies generated from the document reach the checks behind deserialization: every one
    // of these was refused as invalid_input naming its field.
    assert!(refused_by_name.len() >= 60, "{refused_by_name:?}");
    assert!(failures.is_empty(), "{} server errors:\n{}", failures.len(), failures.join("\n"));
    assert!(accepted.is_empty(), "{} hostile texts accepted:\n{}", accepted.len(), accepted.join("\n"));
}

#[tokio::test]
async fn every_text_of_every_sync_payload_kind_is_a_recorded_rejection() {
    let app = spawn_app().await;
    app.load_demo().await;
    baoxiu::demo::claims::load(&app.state).await.unwrap();
    let technician = app.login("technician").await;
    let (phone, _) = enrolled_phone(&app, &technician).await;
    let samples = vectors().unwrap();
    let mut seq = 0;
    for kind in MutationKind::ALL {
        let name = match kind {
            MutationKind::OwnerConfirmation => "owner_confirmation_payload".to_string(),
            other => wire_name(other),
        };
        let sample = samples.iter().find(|v| v.name == name).unwrap().value.clone();
        let mut fields = Vec::new();
        string_paths(&sample, "", &mut fields);
        assert!(!fields.is_empty(), "{name}");
        // One batch a kind: each mutation rejected on its own, the batch answered whole.
        let mut batch = Vec::new();
        for field in &fields {
            for text in HOSTILE {
                let mut payload = sample.clone();
                set(&mut payload, field, text);
                seq += 1;
                batch
                    .push(Mutation::new(seq, uuid::Uuid::now_v7().to_string(), kind, None, payload).unwrap());
            }
        }
        let reply = push(&app, &technician, &phone, 3, &batch).await;
        assert_eq!(reply.status, StatusCode::OK, "{name}: {}", reply.body);
        let results = reply.body["results"].as_array().unwrap();
        assert_eq!(results.len(), batch.len(), "{name}");
        for (result, m) in results.iter().zip(&batch) {
            assert_eq!(result["outcome"], "rejected", "{name}: {} {result}", m.payload);
        }
    }
    assert!(seq > 60, "{seq}");
}

/// The document's text limits are the server's: for every string field of a request body with a
/// `maxLength`, a text of that many characters is never refused for that field, and one of a
/// character more is, for the first party whose request reaches the check.
#[tokio::test]
async fn every_documented_text_limit_is_the_servers() {
    let (app, parties, ids, doc) = demo_world().await;
    let refuses = |reply: &baoxiu_e2e::Reply, field: &str| {
        reply.status == StatusCode::BAD_REQUEST
            && reply.code() == "invalid_input"
            && reply.body["detail"].as_str() == Some(field)
    };
    let (mut limits, mut unreached, mut wrong) = (0, Vec::new(), Vec::new());
    for (path, item) in doc["paths"].as_object().unwrap() {
        if path.starts_with("/api/sync/push") || path.contains("/auth/") {
            continue;
        }
        for (method, op) in item.as_object().unwrap() {
            let method: Method = method.to_uppercase().parse().unwrap();
            let schema = &op["requestBody"]["content"]["application/json"]["schema"];
            if schema.is_null() {
                continue;
            }
            let body = example(&doc, schema, &ids, 0);
            let properties = resolve(&doc, schema)["properties"].as_object().cloned().unwrap_or_default();
            for (field, property) in properties {
                let property = resolve(&doc, &property);
                let Some(max) = property["maxLength"].as_u64() else { continue };
                limits += 1;
                // Chinese, but where a pattern limits the characters (a username), letters.
                let one = if property.get("pattern").is_some() { "a" } else { "字" };
                let text = |n: u64| one.repeat(n as usize);
                let mut reached = false;
                'urls: for url in ids.fill(path) {
                    for (party, session) in &parties {
                        let mut over = body.clone();
                        over[&field] = json!(text(max + 1));
                        let reply = app.call(method.clone(), &url, Some(&session.access), Some(over)).await;
                        if !refuses(&reply, &field) {
                            continue;
                        }
                        reached = true;
                        let mut at = body.clone();
                        at[&field] = json!(text(max));
                        let reply = app.call(method.clone(), &url, Some(&session.access), Some(at)).await;
                        if refuses(&reply, &field) {
                            wrong.push(format!(
                                "{method} {path} {field}: {max} characters refused as {party}"
                            ));
                        }
                        break 'urls;
                    }
                }
                if !reached {
                    unreached.push(format!("{method} {path} {field} ({max})"));
                }
            }
        }
    }
    assert!(limits >= 30, "the document declares few text limits: {limits}");
    assert!(wrong.is_empty(), "limits tighter than documented:\n{}", wrong.join("\n"));
    assert!(unreached.is_empty(), "maxLength + 1 characters never refused:\n{}", unreached.join("\n"));
}

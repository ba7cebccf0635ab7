//! The permission matrix: every API route × every role. A role outside a route's gate gets 403; a
//! role inside it never does. Scoped reads answer 404 to those who may not see the object.

use baoxiu_e2e::spawn_app;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// Who may pass a route.
pub enum Gate {
    /// Only these roles; the rest get 403.
    Roles(&'static [&'static str]),
    /// Everyone signed in may call it, but only these roles can see the demo object; the rest 404.
    Sees(&'static [&'static str]),
}

pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub openapi_path: &'static str,
    pub gate: Gate,
}

const ALL: &[&str] = &["admin", "reviewer", "developer", "property", "owner", "technician"];
const ESTATE_SEERS: &[&str] = &["admin", "reviewer", "developer", "property", "owner"];

macro_rules! route {
    ($method:literal, $path:literal, $openapi:literal, $gate:expr) => {
        Route { method: $method, path: $path, openapi_path: $openapi, gate: $gate }
    };
}

/// Every API route behind authentication. The OpenAPI test checks this list against the document.
pub const ROUTES: &[Route] = &[
    route!("get", "/api/v1/me", "/api/v1/me", Gate::Sees(ALL)),
    route!("get", "/api/v1/me/units", "/api/v1/me/units", Gate::Sees(ALL)),
    route!("post", "/api/v1/users", "/api/v1/users", Gate::Roles(&["admin"])),
    route!("get", "/api/v1/users", "/api/v1/users", Gate::Roles(&["admin"])),
    route!("get", "/api/v1/users/{user}", "/api/v1/users/{id}", Gate::Roles(&["admin"])),
    route!("post", "/api/v1/organisations", "/api/v1/organisations", Gate::Roles(&["admin"])),
    route!("get", "/api/v1/organisations", "/api/v1/organisations", Gate::Sees(ALL)),
    route!(
        "get",
        "/api/v1/organisations/{bureau}",
        "/api/v1/organisations/{id}",
        Gate::Sees(&["admin", "reviewer"])
    ),
    route!(
        "post",
        "/api/v1/organisations/{bureau}/members",
        "/api/v1/organisations/{id}/members",
        Gate::Roles(&["admin"])
    ),
    route!("post", "/api/v1/estates", "/api/v1/estates", Gate::Roles(&["admin", "reviewer"])),
    route!("get", "/api/v1/estates", "/api/v1/estates", Gate::Sees(ALL)),
    route!("get", "/api/v1/estates/{estate}", "/api/v1/estates/{id}", Gate::Sees(ESTATE_SEERS)),
    route!(
        "post",
        "/api/v1/estates/{estate}/buildings",
        "/api/v1/estates/{id}/buildings",
        Gate::Roles(&["admin", "reviewer"])
    ),
    route!(
        "get",
        "/api/v1/estates/{estate}/buildings",
        "/api/v1/estates/{id}/buildings",
        Gate::Sees(ESTATE_SEERS)
    ),
    route!("get", "/api/v1/buildings/{building}", "/api/v1/buildings/{id}", Gate::Sees(ESTATE_SEERS)),
    route!(
        "patch",
        "/api/v1/buildings/{building}",
        "/api/v1/buildings/{id}",
        Gate::Roles(&["admin", "reviewer"])
    ),
    route!(
        "post",
        "/api/v1/buildings/{building}/units",
        "/api/v1/buildings/{id}/units",
        Gate::Roles(&["admin", "reviewer"])
    ),
    route!(
        "get",
        "/api/v1/buildings/{building}/units",
        "/api/v1/buildings/{id}/units",
        Gate::Sees(ESTATE_SEERS)
    ),
    route!("get", "/api/v1/units/{unit}", "/api/v1/units/{id}", Gate::Sees(ESTATE_SEERS)),
    route!(
        "post",
        "/api/v1/units/{unit}/owners",
        "/api/v1/units/{id}/owners",
        Gate::Roles(&["admin", "reviewer"])
    ),
    route!(
        "post",
        "/api/v1/devices",
        "/api/v1/devices",
        Gate::Roles(&["reviewer", "property", "owner", "technician"])
    ),
    route!("get", "/api/v1/devices", "/api/v1/devices", Gate::Sees(ALL)),
    route!("delete", "/api/v1/devices/{device}", "/api/v1/devices/{id}", Gate::Sees(&[])),
];

fn body_for(path: &str, ids: &Ids) -> Option<Value> {
    let body = match path {
        "/api/v1/users" => {
            json!({"username": format!("u{}", uuid::Uuid::now_v7().simple()), "display_name": "新用户", "password": "long-enough-pw", "role": "owner"})
        }
        "/api/v1/organisations" => {
            json!({"kind": "repair_unit", "name": format!("维修公司 {}", uuid::Uuid::now_v7())})
        }
        "/api/v1/organisations/{bureau}/members" => json!({"user_id": ids.reviewer}),
        "/api/v1/estates" => {
            json!({"name": format!("新小区 {}", uuid::Uuid::now_v7()), "address": "济南市历下区", "jurisdiction": "370102", "developer_id": ids.developer_org})
        }
        "/api/v1/estates/{estate}/buildings" => {
            json!({"name": format!("楼 {}", uuid::Uuid::now_v7()), "class": "high_rise", "construction_cost": "1000.00", "design_life_years": 50})
        }
        "/api/v1/buildings/{building}" => json!({"design_life_years": 50}),
        "/api/v1/buildings/{building}/units" => {
            json!({"number": format!("9-9-{}", uuid::Uuid::now_v7().simple()), "floor": 9})
        }
        "/api/v1/units/{unit}/owners" => json!({"user_id": ids.owner}),
        "/api/v1/devices" => {
            json!({"device_id": uuid::Uuid::now_v7().to_string(), "name": "手机", "public_key": crate::devices::fresh_public_key()})
        }
        _ => return None,
    };
    Some(body)
}

struct Ids {
    estate: String,
    building: String,
    unit: String,
    bureau: String,
    reviewer: String,
    owner: String,
    developer_org: String,
}

#[tokio::test]
async fn every_role_reaches_exactly_what_it_may() {
    let app = spawn_app().await;
    app.load_demo().await;
    let mut sessions = std::collections::HashMap::new();
    for role in ALL {
        sessions.insert(*role, app.login(role).await);
    }
    let admin = &sessions["admin"].access;
    let estate = app.demo_estate(admin).await;
    let estate_id = estate["id"].as_str().unwrap().to_string();
    let buildings = app.get(&format!("/api/v1/estates/{estate_id}/buildings"), admin).await;
    let building = buildings.body.as_array().unwrap().iter().find(|b| b["name"] == "1号楼").unwrap().clone();
    let owner_units = app.get("/api/v1/me/units", &sessions["owner"].access).await;
    let orgs = app.get("/api/v1/organisations", admin).await;
    let org = |kind: &str| {
        orgs.body.as_array().unwrap().iter().find(|o| o["kind"] == kind).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let ids = Ids {
        estate: estate_id,
        building: building["id"].as_str().unwrap().into(),
        unit: owner_units.body[0]["id"].as_str().unwrap().into(),
        bureau: org("housing_bureau"),
        reviewer: sessions["reviewer"].user_id.clone(),
        owner: sessions["owner"].user_id.clone(),
        developer_org: estate["developer_id"].as_str().unwrap().into(),
    };

    let mut failures = Vec::new();
    for route in ROUTES {
        let path = route
            .path
            .replace("{estate}", &ids.estate)
            .replace("{building}", &ids.building)
            .replace("{unit}", &ids.unit)
            .replace("{bureau}", &ids.bureau)
            .replace("{user}", &ids.reviewer)
            .replace("{device}", &uuid::Uuid::now_v7().to_string());
        for role in ALL {
            let method = Method::from_bytes(route.method.to_uppercase().as_bytes()).unwrap();
            let reply =
                app.call(method, &path, Some(&sessions[role].access), body_for(route.path, &ids)).await;
            let ok = match &route.gate {
                Gate::Roles(allowed) if allowed.contains(role) => {
                    reply.status.is_success() || reply.status == StatusCode::CONFLICT
                }
                Gate::Roles(_) => reply.status == StatusCode::FORBIDDEN && reply.code() == "forbidden",
                Gate::Sees(seers) if seers.contains(role) => reply.status.is_success(),
                Gate::Sees(_) => reply.status == StatusCode::NOT_FOUND && reply.code() == "not_found",
            };
            if !ok {
                failures.push(format!(
                    "{role:>10} {} {}: {} {}",
                    route.method, route.path, reply.status, reply.body
                ));
            }
        }
    }
    assert!(failures.is_empty(), "permission matrix broken:\n{}", failures.join("\n"));
}

#[tokio::test]
async fn no_route_answers_without_a_token() {
    let app = spawn_app().await;
    for route in ROUTES {
        let path = route.path.replace(['{', '}'], "");
        let method = Method::from_bytes(route.method.to_uppercase().as_bytes()).unwrap();
        let reply = app.call(method, &path, None, None).await;
        assert!(
            reply.status == StatusCode::UNAUTHORIZED || reply.status == StatusCode::BAD_REQUEST,
            "{} {path}: {}",
            route.method,
            reply.status
        );
    }
}

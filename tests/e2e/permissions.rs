//! The permission matrix: every API route × every role. A role outside a route's gate gets 403; a
//! role inside it never does. Scoped reads answer 404 to those who may not see the object.

use baoxiu_e2e::spawn_app;
use reqwest::{Method, StatusCode};
use serde_json::json;

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
    route!("get", "/api/v1/defect-codes", "/api/v1/defect-codes", Gate::Sees(ALL)),
    route!("get", "/api/v1/me/units", "/api/v1/me/units", Gate::Sees(ALL)),
    route!("post", "/api/v1/users", "/api/v1/users", Gate::Roles(&["admin"])),
    route!("get", "/api/v1/users", "/api/v1/users", Gate::Roles(&["admin"])),
    route!("get", "/api/v1/users/{user}", "/api/v1/users/{id}", Gate::Roles(&["admin"])),
    route!(
        "post",
        "/api/v1/users/{user}/password-reset",
        "/api/v1/users/{id}/password-reset",
        Gate::Roles(&["admin"])
    ),
    route!("post", "/api/v1/users/{user}/unlock", "/api/v1/users/{id}/unlock", Gate::Roles(&["admin"])),
    // Locking a demo account would end its session for the rest of the matrix: nobody's is locked.
    route!("post", "/api/v1/users/{nobody}/lock", "/api/v1/users/{id}/lock", Gate::Roles(&["admin"])),
    route!("post", "/api/v1/users/{nobody}/role", "/api/v1/users/{id}/role", Gate::Roles(&["admin"])),
    route!("get", "/api/v1/admin/audit", "/api/v1/admin/audit", Gate::Roles(&["admin"])),
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
    // The owner is no member of the bureau: the administrator's call finds nothing to remove.
    route!(
        "get",
        "/api/v1/organisations/{bureau}/members",
        "/api/v1/organisations/{id}/members",
        Gate::Sees(&["admin", "reviewer"])
    ),
    route!(
        "delete",
        "/api/v1/organisations/{bureau}/members/{owner}",
        "/api/v1/organisations/{id}/members/{user_id}",
        Gate::Roles(&["admin"])
    ),
    route!("post", "/api/v1/estates", "/api/v1/estates", Gate::Roles(&["admin", "reviewer"])),
    route!("get", "/api/v1/estates", "/api/v1/estates", Gate::Sees(ALL)),
    route!("get", "/api/v1/estates/{estate}", "/api/v1/estates/{id}", Gate::Sees(ESTATE_SEERS)),
    // Recorded before it is read, so that the read finds it.
    route!(
        "put",
        "/api/v1/estates/{estate}/owners-committee",
        "/api/v1/estates/{id}/owners-committee",
        Gate::Roles(&["admin", "reviewer"])
    ),
    route!(
        "get",
        "/api/v1/estates/{estate}/owners-committee",
        "/api/v1/estates/{id}/owners-committee",
        Gate::Sees(ESTATE_SEERS)
    ),
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
    route!("post", "/api/v1/claims", "/api/v1/claims", Gate::Roles(&["property", "owner"])),
    route!("get", "/api/v1/claims", "/api/v1/claims", Gate::Sees(ALL)),
    route!("get", "/api/v1/claims/{claim}", "/api/v1/claims/{id}", Gate::Sees(ESTATE_SEERS)),
    // Before the matrix's own steps designate the demo repair unit, which then sees the claim.
    route!(
        "get",
        "/api/v1/claims/{claim}/dossier/pdf",
        "/api/v1/claims/{id}/dossier/pdf",
        Gate::Sees(ESTATE_SEERS)
    ),
    route!("post", "/api/v1/claims/{claim}/evidence", "/api/v1/claims/{id}/evidence", Gate::Roles(ALL)),
    route!(
        "get",
        "/api/v1/claims/{claim}/evidence",
        "/api/v1/claims/{id}/evidence",
        Gate::Sees(ESTATE_SEERS)
    ),
    route!("post", "/api/v1/uploads", "/api/v1/uploads", Gate::Roles(ALL)),
    route!("get", "/api/sync/pull", "/api/sync/pull", Gate::Sees(ALL)),
    route!("get", "/api/sync/rejections", "/api/sync/rejections", Gate::Sees(ALL)),
    route!("head", "/api/v1/uploads/{upload}", "/api/v1/uploads/{id}", Gate::Roles(ALL)),
    route!("patch", "/api/v1/uploads/{upload}", "/api/v1/uploads/{id}", Gate::Roles(ALL)),
    route!("delete", "/api/v1/uploads/{upload}", "/api/v1/uploads/{id}", Gate::Roles(ALL)),
    route!("post", "/api/v1/files", "/api/v1/files", Gate::Roles(ALL)),
    route!("get", "/api/v1/files/{file}", "/api/v1/files/{id}", Gate::Sees(ESTATE_SEERS)),
    route!("get", "/api/v1/files/{file}/content", "/api/v1/files/{id}/content", Gate::Sees(ESTATE_SEERS)),
    route!("get", "/api/v1/reviewer/queue", "/api/v1/reviewer/queue", Gate::Roles(&["reviewer"])),
    route!(
        "post",
        "/api/v1/claims/{claim}/ask-developer",
        "/api/v1/claims/{id}/ask-developer",
        Gate::Roles(&["reviewer"])
    ),
    route!(
        "post",
        "/api/v1/claims/{claim}/developer-reply",
        "/api/v1/claims/{id}/developer-reply",
        Gate::Roles(&["developer"])
    ),
    route!(
        "post",
        "/api/v1/claims/{claim}/developer-silent",
        "/api/v1/claims/{id}/developer-silent",
        Gate::Roles(&["reviewer"])
    ),
    route!(
        "post",
        "/api/v1/claims/{claim}/developer-unable",
        "/api/v1/claims/{id}/developer-unable",
        Gate::Roles(&["reviewer"])
    ),
    route!(
        "post",
        "/api/v1/claims/{claim}/developer-repaired",
        "/api/v1/claims/{id}/developer-repaired",
        Gate::Roles(&["reviewer"])
    ),
    route!(
        "post",
        "/api/v1/claims/{claim}/developer-defaulted",
        "/api/v1/claims/{id}/developer-defaulted",
        Gate::Roles(&["reviewer"])
    ),
    route!(
        "post",
        "/api/v1/claims/{claim}/inspection",
        "/api/v1/claims/{id}/inspection",
        Gate::Roles(&["reviewer"])
    ),
    route!(
        "post",
        "/api/v1/claims/{claim}/approve",
        "/api/v1/claims/{id}/approve",
        Gate::Roles(&["reviewer"])
    ),
    route!("post", "/api/v1/claims/{claim}/reject", "/api/v1/claims/{id}/reject", Gate::Roles(&["reviewer"])),
    route!(
        "post",
        "/api/v1/claims/{claim}/plans",
        "/api/v1/claims/{id}/plans",
        Gate::Roles(&["property", "technician"])
    ),
    route!(
        "post",
        "/api/v1/claims/{claim}/plan-decision",
        "/api/v1/claims/{id}/plan-decision",
        Gate::Roles(&["reviewer"])
    ),
    route!(
        "post",
        "/api/v1/claims/{claim}/start-repair",
        "/api/v1/claims/{id}/start-repair",
        Gate::Roles(&["property", "technician"])
    ),
    route!(
        "post",
        "/api/v1/claims/{claim}/cost-sheets",
        "/api/v1/claims/{id}/cost-sheets",
        Gate::Roles(&["property", "technician"])
    ),
    route!(
        "post",
        "/api/v1/claims/{claim}/cost-sheets/1/sign",
        "/api/v1/claims/{id}/cost-sheets/{revision}/sign",
        Gate::Roles(&["property", "owner"])
    ),
    route!(
        "post",
        "/api/v1/claims/{claim}/cost-sheets/1/dispute-signature",
        "/api/v1/claims/{id}/cost-sheets/{revision}/dispute-signature",
        Gate::Roles(&["property", "owner"])
    ),
    route!(
        "post",
        "/api/v1/claims/{claim}/submit-cost-sheet",
        "/api/v1/claims/{id}/submit-cost-sheet",
        Gate::Roles(&["property", "technician"])
    ),
    route!(
        "post",
        "/api/v1/claims/{claim}/return-cost-sheet",
        "/api/v1/claims/{id}/return-cost-sheet",
        Gate::Roles(&["reviewer"])
    ),
    route!("post", "/api/v1/claims/{claim}/verify", "/api/v1/claims/{id}/verify", Gate::Roles(&["reviewer"])),
    route!("post", "/api/v1/claims/{claim}/pay", "/api/v1/claims/{id}/pay", Gate::Roles(&["reviewer"])),
    route!(
        "post",
        "/api/v1/claims/{claim}/notify-developer",
        "/api/v1/claims/{id}/notify-developer",
        Gate::Roles(&["reviewer"])
    ),
    route!(
        "post",
        "/api/v1/claims/{claim}/return-visit",
        "/api/v1/claims/{id}/return-visit",
        Gate::Roles(&["property", "owner"])
    ),
    route!(
        "get",
        "/api/v1/reviewer/repair-unit-ratings",
        "/api/v1/reviewer/repair-unit-ratings",
        Gate::Roles(&["reviewer"])
    ),
    route!(
        "post",
        "/api/v1/claims/{claim}/work-orders",
        "/api/v1/claims/{id}/work-orders",
        Gate::Roles(&["property", "technician"])
    ),
    route!("get", "/api/v1/work-orders", "/api/v1/work-orders", Gate::Sees(ALL)),
    route!("get", "/api/v1/work-orders/{work_order}", "/api/v1/work-orders/{id}", Gate::Sees(&[])),
    route!(
        "post",
        "/api/v1/work-orders/{work_order}/assign",
        "/api/v1/work-orders/{id}/assign",
        Gate::Roles(&["property", "technician"])
    ),
    route!(
        "post",
        "/api/v1/work-orders/{work_order}/schedule",
        "/api/v1/work-orders/{id}/schedule",
        Gate::Roles(&["property", "technician"])
    ),
    route!(
        "post",
        "/api/v1/work-orders/{work_order}/check-in",
        "/api/v1/work-orders/{id}/check-in",
        Gate::Roles(&["property", "technician"])
    ),
    route!(
        "post",
        "/api/v1/work-orders/{work_order}/check-out",
        "/api/v1/work-orders/{id}/check-out",
        Gate::Roles(&["property", "technician"])
    ),
    route!("get", "/api/v1/notifications", "/api/v1/notifications", Gate::Sees(ALL)),
    route!("post", "/api/v1/notifications/read", "/api/v1/notifications/read", Gate::Sees(ALL)),
    route!("get", "/api/v1/me/notification-channels", "/api/v1/me/notification-channels", Gate::Sees(ALL)),
    route!("put", "/api/v1/me/notification-channels", "/api/v1/me/notification-channels", Gate::Sees(ALL)),
    route!("get", "/api/v1/admin/outbox", "/api/v1/admin/outbox", Gate::Roles(&["admin"])),
    route!(
        "post",
        "/api/v1/admin/outbox/{delivery}/retry",
        "/api/v1/admin/outbox/{id}/retry",
        Gate::Roles(&["admin"])
    ),
    route!(
        "post",
        "/api/v1/notifications/{notification}/read",
        "/api/v1/notifications/{id}/read",
        Gate::Sees(&[])
    ),
    route!(
        "post",
        "/api/v1/buildings/{building}/deposit-notice",
        "/api/v1/buildings/{id}/deposit-notice",
        Gate::Roles(&["reviewer"])
    ),
    route!(
        "get",
        "/api/v1/buildings/{building}/deposit-notice",
        "/api/v1/buildings/{id}/deposit-notice",
        Gate::Sees(ESTATE_SEERS)
    ),
    route!(
        "post",
        "/api/v1/buildings/{building}/deposit-notice/objection",
        "/api/v1/buildings/{id}/deposit-notice/objection",
        Gate::Roles(&["developer"])
    ),
    route!(
        "post",
        "/api/v1/buildings/{building}/deposit-notice/recheck",
        "/api/v1/buildings/{id}/deposit-notice/recheck",
        Gate::Roles(&["reviewer"])
    ),
    route!(
        "post",
        "/api/v1/buildings/{building}/deposit-payments",
        "/api/v1/buildings/{id}/deposit-payments",
        Gate::Roles(&["reviewer"])
    ),
    route!(
        "get",
        "/api/v1/buildings/{building}/fund",
        "/api/v1/buildings/{id}/fund",
        Gate::Sees(ESTATE_SEERS)
    ),
    route!("post", "/api/v1/fund/interest-runs", "/api/v1/fund/interest-runs", Gate::Roles(&["reviewer"])),
    route!(
        "post",
        "/api/v1/buildings/{building}/holds",
        "/api/v1/buildings/{id}/holds",
        Gate::Roles(&["reviewer"])
    ),
    route!(
        "post",
        "/api/v1/buildings/{building}/holds/{hold}/lift",
        "/api/v1/buildings/{id}/holds/{hold}/lift",
        Gate::Roles(&["reviewer"])
    ),
    route!(
        "post",
        "/api/v1/buildings/{building}/refunds",
        "/api/v1/buildings/{id}/refunds",
        Gate::Roles(&["reviewer"])
    ),
    route!(
        "post",
        "/api/v1/buildings/{building}/publication/2026/publish",
        "/api/v1/buildings/{id}/publication/{year}/publish",
        Gate::Roles(&["reviewer"])
    ),
    route!(
        "get",
        "/api/v1/buildings/{building}/publication/2026",
        "/api/v1/buildings/{id}/publication/{year}",
        Gate::Sees(ESTATE_SEERS)
    ),
    route!(
        "get",
        "/api/v1/fund/publication/2026",
        "/api/v1/fund/publication/{year}",
        Gate::Roles(&["reviewer"])
    ),
    route!(
        "get",
        "/api/v1/fund/journal.csv?from=2026-01-01&to=2026-02-01",
        "/api/v1/fund/journal.csv",
        Gate::Roles(&["reviewer"])
    ),
    route!(
        "post",
        "/api/v1/fund/journal/{entry}/reverse",
        "/api/v1/fund/journal/{id}/reverse",
        Gate::Roles(&["reviewer"])
    ),
    // The claim of this matrix has no cost sheet yet: every role meets a 404 or the role rule.
    route!(
        "get",
        "/api/v1/claims/{claim}/cost-sheets/1/pdf",
        "/api/v1/claims/{id}/cost-sheets/{revision}/pdf",
        Gate::Roles(ALL)
    ),
    route!(
        "get",
        "/api/v1/claims/{claim}/usage-notice/pdf",
        "/api/v1/claims/{id}/usage-notice/pdf",
        Gate::Roles(&["admin", "reviewer", "developer"])
    ),
    route!(
        "get",
        "/api/v1/buildings/{building}/deposit-notice/pdf",
        "/api/v1/buildings/{id}/deposit-notice/pdf",
        Gate::Sees(ESTATE_SEERS)
    ),
    route!(
        "get",
        "/api/v1/buildings/{building}/deposit-certificate/pdf",
        "/api/v1/buildings/{id}/deposit-certificate/pdf",
        Gate::Sees(ESTATE_SEERS)
    ),
    route!(
        "get",
        "/api/v1/buildings/{building}/publication/2026/pdf",
        "/api/v1/buildings/{id}/publication/{year}/pdf",
        Gate::Sees(ESTATE_SEERS)
    ),
    route!(
        "get",
        "/api/v1/claims/{claim}/usage-notice",
        "/api/v1/claims/{id}/usage-notice",
        Gate::Roles(&["admin", "reviewer", "developer"])
    ),
    route!(
        "post",
        "/api/v1/buildings/{building}/award-refund",
        "/api/v1/buildings/{id}/award-refund",
        Gate::Roles(&["reviewer"])
    ),
    route!(
        "post",
        "/api/sync/push",
        "/api/sync/push",
        Gate::Roles(&["reviewer", "property", "owner", "technician"])
    ),
    route!("patch", "/api/v1/estates/{estate}", "/api/v1/estates/{id}", Gate::Roles(&["admin", "reviewer"])),
    route!("patch", "/api/v1/units/{unit}", "/api/v1/units/{id}", Gate::Roles(&["admin", "reviewer"])),
    route!("get", "/api/v1/art30", "/api/v1/art30", Gate::Roles(&["admin", "reviewer", "developer"])),
    route!(
        "post",
        "/api/v1/art30/{nobody}/decision",
        "/api/v1/art30/{id}/decision",
        Gate::Roles(&["reviewer"])
    ),
    route!("get", "/api/v1/warnings", "/api/v1/warnings", Gate::Roles(&["admin", "reviewer", "developer"])),
    route!(
        "post",
        "/api/v1/warnings/{nobody}/acknowledge",
        "/api/v1/warnings/{id}/acknowledge",
        Gate::Roles(&["developer"])
    ),
    route!(
        "post",
        "/api/v1/warnings/{nobody}/close",
        "/api/v1/warnings/{id}/close",
        Gate::Roles(&["developer"])
    ),
    route!("get", "/api/v1/insights", "/api/v1/insights", Gate::Roles(&["admin", "reviewer", "developer"])),
    route!(
        "get",
        "/api/v1/insights/claims",
        "/api/v1/insights/claims",
        Gate::Roles(&["admin", "reviewer", "developer"])
    ),
    route!("post", "/api/v1/claims/{claim}/defect", "/api/v1/claims/{id}/defect", Gate::Roles(&["reviewer"])),
];

mod bodies;

use bodies::body_for;

/// The demo's objects a route's path and body name.
struct Ids {
    estate: String,
    building: String,
    unit: String,
    bureau: String,
    reviewer: String,
    owner: String,
    developer_org: String,
    claim: String,
    repair_unit: String,
    file: String,
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
        claim: String::new(),
        repair_unit: org("repair_unit"),
        file: app.upload_photo(&sessions["owner"].access, 7).await,
    };
    let mut ids = ids;
    let filed = app
        .post("/api/v1/claims", &sessions["owner"].access, body_for("/api/v1/claims", &ids).unwrap())
        .await;
    assert_eq!(filed.status, StatusCode::CREATED, "{}", filed.body);
    ids.claim = filed.body["id"].as_str().unwrap().into();
    let attach = format!("/api/v1/claims/{}/evidence", ids.claim);
    baoxiu_e2e::ok(&app, &sessions["owner"].access, &attach, json!({"file_id": ids.file, "kind": "before"}))
        .await;

    let mut failures = Vec::new();
    for route in ROUTES {
        let path = route
            .path
            .replace("{estate}", &ids.estate)
            .replace("{building}", &ids.building)
            .replace("{unit}", &ids.unit)
            .replace("{bureau}", &ids.bureau)
            .replace("{user}", &ids.reviewer)
            .replace("{owner}", &ids.owner)
            .replace("{claim}", &ids.claim)
            .replace("{file}", &ids.file)
            .replace("{upload}", &uuid::Uuid::now_v7().to_string())
            .replace("{work_order}", &uuid::Uuid::now_v7().to_string())
            .replace("{notification}", &uuid::Uuid::now_v7().to_string())
            .replace("{delivery}", &uuid::Uuid::now_v7().to_string())
            .replace("{hold}", &uuid::Uuid::now_v7().to_string())
            .replace("{entry}", &uuid::Uuid::now_v7().to_string())
            .replace("{device}", &uuid::Uuid::now_v7().to_string())
            .replace("{nobody}", &uuid::Uuid::now_v7().to_string());
        for role in ALL {
            let method = Method::from_bytes(route.method.to_uppercase().as_bytes()).unwrap();
            let reply =
                app.call(method, &path, Some(&sessions[role].access), body_for(route.path, &ids)).await;
            let ok = match &route.gate {
                // Inside the gate a role may still meet a rule (409), a scope (404), bad timing
                // (422) or an object-level rule naming its article (403 step_not_for_role: only
                // the applicant signs), but never a role denial, a 401 or a server error.
                Gate::Roles(allowed) if allowed.contains(role) => {
                    reply.status != StatusCode::UNAUTHORIZED
                        && !reply.status.is_server_error()
                        && (reply.status != StatusCode::FORBIDDEN || reply.code() == "step_not_for_role")
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

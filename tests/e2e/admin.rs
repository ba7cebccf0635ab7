//! The administrator's pages: only the administrator opens them or posts their forms; accounts
//! created, locked and reset with a one-time link; organisations, estates, buildings, units,
//! owners and the owners' committee recorded; dead letters; the audit log by person and date. The
//! browser story creates a repair unit and its technician, who then signs in.

use baoxiu_e2e::spawn_app;
use baoxiu_e2e::web::Web;
use reqwest::StatusCode;
use serde_json::json;
use thirtyfour::prelude::*;

use crate::browser::{browser, choose, chromedriver, overflow, sign_in, story, wait_for};
use crate::claims::{cast, file_seepage};

/// Every administrator's page and form, with the ids of the demo filled in by `fill`.
const PAGES: &[(&str, &str)] = &[
    ("get", "/admin"),
    ("get", "/admin/accounts/{user}"),
    ("get", "/admin/organisations"),
    ("get", "/admin/organisations/{org}"),
    ("get", "/admin/estates"),
    ("get", "/admin/estates/{estate}"),
    ("get", "/admin/buildings/{building}"),
    ("get", "/admin/outbox"),
    ("get", "/admin/audit"),
    ("post", "/admin/accounts"),
    ("post", "/admin/accounts/{user}/lock"),
    ("post", "/admin/accounts/{user}/unlock"),
    ("post", "/admin/accounts/{user}/reset"),
    ("post", "/admin/accounts/{user}/role"),
    ("post", "/admin/accounts/{user}/join"),
    ("post", "/admin/accounts/{user}/leave"),
    ("post", "/admin/organisations"),
    ("post", "/admin/estates"),
    ("post", "/admin/estates/{estate}/buildings"),
    ("post", "/admin/estates/{estate}/committee"),
    ("post", "/admin/buildings/{building}/units"),
    ("post", "/admin/buildings/{building}/owners"),
    ("post", "/admin/outbox/{delivery}/retry"),
];

#[tokio::test]
async fn only_the_administrator_opens_the_administrators_pages_or_posts_their_forms() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let admin = app.login("admin").await;
    let estate = app.demo_estate(&admin.access).await;
    let fill = |path: &str| {
        path.replace("{user}", &c.technician.user_id)
            .replace("{org}", &c.repair_unit)
            .replace("{estate}", estate["id"].as_str().unwrap())
            .replace("{building}", &c.building)
            .replace("{delivery}", &uuid::Uuid::now_v7().to_string())
    };
    for who in ["reviewer", "developer", "property", "owner", "technician", "admin"] {
        let web = Web::sign_in(&app, who).await;
        let csrf = web.get("/notifications").await.csrf();
        for (method, path) in PAGES {
            let path = fill(path);
            let page = match *method {
                "get" => web.get(&path).await,
                // An empty form: the administrator is refused for what is missing, never a 500.
                _ => web.post(&path, &[("csrf", csrf.as_str())]).await,
            };
            if who == "admin" {
                assert!(
                    page.status.is_success() || page.status.is_redirection() || page.status.is_client_error(),
                    "{method} {path}: {}",
                    page.status
                );
                assert_ne!(page.status, StatusCode::FORBIDDEN, "{method} {path}");
                if *method == "get" {
                    assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
                    assert!(page.has("id=\"sign-out\"") && page.has("class=\"admin-nav\""), "{path}");
                }
            } else {
                assert_eq!(page.status, StatusCode::FORBIDDEN, "{who} {method} {path}");
            }
        }
        // The administrator's pages speak English when asked, with no Chinese left in their frame.
        if who == "admin" {
            let mut english = Web::sign_in(&app, "admin").await;
            english.language = Some("en");
            let page = english.get("/admin").await;
            assert!(
                page.has("New account") && page.has("Accounts") && !page.has("新建账户"),
                "{}",
                page.body
            );
        }
    }
    // A form without its CSRF token changes nothing.
    let web = Web::sign_in(&app, "admin").await;
    let forged = web.post(&format!("/admin/accounts/{}/lock", c.owner.user_id), &[]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(app.get("/api/v1/me", &c.owner.access).await.status, StatusCode::OK);
}

#[tokio::test]
async fn an_account_is_created_locked_unlocked_and_reset_with_a_one_time_link() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let web = Web::sign_in(&app, "admin").await;
    // A refused account comes back with what was typed (the password is never sent back).
    let typed = [
        ("username", "li.shifu"),
        ("display_name", "李师傅"),
        ("phone", "13800000001"),
        ("role", "technician"),
        ("organisation_id", ""),
    ];
    let mut fields = typed.to_vec();
    fields.push(("password", "long-enough-pw"));
    let csrf = web.get("/admin").await.csrf();
    let all: Vec<(&str, &str)> =
        std::iter::once(("csrf", csrf.as_str())).chain(fields.iter().copied()).collect();
    let refused = web.post("/admin/accounts", &all).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "a technician needs a repair unit");
    assert!(refused.has("id=\"refusal-create\"") && refused.has("(所属机构)"), "{}", refused.body);
    refused.keeps("form-create", &typed[..4]);
    assert!(!refused.has("long-enough-pw"));
    // With its repair unit, it is created and signs in.
    let all: Vec<(&str, &str)> = all
        .iter()
        .map(|(k, v)| if *k == "organisation_id" { (*k, c.repair_unit.as_str()) } else { (*k, *v) })
        .collect();
    let created = web.post("/admin/accounts", &all).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let page = created.location().split('?').next().unwrap().to_string();
    let id = page.trim_start_matches("/admin/accounts/").to_string();
    let li = app.login_with("li.shifu", "long-enough-pw").await.expect("the new technician signs in");
    assert!(web.get(&page).await.has(&format!("data-organisation=\"{}\"", c.repair_unit)));

    // Locked: its session ends at once and it cannot sign in; the administrator cannot lock itself.
    let locked = web.submit(&page, &format!("{page}/lock"), &[]).await;
    assert_eq!(locked.status, StatusCode::SEE_OTHER);
    assert_eq!(app.get("/api/v1/me", &li.access).await.status, StatusCode::UNAUTHORIZED);
    assert!(app.login_with("li.shifu", "long-enough-pw").await.is_err());
    let admin = app.login("admin").await;
    let own = web.submit("/admin", &format!("/admin/accounts/{}/lock", admin.user_id), &[]).await;
    assert_eq!(own.status, StatusCode::CONFLICT);
    assert!(own.has("不能锁定自己的账户"), "{}", own.body);
    let unlocked = web.submit(&page, &format!("{page}/unlock"), &[]).await;
    assert_eq!(unlocked.status, StatusCode::SEE_OTHER);
    let li = app.login_with("li.shifu", "long-enough-pw").await.expect("unlocked");

    // A reset link, shown once: it opens without signing in, sets the password once, and ends
    // the account's sessions; a second link replaces the first.
    let issued = web.submit(&page, &format!("{page}/reset"), &[]).await;
    assert_eq!(issued.status, StatusCode::OK);
    let first = link(&issued.body);
    let issued = web.submit(&page, &format!("{page}/reset"), &[]).await;
    let second = link(&issued.body);
    assert_ne!(first, second);
    assert!(!web.get(&page).await.has(&second), "the link is shown only once");
    let stranger = Web::new(&app);
    assert_eq!(stranger.get(&first).await.status, StatusCode::GONE, "the first link lapsed");
    let form = stranger.get(&second).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.has("id=\"reset-username\">li.shifu<"), "{}", form.body);
    let short = stranger.post(&second, &[("password", "short")]).await;
    assert_eq!(short.status, StatusCode::BAD_REQUEST);
    assert!(short.has("id=\"form-reset\""), "a password too short asks again");
    let set = stranger.post(&second, &[("password", "a-new-long-password")]).await;
    assert_eq!((set.status, set.location()), (StatusCode::SEE_OTHER, "/login?reset=1"));
    assert!(stranger.get("/login?reset=1").await.has("新密码已设置"));
    assert_eq!(app.get("/api/v1/me", &li.access).await.status, StatusCode::UNAUTHORIZED, "sessions ended");
    assert!(app.login_with("li.shifu", "long-enough-pw").await.is_err());
    app.login_with("li.shifu", "a-new-long-password").await.expect("the new password works");
    let again = stranger.post(&second, &[("password", "yet-another-password")]).await;
    assert_eq!(again.status, StatusCode::GONE, "a link works once");
    for hostile in ["/reset/x", "/reset/%00%00", "/reset/..%2F..%2Fadmin"] {
        assert!(stranger.get(hostile).await.status.is_client_error(), "{hostile}");
    }
    // A role changes only for an account acting in none: out of its repair unit first.
    let role = web.submit(&page, &format!("{page}/role"), &[("role", "owner")]).await;
    assert_eq!(role.status, StatusCode::CONFLICT);
    assert!(role.has("id=\"refusal-role\"") && role.has("请先解除后再更改角色"), "{}", role.body);
    assert_eq!(role.shown("form-role", "role").as_deref(), Some("owner"), "the role chosen is kept");
    let left =
        web.submit(&page, &format!("{page}/leave"), &[("organisation_id", c.repair_unit.as_str())]).await;
    assert_eq!(left.status, StatusCode::SEE_OTHER, "{}", left.body);
    let li = app.login_with("li.shifu", "a-new-long-password").await.unwrap();
    let role = web.submit(&page, &format!("{page}/role"), &[("role", "owner")]).await;
    assert_eq!(role.status, StatusCode::SEE_OTHER, "{}", role.body);
    assert_eq!(app.get("/api/v1/me", &li.access).await.status, StatusCode::UNAUTHORIZED, "signs in again");
    let li = app.login_with("li.shifu", "a-new-long-password").await.unwrap();
    assert_eq!(app.get("/api/v1/me", &li.access).await.body["role"], "owner");
    // The API does the same.
    let api = app.post(&format!("/api/v1/users/{id}/password-reset"), &admin.access, json!({})).await;
    assert_eq!(api.status, StatusCode::CREATED);
    assert!(api.body["url"].as_str().unwrap().contains("/reset/"));
    let api = app.post(&format!("/api/v1/users/{}/lock", admin.user_id), &admin.access, json!({})).await;
    assert_eq!((api.status, api.code()), (StatusCode::CONFLICT, "own_account"));
}

/// The reset link on an account's page.
fn link(body: &str) -> String {
    let at = body.find("id=\"reset-link\">").unwrap() + 16;
    let url = &body[at..at + body[at..].find('<').unwrap()];
    url[url.find("/reset/").unwrap()..].to_string()
}

#[tokio::test]
async fn the_registry_is_kept_from_the_pages_and_the_audit_log_read_by_person_and_date() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let web = Web::sign_in(&app, "admin").await;
    let admin = app.login("admin").await;
    let developer = app.demo_estate(&admin.access).await["developer_id"].as_str().unwrap().to_string();
    let estate = [
        ("name", "海棠苑"),
        ("address", "济南市历下区海棠路8号"),
        ("jurisdiction", "370102"),
        ("developer_id", developer.as_str()),
    ];
    let made = web.submit("/admin/estates", "/admin/estates", &estate).await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let estate_page = made.location().split('?').next().unwrap().to_string();
    // A building refused for a cost that is no amount keeps what was typed.
    let building = [
        ("name", "2号楼"),
        ("class", "high_rise"),
        ("construction_cost", "三千万"),
        ("design_life_years", "50"),
        ("handover_date", "2025-06-30"),
    ];
    let refused = web.submit(&estate_page, &format!("{estate_page}/buildings"), &building).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    refused.keeps("form-building", &building);
    let building: Vec<(&str, &str)> = building
        .iter()
        .map(|(k, v)| if *k == "construction_cost" { (*k, "30000000.00") } else { (*k, *v) })
        .collect();
    let made = web.submit(&estate_page, &format!("{estate_page}/buildings"), &building).await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let building_page = made.location().split('?').next().unwrap().to_string();
    let unit = web
        .submit(&building_page, &format!("{building_page}/units"), &[("number", "2-1201"), ("floor", "12")])
        .await;
    assert_eq!(unit.status, StatusCode::SEE_OTHER);
    let page = web.get(&building_page).await;
    let unit_id = page.body.split("data-unit=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let owner = [("unit_id", unit_id.as_str()), ("user_id", c.owner.user_id.as_str())];
    assert_eq!(
        web.submit(&building_page, &format!("{building_page}/owners"), &owner).await.status,
        StatusCode::SEE_OTHER
    );
    let units = app.get("/api/v1/me/units", &c.owner.access).await.body;
    assert!(units.as_array().unwrap().iter().any(|u| u["number"] == "2-1201"), "{units}");
    let committee = [("name", "海棠苑业主委员会"), ("member_id", c.owner.user_id.as_str())];
    let set = web.submit(&estate_page, &format!("{estate_page}/committee"), &committee).await;
    assert_eq!(set.status, StatusCode::SEE_OTHER, "{}", set.body);
    assert!(web.get(&estate_page).await.has("海棠苑业主委员会: "));

    // The audit log: the owner's filing today, found by the owner's username and today's date.
    let id = file_seepage(&app, &c).await;
    let today = baoxiu_e2e::today().to_string();
    let log = web.get(&format!("/admin/audit?person=owner&from={today}&to={today}")).await;
    assert!(log.has(&id), "{}", log.body);
    assert!(!web.get(&format!("/admin/audit?person=reviewer&from={today}&to={today}")).await.has(&id));
    let wrong = web.get("/admin/audit?from=2026-13-01").await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert!(wrong.has("id=\"refusal-audit\""));
    let api = app.get(&format!("/api/v1/admin/audit?person=owner&from={today}"), &admin.access).await;
    assert!(api.body.as_array().unwrap().iter().any(|e| e["claim_id"] == json!(id)), "{}", api.body);
}

#[tokio::test]
async fn in_the_browser_the_administrator_creates_a_repair_unit_with_a_technician_who_then_signs_in() {
    let app = spawn_app().await;
    app.load_demo().await;
    let driver = chromedriver().await;
    let web = browser(&driver).await;
    story("admin-creates-unit", &web, async {
        sign_in(&web, &app, "admin").await;
        assert!(web.current_url().await.unwrap().path().ends_with("/admin"));
        web.goto(format!("{}/admin/organisations", app.address)).await.unwrap();
        choose(&web, "org-kind", "repair_unit").await;
        wait_for(&web, By::Id("org-name")).await.send_keys("历城建安维修队").await.unwrap();
        web.find(By::Id("create-organisation")).await.unwrap().click().await.unwrap();
        let title = wait_for(&web, By::Id("organisation-title")).await;
        assert!(title.text().await.unwrap().contains("历城建安维修队"));
        let org =
            web.current_url().await.unwrap().path().trim_start_matches("/admin/organisations/").to_string();
        web.goto(format!("{}/admin", app.address)).await.unwrap();
        wait_for(&web, By::Id("new-username")).await.send_keys("zhao.gong").await.unwrap();
        web.find(By::Id("new-display-name")).await.unwrap().send_keys("赵工").await.unwrap();
        choose(&web, "new-role", "technician").await;
        choose(&web, "new-organisation", &org).await;
        web.find(By::Id("new-password")).await.unwrap().send_keys("zhao-first-password").await.unwrap();
        web.find(By::Id("create-account")).await.unwrap().click().await.unwrap();
        let title = wait_for(&web, By::Id("account-title")).await;
        assert!(title.text().await.unwrap().contains("zhao.gong"));
        web.set_window_rect(0, 0, 360, 800).await.unwrap();
        let wider = overflow(&web).await;
        assert!(wider.is_empty(), "the account page is wider than a 360 px screen: {wider}");
        web.find(By::Id("sign-out")).await.unwrap().click().await.unwrap();
        wait_for(&web, By::Id("username")).await.send_keys("zhao.gong").await.unwrap();
        web.find(By::Id("password")).await.unwrap().send_keys("zhao-first-password").await.unwrap();
        web.find(By::Id("sign-in")).await.unwrap().click().await.unwrap();
        wait_for(&web, By::Id("sign-out")).await;
        assert!(web.current_url().await.unwrap().path().ends_with("/repair"));
    })
    .await;
    let zhao = app.login_with("zhao.gong", "zhao-first-password").await.expect("signs in");
    let me = app.get("/api/v1/me", &zhao.access).await.body;
    assert_eq!(me["role"], "technician", "{me}");
}

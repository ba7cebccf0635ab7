//! Nothing typed is lost: every form of the pages that is refused comes back with everything that
//! was entered (lines, decisions, amounts, files), the refusal beside it in the reader's language;
//! a form of lines grows and shrinks a row at a time without script; a new cost-sheet revision
//! starts from the last one. Each party's forms are posted as that party, refused, and read back.

use baoxiu_e2e::web::{Page, Web};
use baoxiu_e2e::{ok, spawn_app, TestApp};
use reqwest::StatusCode;
use serde_json::json;

use crate::claims::{cast, file_seepage, to_approved, to_in_repair, to_verified, Cast};

/// Takes `step` of the claim over the API as `who`, which must succeed.
async fn step(app: &TestApp, who: &baoxiu_e2e::Session, id: &str, step: &str, body: serde_json::Value) {
    ok(app, &who.access, &format!("/api/v1/claims/{id}/{step}"), body).await;
}

async fn version(app: &TestApp, c: &Cast, id: &str) -> i64 {
    app.get(&format!("/api/v1/claims/{id}"), &c.reviewer.access).await.body["claim"]["version"]
        .as_i64()
        .unwrap()
}

/// Posts `typed` to the form `form` of the page `page` with a version one behind the claim's: the
/// step is refused (someone acted meanwhile) and the page comes back with everything typed.
async fn refused_as_stale(
    web: &Web,
    app: &TestApp,
    c: &Cast,
    id: &str,
    page: &str,
    step: &str,
    typed: &[(&str, &str)],
) {
    let before = web.get(page).await;
    assert!(before.has(&format!("id=\"form-{step}\"")), "{page} offers no {step} form:\n{}", before.body);
    let old = (version(app, c, id).await - 1).to_string();
    let csrf = before.csrf();
    let mut fields = vec![("csrf", csrf.as_str()), ("version", old.as_str())];
    fields.extend_from_slice(typed);
    let back = web.post(&format!("{page}/{step}"), &fields).await;
    assert_eq!(back.status, StatusCode::CONFLICT, "{step}: {}", back.body);
    assert!(back.has("id=\"page-notice\""), "{step}: no notice of the change");
    back.keeps(&format!("form-{step}"), typed);
}

/// Posts `typed` to the form `form` of `page`, expecting a refusal shown in place, and returns the
/// page that came back.
async fn refused(web: &Web, page: &str, action: &str, typed: &[(&str, &str)]) -> Page {
    let csrf = web.get(page).await.csrf();
    let mut fields = vec![("csrf", csrf.as_str())];
    fields.extend_from_slice(typed);
    let back = web.post(action, &fields).await;
    assert_eq!(back.status, StatusCode::BAD_REQUEST, "{action}: {}", back.body);
    assert!(back.has("class=\"refusal\""), "{action}: no refusal shown");
    back
}

#[tokio::test]
async fn the_bureaus_and_the_developers_refused_forms_come_back_with_everything_typed() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let bureau = Web::sign_in(&app, "reviewer").await;
    let developer = Web::sign_in(&app, "developer").await;

    // Filed: the bureau asks the developer, or rejects.
    let id = file_seepage(&app, &c).await;
    let dossier = format!("/review/claims/{id}");
    refused_as_stale(&bureau, &app, &c, &id, &dossier, "ask_developer", &[("note", "请七日内答复")]).await;
    let reject = [("reason", "excluded"), ("note", "属于使用不当")];
    refused_as_stale(&bureau, &app, &c, &id, &dossier, "reject", &reject).await;

    // Asked: the developer answers on its claim page.
    step(&app, &c.reviewer, &id, "ask-developer", json!({})).await;
    let page = format!("/claims/{id}");
    let by = (baoxiu_e2e::today() + chrono::Duration::days(10)).to_string();
    let promise = [("repair_by", by.as_str()), ("note", "安排施工队")];
    refused_as_stale(&developer, &app, &c, &id, &page, "developer_will_repair", &promise).await;
    refused_as_stale(&developer, &app, &c, &id, &page, "developer_disputes", &[("note", "系使用不当所致")])
        .await;

    // The developer disputes: the bureau records the testing agency's finding.
    step(&app, &c.developer, &id, "developer-reply", json!({"reply": "dispute"})).await;
    let finding = [("developer_liable", "yes"), ("report_evidence_id", ""), ("note", "检测报告第3页")];
    refused_as_stale(&bureau, &app, &c, &id, &dossier, "inspection_found", &finding).await;

    // Another claim, the developer silent: the bureau approves and designates a unit.
    let id = file_seepage(&app, &c).await;
    let dossier = format!("/review/claims/{id}");
    step(&app, &c.reviewer, &id, "ask-developer", json!({})).await;
    app.let_reply_period_pass(&id).await;
    step(&app, &c.reviewer, &id, "developer-silent", json!({})).await;
    let approve = [("repair_unit_id", c.repair_unit.as_str()), ("note", "指定维修单位")];
    refused_as_stale(&bureau, &app, &c, &id, &dossier, "approve", &approve).await;
    step(&app, &c.reviewer, &id, "approve", json!({"repair_unit_id": c.repair_unit})).await;
    step(&app, &c.technician, &id, "plans", json!({"description": "维修", "budget": "800.00"})).await;
    let decision = [("decision", "return"), ("comment", "预算偏高，请核减")];
    refused_as_stale(&bureau, &app, &c, &id, &dossier, "approve_plan", &decision).await;

    // A verified claim: the payment's payee, date and bank reference.
    let id = file_seepage(&app, &c).await;
    to_in_repair(&app, &c, &id, "1000.00").await;
    to_verified(&app, &c, &id, &c.owner, "900.00").await;
    let today = baoxiu_e2e::today().to_string();
    let pay = [("payee", "applicant"), ("paid_on", today.as_str()), ("bank_reference", "BOC-20261201-7")];
    refused_as_stale(&bureau, &app, &c, &id, &format!("/review/claims/{id}"), "pay", &pay).await;
}

#[tokio::test]
async fn the_repair_units_plan_and_cost_sheet_keep_every_line_grow_by_a_row_and_start_from_the_last_revision()
{
    let app = spawn_app().await;
    let c = cast(&app).await;
    let unit = Web::sign_in(&app, "technician").await;
    let id = file_seepage(&app, &c).await;
    to_approved(&app, &c, &id).await;
    let page = format!("/claims/{id}");

    // Five plan lines: the fifth row asked for without script, then a budget that is no number.
    let mut plan: Vec<(String, String)> = vec![
        ("version".into(), version(&app, &c, &id).await.to_string()),
        ("description".into(), "拆除旧防水层，重做防水".into()),
        ("budget".into(), "1500.00".into()),
    ];
    for n in 1..=4 {
        plan.push((format!("plan_kind_{n}"), "material".into()));
        plan.push((format!("plan_description_{n}"), format!("第{n}项材料")));
        plan.push((format!("plan_unit_{n}"), "m²".into()));
        plan.push((format!("plan_budget_{n}"), "300.00".into()));
    }
    let more: Vec<(&str, &str)> =
        plan.iter().map(|(k, v)| (k.as_str(), v.as_str())).chain([("more", "1")]).collect();
    let csrf = unit.get(&page).await.csrf();
    let with_csrf = |fields: &[(&str, &str)]| -> Vec<(String, String)> {
        std::iter::once(("csrf".to_string(), csrf.clone()))
            .chain(fields.iter().map(|(k, v)| (k.to_string(), v.to_string())))
            .collect()
    };
    let post = |fields: Vec<(String, String)>| {
        let unit = &unit;
        let action = format!("{page}/submit_plan");
        async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            unit.post(&action, &fields).await
        }
    };
    let grown = post(with_csrf(&more)).await;
    assert_eq!(grown.status, StatusCode::OK, "{}", grown.body);
    assert!(!grown.has("class=\"refusal\""), "a row more is no refusal");
    let typed: Vec<(&str, &str)> = plan.iter().skip(1).map(|(k, v)| (k.as_str(), v.as_str())).collect();
    grown.keeps("form-submit_plan", &typed);
    assert_eq!(grown.shown("form-submit_plan", "plan_description_5").as_deref(), Some(""), "a fifth row");
    // Without the third row, the rest renumbered; and a budget that does not add up is refused.
    let mut fifth: Vec<(&str, &str)> = typed.clone();
    fifth.extend([
        ("plan_kind_5", "labour"),
        ("plan_description_5", "防水施工"),
        ("plan_unit_5", "工日"),
        ("plan_budget_5", "300.00"),
    ]);
    let removed: Vec<(&str, &str)> = fifth.iter().copied().chain([("remove", "3")]).collect();
    let shrunk = post(with_csrf(&removed)).await;
    assert_eq!(shrunk.shown("form-submit_plan", "plan_description_3").as_deref(), Some("第4项材料"));
    assert_eq!(shrunk.shown("form-submit_plan", "plan_description_4").as_deref(), Some("防水施工"));
    assert!(shrunk.shown("form-submit_plan", "plan_description_5").is_none(), "{}", shrunk.body);
    let wrong: Vec<(&str, &str)> =
        fifth.iter().map(|(k, v)| if *k == "budget" { (*k, "九百") } else { (*k, *v) }).collect();
    let mut fields = vec![("version", plan[0].1.as_str())];
    fields.extend(wrong.iter().copied());
    let back = refused(&unit, &page, &format!("{page}/submit_plan"), &fields).await;
    back.keeps("form-submit_plan", &wrong);
    assert!(back.has("(预算)"), "the refusal names the field in Chinese: {}", back.body);

    // In repair: a work order and a seven-line cost sheet, refused for a quantity that is no number.
    step(&app, &c.technician, &id, "plans", json!({"description": "维修", "budget": "1500.00"})).await;
    step(&app, &c.reviewer, &id, "plan-decision", json!({"decision": "approve"})).await;
    step(&app, &c.technician, &id, "start-repair", json!({})).await;
    let order = [("description", "  "), ("urgent", "1")];
    let back = refused(&unit, &page, &format!("{page}/work_order"), &order).await;
    back.keeps("form-work_order", &order);
    let mut sheet: Vec<(String, String)> = Vec::new();
    for n in 1..=7 {
        sheet.push((format!("line_kind_{n}"), if n % 2 == 0 { "labour" } else { "material" }.into()));
        sheet.push((format!("line_description_{n}"), format!("第{n}项")));
        sheet.push((format!("line_unit_{n}"), "项".into()));
        sheet.push((format!("line_quantity_{n}"), if n == 6 { "六".into() } else { format!("{n}") }));
        sheet.push((format!("line_unit_price_{n}"), "10.00".into()));
    }
    let sheet: Vec<(&str, &str)> = sheet.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let back = refused(&unit, &page, &format!("{page}/cost_sheet"), &sheet).await;
    back.keeps("form-cost_sheet", &sheet);
    assert!(back.has("第6行 数量"), "the refusal names the row and field: {}", back.body);
    // Mended, the seven lines are the first revision; the next revision starts from them.
    let mended: Vec<(&str, &str)> =
        sheet.iter().map(|(k, v)| if *k == "line_quantity_6" { (*k, "6") } else { (*k, *v) }).collect();
    let csrf = unit.get(&page).await.csrf();
    let fields: Vec<(&str, &str)> =
        std::iter::once(("csrf", csrf.as_str())).chain(mended.iter().copied()).collect();
    let done = unit.post(&format!("{page}/cost_sheet"), &fields).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let next = unit.get(&page).await;
    let carried: Vec<(&str, &str)> = mended
        .iter()
        .map(|(k, v)| if k.starts_with("line_unit_price") { (*k, "10.00") } else { (*k, *v) })
        .collect();
    next.keeps("form-cost_sheet", &carried);
    assert_eq!(
        next.shown("form-cost_sheet", "line_description_8").as_deref(),
        Some(""),
        "a row for one more"
    );
}

#[tokio::test]
async fn an_owners_refused_filing_and_rating_come_back_with_lines_amount_and_photos() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let owner = Web::sign_in(&app, "owner").await;
    let new = "/me/claims/new?kind=emergency_advance";
    let form = owner.get(new).await;
    let place = form.shown("filing-form", "place").unwrap_or_default();
    let place = if place.is_empty() { format!("unit:{}:{}", c.building, c.unit) } else { place };
    let receipt = app.upload_photo(&c.owner.access, 7).await;
    let mut typed: Vec<(String, String)> = vec![
        ("kind".into(), "emergency_advance".into()),
        ("place".into(), place),
        ("category".into(), "seepage".into()),
        ("defect_location".into(), "kitchen".into()),
        ("defect_component".into(), "water_riser".into()),
        ("severity".into(), "serious".into()),
        ("location_detail".into(), "厨房给水立管".into()),
        ("description".into(), "立管爆裂，已关阀门并请人抢修。".into()),
        ("reported_on".into(), baoxiu_e2e::today().to_string()),
        ("amount".into(), "四百".into()),
    ];
    for n in 1..=5 {
        typed.push((format!("line_kind_{n}"), "material".into()));
        typed.push((format!("line_description_{n}"), format!("管件{n}")));
        typed.push((format!("line_unit_{n}"), "个".into()));
        typed.push((format!("line_quantity_{n}"), "2".into()));
        typed.push((format!("line_unit_price_{n}"), "40.00".into()));
    }
    let typed: Vec<(&str, &str)> = typed.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let mut fields = typed.clone();
    fields.push(("photo", c.owner_photo.as_str()));
    fields.push(("receipt", receipt.as_str()));
    let back = refused(&owner, new, "/me/claims", &fields).await;
    back.keeps("filing-form", &typed);
    assert!(!back.has("a sheet has") && !back.has("amount)"), "the refusal reads in Chinese: {}", back.body);
    for file in [&c.owner_photo, &receipt] {
        assert!(back.has(&format!("data-file=\"{file}\"")), "the file {file} is shown again");
        assert!(back.has(&format!("value=\"{file}\"")), "and sent again");
    }
    // A kept receipt removed without script: the form comes back without it, all else kept.
    let dropped: Vec<(&str, &str)> = fields.iter().copied().chain([("drop", receipt.as_str())]).collect();
    let csrf = owner.get(new).await.csrf();
    let all: Vec<(&str, &str)> = std::iter::once(("csrf", csrf.as_str())).chain(dropped).collect();
    let without = owner.post("/me/claims", &all).await;
    assert_eq!(without.status, StatusCode::OK);
    without.keeps("filing-form", &typed);
    assert!(
        without.has(&format!("data-file=\"{}\"", c.owner_photo))
            && !without.has(&format!("data-file=\"{receipt}\""))
    );
    // Another person's file posted with the form is neither shown nor linked.
    let theirs = app.upload_photo(&c.property.access, 9).await;
    let foreign: Vec<(&str, &str)> = fields.iter().copied().chain([("photo", theirs.as_str())]).collect();
    assert!(!refused(&owner, new, "/me/claims", &foreign).await.has(&theirs));

    // Paid and rated: a score out of range is refused, the others and the comment kept.
    let id = file_seepage(&app, &c).await;
    to_in_repair(&app, &c, &id, "1000.00").await;
    to_verified(&app, &c, &id, &c.owner, "900.00").await;
    let path = format!("/api/v1/claims/{id}/pay");
    let today = baoxiu_e2e::today().to_string();
    ok(
        &app,
        &c.reviewer.access,
        &path,
        json!({"payee": "repair_unit", "paid_on": today, "bank_reference": "X1"}),
    )
    .await;
    let page = format!("/claims/{id}");
    let rating = [("attitude", "9"), ("quality", "4"), ("resolution", "3"), ("comment", "师傅很认真")];
    let back = refused(&owner, &page, &format!("{page}/return_visit"), &rating).await;
    back.keeps("form-return_visit", &rating[1..]);
}

/// The `/notifications/{id}/open` links of a feed page.
fn openings(feed: &Page) -> Vec<String> {
    feed.body
        .match_indices("href=\"/notifications/")
        .map(|(at, _)| {
            let rest = &feed.body[at + 6..];
            rest[..rest.find('"').unwrap()].to_string()
        })
        .collect()
}

#[tokio::test]
async fn every_notification_of_the_demo_opens_a_page_its_reader_may_see_and_names_its_claim() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    // Work for every party: a claim asked of the developer, one designated to the unit with a work
    // order for the technician, one waiting for the owner's signature.
    let asked = file_seepage(&app, &c).await;
    step(&app, &c.reviewer, &asked, "ask-developer", json!({})).await;
    let repairing = file_seepage(&app, &c).await;
    to_in_repair(&app, &c, &repairing, "1500.00").await;
    let me = app.get("/api/v1/me", &c.technician.access).await.body["id"].as_str().unwrap().to_string();
    let order = json!({"description": "上门查看渗水"});
    let order =
        ok(&app, &c.technician.access, &format!("/api/v1/claims/{repairing}/work-orders"), order).await;
    let assign = format!("/api/v1/work-orders/{}/assign", order["id"].as_str().unwrap());
    ok(&app, &c.technician.access, &assign, json!({"technician_id": me})).await;
    ok(
        &app,
        &c.technician.access,
        &format!("/api/v1/claims/{repairing}/cost-sheets"),
        crate::console::two_lines(),
    )
    .await;
    for who in ["owner", "developer", "property", "technician", "reviewer", "admin"] {
        let web = Web::sign_in(&app, who).await;
        let feed = web.get("/notifications").await;
        assert_eq!(feed.status, StatusCode::OK);
        let links = openings(&feed);
        if who != "admin" && who != "property" {
            assert!(!links.is_empty(), "{who} has notifications to open: {}", feed.body);
            assert!(feed.has("class=\"about\"") && feed.has("id=\"mark-all-read\""), "{who}: {}", feed.body);
        }
        for link in &links {
            let opened = web.get(link).await;
            assert_eq!(opened.status, StatusCode::SEE_OTHER, "{who} {link}");
            let page = web.get(opened.location()).await;
            assert_eq!(page.status, StatusCode::OK, "{who} {link} → {}: {}", opened.location(), page.body);
            let expected = match who {
                "reviewer" => "/review/claims/",
                "technician" if page.has("id=\"order-title\"") => "/repair/work-orders/",
                _ => "/",
            };
            assert!(opened.location().starts_with(expected), "{who} {link} → {}", opened.location());
        }
        // Opened, each is read.
        let api = app.login(who).await;
        let items = app.get("/api/v1/notifications?limit=100", &api.access).await.body["items"].clone();
        for link in &links {
            let item = items.as_array().unwrap().iter().find(|n| link.contains(n["id"].as_str().unwrap()));
            assert!(item.is_some_and(|n| !n["read_at"].is_null()), "{who} {link} opened but unread");
        }
        // Every unread one marked read at once.
        let after = web.get("/notifications").await;
        if after.has("id=\"mark-all-read\"") {
            let csrf = after.csrf();
            let marked = web.post("/notifications/read", &[("csrf", csrf.as_str())]).await;
            assert_eq!(marked.status, StatusCode::SEE_OTHER);
        }
        let none = web.get("/notifications").await;
        assert!(!none.has("class=\"unread\"") && !none.has("id=\"unread-count\""), "{who}: {}", none.body);
    }
    // The API marks all read too, and answers how many it marked.
    let marked = app.post("/api/v1/notifications/read", &c.owner.access, json!({})).await;
    assert_eq!((marked.status, marked.body["marked"].as_i64()), (StatusCode::OK, Some(0)));
    // Another's notification does not open.
    let web = Web::sign_in(&app, "owner").await;
    let theirs = app.get("/api/v1/notifications", &c.reviewer.access).await;
    let id = theirs.body["items"][0]["id"].as_str().unwrap();
    assert_eq!(web.get(&format!("/notifications/{id}/open")).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_refusal_page_keeps_the_signed_in_header_and_leads_home() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let id = file_seepage(&app, &c).await;
    for (who, home) in [("owner", "/me"), ("developer", "/developer"), ("technician", "/repair")] {
        let web = Web::sign_in(&app, who).await;
        let page = web.get(&format!("/review/claims/{id}")).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
        assert!(page.has("id=\"sign-out\"") && page.has("id=\"notifications-link\""), "{who}: {}", page.body);
        assert!(page.has(&format!("<a href=\"{home}\" id=\"home-link\">")), "{who}: {}", page.body);
        assert!(!page.has("href=\"/review\">"), "{who} is not sent back to the queue");
    }
}

#[tokio::test]
async fn the_interest_run_the_deposit_objection_and_the_arrival_window_come_back_with_what_was_typed() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    // The bureau's interest run, its period the wrong way round.
    let bureau = Web::sign_in(&app, "reviewer").await;
    let period = [("period_from", "2026-06-30"), ("period_to", "2026-01-01")];
    let back = refused(&bureau, "/review/fund", "/review/fund/interest", &period).await;
    back.keeps("form-interest", &period);

    // The developer's objection to a deposit notice, too long to keep.
    let estate = app.demo_estate(&c.reviewer.access).await;
    let buildings = format!("/api/v1/estates/{}/buildings", estate["id"].as_str().unwrap());
    let building = json!({"name": "9号楼", "class": "high_rise", "construction_cost": "10000000.00", "design_life_years": 50});
    let b = ok(&app, &c.reviewer.access, &buildings, building).await["id"].as_str().unwrap().to_string();
    let today = baoxiu_e2e::today();
    ok(&app, &c.reviewer.access, &format!("/api/v1/buildings/{b}/deposit-notice"), json!({"due_on": today}))
        .await;
    let developer = Web::sign_in(&app, "developer").await;
    let reason = "造价口径有误".repeat(700);
    let typed = [("reason", reason.as_str())];
    let back =
        refused(&developer, "/developer", &format!("/developer/buildings/{b}/objection"), &typed).await;
    back.keeps(&format!("objection-{b}"), &typed);

    // The repair unit's arrival window, ending before it starts.
    let id = file_seepage(&app, &c).await;
    to_in_repair(&app, &c, &id, "1000.00").await;
    let order = ok(
        &app,
        &c.technician.access,
        &format!("/api/v1/claims/{id}/work-orders"),
        json!({"description": "上门"}),
    )
    .await;
    let page = format!("/repair/work-orders/{}", order["id"].as_str().unwrap());
    let unit = Web::sign_in(&app, "technician").await;
    let version = order["version"].to_string();
    let window = [("window_start", "2026-12-20T14:00"), ("window_end", "2026-12-20T09:00")];
    let mut fields = vec![("version", version.as_str())];
    fields.extend_from_slice(&window);
    let back = refused(&unit, &page, &format!("{page}/schedule"), &fields).await;
    back.keeps("form-schedule", &window);
}

#[tokio::test]
async fn a_claim_is_coded_from_the_versioned_list_and_a_code_not_offered_is_refused() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let list = app.get("/api/v1/defect-codes", &c.owner.access).await;
    assert_eq!(list.body["version"], "2026-12");
    assert!(list.body["locations"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l["code"] == "roof" && l["zh"] == "屋面"));
    let mut claim = crate::claims::seepage_claim(&c);
    claim["defect"] = json!({"location": "bathroom", "component": "waterproofing", "severity": "ordinary"});
    let filed = ok(&app, &c.owner.access, "/api/v1/claims", claim.clone()).await;
    let id = filed["id"].as_str().unwrap();
    let page = app.get(&format!("/api/v1/claims/{id}"), &c.owner.access).await.body;
    let defect = &page["claim"]["defect"];
    assert_eq!(
        (
            defect["location_name"].as_str(),
            defect["component_name"].as_str(),
            defect["codes_version"].as_str()
        ),
        (Some("卫生间"), Some("防水层"), Some("2026-12"))
    );
    let owner = Web::sign_in(&app, "owner").await;
    assert!(owner.get(&format!("/claims/{id}")).await.has("卫生间 · 防水层 · 一般"));
    let mut english = Web::sign_in(&app, "owner").await;
    english.language = Some("en");
    assert!(english.get(&format!("/claims/{id}")).await.has("Bathroom · Waterproofing · Ordinary"));
    // A location that is a component, or no code at all, is refused naming the field.
    for (field, wrong) in [("location", "waterproofing"), ("component", "roof")] {
        let mut bad = claim.clone();
        bad["defect"][field] = json!(wrong);
        let refused = app.post("/api/v1/claims", &c.owner.access, bad).await;
        assert_eq!(
            (refused.status, refused.body["detail"].as_str()),
            (StatusCode::BAD_REQUEST, Some(format!("defect.{field}").as_str()))
        );
    }
    // Filed without a coding (an API client, a phone), the claim reads as not coded yet.
    let plain = ok(&app, &c.owner.access, "/api/v1/claims", crate::claims::seepage_claim(&c)).await;
    assert!(owner.get(&format!("/claims/{}", plain["id"].as_str().unwrap())).await.has("尚未编码"));
    // The filing form offers the list.
    let form = owner.get("/me/claims/new").await;
    assert!(form.has("name=\"defect_location\"") && form.has(">屋面<") && form.has("name=\"severity\""));
}

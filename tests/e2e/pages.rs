//! The other parties' pages without a browser: an owner files and follows a claim, signs the exact
//! revision shown and rates the repair; a developer answers, uploads its testing report and
//! objects to a deposit notice; a repair unit plans, dispatches and records the sheet. Each party's
//! pages refuse another party's objects (404) and steps (403). `browser_parties.rs` drives the same
//! pages in Chromium.

use baoxiu_e2e::web::{Page, Web};
use baoxiu_e2e::{ok, spawn_app, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::claims::{cast, file_seepage, to_in_repair, Cast};
use crate::console::{submitted_claim, two_lines};

async fn api_claim(app: &TestApp, token: &str, id: &str) -> Value {
    app.get(&format!("/api/v1/claims/{id}"), token).await.body
}

/// The claim a page's redirect names: `/claims/{id}?…`.
fn claim_of(page: &Page) -> String {
    let location = page.location();
    let rest = location.strip_prefix("/claims/").unwrap_or_else(|| panic!("not a claim: {location}"));
    rest.split(['?', '/']).next().unwrap().to_string()
}

/// A claim the reviewer asked the developer about.
async fn asked(app: &TestApp, c: &Cast) -> String {
    let id = file_seepage(app, c).await;
    ok(app, &c.reviewer.access, &format!("/api/v1/claims/{id}/ask-developer"), json!({})).await;
    id
}

#[tokio::test]
async fn an_owner_sees_each_warranty_files_a_claim_with_photos_and_follows_it() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let web = Web::sign_in(&app, "owner").await;
    assert_eq!(web.get("/").await.location(), "/me");
    let home = web.get("/me").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.has(&format!("data-unit=\"{}\"", c.unit)), "the owner's unit is listed");
    assert!(home.has("防水") && home.has("保修期至"), "each category with its warranty end");
    assert!(home.has("id=\"no-claims\""));

    // Two photos uploaded from the page (the browser test sends them through tus), then filed.
    let photos = [app.upload_photo(&c.owner.access, 7).await, app.upload_photo(&c.owner.access, 8).await];
    let place = format!("unit:{}:{}", c.building, c.unit);
    let mut fields = vec![
        ("kind", "standard"),
        ("place", place.as_str()),
        ("category", "seepage"),
        ("location_detail", "次卧外墙"),
        ("description", "雨后外墙渗水，墙纸起鼓。"),
    ];
    let tomorrow = (baoxiu::domain::deadlines::shanghai_date(chrono::Utc::now()) + chrono::Duration::days(1))
        .to_string();
    // A report date in the future is refused at the form, with what was typed kept.
    let mut future = fields.clone();
    future.push(("reported_on", &tomorrow));
    future.extend(photos.iter().map(|p| ("photo", p.as_str())));
    let refused = web.submit("/me/claims/new", "/me/claims", &future).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(refused.has("id=\"refusal\"") && refused.has("雨后外墙渗水"));
    assert!(refused.has(&format!("name=\"photo\" value=\"{}\"", photos[1])), "the uploaded photos are kept");

    fields.extend(photos.iter().map(|p| ("photo", p.as_str())));
    let filed = web.submit("/me/claims/new", "/me/claims", &fields).await;
    assert_eq!(filed.status, StatusCode::SEE_OTHER, "{}", filed.body);
    let id = claim_of(&filed);
    let page = web.get(filed.location()).await;
    assert!(page.has("申请已提交") && page.has("data-state=\"filed\"") && page.has("次卧外墙"));
    let claim = api_claim(&app, &c.owner.access, &id).await;
    assert_eq!(claim["claim"]["applicant_id"], json!(c.owner.user_id));
    let kinds: Vec<&str> =
        claim["evidence"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["before", "before"]);
    assert!(web.get("/me").await.has(&format!("data-claim=\"{id}\"")));
    // In English, by choice.
    let mut english = Web::sign_in(&app, "owner").await;
    english.language = Some("en");
    let home = english.get("/me").await;
    assert!(home.has("My warranty repairs") && home.has("Warranty until") && !home.has("我的保修"));
    assert!(english.get(&format!("/claims/{id}")).await.has("Back to my page"));
}

#[tokio::test]
async fn each_partys_pages_refuse_another_partys_claims_and_steps() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let id = asked(&app, &c).await;
    let claim_path = format!("/claims/{id}");
    let neighbour = Web::sign_in(&app, "owner-1-1-101").await;
    assert_eq!(neighbour.get(&claim_path).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        neighbour.get(&format!("{claim_path}/cost-sheets/1/sign")).await.status,
        StatusCode::NOT_FOUND
    );
    let technician = Web::sign_in(&app, "technician").await;
    assert_eq!(technician.get(&claim_path).await.status, StatusCode::NOT_FOUND, "not designated yet");

    // The owner may not answer for the developer, nor the developer plan for the repair unit.
    let owner = Web::sign_in(&app, "owner").await;
    let page = owner.get(&claim_path).await;
    assert!(!page.has("form-developer_disputes"), "no developer's form on the owner's page");
    let r = owner.submit(&claim_path, &format!("{claim_path}/developer_disputes"), &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let developer = Web::sign_in(&app, "developer").await;
    let page = developer.get(&claim_path).await;
    assert!(page.has("form-developer_disputes") && !page.has("form-submit_plan"));
    let plan = [("description", "维修"), ("budget", "100.00")];
    let r = developer.submit(&claim_path, &format!("{claim_path}/submit_plan"), &plan).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    // Nor the reviewer's own step through the parties' pages.
    let r = developer.submit(&claim_path, &format!("{claim_path}/pay"), &[]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(api_claim(&app, &c.owner.access, &id).await["claim"]["state"], "developer_asked");

    // Each home is its party's.
    for (web, path) in [
        (&owner, "/developer"),
        (&owner, "/repair"),
        (&owner, "/review"),
        (&developer, "/me"),
        (&technician, "/me"),
    ] {
        assert_eq!(web.get(path).await.status, StatusCode::FORBIDDEN, "{path}");
    }
    // A reviewer opening a party's claim page is taken to the dossier.
    let reviewer = Web::sign_in(&app, "reviewer").await;
    assert_eq!(reviewer.get(&claim_path).await.location(), format!("/review{claim_path}"));
}

#[tokio::test]
async fn a_signature_binds_the_revision_shown_and_a_sheet_changed_meanwhile_is_refused() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let id = file_seepage(&app, &c).await;
    to_in_repair(&app, &c, &id, "1500.00").await;
    let sheets = format!("/api/v1/claims/{id}/cost-sheets");
    ok(&app, &c.technician.access, &sheets, two_lines()).await;
    let web = Web::sign_in(&app, "owner").await;
    let claim_page = web.get(&format!("/claims/{id}")).await;
    assert!(claim_page.has("id=\"open-signing\""));
    let sign_path = format!("/claims/{id}/cost-sheets/1/sign");
    let shown = web.get(&sign_path).await;
    assert_eq!(shown.status, StatusCode::OK);
    assert!(shown.has("聚氨酯防水涂料") && shown.has("¥1,450.00") && shown.has("¥1,500.00"));
    let hash_one = shown.field("revision_hash").unwrap();
    assert!(shown.has(&hash_one), "the hash is shown to the signer");
    let drawing = baoxiu_e2e::photos::png(300, 120);
    let drawing_id = app.upload(&c.owner.access, drawing.clone()).await;

    // Meanwhile the repair unit records a new revision: the signature of the old one is refused
    // and the signer is shown the new one.
    let mut changed = two_lines();
    changed["parent_revision"] = json!(1);
    changed["lines"][1]["quantity"] = json!("4");
    ok(&app, &c.technician.access, &sheets, changed).await;
    let csrf = shown.csrf();
    let sign = |revision: &'static str, hash: String| {
        let (web, id, csrf, drawing_id) = (&web, &id, csrf.clone(), drawing_id.clone());
        async move {
            web.post(
                &format!("/claims/{id}/sign"),
                &[
                    ("csrf", csrf.as_str()),
                    ("revision", revision),
                    ("revision_hash", hash.as_str()),
                    ("signature_file_id", drawing_id.as_str()),
                ],
            )
            .await
        }
    };
    let stale = sign("1", hash_one.clone()).await;
    assert_eq!(
        (stale.status, stale.location()),
        (StatusCode::SEE_OTHER, format!("/claims/{id}/cost-sheets/2/sign?notice=changed").as_str())
    );
    // The new revision's number with the old hash: refused the same way.
    let stale = sign("2", hash_one.clone()).await;
    assert_eq!(stale.location(), format!("/claims/{id}/cost-sheets/2/sign?notice=changed"));
    let page = api_claim(&app, &c.owner.access, &id).await;
    assert!(
        page["cost_sheets"].as_array().unwrap().iter().all(|s| s["signed_at"].is_null()),
        "nothing signed"
    );
    let old_page = web.get(&sign_path).await;
    assert_eq!(old_page.location(), format!("/claims/{id}/cost-sheets/2/sign?notice=changed"));

    let shown = web.get(&format!("/claims/{id}/cost-sheets/2/sign?notice=changed")).await;
    assert!(shown.has("费用清单已有新版本") && shown.has("¥1,800.00"));
    let hash_two = shown.field("revision_hash").unwrap();
    assert_ne!(hash_one, hash_two);
    let signed = sign("2", hash_two.clone()).await;
    assert_eq!(signed.location(), format!("/claims/{id}?notice=signed"));
    // What is kept verifies: the revision's hash, the drawing's bytes, the signer.
    let page = api_claim(&app, &c.owner.access, &id).await;
    let sheet = &page["cost_sheets"][1];
    assert_eq!((&sheet["revision"], &sheet["signature"]), (&json!(2), &json!("account")));
    assert_eq!((&sheet["signed_by"], &sheet["hash"]), (&json!(c.owner.user_id), &json!(hash_two)));
    assert_eq!(sheet["signature_file_id"], json!(drawing_id));
    let entry =
        page["timeline"].as_array().unwrap().iter().find(|t| t["action"] == "cost_sheet_signed").unwrap();
    assert_eq!(entry["detail"]["hash"], json!(hash_two));
    assert_eq!(entry["detail"]["signature_sha256"], json!(baoxiu_e2e::photos::sha256(&drawing)));
    let file = app.get(&format!("/api/v1/files/{drawing_id}"), &c.owner.access).await;
    assert_eq!(file.body["sha256"], json!(baoxiu_e2e::photos::sha256(&drawing)));

    // Signing twice changes nothing; a drawing that is someone else's file is refused.
    let again = sign("2", hash_two).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_drawing_must_be_the_signers_own_image() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let id = file_seepage(&app, &c).await;
    to_in_repair(&app, &c, &id, "1500.00").await;
    ok(&app, &c.technician.access, &format!("/api/v1/claims/{id}/cost-sheets"), two_lines()).await;
    let theirs = app.upload(&c.technician.access, baoxiu_e2e::photos::png(300, 121)).await;
    let pdf = app.upload(&c.owner.access, baoxiu_e2e::photos::pdf()).await;
    let web = Web::sign_in(&app, "owner").await;
    let path = format!("/claims/{id}/cost-sheets/1/sign");
    let hash = web.get(&path).await.field("revision_hash").unwrap();
    for (file, status) in [(&theirs, StatusCode::UNPROCESSABLE_ENTITY), (&pdf, StatusCode::BAD_REQUEST)] {
        let fields =
            [("revision", "1"), ("revision_hash", hash.as_str()), ("signature_file_id", file.as_str())];
        let r = web.submit(&path, &format!("/claims/{id}/sign"), &fields).await;
        assert_eq!(r.status, status, "{}", r.body);
    }
    let page = api_claim(&app, &c.owner.access, &id).await;
    assert!(page["cost_sheets"][0]["signed_at"].is_null());
}

#[tokio::test]
async fn the_applicant_rates_the_repair_once_after_payment_and_the_bureau_sees_it() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let id = submitted_claim(&app, &c).await;
    let path = |step: &str| format!("/api/v1/claims/{id}/{step}");
    let verdicts = json!({"revision": 1, "lines": [{"line_no": 1, "decision": "approved"}, {"line_no": 2, "decision": "approved"}]});
    ok(&app, &c.reviewer.access, &path("verify"), verdicts).await;
    let today = baoxiu::domain::deadlines::shanghai_date(chrono::Utc::now()).to_string();
    let pay = json!({"payee": "repair_unit", "paid_on": today, "bank_reference": "B-1"});
    ok(&app, &c.reviewer.access, &path("pay"), pay).await;
    let web = Web::sign_in(&app, "owner").await;
    let claim_path = format!("/claims/{id}");
    let page = web.get(&claim_path).await;
    assert!(page.has("data-state=\"paid\"") && page.has("form-return_visit"));
    assert!(page.has("评价提交主管部门"), "the owner is told who reads the rating");
    let rating = [("attitude", "5"), ("quality", "4"), ("resolution", "3"), ("comment", "师傅很专业")];
    let rated = web.submit(&claim_path, &format!("{claim_path}/return_visit"), &rating).await;
    assert_eq!(rated.status, StatusCode::SEE_OTHER, "{}", rated.body);
    let page = web.get(&claim_path).await;
    assert!(page.has("id=\"rated\"") && !page.has("form-return_visit"));
    let again = web.submit(&claim_path, &format!("{claim_path}/return_visit"), &rating).await;
    assert!(again.status.is_client_error(), "once: {}", again.status);
    let ratings = app.get("/api/v1/reviewer/repair-unit-ratings", &c.reviewer.access).await;
    assert_eq!(ratings.body[0]["ratings"], 1, "{}", ratings.body);
    // The repair unit rated does not see the rating on its claim page; it sees its payment.
    let unit = Web::sign_in(&app, "technician").await;
    assert!(!unit.get(&claim_path).await.has("师傅很专业"));
    let home = unit.get("/repair").await;
    assert!(
        home.has(&format!("<tr data-claim=\"{id}\"><td data-label=\"申请\"><a href=\"/claims/{id}\">"))
            && home.has("B-1")
    );
    // Told what the fund paid (Art. 26), the developer finds the usage notice on its page.
    ok(&app, &c.reviewer.access, &path("notify-developer"), json!({})).await;
    let developer = Web::sign_in(&app, "developer").await;
    let home = developer.get("/developer").await;
    assert!(
        home.has(&format!("class=\"usage\" data-claim=\"{id}\"")) && home.has("¥1,450.00"),
        "{}",
        home.body
    );
}

#[tokio::test]
async fn a_property_manager_files_for_common_parts_with_the_representatives_art_20_asks_for() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let web = Web::sign_in(&app, "property").await;
    assert_eq!(web.get("/").await.location(), "/me");
    let home = web.get("/me").await;
    assert!(home.has("可申请维修的共用部位"), "{}", home.body);
    let form = web.get("/me/claims/new").await;
    let place = format!("building:{}", c.building);
    assert!(form.has(&format!("value=\"{place}\"")) && form.has("name=\"with_owner_representatives\""));
    let photo = app.upload_photo(&c.property.access, 21).await;
    let mut fields = vec![
        ("kind", "standard"),
        ("place", place.as_str()),
        ("category", "roof_waterproofing"),
        ("location_detail", "屋面"),
        ("description", "屋面防水层开裂，顶层渗水。"),
        ("photo", photo.as_str()),
    ];
    let refused = web.submit("/me/claims/new", "/me/claims", &fields).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    assert!(refused.has("id=\"refusal\"") && refused.has("业主推选的代表"), "{}", refused.body);
    fields.push(("with_owner_representatives", "1"));
    fields.push(("owner_representatives", "王建国、刘秀英"));
    let filed = web.submit("/me/claims/new", "/me/claims", &fields).await;
    assert_eq!(filed.status, StatusCode::SEE_OTHER, "{}", filed.body);
    let id = claim_of(&filed);
    let claim = api_claim(&app, &c.property.access, &id).await;
    assert_eq!(claim["claim"]["location"], "common_part");
    // The representatives are named on the claim, for every party that reads it.
    assert_eq!(claim["claim"]["owner_representatives"], "王建国、刘秀英");
    let page = web.get(&format!("/claims/{id}")).await;
    assert!(page.has("id=\"owner-representatives\">王建国、刘秀英<"), "{}", page.body);
    let bureau = Web::sign_in(&app, "reviewer").await;
    assert!(bureau.get(&format!("/review/claims/{id}")).await.has("王建国、刘秀英"));

    // Its home lists its own applications apart from the owners' claims of its estates it follows,
    // and offers the repairs only where it was designated to repair.
    let owners =
        baoxiu_e2e::ok(&app, &c.owner.access, "/api/v1/claims", crate::claims::seepage_claim(&c)).await;
    let home = web.get("/me").await;
    let (mine, followed) = home.body.split_once("id=\"followed-claims\"").expect("a list of followed claims");
    assert!(mine.contains(&format!("data-claim=\"{id}\"")), "{}", home.body);
    assert!(followed.contains(&format!("data-claim=\"{}\"", owners["id"].as_str().unwrap())));
    assert!(!home.has("href=\"/repair\""), "no repairs link for a manager not designated: {}", home.body);
}

#[tokio::test]
async fn an_emergency_repair_paid_by_the_owner_is_claimed_back_with_receipts_and_the_amount() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let web = Web::sign_in(&app, "owner").await;
    let form = web.get("/me/claims/new?kind=emergency_advance").await;
    assert!(form.has("name=\"amount\"") && form.has("receipt-uploads"));
    let (photo, receipt) =
        (app.upload_photo(&c.owner.access, 31).await, app.upload_photo(&c.owner.access, 32).await);
    let place = format!("unit:{}:{}", c.building, c.unit);
    let mut fields = vec![
        ("kind", "emergency_advance"),
        ("place", place.as_str()),
        ("category", "seepage"),
        ("location_detail", "卫生间给水管"),
        ("description", "给水管爆裂，已自费抢修。"),
        ("photo", photo.as_str()),
        ("receipt", receipt.as_str()),
        ("line_kind_1", "material"),
        ("line_description_1", "PPR 管件"),
        ("line_unit_1", "套"),
        ("line_quantity_1", "2"),
        ("line_unit_price_1", "45.50"),
        ("line_kind_2", "labour"),
        ("line_description_2", "抢修"),
        ("line_unit_2", "工日"),
        ("line_quantity_2", "1"),
        ("line_unit_price_2", "300.00"),
        ("amount", "390.00"),
    ];
    // What was paid must be what the lines add up to (Art. 25): ¥391.00, not ¥390.00.
    let refused = web.submit("/me/claims/new", "/me/claims", &fields).await;
    assert!(refused.status.is_client_error(), "{}", refused.status);
    assert!(refused.has("391.00") && refused.has("给水管爆裂"), "{}", refused.body);
    fields.pop();
    fields.push(("amount", "391.00"));
    let filed = web.submit("/me/claims/new", "/me/claims", &fields).await;
    assert_eq!(filed.status, StatusCode::SEE_OTHER, "{}", filed.body);
    let claim = api_claim(&app, &c.owner.access, &claim_of(&filed)).await;
    assert_eq!(
        (&claim["claim"]["kind"], &claim["claim"]["advanced_amount"]),
        (&json!("emergency_advance"), &json!("391.00"))
    );
    let kinds: Vec<&str> =
        claim["evidence"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["before", "receipt"]);
}

#[tokio::test]
async fn the_developer_disputes_uploads_its_report_and_objects_to_a_deposit_notice() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let id = asked(&app, &c).await;
    let web = Web::sign_in(&app, "developer").await;
    assert_eq!(web.get("/").await.location(), "/developer");
    let home = web.get("/developer").await;
    assert!(home.has(&format!("data-claim=\"{id}\"")) && home.has("答复期限"));
    let claim_path = format!("/claims/{id}");
    let note = [("note", "系使用不当所致，已委托检测")];
    let r = web.submit(&claim_path, &format!("{claim_path}/developer_disputes"), &note).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(api_claim(&app, &c.reviewer.access, &id).await["claim"]["state"], "under_inspection");

    let page = web.get(&claim_path).await;
    assert!(page.has("form-report"));
    let csrf = page.csrf();
    let report = ("document", "report.pdf", "application/pdf", baoxiu_e2e::photos::pdf());
    let no_token = web
        .post_file(&format!("{claim_path}/documents"), &[("kind", "inspection_report")], report.clone())
        .await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    let uploaded = web
        .post_file(
            &format!("{claim_path}/documents"),
            &[("csrf", &csrf), ("kind", "inspection_report")],
            report.clone(),
        )
        .await;
    assert_eq!(uploaded.location(), format!("{claim_path}?notice=uploaded"), "{}", uploaded.body);
    let evidence = app.get(&format!("/api/v1/claims/{id}/evidence"), &c.reviewer.access).await;
    assert!(
        evidence.body.as_array().unwrap().iter().any(|e| e["kind"] == "inspection_report"),
        "{}",
        evidence.body
    );
    // A developer that is not this building's may not put a report on it.
    let owner = Web::sign_in(&app, "owner").await;
    let csrf = owner.get(&claim_path).await.csrf();
    let r = owner
        .post_file(
            &format!("{claim_path}/documents"),
            &[("csrf", &csrf), ("kind", "inspection_report")],
            report,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);

    // The deposit notice, with the objection open for 7 days (Art. 11).
    let estate = app.demo_estate(&c.reviewer.access).await;
    let new_building = json!({"name": "4号楼", "class": "high_rise", "construction_cost": "10000000.00", "design_life_years": 50});
    let estate_path = format!("/api/v1/estates/{}/buildings", estate["id"].as_str().unwrap());
    let building =
        ok(&app, &c.reviewer.access, &estate_path, new_building).await["id"].as_str().unwrap().to_string();
    let due_on = baoxiu::domain::deadlines::shanghai_date(chrono::Utc::now()) + chrono::Duration::days(30);
    let notice = json!({"due_on": due_on});
    ok(&app, &c.reviewer.access, &format!("/api/v1/buildings/{building}/deposit-notice"), notice).await;
    let home = web.get("/developer").await;
    assert!(home.has(&format!("objection-{building}")), "{}", home.body);
    let action = format!("/developer/buildings/{building}/objection");
    let objected = web.submit("/developer", &action, &[("reason", "造价含已拆除的附属工程")]).await;
    assert_eq!(objected.location(), "/developer?notice=done");
    let view = app.get(&format!("/api/v1/buildings/{building}/deposit-notice"), &c.developer.access).await;
    assert_eq!(view.body["objection"], "造价含已拆除的附属工程");
    assert!(!web.get("/developer").await.has(&format!("objection-{building}")), "objected once");
}

#[tokio::test]
async fn the_repair_unit_plans_dispatches_a_colleague_and_records_the_sheet_from_its_pages() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let id = file_seepage(&app, &c).await;
    let path = |step: &str| format!("/api/v1/claims/{id}/{step}");
    ok(&app, &c.reviewer.access, &path("ask-developer"), json!({})).await;
    app.let_reply_period_pass(&id).await;
    ok(&app, &c.reviewer.access, &path("developer-silent"), json!({})).await;
    ok(&app, &c.reviewer.access, &path("approve"), json!({"repair_unit_id": c.repair_unit})).await;
    let web = Web::sign_in(&app, "technician").await;
    assert_eq!(web.get("/").await.location(), "/repair");
    assert!(web.get("/repair").await.has(&format!("data-claim=\"{id}\"")));
    let claim_path = format!("/claims/{id}");
    let plan = [
        ("description", "外墙防水修复"),
        ("budget", "1500.00"),
        ("plan_kind_1", "material"),
        ("plan_description_1", "防水涂料"),
        ("plan_unit_1", "m²"),
        ("plan_budget_1", "500.00"),
        ("plan_kind_2", "labour"),
        ("plan_description_2", "防水施工"),
        ("plan_unit_2", "工日"),
        ("plan_budget_2", "900.00"),
    ];
    // Lines that do not add up to the budget are refused at the form, with the hint.
    let r = web.submit(&claim_path, &format!("{claim_path}/submit_plan"), &plan).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.has("id=\"refusal-submit_plan\""));
    let mut plan = plan.to_vec();
    plan[9] = ("plan_budget_2", "1000.00");
    let r = web.submit(&claim_path, &format!("{claim_path}/submit_plan"), &plan).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    ok(&app, &c.reviewer.access, &path("plan-decision"), json!({"decision": "approve"})).await;
    let r = web.submit(&claim_path, &format!("{claim_path}/start_repair"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    // A work order, assigned to a colleague with an arrival window.
    let order = [("description", "上门查漏并施工")];
    let created = web.submit(&claim_path, &format!("{claim_path}/work_order"), &order).await;
    let order_path = created.location().split('?').next().unwrap().to_string();
    assert!(order_path.starts_with("/repair/work-orders/"), "{}", created.location());
    let colleague = app.login("technician2").await;
    let page = web.get(&order_path).await;
    assert!(page.has(&format!("value=\"{}\"", colleague.user_id)), "the colleague is offered");
    let r = web
        .submit(&order_path, &format!("{order_path}/assign"), &[("technician_id", &colleague.user_id)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let shanghai = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
    let start = chrono::Utc::now().with_timezone(&shanghai) + chrono::Duration::days(1);
    let (from, to) = (start.format("%Y-%m-%dT09:00").to_string(), start.format("%Y-%m-%dT11:00").to_string());
    let r = web
        .submit(
            &order_path,
            &format!("{order_path}/schedule"),
            &[("window_start", &from), ("window_end", &to)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let order_id = order_path.rsplit('/').next().unwrap();
    let view = app.get(&format!("/api/v1/work-orders/{order_id}"), &c.technician.access).await.body;
    assert_eq!((&view["technician_id"], &view["status"]), (&json!(colleague.user_id), &json!("scheduled")));
    assert_eq!(view["window_start"].as_str().unwrap()[11..16], *"01:00", "09:00 in Shanghai is 01:00 UTC");
    // The colleague is told.
    let told = app.get("/api/v1/notifications", &colleague.access).await.body;
    assert!(told["items"].as_array().unwrap().iter().any(|n| n["kind"] == "work_order_assigned"), "{told}");

    // The cost sheet, each line carrying out a plan line and measured against its budget.
    let lines = [
        ("line_kind_1", "material"),
        ("line_description_1", "聚氨酯防水涂料"),
        ("line_unit_1", "m²"),
        ("line_quantity_1", "10"),
        ("line_unit_price_1", "40.00"),
        ("line_plan_line_1", "1"),
        ("line_kind_2", "labour"),
        ("line_description_2", "防水施工"),
        ("line_unit_2", "工日"),
        ("line_quantity_2", "3"),
        ("line_unit_price_2", "350.00"),
        ("line_plan_line_2", "2"),
    ];
    // A quantity that is no number is refused at the form, naming the field.
    let mut garbled = lines.to_vec();
    garbled[3] = ("line_quantity_1", "十");
    let r = web.submit(&claim_path, &format!("{claim_path}/cost_sheet"), &garbled).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.has("id=\"refusal-cost_sheet\"") && r.has("line_quantity_1"), "{}", r.body);
    let r = web.submit(&claim_path, &format!("{claim_path}/cost_sheet"), &lines).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = api_claim(&app, &c.owner.access, &id).await;
    let sheet = &page["cost_sheets"][0];
    assert_eq!((&sheet["total"], &sheet["budget_total"]), (&json!("1450.00"), &json!("1500.00")));
    assert_eq!(sheet["lines"][1]["budget"], "1000.00");
    // Another unit's technician sees none of it.
    let admin = app.login("admin").await;
    let other = ok(
        &app,
        &admin.access,
        "/api/v1/organisations",
        json!({"kind": "repair_unit", "name": "别家维修公司"}),
    )
    .await;
    let body = json!({"username": "outsider", "display_name": "外人", "password": "long-enough-pw", "role": "technician", "organisation_id": other["id"]});
    ok(&app, &admin.access, "/api/v1/users", body).await;
    let outsider = Web::new(&app);
    outsider.sign_in_as("outsider", "long-enough-pw").await;
    assert_eq!(outsider.get(&claim_path).await.status, StatusCode::NOT_FOUND);
    assert_eq!(outsider.get(&order_path).await.status, StatusCode::NOT_FOUND);
    assert!(!outsider.get("/repair").await.has(&format!("data-claim=\"{id}\"")));
}

#[tokio::test]
async fn the_api_takes_a_pages_cookie_only_with_its_csrf_header() {
    let app = spawn_app().await;
    app.load_demo().await;
    let web = Web::sign_in(&app, "owner").await;
    let cookie = format!("baoxiu_session={}", web.cookie("baoxiu_session").unwrap());
    let csrf = web.get("/me").await.csrf();
    let client = reqwest::Client::new();
    let me = |token: Option<&str>| {
        let mut request = client.get(format!("{}/api/v1/me", app.address)).header("cookie", &cookie);
        if let Some(token) = token {
            request = request.header("x-csrf-token", token);
        }
        request.send()
    };
    assert_eq!(me(None).await.unwrap().status(), StatusCode::UNAUTHORIZED, "the cookie alone is not enough");
    assert_eq!(me(Some("0123")).await.unwrap().status(), StatusCode::FORBIDDEN);
    assert_eq!(me(Some(&csrf)).await.unwrap().status(), StatusCode::OK);
}

#[tokio::test]
async fn an_owner_on_the_owners_committee_files_for_common_parts_from_their_page() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let web = Web::sign_in(&app, "owner").await;
    // Not on a committee: the owner's page offers no common parts.
    assert!(!web.get("/me").await.has("可申请维修的共用部位"));
    let estate = app.demo_estate(&c.reviewer.access).await;
    let estate_id = estate["id"].as_str().unwrap();
    let admin = app.login("admin").await;
    let committee = json!({"name": "泉景花园业主委员会", "member_ids": [c.owner.user_id]});
    let set = app
        .call(
            reqwest::Method::PUT,
            &format!("/api/v1/estates/{estate_id}/owners-committee"),
            Some(&admin.access),
            Some(committee),
        )
        .await;
    assert!(set.status.is_success(), "{}", set.body);
    let home = web.get("/me").await;
    assert!(home.has("可申请维修的共用部位"), "{}", home.body);
    let place = format!("building:{}", c.building);
    let photo = app.upload_photo(&c.owner.access, 41).await;
    let fields = [
        ("kind", "standard"),
        ("place", place.as_str()),
        ("category", "roof_waterproofing"),
        ("location_detail", "屋面"),
        ("description", "屋面渗水，顶层多户受影响。"),
        ("photo", photo.as_str()),
    ];
    let filed = web.submit("/me/claims/new", "/me/claims", &fields).await;
    assert_eq!(filed.status, StatusCode::SEE_OTHER, "{}", filed.body);
    let claim = api_claim(&app, &c.owner.access, &claim_of(&filed)).await;
    assert_eq!(claim["claim"]["location"], "common_part");
}

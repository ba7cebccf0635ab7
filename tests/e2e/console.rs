//! The bureau's console page by page, without a browser: sign-in and sign-out, CSRF, the queue,
//! the dossier and every reviewer step from its form, refusals in place, the fund and the
//! notifications, in both languages. `browser.rs` drives the same pages in Chromium.

use baoxiu_e2e::web::{Page, Web};
use baoxiu_e2e::{ok, spawn_app, spawn_app_with, Session, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::claims::{cast, file_seepage, to_in_repair, Cast};

/// Two lines: 10 m² of coating at ¥40.00 (budget ¥500.00) and 3 days of labour at ¥350.00
/// (budget ¥1,000.00): ¥1,450.00 in all.
pub fn two_lines() -> Value {
    json!({"lines": [
        {"kind": "material", "description": "聚氨酯防水涂料", "unit": "m²", "quantity": "10", "unit_price": "40.00", "budget": "500.00"},
        {"kind": "labour", "description": "防水施工", "unit": "工日", "quantity": "3", "unit_price": "350.00", "budget": "1000.00"}
    ]})
}

/// A claim with its two-line cost sheet signed by the owner and submitted: the payout clock runs.
pub async fn submitted_claim(app: &TestApp, c: &Cast) -> String {
    let id = file_seepage(app, c).await;
    to_in_repair(app, c, &id, "1500.00").await;
    let path = |step: &str| format!("/api/v1/claims/{id}/{step}");
    ok(app, &c.technician.access, &path("cost-sheets"), two_lines()).await;
    baoxiu_e2e::sign_as_shown(app, &c.owner.access, &path("cost-sheets/1/sign")).await;
    ok(app, &c.technician.access, &path("submit-cost-sheet"), json!({"revision": 1})).await;
    id
}

async fn claim(app: &TestApp, who: &Session, id: &str) -> Value {
    app.get(&format!("/api/v1/claims/{id}"), &who.access).await.body["claim"].clone()
}

/// Today in Shanghai, as the bureau dates its payments.
fn today() -> String {
    baoxiu::domain::deadlines::shanghai_date(chrono::Utc::now()).to_string()
}

/// A new account in a new organisation of `kind`, signed in on the web.
async fn stranger(app: &TestApp, role: &str, org: Value) -> Web {
    let admin = app.login("admin").await;
    let org = ok(app, &admin.access, "/api/v1/organisations", org).await["id"].as_str().unwrap().to_string();
    let username = format!("u{}", uuid::Uuid::now_v7().simple());
    let body = json!({"username": username, "display_name": "他人", "password": "long-enough-pw", "role": role, "organisation_id": org});
    ok(app, &admin.access, "/api/v1/users", body).await;
    let web = Web::new(app);
    assert_eq!(web.sign_in_as(&username, "long-enough-pw").await.status, StatusCode::SEE_OTHER);
    web
}

#[tokio::test]
async fn a_page_without_a_session_sends_the_browser_to_sign_in_and_back() {
    let app = spawn_app().await;
    app.load_demo().await;
    let web = Web::new(&app);
    let page = web.get("/review?state=filed").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), "/login?next=/review%3Fstate%3Dfiled");
    let form = web.get(page.location()).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.has("登录保修金维修系统") && form.has("name=\"next\" value=\"/review?state=filed\""));
    let token = form.field("login_token").unwrap();
    let signed_in = web
        .post(
            "/login",
            &[
                ("username", "reviewer"),
                ("password", "baoxiu-demo"),
                ("login_token", &token),
                ("next", "/review?state=filed"),
            ],
        )
        .await;
    assert_eq!((signed_in.status, signed_in.location()), (StatusCode::SEE_OTHER, "/review?state=filed"));
    // A "next" pointing elsewhere is not followed.
    let web = Web::new(&app);
    let token = web.get("/login").await.field("login_token").unwrap();
    let page = web
        .post(
            "/login",
            &[
                ("username", "reviewer"),
                ("password", "baoxiu-demo"),
                ("login_token", &token),
                ("next", "//evil.example/"),
            ],
        )
        .await;
    assert_eq!(page.location(), "/");
    // Nor one a browser would read as another site once it drops a tab, nor one no header can hold:
    // the sign-in still succeeds and goes home, never a 500 after the session is made.
    for (hostile, encoded) in
        [("/\t/evil.example", "/%09/evil.example"), ("/\n/x", "/%0A/x"), ("/ /e", "/%20/e")]
    {
        let web = Web::new(&app);
        let shown = web.get(&format!("/login?next={encoded}")).await;
        assert_eq!(shown.status, StatusCode::OK, "{hostile:?}");
        let token = shown.field("login_token").unwrap();
        let page = web
            .post(
                "/login",
                &[
                    ("username", "reviewer"),
                    ("password", "baoxiu-demo"),
                    ("login_token", &token),
                    ("next", hostile),
                ],
            )
            .await;
        assert_eq!((page.status, page.location()), (StatusCode::SEE_OTHER, "/"), "{hostile:?}");
    }
    // The start sends each person to their own home.
    assert_eq!(web.get("/").await.location(), "/review");
}

#[tokio::test]
async fn signing_in_sets_a_strict_cookie_of_the_api_session_and_signing_out_ends_both() {
    let app = spawn_app().await;
    app.load_demo().await;
    let web = Web::new(&app);
    let page = web.sign_in_as("reviewer", "baoxiu-demo").await;
    let cookie = page.set_cookie("baoxiu_session").unwrap();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/", "Expires="] {
        assert!(cookie.contains(attribute), "{attribute} missing: {cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain HTTP by default: {cookie}");
    // The cookie is a token of the same session table: the API takes it as a bearer token.
    let token = web.cookie("baoxiu_session").unwrap();
    assert_eq!(app.get("/api/v1/me", &token).await.status, StatusCode::OK);
    let queue = web.get("/review").await;
    assert!(queue.has("孙审核") && queue.has("id=\"session-expiry\""), "{}", queue.body);
    // Signing out needs the form's token, and ends the session for the browser and the API.
    let out = web.post("/logout", &[("csrf", &queue.csrf())]).await;
    assert_eq!((out.status, out.location()), (StatusCode::SEE_OTHER, "/login?signed_out=1"));
    assert!(out.set_cookie("baoxiu_session").unwrap().contains("Max-Age=0"));
    assert_eq!(app.get("/api/v1/me", &token).await.code(), "session_revoked");
    web.drop_cookie("baoxiu_session");
    assert!(web.get("/login?signed_out=1").await.has("已退出登录"));
}

#[tokio::test]
async fn revoking_the_session_through_the_api_ends_the_browser_and_the_cookie_can_be_secure() {
    let app = spawn_app_with(|c| c.web_secure_cookie = true).await;
    app.load_demo().await;
    let web = Web::new(&app);
    let page = web.sign_in_as("reviewer", "baoxiu-demo").await;
    assert!(page.set_cookie("baoxiu_session").unwrap().contains("Secure"));
    let token = web.cookie("baoxiu_session").unwrap();
    let reply = app.post("/api/v1/auth/logout", &token, json!({})).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    let page = web.get("/review?state=filed").await;
    assert_eq!(
        (page.status, page.location()),
        (StatusCode::SEE_OTHER, "/login?next=/review%3Fstate%3Dfiled&expired=1")
    );
    assert!(web.get(page.location()).await.has("登录已失效"));
    // A form posted after the session ended comes back to the person's home, not to the form's
    // address.
    let posted = web.post(&format!("/notifications/{}/read", uuid::Uuid::now_v7()), &[("csrf", "x")]).await;
    assert_eq!((posted.status, posted.location()), (StatusCode::SEE_OTHER, "/login?next=/&expired=1"));
}

#[tokio::test]
async fn sign_in_refuses_a_wrong_password_a_missing_form_token_and_locks_like_the_api() {
    let app = spawn_app_with(|c| c.login_max_failures = 3).await;
    app.load_demo().await;
    let web = Web::new(&app);
    let wrong = web.sign_in_as("reviewer", "not-the-password").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.has("id=\"login-message\"") && wrong.has("name=\"username\" autocomplete=\"username\""));
    assert!(wrong.has("value=\"reviewer\""), "the name stays filled in");
    // The form's own token: a post from elsewhere has none.
    let forged = Web::new(&app)
        .post("/login", &[("username", "reviewer"), ("password", "baoxiu-demo"), ("login_token", "x")])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(forged.set_cookie("baoxiu_session").is_none());
    // The same account lock as the API's: after three failures even the right password waits.
    web.sign_in_as("reviewer", "not-the-password").await;
    web.sign_in_as("reviewer", "not-the-password").await;
    let locked = web.sign_in_as("reviewer", "baoxiu-demo").await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(locked.headers.get("retry-after").is_some());
    assert_eq!(app.login_with("reviewer", "baoxiu-demo").await.unwrap_err().code(), "too_many_attempts");
}

#[tokio::test]
async fn every_form_post_without_the_sessions_csrf_token_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let id = submitted_claim(&app, &c).await;
    let web = Web::sign_in(&app, "reviewer").await;
    let before = claim(&app, &c.reviewer, &id).await["version"].clone();
    let mut posts: Vec<String> = [
        "ask_developer",
        "developer_silent",
        "developer_unable",
        "developer_repaired",
        "developer_defaulted",
        "inspection",
        "approve",
        "reject",
        "decide_plan",
        "verify",
        "return_cost_sheet",
        "pay",
        "notify_developer",
    ]
    .iter()
    .map(|step| format!("/review/claims/{id}/{step}"))
    .collect();
    posts.push(format!("/notifications/{}/read", uuid::Uuid::now_v7()));
    posts.push("/review/fund/interest".into());
    posts.push("/logout".into());
    // Another session's token is no better than none.
    let other = Web::sign_in(&app, "reviewer").await.get("/review").await.csrf();
    for path in &posts {
        for token in ["", "00", other.as_str()] {
            let page =
                web.post(path, &[("csrf", token), ("version", &before.to_string()), ("note", "x")]).await;
            assert_eq!(page.status, StatusCode::FORBIDDEN, "{path} with {token:?}: {}", page.body);
            assert!(page.has("表单已过期或来源不明"), "{path}");
        }
    }
    assert_eq!(claim(&app, &c.reviewer, &id).await["version"], before);
    assert_eq!(web.get("/review").await.status, StatusCode::OK, "still signed in");
}

#[tokio::test]
async fn the_queue_lists_the_nearest_deadline_first_with_counts_colours_filters_and_pages() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let undated = file_seepage(&app, &c).await;
    let soon = submitted_claim(&app, &c).await;
    let overdue = submitted_claim(&app, &c).await;
    app.sql(format!(
        "UPDATE claims SET payout_due_on = '2020-01-02', bureau_due_on = '2020-01-02' WHERE id = '{overdue}'"
    ))
    .await;
    let in_two = (chrono::Utc::now() + chrono::Duration::hours(8 + 24 * 2)).date_naive();
    app.sql(format!(
        "UPDATE claims SET payout_due_on = '{in_two}', bureau_due_on = '{in_two}' WHERE id = '{soon}'"
    ))
    .await;
    let web = Web::sign_in(&app, "reviewer").await;
    let page = web.get("/review").await;
    assert_eq!(page.status, StatusCode::OK);
    let at =
        |id: &str| page.body.find(&format!("data-claim=\"{id}\"")).unwrap_or_else(|| panic!("{id} missing"));
    assert!(at(&overdue) < at(&soon) && at(&soon) < at(&undated), "nearest deadline first");
    assert!(page.has(&format!("<tr class=\"overdue\" data-claim=\"{overdue}\"")));
    assert!(page.has(&format!("<tr class=\"due2\" data-claim=\"{soon}\"")));
    assert!(page.has(&format!("<tr class=\"\" data-claim=\"{undated}\"")));
    assert!(
        page.has("data-state=\"cost_sheet_submitted\">清单待核</a> <strong>2</strong>"),
        "counts per state"
    );
    assert!(page.has("data-state=\"filed\">已申请</a> <strong>1</strong>"));
    assert!(page.has("核定") || page.has("清单"), "the next step in words");

    let only = |page: &Page| page.body.matches("data-claim=").count();
    assert_eq!(only(&web.get("/review?state=filed").await), 1);
    assert_eq!(only(&web.get("/review?due=5").await), 2, "due within 5 days, overdue included");
    assert_eq!(only(&web.get(&format!("/review?building={}", c.building)).await), 3);
    assert_eq!(only(&web.get("/review?category=heating").await), 0);
    assert!(web.get("/review?category=heating").await.has("id=\"queue-empty\""));
    // Blank filters are no filters; nonsense is refused on the page, not with a 500.
    assert_eq!(only(&web.get("/review?state=&building=&category=&due=").await), 3);
    for bad in ["/review?state=nonsense", "/review?due=abc", "/review?due=-1", "/review?building=x"] {
        let page = web.get(bad).await;
        assert!(page.status.is_client_error(), "{bad}: {}", page.status);
        assert!(page.has("id=\"refusal\""), "{bad}");
    }
    // Paging: 25 a page, the filters kept on the links.
    for _ in 0..25 {
        file_seepage(&app, &c).await;
    }
    let first = web.get("/review?state=filed").await;
    assert_eq!(only(&first), 25);
    assert!(first.has("第 1 / 2") && first.has("href=\"/review?page=2&#38;state=filed\""), "{}", first.body);
    let second = web.get("/review?page=2&state=filed").await;
    assert_eq!(only(&second), 1);
    assert!(second.has("href=\"/review?page=1&#38;state=filed\""));
}

async fn balance(app: &TestApp, c: &Cast) -> String {
    let fund = app.get(&format!("/api/v1/buildings/{}/fund", c.building), &c.reviewer.access).await;
    fund.body["balance"].as_str().unwrap().to_string()
}

fn yuan(amount: &str) -> rust_decimal::Decimal {
    amount.parse().unwrap()
}

#[tokio::test]
async fn the_reviewer_verifies_with_a_cut_and_pays_from_the_dossier_and_the_fund_falls_by_the_approved_total()
{
    let app = spawn_app().await;
    let c = cast(&app).await;
    let id = submitted_claim(&app, &c).await;
    let web = Web::sign_in(&app, "reviewer").await;
    let here = format!("/review/claims/{id}");
    let queue = web.get("/review").await;
    assert!(queue.has("data-state=\"cost_sheet_submitted\">清单待核</a> <strong>1</strong>"));
    let page = web.get(&here).await;
    assert_eq!(page.status, StatusCode::OK);
    for fragment in [
        "id=\"applicant-name\">陈桂兰",
        "13805310004",
        "报修日在保修期内（第十八条）",
        "支付（20日）",
        "data-flag=\"no_exif\"",
        "聚氨酯防水涂料",
        "¥400.00",
        "¥1050.00",
        "¥1450.00",
        "¥50.00",
        "申请人本人在线签字",
        "签字人 陈桂兰",
        "class=\"hash\"",
        "id=\"form-verify\"",
        "id=\"form-return_cost_sheet\"",
        "孙审核",
    ] {
        assert!(page.has(fragment), "{fragment} missing from the dossier");
    }
    for absent in ["id=\"form-pay\"", "id=\"form-approve\"", "id=\"form-ask_developer\""] {
        assert!(!page.has(absent), "{absent} offered at cost_sheet_submitted");
    }
    let version = page.field("version").unwrap();
    let verify = |version: String, reason: &'static str| {
        let web = &web;
        let here = here.clone();
        let id = id.clone();
        async move {
            web.submit(
                &here,
                &format!("/review/claims/{id}/verify"),
                &[
                    ("version", &version),
                    ("revision", "1"),
                    ("line", "1"),
                    ("line", "2"),
                    ("decision_1", "approved"),
                    ("decision_2", "cut"),
                    ("approved_2", "900.00"),
                    ("reason_2", reason),
                ],
            )
            .await
        }
    };
    // A cut without its reason is refused at the form, with what would make it pass.
    let refused = verify(version.clone(), "").await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(
        refused.has("id=\"verify-refusal\"") && refused.has("核减或不予核准的项目须写明理由"),
        "{}",
        refused.body
    );
    // A stale version reloads the dossier with a notice.
    let stale = verify((version.parse::<i32>().unwrap() - 1).to_string(), "工日按实核减").await;
    assert_eq!(
        (stale.status, stale.location()),
        (StatusCode::SEE_OTHER, format!("{here}?notice=stale").as_str())
    );
    assert!(web.get(stale.location()).await.has("这份申请刚被他人更新"));
    let done = verify(version, "工日按实核减").await;
    assert_eq!(
        (done.status, done.location()),
        (StatusCode::SEE_OTHER, format!("{here}?notice=done").as_str())
    );
    let verified = web.get(&here).await;
    assert!(verified.has("class=\"approved-total\">¥1300.00") && verified.has("工日按实核减"));
    // The counts at the top of the queue follow the step at once (they are kept only until a write).
    let queue = web.get("/review").await;
    assert!(queue.has("data-state=\"verified\">已核定</a> <strong>1</strong>"), "{}", queue.body);
    assert!(!queue.has("data-state=\"cost_sheet_submitted\""));
    assert!(verified.has("id=\"form-pay\"") && !verified.has("id=\"form-verify\""));

    let before = balance(&app, &c).await;
    let version = verified.field("version").unwrap();
    let paid = web
        .submit(
            &here,
            &format!("/review/claims/{id}/pay"),
            &[
                ("version", &version),
                ("payee", "repair_unit"),
                ("paid_on", &today()),
                ("bank_reference", "ICBC-2026-0001"),
            ],
        )
        .await;
    assert_eq!(paid.status, StatusCode::SEE_OTHER, "{}", paid.body);
    assert!(web.get(&here).await.has("id=\"payout-amount\">¥1300.00"));
    assert_eq!(claim(&app, &c.reviewer, &id).await["state"], "paid");
    assert_eq!(yuan(&before) - yuan(&balance(&app, &c).await), yuan("1300.00"));
    // Paid, the claim waits on the bureau only for the usage notice; once sent it leaves the queue.
    let notified = web
        .submit(
            &here,
            &format!("/review/claims/{id}/notify_developer"),
            &[("version", &web.get(&here).await.field("version").unwrap())],
        )
        .await;
    assert_eq!(notified.status, StatusCode::SEE_OTHER);
    assert!(!web.get("/review").await.has(&format!("data-claim=\"{id}\"")));
    assert!(web.get(&here).await.has("id=\"no-steps\""));
}

#[tokio::test]
async fn every_other_reviewer_step_runs_from_its_form_and_refusals_show_in_place() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let web = Web::sign_in(&app, "reviewer").await;
    let form = |id: &str, step: &str, fields: Vec<(&'static str, String)>| {
        let (web, app, reviewer) = (&web, &app, &c.reviewer);
        let here = format!("/review/claims/{id}");
        let action = format!("/review/claims/{id}/{step}");
        let id = id.to_string();
        async move {
            let version = claim(app, reviewer, &id).await["version"].to_string();
            let mut all: Vec<(&str, &str)> = vec![("version", version.as_str())];
            all.extend(fields.iter().map(|(k, v)| (*k, v.as_str())));
            web.submit(&here, &action, &all).await
        }
    };
    let state = |id: String| {
        let app = &app;
        let who = &c.reviewer;
        async move { claim(app, who, &id).await["state"].as_str().unwrap().to_string() }
    };

    // Ask, refuse silence while the reply period runs, then record it; approve with a unit.
    let a = file_seepage(&app, &c).await;
    assert_eq!(
        form(&a, "ask_developer", vec![("note", "请于7日内答复".into())]).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(state(a.clone()).await, "developer_asked");
    let early = form(&a, "developer_silent", vec![]).await;
    assert_eq!(early.status, StatusCode::CONFLICT);
    assert!(early.has("请在答复期限届满后再认定开发企业未答复"), "{}", early.body);
    app.let_reply_period_pass(&a).await;
    assert_eq!(form(&a, "developer_silent", vec![]).await.status, StatusCode::SEE_OTHER);
    let page = web.get(&format!("/review/claims/{a}")).await;
    assert!(page.has(&format!("<option value=\"{}\">", c.repair_unit)), "the repair units to choose from");
    assert_eq!(
        form(&a, "approve", vec![("repair_unit_id", c.repair_unit.clone())]).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(state(a.clone()).await, "approved");
    // The plan: returning needs a comment; then approve.
    let plan = json!({"description": "维修", "budget": "1500.00"});
    ok(&app, &c.technician.access, &format!("/api/v1/claims/{a}/plans"), plan.clone()).await;
    let bare = form(&a, "decide_plan", vec![("decision", "return".into())]).await;
    assert_eq!(bare.status, StatusCode::BAD_REQUEST);
    assert!(bare.has("id=\"form-decide_plan\"") && bare.has("role=\"alert\""));
    assert_eq!(
        form(&a, "decide_plan", vec![("decision", "return".into()), ("comment", "补充防水层做法".into())])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(state(a.clone()).await, "plan_returned");
    ok(&app, &c.technician.access, &format!("/api/v1/claims/{a}/plans"), plan).await;
    assert_eq!(
        form(&a, "decide_plan", vec![("decision", "approve".into())]).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(state(a.clone()).await, "plan_approved");

    // Reject with a reason: the dossier names it.
    let b = file_seepage(&app, &c).await;
    assert_eq!(
        form(&b, "reject", vec![("reason", "excluded".into()), ("note", "使用不当".into())]).await.status,
        StatusCode::SEE_OTHER
    );
    assert!(web.get(&format!("/review/claims/{b}")).await.has("属于除外情形（第十九条）：使用不当"));
    assert_eq!(form(&b, "reject", vec![("reason", "nonsense".into())]).await.status, StatusCode::BAD_REQUEST);

    // The developer disputes; the finding clears it; the claim is refused with the finding.
    let d = file_seepage(&app, &c).await;
    form(&d, "ask_developer", vec![]).await;
    ok(
        &app,
        &c.developer.access,
        &format!("/api/v1/claims/{d}/developer-reply"),
        json!({"reply": "dispute"}),
    )
    .await;
    assert_eq!(
        form(&d, "inspection", vec![("developer_liable", "no".into()), ("note", "检测为使用不当".into())])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(state(d.clone()).await, "rejected");

    // The developer cannot repair: recorded at once with the document the reviewer uploads here.
    let e = file_seepage(&app, &c).await;
    let here = format!("/review/claims/{e}");
    let upload = format!("{here}/documents");
    let pdf = || ("document", "吊销营业执照公告.pdf", "application/pdf", baoxiu_e2e::photos::pdf());
    let csrf = web.get(&here).await.csrf();
    assert_eq!(web.post_file(&upload, &[], pdf()).await.status, StatusCode::FORBIDDEN, "no token");
    assert_eq!(web.post_file(&upload, &[("csrf", "00")], pdf()).await.status, StatusCode::FORBIDDEN);
    let text = ("document", "a.txt", "text/plain", b"not a document".to_vec());
    let refused = web.post_file(&upload, &[("csrf", &csrf)], text).await;
    assert!(refused.status.is_client_error() && refused.has("id=\"refusal\""), "{}", refused.status);
    let uploaded = web.post_file(&upload, &[("csrf", &csrf)], pdf()).await;
    assert_eq!(uploaded.status, StatusCode::SEE_OTHER, "{}", uploaded.body);
    let document = uploaded.location().rsplit("document=").next().unwrap().to_string();
    let page = web.get(uploaded.location()).await;
    assert!(
        page.has("文件已上传")
            && page.has(&format!("name=\"evidence_id\" required size=\"38\" value=\"{document}\""))
    );
    let missing = form(&e, "developer_unable", vec![("reason", "已注销".into())]).await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        form(&e, "developer_unable", vec![("reason", "已注销".into()), ("evidence_id", document)])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(state(e.clone()).await, "awaiting_decision");

    // The developer repaired as it promised: closed without the fund.
    let f = file_seepage(&app, &c).await;
    form(&f, "ask_developer", vec![]).await;
    ok(
        &app,
        &c.developer.access,
        &format!("/api/v1/claims/{f}/developer-reply"),
        json!({"reply": "will_repair"}),
    )
    .await;
    assert_eq!(form(&f, "developer_repaired", vec![]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(state(f.clone()).await, "closed");

    // A step the state does not allow, an unknown step and an unknown claim.
    let refused = form(&f, "ask_developer", vec![]).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(refused.has("id=\"no-steps\"") || refused.has("role=\"alert\""));
    assert_eq!(form(&a, "launch_rocket", vec![]).await.status, StatusCode::NOT_FOUND);
    let nobody = uuid::Uuid::now_v7();
    assert_eq!(web.get(&format!("/review/claims/{nobody}")).await.status, StatusCode::NOT_FOUND);
    assert!(web.get("/review/claims/not-an-id").await.status.is_client_error());
}

#[tokio::test]
async fn only_the_claims_jurisdictions_reviewers_see_its_dossier_and_other_roles_have_no_console() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let id = submitted_claim(&app, &c).await;
    let foreign = stranger(
        &app,
        "reviewer",
        json!({"kind": "housing_bureau", "name": "青岛市住建局", "jurisdiction": "370202"}),
    )
    .await;
    let page = foreign.get(&format!("/review/claims/{id}")).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.has("找不到该页面") && !page.has("陈桂兰"));
    assert!(!foreign.get("/review").await.has(&format!("data-claim=\"{id}\"")));
    let csrf = foreign.get("/review").await.csrf();
    let version = claim(&app, &c.reviewer, &id).await["version"].to_string();
    let post = foreign
        .post(&format!("/review/claims/{id}/return_cost_sheet"), &[("csrf", &csrf), ("version", &version)])
        .await;
    assert_eq!(post.status, StatusCode::NOT_FOUND);
    // Nor may it keep documents in the name of that claim.
    let pdf = ("document", "a.pdf", "application/pdf", baoxiu_e2e::photos::pdf());
    let upload = foreign.post_file(&format!("/review/claims/{id}/documents"), &[("csrf", &csrf)], pdf).await;
    assert_eq!(upload.status, StatusCode::NOT_FOUND);
    assert_eq!(claim(&app, &c.reviewer, &id).await["state"], "cost_sheet_submitted");
    for who in ["owner", "developer", "technician", "property", "admin"] {
        let web = Web::sign_in(&app, who).await;
        for path in [
            format!("/review/claims/{id}"),
            "/review".into(),
            "/review/fund".into(),
            "/review/fund/journal".into(),
        ] {
            let page = web.get(&path).await;
            assert_eq!(page.status, StatusCode::FORBIDDEN, "{who} {path}");
            assert!(page.has("此页面仅供住房和城乡建设主管部门审核人员使用"), "{who} {path}");
        }
    }
}

#[tokio::test]
async fn pages_speak_english_when_asked_or_switched() {
    let app = spawn_app().await;
    app.load_demo().await;
    let mut web = Web::sign_in(&app, "reviewer").await;
    web.language = Some("en-GB,en;q=0.9");
    let page = web.get("/review").await;
    assert!(
        page.has("<html lang=\"en\">") && page.has("Claims waiting on the bureau") && page.has("Sign out")
    );
    assert!(!page.has("待审核申请"));
    web.language = None;
    assert!(web.get("/review").await.has("待审核申请"));
    web.language = Some("en");
    let fund = web.get("/review/fund").await;
    assert!(
        fund.has("Opening balance") && fund.has("Interest runs") && !fund.has("期初余额"),
        "{}",
        fund.body
    );
    web.language = None;
    let switched = web.get("/language/en?back=/review%3Fstate%3Dfiled").await;
    assert_eq!((switched.status, switched.location()), (StatusCode::SEE_OTHER, "/review?state=filed"));
    assert!(web.get("/review").await.has("Claims waiting on the bureau"));
    assert_eq!(web.get("/language/en?back=https://evil.example").await.location(), "/");
    // A browser drops a tab or a newline from a Location and follows "//evil.example"; control
    // characters once made the header invalid and the answer a 500.
    for hostile in
        ["/%09/evil.example", "/%0A/x", "/%0D%0A/x", "/%20/evil.example", "/%5C/evil", "/%E2%80%AE/x"]
    {
        let sent = web.get(&format!("/language/en?back={hostile}")).await;
        assert_eq!((sent.status, sent.location()), (StatusCode::SEE_OTHER, "/"), "{hostile}");
    }
    let sent = web.get("/language/zh-CN?back=/review%3Fbuilding%3D%E4%B8%AD").await;
    assert_eq!(sent.location(), "/review?building=%E4%B8%AD");
    web.get("/language/zh-CN").await;
    assert!(web.get("/review").await.has("待审核申请"));
}

#[tokio::test]
async fn pages_allow_scripts_from_the_server_only_and_the_assets_are_the_vendored_files() {
    let app = spawn_app().await;
    app.load_demo().await;
    let web = Web::sign_in(&app, "reviewer").await;
    for path in ["/login", "/review", "/review/fund", "/notifications"] {
        let page = web.get(path).await;
        let csp = page.headers.get("content-security-policy").unwrap().to_str().unwrap();
        assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe"), "{path}: {csp}");
        assert_eq!(page.headers.get("cache-control").unwrap(), "no-store");
        assert!(!page.body.contains("<script>") && !page.body.contains(" onclick="), "{path}: inline script");
        assert!(
            page.has("\"allowEval\":false") && page.has("\"selfRequestsOnly\":true"),
            "{path}: htmx config"
        );
    }
    let sums =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../server/assets/SHA256SUMS")).unwrap();
    for line in sums.lines() {
        let (sum, name) = line.split_once("  ").unwrap();
        // The field app's files are served under /field/, its modules under /field/js/.
        let path = match name.strip_prefix("field/") {
            Some(module) if module.ends_with(".js") && module != "sw.js" => format!("/field/js/{module}"),
            Some(file) => format!("/field/{file}"),
            None => format!("/assets/{name}"),
        };
        let reply = app.client.get(format!("{}{path}", app.address)).send().await.unwrap();
        assert_eq!(reply.status(), StatusCode::OK, "{name}");
        assert_eq!(reply.headers()["x-content-type-options"], "nosniff");
        let bytes = reply.bytes().await.unwrap();
        assert_eq!(baoxiu_e2e::photos::sha256(&bytes), sum, "{name} is not the vendored file");
    }
    let missing = app.client.get(format!("{}/assets/..%2FCargo.toml", app.address)).send().await.unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_fund_pages_show_the_jurisdictions_buildings_their_categories_and_the_journal_as_csv() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let web = Web::sign_in(&app, "reviewer").await;
    let overview = web.get("/review/fund").await;
    assert_eq!(overview.status, StatusCode::OK);
    assert!(overview.has(&format!("data-building=\"{}\"", c.building)), "{}", overview.body);
    let building = web.get(&format!("/review/fund/buildings/{}", c.building)).await;
    let api = app.get(&format!("/api/v1/buildings/{}/fund", c.building), &c.reviewer.access).await;
    assert!(building.has(&format!("id=\"building-balance\">¥{}", api.body["balance"].as_str().unwrap())));
    assert!(building.has("data-category=\"seepage\"") && building.has("交存"));
    let journal = web.get("/review/fund/journal?from=2021-01-01&to=2027-01-01").await;
    assert_eq!(journal.status, StatusCode::OK);
    assert!(journal.has("交存"), "{}", journal.body);
    let deposits_only = web.get("/review/fund/journal?from=2021-01-01&to=2027-01-01&kind=payout").await;
    assert!(!deposits_only.body.contains("<td>交存</td>"));
    assert!(
        building.has("id=\"deposit-notice\"") && building.has("id=\"certificate-link\""),
        "{}",
        building.body
    );
    let year = baoxiu::domain::deadlines::shanghai_date(chrono::Utc::now()).format("%Y").to_string();
    let statement = web.get(&format!("/review/fund/buildings/{}/statement/{year}", c.building)).await;
    assert_eq!(statement.status, StatusCode::OK);
    assert!(statement.has("年度物业质量保修金交存、使用、退还情况公示"));
    let csv = web.get("/review/fund/journal?from=2021-01-01&to=2027-01-01&format=csv").await;
    assert_eq!(csv.headers["content-type"], "text/csv; charset=utf-8");
    assert!(csv.headers["content-disposition"]
        .to_str()
        .unwrap()
        .contains("journal-2021-01-01-2027-01-01.csv"));
    assert!(csv.body.starts_with("entry_id,entry_date,jurisdiction") && csv.body.contains(",deposit,"));
    let bad = web.get("/review/fund/journal?from=2030-01-01&to=2020-01-01").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);

    // Interest for a period (Art. 27) from the fund page's form; an overlapping one is refused there.
    assert!(overview.has("id=\"form-interest\""));
    let run = |from: String, to: String| {
        let web = &web;
        async move {
            web.submit("/review/fund", "/review/fund/interest", &[("period_from", &from), ("period_to", &to)])
                .await
        }
    };
    // Half a year inside the demo fund's custody, which began a fortnight before the hand-over.
    let day = |days: i64| (baoxiu_e2e::demo_handover() + chrono::Duration::days(days)).to_string();
    let (from, to) = (day(400), day(581));
    let posted = run(from.clone(), to.clone()).await;
    assert_eq!(
        (posted.status, posted.location()),
        (StatusCode::SEE_OTHER, "/review/fund?notice=done"),
        "{}",
        posted.body
    );
    let page = web.get("/review/fund").await;
    assert!(
        page.has("id=\"interest-runs\"") && page.has(&format!("<td>{from}</td><td>{to}</td>")),
        "{}",
        page.body
    );
    let overlapping = run(day(460), day(640)).await;
    assert!(overlapping.status.is_client_error(), "{}", overlapping.status);
    assert!(overlapping.has("id=\"interest-refusal\""));
    assert_eq!(run(day(640), "nonsense".into()).await.status, StatusCode::BAD_REQUEST);
    // Nor before the money was in custody (Art. 27): a run from the year 1 was once accepted.
    let ancient = run("0001-01-01".into(), day(-30)).await;
    assert!(ancient.status.is_client_error() && ancient.has("id=\"interest-refusal\""), "{}", ancient.status);
}

#[tokio::test]
async fn the_header_counts_unread_notifications_and_the_page_marks_them_read() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    file_seepage(&app, &c).await;
    let web = Web::sign_in(&app, "reviewer").await;
    let unread = app.get("/api/v1/notifications?unread=true", &c.reviewer.access).await;
    let count = unread.body["items"].as_array().unwrap().len();
    assert!(count >= 1);
    let page = web.get("/review").await;
    assert!(
        page.has(&format!("id=\"unread-count\" aria-label=\"{count} 未读\">{count}</span>")),
        "{}",
        page.body
    );
    let feed = web.get("/notifications").await;
    let first = unread.body["items"][0]["id"].as_str().unwrap();
    assert!(feed.has(&format!("/notifications/{first}/read")));
    let read = web.post(&format!("/notifications/{first}/read"), &[("csrf", &feed.csrf())]).await;
    assert_eq!((read.status, read.location()), (StatusCode::SEE_OTHER, "/notifications"));
    let after = app.get("/api/v1/notifications?unread=true", &c.reviewer.access).await;
    assert_eq!(after.body["items"].as_array().unwrap().len(), count - 1);
    // Someone else's notification is not found, and not marked.
    let owner_web = Web::sign_in(&app, "owner").await;
    let csrf = owner_web.get("/notifications").await.csrf();
    let second =
        unread.body["items"].as_array().unwrap().get(1).map(|n| n["id"].as_str().unwrap().to_string());
    if let Some(second) = second {
        assert_eq!(
            owner_web.post(&format!("/notifications/{second}/read"), &[("csrf", &csrf)]).await.status,
            StatusCode::NOT_FOUND
        );
    }
}

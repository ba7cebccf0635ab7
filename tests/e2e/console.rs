//! The bureau's console page by page, without a browser: sign-in and sign-out, CSRF, the queue,
//! the dossier and every reviewer step from its form, refusals in place, the fund and the
//! notifications, in both languages. `browser.rs` drives the same pages in Chromium.

use baoxiu_e2e::web::{Page, Web};
use baoxiu_e2e::{ok, spawn_app, spawn_app_with, Session, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::claims::{cast, file_seepage, to_in_repair, Cast};

mod pages;

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
        "inspection_found",
        "approve",
        "reject",
        "approve_plan",
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
    // An emergency repair its applicant already paid for is marked as such in the queue (Art. 25).
    app.sql(format!("UPDATE claims SET kind = 'emergency_advance' WHERE id IN ('{undated}', '{overdue}')"))
        .await;
    let web = Web::sign_in(&app, "reviewer").await;
    let page = web.get("/review").await;
    let row = |id: &str| {
        let start = page.body.find(&format!("data-claim=\"{id}\"")).unwrap();
        page.body[start..].split("</tr>").next().unwrap().to_string()
    };
    assert!(
        row(&undated).contains("<span class=\"badge emergency\">紧急垫付报销</span>"),
        "{}",
        row(&undated)
    );
    assert!(!row(&soon).contains("badge emergency"));
    // With its own next step: a reimbursement to verify, not a repair unit's sheet.
    assert!(row(&overdue).contains("紧急抢修垫资报销"), "{}", row(&overdue));
    assert!(!row(&soon).contains("紧急抢修垫资报销"));
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
        "¥1,050.00",
        "¥1,450.00",
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
    // A cut without its reason is refused at the form, with what would make it pass, and every
    // decision and amount typed comes back.
    let refused = verify(version.clone(), "").await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(
        refused.has("id=\"verify-refusal\"") && refused.has("核减或不予核准的项目须写明理由"),
        "{}",
        refused.body
    );
    assert!(refused.has("<option value=\"cut\" selected>"), "{}", refused.body);
    assert!(refused.has("id=\"approved_2\" inputmode=\"decimal\" size=\"10\" aria-label=\"核定金额（核减时填写） 2\" value=\"900.00\""));
    assert!(!refused.has("(lines.reason)") && !refused.has("lines.reason"), "no raw field names");
    // A stale version shows the dossier as it is now, with a notice and what was typed kept.
    let stale = verify((version.parse::<i32>().unwrap() - 1).to_string(), "工日按实核减").await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert!(stale.has("这份申请刚被他人更新"), "{}", stale.body);
    assert!(stale.has("value=\"工日按实核减\"") && stale.has("<option value=\"cut\" selected>"));
    let done = verify(version, "工日按实核减").await;
    assert_eq!(
        (done.status, done.location()),
        (StatusCode::SEE_OTHER, format!("{here}?notice=done").as_str())
    );
    let verified = web.get(&here).await;
    assert!(verified.has("class=\"approved-total\">¥1,300.00") && verified.has("工日按实核减"));
    // The pay form restates what is paid and names who is paid.
    let unit = app.get(&format!("/api/v1/organisations/{}", c.repair_unit), &c.reviewer.access).await;
    let applicant = app.get(&format!("/api/v1/claims/{id}"), &c.reviewer.access).await;
    assert!(verified.has("id=\"pay-amount\">¥1,300.00"), "{}", verified.body);
    assert!(verified.has(&format!("维修单位 · {}", unit.body["name"].as_str().unwrap())));
    assert!(
        verified.has(&format!("申请人 · {}", applicant.body["claim"]["applicant_name"].as_str().unwrap()))
    );
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
    assert!(web.get(&here).await.has("id=\"payout-amount\">¥1,300.00"));
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
    let bare = form(&a, "approve_plan", vec![("decision", "return".into())]).await;
    assert_eq!(bare.status, StatusCode::BAD_REQUEST);
    assert!(bare.has("id=\"form-approve_plan\"") && bare.has("role=\"alert\""));
    assert_eq!(
        form(&a, "approve_plan", vec![("decision", "return".into()), ("comment", "补充防水层做法".into())])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(state(a.clone()).await, "plan_returned");
    ok(&app, &c.technician.access, &format!("/api/v1/claims/{a}/plans"), plan).await;
    assert_eq!(
        form(&a, "approve_plan", vec![("decision", "approve".into())]).await.status,
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
        form(
            &d,
            "inspection_found",
            vec![("developer_liable", "no".into()), ("note", "检测为使用不当".into())]
        )
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

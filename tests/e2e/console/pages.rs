//! The console as each reader meets it: who sees the dossier, the language, the scripts allowed, the fund pages and the header.

use super::*;

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
    assert!(building.has(&format!(
        "id=\"building-balance\">{}",
        baoxiu::messages::yuan(api.body["balance"].as_str().unwrap())
    )));
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
        page.has("id=\"interest-runs\"") && page.has(&format!(">{from}</td><td data-label=\"止\">{to}</td>")),
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

//! The printed documents: each PDF's text read back with `pdftotext` (Debian's poppler-utils) for
//! its Chinese headings, names and every amount as the API gives them, its first page rendered
//! with `pdftoppm`, the same number giving the same bytes, a changed sheet a new number, and the
//! public verification page matching the stored PDF's hash without any personal data.

use std::process::Command;

use baoxiu_e2e::{ok, spawn_app, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::claims::{cast, file_seepage, to_in_repair, Cast};
use crate::console::two_lines;

/// A PDF downloaded with `token`: its bytes and its number.
async fn pdf(app: &TestApp, token: &str, path: &str) -> (Vec<u8>, String) {
    let response =
        reqwest::Client::new().get(format!("{}{path}", app.address)).bearer_auth(token).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    assert_eq!(response.headers()["content-type"], "application/pdf");
    let disposition = response.headers()["content-disposition"].to_str().unwrap().to_string();
    assert!(disposition.starts_with("attachment") && disposition.contains(".pdf"), "{disposition}");
    let number = response.headers()["baoxiu-document-number"].to_str().unwrap().to_string();
    (response.bytes().await.unwrap().to_vec(), number)
}

/// The text of a PDF as `pdftotext` reads it, with line breaks and spaces taken out so that a
/// hash wrapped over two lines reads whole.
fn text_of(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, bytes).unwrap();
    let out = Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext runs: scripts/setup --browser installs poppler-utils");
    assert!(out.status.success(), "pdftotext: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().split_whitespace().collect()
}

/// Renders the first page to PNG with `pdftoppm`, which fails on a broken PDF.
fn renders(bytes: &[u8]) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, bytes).unwrap();
    let out = Command::new("pdftoppm")
        .args(["-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile"])
        .arg(&path)
        .arg(dir.path().join("page"))
        .output()
        .expect("pdftoppm runs");
    assert!(out.status.success(), "pdftoppm: {}", String::from_utf8_lossy(&out.stderr));
    std::fs::read(dir.path().join("page.png")).unwrap()
}

fn sha256(bytes: &[u8]) -> String {
    baoxiu_e2e::photos::sha256(bytes)
}

/// A claim in repair with its two-line sheet signed by the owner with a drawing.
async fn signed_sheet(app: &TestApp, c: &Cast) -> (String, Value) {
    let id = file_seepage(app, c).await;
    to_in_repair(app, c, &id, "1500.00").await;
    let path = |step: &str| format!("/api/v1/claims/{id}/{step}");
    ok(app, &c.technician.access, &path("cost-sheets"), two_lines()).await;
    let drawing = app.upload(&c.owner.access, baoxiu_e2e::photos::png(300, 120)).await;
    let hash = baoxiu_e2e::shown_hash(app, &c.owner.access, &id, 1).await;
    let page = ok(
        app,
        &c.owner.access,
        &path("cost-sheets/1/sign"),
        json!({"revision_hash": hash, "signature_file_id": drawing}),
    )
    .await;
    (id, page)
}

#[tokio::test]
async fn the_cost_sheet_prints_every_line_amount_and_the_signature_and_verifies_by_its_number() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let (id, page) = signed_sheet(&app, &c).await;
    let sheet = &page["cost_sheets"][0];
    let path = format!("/api/v1/claims/{id}/cost-sheets/1/pdf");
    let (bytes, number) = pdf(&app, &c.owner.access, &path).await;
    assert!(bytes.starts_with(b"%PDF-"));
    assert!(bytes.len() < 1_000_000, "a one-page sheet is {} bytes", bytes.len());
    let text = text_of(&bytes);
    for expected in [
        "物业维修工程费用清单",
        "泉景花园",
        "主卧卫生间顶棚",
        "防渗漏",
        "陈桂兰",
        "申请人本人在线签字",
        &number,
    ] {
        assert!(text.contains(expected), "{expected} is not in {text}");
    }
    for line in sheet["lines"].as_array().unwrap() {
        for field in ["amount", "budget", "unit_price"] {
            let amount = baoxiu::messages::yuan(line[field].as_str().unwrap());
            assert!(text.contains(&amount), "{amount} is not in {text}");
        }
        assert!(text.contains(line["description"].as_str().unwrap()));
    }
    for total in ["total", "budget_total"] {
        assert!(text.contains(&baoxiu::messages::yuan(sheet[total].as_str().unwrap())), "{total}");
    }
    assert!(text.contains(sheet["hash"].as_str().unwrap()), "the revision hash is printed");
    assert!(renders(&bytes).starts_with(b"\x89PNG"));

    // The same number gives the same bytes; the reviewer printing it gets the same document.
    let (again, same) = pdf(&app, &c.reviewer.access, &path).await;
    assert_eq!((same.as_str(), sha256(&again)), (number.as_str(), sha256(&bytes)));

    // Anyone can check it by its number: the kind, the amounts and the PDF's hash, nothing personal.
    let check = app.call(reqwest::Method::GET, &format!("/api/v1/documents/{number}"), None, None).await;
    assert_eq!(check.status, StatusCode::OK, "{}", check.body);
    assert_eq!((&check.body["kind"], &check.body["sha256"]), (&json!("cost_sheet"), &json!(sha256(&bytes))));
    assert_eq!(check.body["facts"]["total"], sheet["total"]);
    let public =
        reqwest::get(format!("{}/verify/{number}", app.address)).await.unwrap().text().await.unwrap();
    assert!(public.contains(&sha256(&bytes)) && public.contains("物业维修工程费用清单"));
    // Its facts read as people read them, never as the keys they are stored by.
    let total = baoxiu::messages::yuan(sheet["total"].as_str().unwrap());
    assert!(public.contains("申请人已签字确认") && public.contains(&total), "{public}");
    for raw in ["approved_total", "budget_total", "revision_hash", ">true<", ">false<", "Art. "] {
        assert!(!public.contains(raw), "{raw} on the verification page: {public}");
    }
    for personal in ["陈桂兰", "13805310004", "主卧卫生间顶棚", "1-1-301"] {
        assert!(
            !check.body.to_string().contains(personal) && !public.contains(personal),
            "{personal} is shown"
        );
    }
    let unknown = reqwest::get(format!("{}/verify/BXW-FY-20260101-000000000000", app.address)).await.unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);

    // The bureau's verdict changes what is printed: a new number, the old one still its own bytes.
    let verdicts = json!({"revision": 1, "lines": [{"line_no": 1, "decision": "approved"}, {"line_no": 2, "decision": "cut", "approved_amount": "900.00", "reason": "工日按实核减"}]});
    ok(&app, &c.technician.access, &format!("/api/v1/claims/{id}/submit-cost-sheet"), json!({"revision": 1}))
        .await;
    ok(&app, &c.reviewer.access, &format!("/api/v1/claims/{id}/verify"), verdicts).await;
    let (verified, newer) = pdf(&app, &c.owner.access, &path).await;
    assert_ne!(newer, number);
    let text = text_of(&verified);
    assert!(
        text.contains("核减¥900.00") && text.contains("工日按实核减") && text.contains("¥1,300.00"),
        "{text}"
    );
    let old = app.call(reqwest::Method::GET, &format!("/api/v1/documents/{number}"), None, None).await;
    assert_eq!(old.body["sha256"], json!(sha256(&bytes)));

    // Nobody else's: a neighbour is told it does not exist.
    let neighbour = app.login("owner-1-1-101").await;
    let r = app.get(&path, &neighbour.access).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_dossier_usage_notice_and_fund_letters_print_their_headings_names_and_amounts() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let (id, _) = signed_sheet(&app, &c).await;
    let path = |step: &str| format!("/api/v1/claims/{id}/{step}");
    ok(&app, &c.technician.access, &path("submit-cost-sheet"), json!({"revision": 1})).await;
    let verdicts = json!({"revision": 1, "lines": [{"line_no": 1, "decision": "approved"}, {"line_no": 2, "decision": "approved"}]});
    ok(&app, &c.reviewer.access, &path("verify"), verdicts).await;
    let today = baoxiu::domain::deadlines::shanghai_date(chrono::Utc::now());
    let pay = json!({"payee": "repair_unit", "paid_on": today, "bank_reference": "ICBC-7"});
    ok(&app, &c.reviewer.access, &path("pay"), pay).await;
    ok(&app, &c.reviewer.access, &path("notify-developer"), json!({})).await;

    let (dossier, _) = pdf(&app, &c.reviewer.access, &path("dossier/pdf")).await;
    let text = text_of(&dossier);
    for expected in
        ["保修金使用申请卷宗", "办理经过", "法定期限", "证据", "孙审核", "陈桂兰", "¥1,450.00", "ICBC-7"]
    {
        assert!(text.contains(expected), "{expected} is not in the dossier: {text}");
    }
    renders(&dossier);

    let (usage, _) = pdf(&app, &c.developer.access, &path("usage-notice/pdf")).await;
    let text = text_of(&usage);
    assert!(text.contains("保修金使用情况通知书") && text.contains("¥1,450.00"), "{text}");
    let r = app.get(&path("usage-notice/pdf"), &c.owner.access).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "the usage notice is the developer's and the bureau's");

    let building = &c.building;
    let (certificate, _) =
        pdf(&app, &c.developer.access, &format!("/api/v1/buildings/{building}/deposit-certificate/pdf"))
            .await;
    let notice =
        app.get(&format!("/api/v1/buildings/{building}/deposit-notice"), &c.developer.access).await.body;
    let text = text_of(&certificate);
    assert!(
        text.contains("保修金交存证明") && text.contains(notice["certificate_number"].as_str().unwrap()),
        "{text}"
    );
    assert!(text.contains(&baoxiu::messages::yuan(notice["amount"].as_str().unwrap())), "{text}");
    let (letter, _) =
        pdf(&app, &c.reviewer.access, &format!("/api/v1/buildings/{building}/deposit-notice/pdf")).await;
    assert!(text_of(&letter).contains("保修金交存通知书"));

    let year = today.format("%Y").to_string();
    let statement =
        app.get(&format!("/api/v1/buildings/{building}/publication/{year}"), &c.reviewer.access).await.body;
    let (publication, _) =
        pdf(&app, &c.reviewer.access, &format!("/api/v1/buildings/{building}/publication/{year}/pdf")).await;
    let text = text_of(&publication);
    assert!(text.contains("保修金年度公示"), "{text}");
    assert!(
        text.contains(&baoxiu::messages::yuan(statement["closing_balance"].as_str().unwrap())),
        "{statement} / {text}"
    );
    let stranger = app.login("owner-2-1-101").await;
    let r = app.get(&format!("/api/v1/buildings/{building}/deposit-notice/pdf"), &stranger.access).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_pages_offer_the_pdfs_to_those_who_may_see_them() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let (id, _) = signed_sheet(&app, &c).await;
    let owner = baoxiu_e2e::web::Web::sign_in(&app, "owner").await;
    let page = owner.get(&format!("/claims/{id}")).await;
    let link = format!("/claims/{id}/cost-sheets/1/pdf");
    assert!(page.has(&link) && page.has(&format!("/claims/{id}/dossier/pdf")));
    let download = owner.get(&link).await;
    assert_eq!(download.status, StatusCode::OK);
    assert_eq!(download.headers["content-type"], "application/pdf");
    let number = download.headers["baoxiu-document-number"].to_str().unwrap().to_string();
    let neighbour = baoxiu_e2e::web::Web::sign_in(&app, "owner-1-1-101").await;
    assert_eq!(neighbour.get(&link).await.status, StatusCode::NOT_FOUND);
    // Without signing in, only the check by number.
    let anonymous = baoxiu_e2e::web::Web::new(&app);
    assert_eq!(anonymous.get(&link).await.status, StatusCode::SEE_OTHER);
    let mut english = baoxiu_e2e::web::Web::new(&app);
    english.language = Some("en");
    let check = english.get(&format!("/verify/{number}")).await;
    assert!(check.has("Check a document") && check.has(&number), "{}", check.body);
    assert!(check.has("Signed by the applicant") && !check.has("申请人已签字确认"), "{}", check.body);
    // Signed in, the same check keeps the reader's header: it is part of the site.
    assert!(owner.get(&format!("/verify/{number}")).await.has("id=\"sign-out\""));
}

#[tokio::test]
async fn a_missing_font_stops_the_start_naming_it_and_pdfs_can_be_turned_off() {
    let dir = tempfile::tempdir().unwrap();
    let config = baoxiu::config::Config {
        data_dir: dir.path().to_path_buf(),
        bind: "127.0.0.1:0".into(),
        pdf_font: "/nowhere/NotoSansCJK-Regular.ttc".into(),
        ..Default::default()
    };
    let error = baoxiu::startup::Application::build(config).err().expect("no start without the font");
    assert!(error.to_string().contains("/nowhere/NotoSansCJK-Regular.ttc"), "{error}");
    assert!(error.to_string().contains("fonts-noto-cjk"), "{error}");

    let app = baoxiu_e2e::spawn_app_with(|c| {
        c.pdf_enabled = false;
        c.pdf_font = "/nowhere/at/all.ttc".into();
    })
    .await;
    let c = cast(&app).await;
    let r =
        app.get(&format!("/api/v1/buildings/{}/deposit-notice/pdf", c.building), &c.reviewer.access).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

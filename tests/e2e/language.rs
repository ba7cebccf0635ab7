//! One language at a time: every page each demo party reaches from its home, and every PDF those
//! pages link to, read in Chinese and in English, shows no article in the other language's form
//! ("Art. 17" on a Chinese page, 第十七条 on an English one), no field or key names
//! (`approved_total`, `lines.reason`) and no bare `true` or `false`.

use std::collections::{BTreeSet, VecDeque};

use baoxiu_e2e::web::Web;
use baoxiu_e2e::{ok, spawn_app};
use serde_json::json;

use crate::claims::{cast, file_seepage, to_in_repair, to_verified};

/// The most pages read for one party in one language.
const MOST_PAGES: usize = 150;

/// What a person sees of a page: its text, without tags, scripts and styles.
fn visible(html: &str) -> String {
    let mut text = html.to_string();
    for tag in ["script", "style"] {
        while let Some(start) = text.find(&format!("<{tag}")) {
            let end =
                text[start..].find(&format!("</{tag}>")).map_or(text.len(), |e| start + e + tag.len() + 3);
            text.replace_range(start..end, " ");
        }
    }
    let mut out = String::with_capacity(text.len());
    let mut in_tag = false;
    for ch in text.chars() {
        match ch {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(ch),
            _ => {}
        }
    }
    out.replace("&amp;", "&").replace("&#x27;", "'").replace("&quot;", "\"")
}

/// What is wrong with a text read in `english` or Chinese, each with a little of its context.
fn strays(text: &str, english: bool) -> Vec<String> {
    let mut found = Vec::new();
    let context = |at: usize| text[at..].chars().take(30).collect::<String>();
    if !english {
        for (at, _) in text.match_indices("Art. ") {
            if text[at + 5..].starts_with(|c: char| c.is_ascii_digit()) {
                found.push(format!("English article: {}", context(at)));
            }
        }
    } else {
        for (at, _) in text.match_indices('第') {
            let rest: String = text[at + '第'.len_utf8()..]
                .chars()
                .take_while(|c| "一二三四五六七八九十".contains(*c))
                .collect();
            if !rest.is_empty() && text[at + '第'.len_utf8() + rest.len()..].starts_with('条') {
                found.push(format!("Chinese article: {}", context(at)));
            }
        }
    }
    for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.')) {
        let word = word.trim_matches('.');
        let snake = word.contains('_')
            && word.split('_').all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase()));
        let dotted = word.split('.').count() == 2
            && word
                .split('.')
                .all(|part| part.len() > 2 && part.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
        if snake || dotted || word == "true" || word == "false" {
            found.push(format!("key: {word}"));
        }
    }
    found
}

/// The site's own links on a page that a reader follows by reading: pages and PDFs, not the
/// language switch, sign-out, assets, the API or a notification's opening (which marks it read).
pub(crate) fn links(html: &str) -> Vec<String> {
    html.match_indices("href=\"/")
        .filter_map(|(at, _)| {
            let rest = &html[at + 6..];
            let link = rest[..rest.find('"')?].replace("&amp;", "&");
            let skip = ["/assets/", "/language/", "/api/", "/logout", "/field", "/notifications/", "/reset/"];
            (!skip.iter().any(|s| link.starts_with(s))).then_some(link)
        })
        .collect()
}

/// A path with its ids left out, so that one fault on many claims reads as one.
pub(crate) fn generic(path: &str) -> String {
    path.split('/')
        .map(|part| if part.len() == 36 && part.matches('-').count() == 4 { "{id}" } else { part })
        .collect::<Vec<_>>()
        .join("/")
}

/// A PDF's text, by poppler's `pdftotext`.
fn pdf_text(bytes: &[u8]) -> String {
    use std::io::Write;
    let mut child = std::process::Command::new("pdftotext")
        .args(["-q", "-", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("pdftotext (poppler-utils, installed by scripts/setup --browser)");
    child.stdin.take().unwrap().write_all(bytes).unwrap();
    let out = child.wait_with_output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn every_page_and_pdf_of_the_demo_reads_in_one_language() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    // Claims in the states the pages show most: asked, in repair with a revision, paid.
    let asked = file_seepage(&app, &c).await;
    ok(&app, &c.reviewer.access, &format!("/api/v1/claims/{asked}/ask-developer"), json!({})).await;
    let repairing = file_seepage(&app, &c).await;
    to_in_repair(&app, &c, &repairing, "1500.00").await;
    ok(
        &app,
        &c.technician.access,
        &format!("/api/v1/claims/{repairing}/cost-sheets"),
        crate::console::two_lines(),
    )
    .await;
    let paid = file_seepage(&app, &c).await;
    to_in_repair(&app, &c, &paid, "1000.00").await;
    to_verified(&app, &c, &paid, &c.owner, "900.00").await;
    let today = baoxiu_e2e::today().to_string();
    let pay = json!({"payee": "repair_unit", "paid_on": today, "bank_reference": "ICBC-1"});
    ok(&app, &c.reviewer.access, &format!("/api/v1/claims/{paid}/pay"), pay).await;

    let mut failures = Vec::new();
    let mut read = 0;
    for who in ["reviewer", "owner", "developer", "property", "technician", "admin"] {
        for english in [false, true] {
            let mut web = Web::sign_in(&app, who).await;
            web.language = english.then_some("en");
            let home = web.get("/").await.location().to_string();
            let mut queue = VecDeque::from([home, "/notifications".to_string()]);
            let mut seen = BTreeSet::new();
            while let Some(path) = queue.pop_front() {
                if seen.len() >= MOST_PAGES || !seen.insert(path.clone()) {
                    continue;
                }
                let page = web.get(&path).await;
                if !page.status.is_success() {
                    continue;
                }
                read += 1;
                let kind = page.headers.get("content-type").and_then(|t| t.to_str().ok()).unwrap_or("");
                if kind.starts_with("text/csv") {
                    continue; // kept machine-readable: its header row is keys
                }
                let pdf = kind.starts_with("application/pdf");
                // A printed document (a PDF, a printable statement) is issued once, in Chinese, for
                // every reader: it is read as Chinese whoever prints it. A page of the site (with
                // its header) speaks the reader's language.
                let site = page.has("<header class=\"top\">");
                let chinese = page.has("<html lang=\"zh-CN\">");
                if site && chinese == english {
                    failures.push(format!(
                        "{who} {:?} {}: a page in the other language",
                        web.language,
                        generic(&path)
                    ));
                }
                let (text, english) = match (pdf, site) {
                    (true, _) => (pdf_text(&page.bytes), false),
                    (false, true) => (visible(&page.body), english),
                    (false, false) => (visible(&page.body), !chinese),
                };
                for stray in strays(&text, english) {
                    let lang = web.language.unwrap_or("zh");
                    failures.push(format!("{who} {lang} {}: {stray}", generic(&path)));
                }
                if !pdf {
                    queue.extend(links(&page.body).into_iter().filter(|l| !seen.contains(l)));
                }
            }
        }
    }
    assert!(read > 100, "only {read} pages read");
    failures.sort();
    failures.dedup();
    assert!(failures.is_empty(), "{} strays:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn the_scan_finds_what_it_looks_for() {
    assert_eq!(strays("保修期至 Art. 18", false).len(), 1);
    assert!(strays("Art. 18", true).is_empty());
    assert_eq!(strays("see 第十八条", true).len(), 1);
    assert_eq!(strays("(approved_total) lines.reason true", false).len(), 3);
    assert!(strays("ICBC-1 li.shifu 2026-12-06 ¥1,450.00", false).is_empty());
    assert_eq!(
        visible("<p>a<script>x_y</script><b title=\"k_v\">b</b></p>").split_whitespace().collect::<Vec<_>>(),
        ["a", "b"]
    );
}

//! The technician's field app at `/field/`: an installable web app that works offline on the sync
//! protocol. The server only serves it: the shell page (with its texts in the reader's language),
//! the Web App Manifest, the service worker and the app's modules, all vendored in
//! `server/assets/field` and held to `server/assets/SHA256SUMS`. The app itself talks to the
//! existing sync and upload endpoints; no use case is new.

use std::sync::LazyLock;

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{get, web, HttpRequest, HttpResponse};
use askama::Template;
use baoxiu_sync_protocol::wire::{wire_name, RejectReason};
use sha2::{Digest, Sha256};

use super::session::page_lang;
use super::{render, see_other};
use crate::domain::work_order::WorkOrderStatus;
use crate::error::AppError;
use crate::messages::{Code, Lang};

mod texts;

/// The app's files under `/field/`: name, type, bytes.
pub const FILES: &[(&str, &str, &[u8])] = &[
    ("js/app.js", JS, include_bytes!("../../assets/field/app.js")),
    ("js/canonical.js", JS, include_bytes!("../../assets/field/canonical.js")),
    ("js/money.js", JS, include_bytes!("../../assets/field/money.js")),
    ("js/store.js", JS, include_bytes!("../../assets/field/store.js")),
    ("js/sync.js", JS, include_bytes!("../../assets/field/sync.js")),
    ("js/idb-8.0.4.js", JS, include_bytes!("../../assets/field/idb-8.0.4.js")),
    ("sw.js", JS, include_bytes!("../../assets/field/sw.js")),
    ("field.css", "text/css; charset=utf-8", include_bytes!("../../assets/field/field.css")),
    ("icon-192.png", "image/png", include_bytes!("../../assets/field/icon-192.png")),
    ("icon-512.png", "image/png", include_bytes!("../../assets/field/icon-512.png")),
];

const JS: &str = "text/javascript; charset=utf-8";

/// The pages' vendored scripts the app loads too (from `/assets/`); the service worker keeps them.
const FIELD_SCRIPTS: &[&str] = &["tus-js-client-4.3.1.min.js", "signature_pad-5.1.4.umd.min.js"];

/// The shell's policy: the pages' own, and photo previews from the phone's memory (`blob:`).
const FIELD_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob:; \
     connect-src 'self'; worker-src 'self'; manifest-src 'self'; frame-ancestors 'none'; \
     form-action 'self'; base-uri 'none'; object-src 'none'";

/// The app's version: a hash of everything it is made of (files, texts, shell), so any change
/// installs a new service worker, which waits until the technician switches.
pub static VERSION: LazyLock<String> = LazyLock::new(|| {
    let mut hash = Sha256::new();
    for (name, _, bytes) in FILES {
        hash.update(name.as_bytes());
        hash.update(bytes);
    }
    for (name, _, bytes) in super::assets::ASSETS {
        if FIELD_SCRIPTS.contains(name) {
            hash.update(bytes);
        }
    }
    hash.update(include_bytes!("../../templates/field.html"));
    for lang in [Lang::ZhCn, Lang::En] {
        hash.update(texts_json(lang).as_bytes());
    }
    hex::encode(&hash.finalize()[..8])
});

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(bare).service(shell).service(version).service(manifest).service(file);
}

#[derive(Template)]
#[template(path = "field.html")]
struct Shell<'a> {
    lang: &'static str,
    title: &'static str,
    version: &'a str,
    loading: &'static str,
    needs_script: &'static str,
    home: &'static str,
    other_language: &'static str,
    other_language_code: &'static str,
    /// The texts as JSON, safe inside a `<script type="application/json">` element.
    texts: String,
}

#[get("/field")]
async fn bare() -> HttpResponse {
    see_other("/field/")
}

/// The app shell. It holds nobody's data (the app fills it from the phone's store), so the
/// service worker may keep it.
#[get("/field/")]
async fn shell(req: HttpRequest) -> HttpResponse {
    let lang = page_lang(&req);
    let text = |code: &str| texts::text(code, lang);
    let page = Shell {
        lang: lang.pick("zh-CN", "en"),
        title: text("field_title"),
        version: &VERSION,
        loading: text("field_loading"),
        needs_script: text("field_needs_script"),
        home: text("field_home"),
        other_language: lang.pick("English", "中文"),
        other_language_code: lang.pick("en", "zh-CN"),
        texts: texts_json(lang).replace("</", "<\\/"),
    };
    let mut response = render(&page, StatusCode::OK, None);
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(FIELD_CSP));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(value) = HeaderValue::from_str(&VERSION) {
        headers.insert(header::HeaderName::from_static("x-field-version"), value);
    }
    response
}

/// The version the server serves, for an open app to find a newer one.
#[get("/field/version")]
async fn version() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(serde_json::json!({ "version": *VERSION }))
}

#[get("/field/manifest.webmanifest")]
async fn manifest(req: HttpRequest) -> HttpResponse {
    let lang = page_lang(&req);
    let body = serde_json::json!({
        "name": texts::text("field_title", lang),
        "short_name": texts::text("field_short_name", lang),
        "lang": lang.pick("zh-CN", "en"),
        "start_url": "/field/",
        "scope": "/field/",
        "display": "standalone",
        "background_color": "#f4f5f7",
        "theme_color": "#14457a",
        "icons": [
            {"src": "/field/icon-192.png", "sizes": "192x192", "type": "image/png", "purpose": "any"},
            {"src": "/field/icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "any"}
        ]
    });
    HttpResponse::Ok()
        .content_type("application/manifest+json")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(body.to_string())
}

/// A file of the app, the service worker (`/field/sw.js?v=…`, whose scope is its folder) among
/// them. `no-cache`: the worker keeps them; the browser's own cache must not hand an old module to
/// a new version.
#[get("/field/{name:.+}")]
async fn file(name: web::Path<String>) -> Result<HttpResponse, AppError> {
    super::assets::serve(FILES, &name, "no-cache")
}

/// Every text the app shows, by code, in one language: its own, the protocol's reasons for a
/// refused act (`reason_…`), the work orders' states, and the server's error codes.
fn texts_json(lang: Lang) -> String {
    let mut map = serde_json::Map::new();
    for (code, zh, en) in texts::TEXTS {
        map.insert((*code).into(), lang.pick(zh, en).into());
    }
    for reason in RejectReason::ALL {
        map.insert(format!("reason_{}", wire_name(reason)), reason.text(lang == Lang::En).into());
    }
    for status in WorkOrderStatus::ALL {
        map.insert(
            format!("field_order_status_{}", status.as_str()),
            super::texts::work_order_status_name(*status, lang).into(),
        );
    }
    for code in Code::ALL {
        map.insert(code.as_str().into(), code.text(lang).into());
    }
    serde_json::Value::Object(map).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every code the app's scripts name has a text in both languages.
    #[test]
    fn every_code_the_app_names_has_a_text() {
        let known: Vec<String> = texts_json(Lang::En)
            .parse::<serde_json::Value>()
            .unwrap()
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        for (name, _, bytes) in FILES.iter().filter(|(n, _, _)| n.ends_with(".js")) {
            let source = std::str::from_utf8(bytes).unwrap();
            let calls = source.match_indices("t(\"").filter(|(at, _)| {
                // `t(` itself, not `get(` or `.t(`.
                !source[..*at].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '.')
            });
            for (at, _) in calls {
                let found = &source[at + 3..];
                let code: String =
                    found.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                // `t("field_kind_" + kind)` names a family of codes.
                let whole = !found[code.len() + 1..].trim_start().starts_with('+');
                if whole {
                    assert!(known.contains(&code), "{name} names {code}, which has no text");
                } else {
                    assert!(known.iter().any(|k| k.starts_with(&code)), "{name}: no text starts {code}");
                }
            }
        }
    }
}

//! The pages' scripts and styles, vendored in `server/assets` and compiled into the binary:
//! nothing is fetched from elsewhere, at build time or at run time. `server/assets/SHA256SUMS`
//! names each file's checksum, and a test holds the files to it.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{get, web, HttpResponse};

use crate::error::AppError;
use crate::messages::Code;

/// Each served file: its name under `/assets/`, its type and its bytes.
pub const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "htmx-2.0.11.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/htmx-2.0.11.min.js"),
    ),
    (
        "tus-js-client-4.3.1.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/tus-js-client-4.3.1.min.js"),
    ),
    (
        "signature_pad-5.1.4.umd.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/signature_pad-5.1.4.umd.min.js"),
    ),
    ("console.css", "text/css; charset=utf-8", include_bytes!("../../assets/console.css")),
    ("parties.js", "text/javascript; charset=utf-8", include_bytes!("../../assets/parties.js")),
    ("console.js", "text/javascript; charset=utf-8", include_bytes!("../../assets/console.js")),
];

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(asset);
}

#[get("/assets/{name}")]
async fn asset(name: web::Path<String>) -> Result<HttpResponse, AppError> {
    serve(ASSETS, &name, "public, max-age=3600")
}

/// The file `name` of a table of vendored files, with its type, `nosniff` and `cache_control`;
/// 404 for a name the table does not hold.
pub(super) fn serve(
    files: &[(&str, &str, &'static [u8])],
    name: &str,
    cache_control: &'static str,
) -> Result<HttpResponse, AppError> {
    let (_, media_type, bytes) =
        files.iter().find(|(n, _, _)| *n == name).ok_or(AppError::new(Code::NotFound))?;
    let mut response = HttpResponse::Ok().content_type(*media_type).body(*bytes);
    let headers = response.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache_control));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use sha2::{Digest, Sha256};

    use super::ASSETS;

    #[test]
    fn every_asset_matches_its_recorded_checksum() {
        let sums = include_str!("../../assets/SHA256SUMS");
        let field = super::super::field::FILES.iter().map(|(name, media_type, bytes)| {
            let file = name.trim_start_matches("js/");
            (format!("field/{file}"), *media_type, *bytes)
        });
        let all = ASSETS.iter().map(|(name, media_type, bytes)| (name.to_string(), *media_type, *bytes));
        for (name, _, bytes) in all.chain(field) {
            let line =
                sums.lines().find(|l| l.ends_with(&format!("  {name}"))).unwrap_or_else(|| panic!("{name}"));
            let recorded = line.split_whitespace().next().unwrap();
            assert_eq!(hex::encode(Sha256::digest(bytes)), recorded, "{name} differs from SHA256SUMS");
        }
    }
}

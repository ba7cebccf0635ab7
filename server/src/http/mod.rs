//! The HTTP edge both `api/` and `web/` stand on: how a download, a PDF, a CSV or a printable
//! page is answered. Neither of them borrows from the other; what both need lives here.

use actix_web::http::header;
use actix_web::HttpResponse;

use crate::service::documents::Issued;

pub mod documents;

/// A `Content-Disposition` naming a download by RFC 6266: `filename*` carries the name in UTF-8,
/// percent-encoded, and `filename` an ASCII stand-in for old clients. Characters that cannot stand
/// in a header (control characters, quotes, backslashes) become `_`, whatever a stored name holds.
pub fn content_disposition(disposition: header::DispositionType, name: &str) -> header::ContentDisposition {
    let clean: String = name.chars().map(|c| if c.is_control() { '_' } else { c }).collect();
    let ascii: String = clean
        .chars()
        .map(|c| if (c.is_ascii_graphic() || c == ' ') && c != '"' && c != '\\' { c } else { '_' })
        .collect();
    let mut parameters = vec![header::DispositionParam::Filename(ascii)];
    if !clean.is_ascii() {
        parameters.push(header::DispositionParam::FilenameExt(header::ExtendedValue {
            charset: header::Charset::Ext("UTF-8".into()),
            language_tag: None,
            value: clean.into_bytes(),
        }));
    }
    header::ContentDisposition { disposition, parameters }
}

/// A PDF as a download: its type, its file name, and its number in `Baoxiu-Document-Number`.
pub fn pdf_response(issued: Issued) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header(content_disposition(header::DispositionType::Attachment, &issued.filename))
        .insert_header(("Baoxiu-Document-Number", issued.number))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(issued.pdf)
}

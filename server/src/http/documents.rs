//! The fund's documents as the formats people read: the deposit certificate and a building's
//! yearly statement as zh-CN pages (Art. 15, 28, templates under `server/templates/documents`),
//! statements and the journal as CSV. The API and the console serve the same documents.

use actix_web::http::header::DispositionType;
use actix_web::HttpResponse;
use askama::Template;

use crate::error::{AppError, AppResult};
use crate::service::fund::{CertificateView, JournalLine, YearStatement};

#[derive(Template)]
#[template(path = "documents/certificate.html")]
struct CertificatePage<'a> {
    c: &'a CertificateView,
    paid: String,
}

/// The deposit certificate 物业质量保修金交存证明 as a printable zh-CN page (Art. 15).
pub fn certificate_page(c: &CertificateView) -> HttpResponse {
    let paid = c.paid_on.map(|d| d.format("%Y年%m月%d日").to_string()).unwrap_or_default();
    document(&CertificatePage { c, paid })
}

#[derive(Template)]
#[template(path = "documents/statement.html")]
struct StatementPage<'a> {
    st: &'a YearStatement,
}

/// A document page: no script, no style from elsewhere, nothing framed.
fn document(page: &impl Template) -> HttpResponse {
    match page.render() {
        Ok(body) => HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .insert_header(("content-security-policy", "default-src 'none'"))
            .body(body),
        Err(e) => {
            tracing::error!(error = %e, "document did not render");
            HttpResponse::InternalServerError().finish()
        }
    }
}

pub fn csv_of(rows: &[YearStatement]) -> AppResult<HttpResponse> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record([
        "楼栋编号",
        "小区",
        "楼栋",
        "年度",
        "期初余额",
        "交存",
        "利息",
        "使用",
        "退还",
        "期末余额",
    ])
    .map_err(AppError::internal)?;
    for r in rows {
        out.write_record([
            r.building_id.clone(),
            r.estate.clone(),
            r.building.clone(),
            r.year.to_string(),
            r.opening_balance.to_string(),
            r.deposits.to_string(),
            r.interest.to_string(),
            r.uses.to_string(),
            r.refunds.to_string(),
            r.closing_balance.to_string(),
        ])
        .map_err(AppError::internal)?;
    }
    let bytes = out.into_inner().map_err(AppError::internal)?;
    Ok(HttpResponse::Ok().content_type("text/csv; charset=utf-8").body(bytes))
}

/// A building's yearly statement as a zh-CN page owners can read (Art. 28).
pub fn html_of(st: &YearStatement) -> HttpResponse {
    document(&StatementPage { st })
}

/// The journal for accountants, one entry a line.
pub fn journal_csv(rows: Vec<JournalLine>, file_name: &str) -> AppResult<HttpResponse> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record([
        "entry_id",
        "entry_date",
        "jurisdiction",
        "building_id",
        "category",
        "kind",
        "amount",
        "claim_id",
        "reverses_id",
        "reason",
    ])
    .map_err(AppError::internal)?;
    for JournalLine { jurisdiction, building_id, entry: r } in rows {
        out.write_record([
            r.id,
            r.entry_date.to_string(),
            jurisdiction,
            building_id,
            r.category.to_string(),
            r.kind.to_string(),
            r.amount.to_string(),
            r.claim_id.unwrap_or_default(),
            r.reverses_id.unwrap_or_default(),
            r.reason,
        ])
        .map_err(AppError::internal)?;
    }
    let bytes = out.into_inner().map_err(AppError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(super::content_disposition(DispositionType::Attachment, file_name))
        .body(bytes))
}

/// A table as CSV for a spreadsheet: its header and rows. A cell a spreadsheet would read as a
/// formula (`=`, `+`, `-`, `@`, a tab or a carriage return first) is kept as text with a leading
/// apostrophe, so that a name typed into the registry cannot run in the reader's spreadsheet;
/// numbers, which may be negative, are written as they are.
pub fn table_csv(header: &[&str], rows: Vec<Vec<String>>, file_name: &str) -> AppResult<HttpResponse> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(header).map_err(AppError::internal)?;
    for row in rows {
        out.write_record(row.iter().map(|cell| guarded(cell).into_owned())).map_err(AppError::internal)?;
    }
    let bytes = out.into_inner().map_err(AppError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(super::content_disposition(DispositionType::Attachment, file_name))
        .body(bytes))
}

fn guarded(cell: &str) -> std::borrow::Cow<'_, str> {
    let number = cell.parse::<f64>().is_ok();
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') if !number => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_cell_a_spreadsheet_would_run_is_kept_as_text_and_numbers_stay_numbers() {
        assert_eq!(super::guarded("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(super::guarded("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(super::guarded("-12.50"), "-12.50");
        assert_eq!(super::guarded("1号楼"), "1号楼");
    }
}

//! The fund's documents as the formats people read: the deposit certificate and a building's
//! yearly statement as zh-CN pages (Art. 15, 28), statements and the journal as CSV.

use actix_web::http::header::DispositionType;
use actix_web::HttpResponse;
use baoxiu_sync_protocol::Money;

use crate::error::{AppError, AppResult};
use crate::service::fund::{CertificateView, JournalLine, YearStatement};

/// The deposit certificate 物业质量保修金交存证明 as a printable zh-CN page (Art. 15).
pub fn certificate_page(c: &CertificateView) -> HttpResponse {
    let e = |s: &str| html_escape::encode_text(s).to_string();
    let paid = c.paid_on.map(|d| d.format("%Y年%m月%d日").to_string()).unwrap_or_default();
    let body = format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>物业质量保修金交存证明 {number}</title></head><body>\
         <h1>物业质量保修金交存证明</h1><p>编号：{number}</p>\
         <p>{estate}{building}已按《山东省物业质量保修金管理办法（试行）》足额交存物业质量保修金人民币{amount}元，交存日期{paid}。</p>\
         <p>状态：{status}</p><p>可凭编号在本系统核验。</p></body></html>",
        number = e(&c.certificate_number),
        estate = e(&c.estate),
        building = e(&c.building),
        amount = c.amount,
        paid = paid,
        status = if c.valid { "有效" } else { "无效" },
    );
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("content-security-policy", "default-src 'none'"))
        .body(body)
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

pub fn html_of(st: &YearStatement) -> HttpResponse {
    let e = |s: &str| html_escape::encode_text(s).to_string();
    let row = |label: &str, amount: Money| format!("<tr><th>{label}</th><td>¥{amount}</td></tr>");
    let body = format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <title>{estate}{building} {year}年度物业质量保修金公示</title></head><body>\
         <h1>{estate}{building}</h1><h2>{year}年度物业质量保修金交存、使用、退还情况公示</h2><table>{rows}</table>\
         <p>依据《山东省物业质量保修金管理办法（试行）》第二十八条公示。</p></body></html>",
        estate = e(&st.estate),
        building = e(&st.building),
        year = st.year,
        rows = [
            row("期初余额", st.opening_balance),
            row("本年交存（含滞纳金）", st.deposits),
            row("本年利息", st.interest),
            row("本年使用", st.uses),
            row("本年退还", st.refunds),
            row("期末余额", st.closing_balance),
        ]
        .concat()
    );
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("content-security-policy", "default-src 'none'"))
        .body(body)
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

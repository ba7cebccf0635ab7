//! The warranty fund: deposit notices, the developer's objection, the bureau's re-check, payments
//! with late fees, deposit certificates, and each building's balances and journal.

use actix_web::{get, post, web, HttpResponse};
use baoxiu_sync_protocol::Money;
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::{parse_id, text, utc};
use crate::auth::{AuthUser, DeveloperStaff, Reviewer};
use crate::db::accounts::{new_id, now};
use crate::db::fund::{self as db, NoticeRow, PaymentRow, Posting};
use crate::db::notify::{self, Notify};
use crate::db::registry::{self as reg, BuildingRow};
use crate::db::{files as files_db, DbConnection};
use crate::domain::coverage::{self, BuildingWarranty, SeasonSettings, WarrantyCategory};
use crate::domain::deadlines::{self, shanghai_date, Clock};
use crate::domain::deposit::{self, AwardLevel, Certification, Reductions};
use crate::domain::ledger::{self, EntryKind, SHARE_CATEGORIES};
use crate::domain::registry::{BuildingClass, Role};
use crate::domain::{fund, periods};
use crate::error::{AppError, AppResult};
use crate::messages::{Code, Notice};
use crate::service::policy;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(notify_deposit)
        .service(get_notice)
        .service(object_to_notice)
        .service(recheck)
        .service(record_payment)
        .service(verify_certificate)
        .service(building_fund)
        .service(run_interest)
        .service(place_hold)
        .service(lift_hold)
        .service(refund)
        .service(publish)
        .service(publication)
        .service(jurisdiction_publication)
        .service(export_journal)
        .service(reverse_entry)
        .service(usage_notice)
        .service(award_refund);
}

/// The reductions a reviewer approves (Art. 9), as the wire carries them.
#[derive(Deserialize, Serialize, ToSchema, Clone, Copy, Default)]
#[serde(deny_unknown_fields)]
pub struct ReductionsInput {
    /// (i) Engineering quality liability insurance: no deposit.
    #[serde(default)]
    pub insured: bool,
    /// (ii) `3a`, `2a` or `1a`.
    #[schema(value_type = Option<String>)]
    pub certification: Option<Certification>,
    /// (iii) `national`, `provincial` or `municipal`; refunded after the award.
    #[schema(value_type = Option<String>)]
    pub award: Option<AwardLevel>,
    /// (iv) At most 1 percentage point, as a decimal string.
    #[schema(value_type = Option<String>)]
    pub credit_points: Option<Decimal>,
}

impl ReductionsInput {
    fn domain(self) -> Reductions {
        Reductions {
            insured: self.insured,
            certification: self.certification,
            award: self.award,
            credit_points: self.credit_points.unwrap_or(Decimal::ZERO),
        }
    }

    /// The evidence kinds the reductions need (Art. 9: each reduction rests on a document).
    fn required_evidence(self) -> Vec<&'static str> {
        let mut kinds = Vec::new();
        if self.insured {
            kinds.push("insurance_policy");
        }
        if self.certification.is_some() {
            kinds.push("performance_certificate");
        }
        if self.award.is_some() {
            kinds.push("award");
        }
        if self.credit_points.is_some_and(|p| p > Decimal::ZERO) {
            kinds.push("credit_rating");
        }
        kinds
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvidenceInput {
    pub id: String,
    /// insurance_policy, performance_certificate, award or credit_rating.
    pub kind: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DepositNoticeRequest {
    /// The base: the building's construction and installation cost unless the bureau uses its
    /// published average for the building type (Art. 10).
    #[schema(value_type = Option<String>)]
    pub cost: Option<Money>,
    #[serde(default)]
    pub reductions: ReductionsInput,
    /// Pay by this date, before hand-over (Art. 12).
    pub due_on: NaiveDate,
    #[serde(default)]
    pub evidence: Vec<EvidenceInput>,
}

#[derive(Serialize, ToSchema)]
pub struct PaymentView {
    #[schema(value_type = String)]
    pub amount: Money,
    pub paid_on: NaiveDate,
    pub bank_reference: String,
    #[schema(value_type = String)]
    pub late_fee: Money,
}

#[derive(Serialize, ToSchema)]
pub struct NoticeView {
    pub id: String,
    pub building_id: String,
    pub status: String,
    #[schema(value_type = String)]
    pub cost: Money,
    pub class: BuildingClass,
    /// The rate applied, in percent.
    pub rate: String,
    pub reductions: serde_json::Value,
    #[schema(value_type = String)]
    pub amount: Money,
    pub due_on: NaiveDate,
    pub notified_at: DateTime<Utc>,
    /// The developer may object until this day (Art. 11).
    pub objection_due_on: NaiveDate,
    pub objection: Option<String>,
    pub recheck_note: Option<String>,
    #[schema(value_type = String)]
    pub paid: Money,
    #[schema(value_type = String)]
    pub outstanding: Money,
    /// Late fees charged with payments so far (Art. 16).
    #[schema(value_type = String)]
    pub late_fee_charged: Money,
    /// The late fee accrued on the unpaid part as of today, not yet charged (Art. 16).
    #[schema(value_type = String)]
    pub late_fee_accruing: Money,
    pub certificate_number: Option<String>,
    pub payments: Vec<PaymentView>,
    pub evidence: Vec<EvidenceRef>,
    pub version: i32,
}

#[derive(Serialize, ToSchema)]
pub struct EvidenceRef {
    pub id: String,
    pub kind: String,
}

fn notice_view(conn: &mut DbConnection, row: NoticeRow) -> AppResult<NoticeView> {
    let payments = db::payments_of(conn, &row.id)?;
    let evidence = db::evidence_of(conn, &row.id)?;
    let today = shanghai_date(Utc::now());
    let paid: Vec<(NaiveDate, Money)> =
        payments.iter().map(|p| (p.paid_on, Money::from_fen(p.amount_fen))).collect();
    let accrued = deposit::late_fee(Money::from_fen(row.amount_fen), row.due_on, &paid, today)
        .map_err(AppError::internal)?;
    let accruing = accrued - Money::from_fen(row.late_fee_fen);
    Ok(NoticeView {
        id: row.id,
        building_id: row.building_id,
        status: row.status,
        cost: Money::from_fen(row.cost_fen),
        class: row.class.parse().map_err(AppError::internal)?,
        rate: row.rate,
        reductions: serde_json::from_str(&row.reductions).unwrap_or(serde_json::Value::Null),
        amount: Money::from_fen(row.amount_fen),
        due_on: row.due_on,
        notified_at: utc(row.notified_at),
        objection_due_on: row.objection_due_on,
        objection: row.objection,
        recheck_note: row.recheck_note,
        paid: Money::from_fen(row.paid_fen),
        outstanding: Money::from_fen(row.amount_fen - row.paid_fen),
        late_fee_charged: Money::from_fen(row.late_fee_fen),
        late_fee_accruing: if accruing.is_negative() { Money::ZERO } else { accruing },
        certificate_number: row.certificate_number,
        payments: payments
            .into_iter()
            .map(|p| PaymentView {
                amount: Money::from_fen(p.amount_fen),
                paid_on: p.paid_on,
                bank_reference: p.bank_reference,
                late_fee: Money::from_fen(p.late_fee_fen),
            })
            .collect(),
        evidence: evidence.into_iter().map(|(id, kind)| EvidenceRef { id, kind }).collect(),
        version: row.version,
    })
}

fn assess(class: BuildingClass, cost: Money, reductions: ReductionsInput) -> AppResult<deposit::Assessment> {
    deposit::assess(class, cost, &reductions.domain())
        .map_err(|e| AppError::invalid("reductions").detail(e.article().to_string()))
}

/// The bureau notifies the developer of the deposit a building owes (Art. 8-10, 12). One per
/// building; the developer may object within 7 days (Art. 11).
#[utoipa::path(tag = "fund", params(("id" = String, Path)), request_body = DepositNoticeRequest, responses((status = 201, body = NoticeView), (status = 409, description = "already_exists")), security(("bearer" = [])))]
#[post("/buildings/{id}/deposit-notice")]
async fn notify_deposit(
    state: web::Data<AppState>,
    reviewer: Reviewer,
    id: web::Path<String>,
    body: web::Json<DepositNoticeRequest>,
) -> AppResult<HttpResponse> {
    let building_id = parse_id(&id)?;
    let req = body.into_inner();
    let evidence: Vec<(String, String)> =
        req.evidence.iter().map(|e| Ok((parse_id(&e.id)?, e.kind.clone()))).collect::<AppResult<_>>()?;
    for needed in req.reductions.required_evidence() {
        if !evidence.iter().any(|(_, kind)| kind == needed) {
            return Err(AppError::invalid("evidence").detail(format!("{needed} (Art. 9)")));
        }
    }
    if evidence.iter().any(|(_, k)| {
        !matches!(k.as_str(), "insurance_policy" | "performance_certificate" | "award" | "credit_rating")
    }) {
        return Err(AppError::invalid("evidence.kind"));
    }
    let rules = state.rules.clone();
    let user = reviewer.0;
    let view = state
        .db
        .write(move |conn| {
            let (building, jurisdiction, developer_id) = policy::building_in_scope(conn, &user, &building_id)?;
            let class: BuildingClass = building.class.parse().map_err(AppError::internal)?;
            let cost = req.cost.unwrap_or(Money::from_fen(building.construction_cost_fen));
            let assessment = assess(class, cost, req.reductions)?;
            let notified_at = now();
            let objection = deadlines::due(Clock::DepositObjection, notified_at.and_utc(), rules.day_count, &rules.calendar)
                .map_err(AppError::internal)?;
            let row = NoticeRow {
                id: new_id(),
                building_id: building.id.clone(),
                jurisdiction,
                developer_id: developer_id.clone(),
                cost_fen: cost.to_fen(),
                class: class.as_str().into(),
                rate: assessment.rate.normalize().to_string(),
                reductions: serde_json::to_string(&req.reductions).map_err(AppError::internal)?,
                amount_fen: assessment.amount.to_fen(),
                due_on: req.due_on,
                notified_at,
                objection_due_on: objection.due_on,
                status: "notified".into(),
                objection: None,
                objected_at: None,
                recheck_note: None,
                rechecked_at: None,
                paid_fen: 0,
                late_fee_fen: 0,
                certificate_number: None,
                version: 1,
            };
            files_db::require_own_files(conn, &user.id, evidence.iter().map(|(id, _)| id))?;
            db::insert_notice(conn, &row, &evidence)?;
            let developers = notify::members_of(conn, &developer_id)?;
            notify::notify(
                conn,
                &developers,
                &Notify {
                    notice: Notice::DepositNotified,
                    claim_id: None,
                    work_order_id: None,
                    key: &row.id,
                    params: json!({"building_id": row.building_id, "amount": assessment.amount, "due_on": row.due_on}),
                },
            )?;
            notice_view(conn, row)
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// A building's deposit notice with its payments and the late fee accruing today.
#[utoipa::path(tag = "fund", params(("id" = String, Path)), responses((status = 200, body = NoticeView), (status = 404)), security(("bearer" = [])))]
#[get("/buildings/{id}/deposit-notice")]
async fn get_notice(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> AppResult<web::Json<NoticeView>> {
    let building_id = parse_id(&id)?;
    let view = state
        .db
        .read(move |conn| {
            policy::building_in_scope(conn, &user, &building_id)?;
            let row = db::notice_of(conn, &building_id)?.ok_or(AppError::new(Code::NotFound))?;
            notice_view(conn, row)
        })
        .await?;
    Ok(web::Json(view))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ObjectionRequest {
    pub reason: String,
}

/// The developer objects to the notified amount, within 7 days of the notice (Art. 11).
#[utoipa::path(tag = "fund", params(("id" = String, Path)), request_body = ObjectionRequest, responses((status = 200, body = NoticeView), (status = 409, description = "objection_period_over")), security(("bearer" = [])))]
#[post("/buildings/{id}/deposit-notice/objection")]
async fn object_to_notice(
    state: web::Data<AppState>,
    developer: DeveloperStaff,
    id: web::Path<String>,
    body: web::Json<ObjectionRequest>,
) -> AppResult<web::Json<NoticeView>> {
    let building_id = parse_id(&id)?;
    let reason = text(&body.reason, "reason", 4000)?;
    let user = developer.0;
    let view = state
        .db
        .write(move |conn| {
            policy::building_in_scope(conn, &user, &building_id)?;
            let mut row = db::notice_of(conn, &building_id)?.ok_or(AppError::new(Code::NotFound))?;
            if row.status != "notified" {
                return Err(AppError::new(Code::StepOutOfOrder).detail("Art. 11"));
            }
            if shanghai_date(Utc::now()) > row.objection_due_on {
                return Err(AppError::new(Code::ObjectionPeriodOver).detail(row.objection_due_on.to_string()));
            }
            row.status = "objected".into();
            row.objection = Some(reason);
            row.objected_at = Some(now());
            db::save_notice(conn, &mut row)?;
            notice_view(conn, row)
        })
        .await?;
    Ok(web::Json(view))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecheckRequest {
    pub version: Option<i32>,
    /// Keep the notified amount, or correct it with new reductions or a new cost.
    pub corrected: bool,
    #[schema(value_type = Option<String>)]
    pub cost: Option<Money>,
    pub reductions: Option<ReductionsInput>,
    pub note: String,
}

/// The bureau re-checks an objected notice and confirms or corrects it (Art. 11).
#[utoipa::path(tag = "fund", params(("id" = String, Path)), request_body = RecheckRequest, responses((status = 200, body = NoticeView)), security(("bearer" = [])))]
#[post("/buildings/{id}/deposit-notice/recheck")]
async fn recheck(
    state: web::Data<AppState>,
    reviewer: Reviewer,
    id: web::Path<String>,
    body: web::Json<RecheckRequest>,
) -> AppResult<web::Json<NoticeView>> {
    let building_id = parse_id(&id)?;
    let req = body.into_inner();
    let note = text(&req.note, "note", 4000)?;
    let user = reviewer.0;
    let view = state
        .db
        .write(move |conn| {
            policy::building_in_scope(conn, &user, &building_id)?;
            let mut row = db::notice_of(conn, &building_id)?.ok_or(AppError::new(Code::NotFound))?;
            if req.version.is_some_and(|v| v != row.version) {
                return Err(AppError::new(Code::StaleVersion).detail(row.version.to_string()));
            }
            if row.status != "objected" {
                return Err(AppError::new(Code::StepOutOfOrder).detail("Art. 11"));
            }
            if req.corrected {
                let class: BuildingClass = row.class.parse().map_err(AppError::internal)?;
                let cost = req.cost.unwrap_or(Money::from_fen(row.cost_fen));
                let reductions = match req.reductions {
                    Some(r) => r,
                    None => serde_json::from_str(&row.reductions).map_err(AppError::internal)?,
                };
                let assessment = assess(class, cost, reductions)?;
                row.cost_fen = cost.to_fen();
                row.rate = assessment.rate.normalize().to_string();
                row.reductions = serde_json::to_string(&reductions).map_err(AppError::internal)?;
                row.amount_fen = assessment.amount.to_fen();
            }
            row.status = "confirmed".into();
            row.recheck_note = Some(note);
            row.rechecked_at = Some(now());
            db::save_notice(conn, &mut row)?;
            notice_view(conn, row)
        })
        .await?;
    Ok(web::Json(view))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentRequest {
    #[schema(value_type = String)]
    pub amount: Money,
    pub paid_on: NaiveDate,
    pub bank_reference: String,
}

/// Records a deposit payment. A late payment is charged the late fee on the unpaid part from the
/// day after the due date (Art. 16); deposit and fee enter the journal, shared among the
/// categories. Paid in full, the notice yields a deposit certificate (Art. 15).
#[utoipa::path(tag = "fund", params(("id" = String, Path)), request_body = PaymentRequest, responses((status = 200, body = NoticeView)), security(("bearer" = [])))]
#[post("/buildings/{id}/deposit-payments")]
async fn record_payment(
    state: web::Data<AppState>,
    reviewer: Reviewer,
    id: web::Path<String>,
    body: web::Json<PaymentRequest>,
) -> AppResult<web::Json<NoticeView>> {
    let building_id = parse_id(&id)?;
    let req = body.into_inner();
    let bank_reference = text(&req.bank_reference, "bank_reference", 100)?;
    if req.amount.is_negative() || req.amount == Money::ZERO {
        return Err(AppError::invalid("amount"));
    }
    if req.paid_on > shanghai_date(Utc::now()) {
        return Err(AppError::invalid("paid_on"));
    }
    let user = reviewer.0;
    let view = state
        .db
        .write(move |conn| {
            policy::building_in_scope(conn, &user, &building_id)?;
            let mut row = db::notice_of(conn, &building_id)?.ok_or(AppError::new(Code::NotFound))?;
            if row.status == "objected" {
                return Err(AppError::new(Code::StepOutOfOrder).detail("Art. 11"));
            }
            if req.amount.to_fen() > row.amount_fen - row.paid_fen {
                return Err(AppError::new(Code::PaymentExceedsOutstanding)
                    .detail(Money::from_fen(row.amount_fen - row.paid_fen).to_string()));
            }
            let earlier = db::payments_of(conn, &row.id)?;
            if earlier.iter().any(|p| p.paid_on > req.paid_on) {
                return Err(AppError::invalid("paid_on").detail("before an earlier payment"));
            }
            let mut paid: Vec<(NaiveDate, Money)> =
                earlier.iter().map(|p| (p.paid_on, Money::from_fen(p.amount_fen))).collect();
            paid.push((req.paid_on, req.amount));
            let fee_to_date =
                deposit::late_fee(Money::from_fen(row.amount_fen), row.due_on, &paid, req.paid_on)
                    .map_err(AppError::internal)?;
            let fee = fee_to_date - Money::from_fen(row.late_fee_fen);
            let fee = if fee.is_negative() { Money::ZERO } else { fee };
            db::insert_payment(
                conn,
                &PaymentRow {
                    id: new_id(),
                    notice_id: row.id.clone(),
                    amount_fen: req.amount.to_fen(),
                    paid_on: req.paid_on,
                    bank_reference: bank_reference.clone(),
                    late_fee_fen: fee.to_fen(),
                    recorded_by: user.id.clone(),
                    recorded_at: now(),
                },
            )?;
            let posting = |kind, reason| Posting {
                jurisdiction: &row.jurisdiction,
                building_id: &row.building_id,
                kind,
                entry_date: req.paid_on,
                claim_id: None,
                reason,
                recorded_by: &user.id,
            };
            db::post(conn, &posting(EntryKind::Deposit, "deposit (Art. 12)"), &ledger::shares(req.amount))?;
            db::post(conn, &posting(EntryKind::LateFee, "late fee (Art. 16)"), &ledger::shares(fee))?;
            row.paid_fen += req.amount.to_fen();
            row.late_fee_fen += fee.to_fen();
            if row.paid_fen == row.amount_fen {
                row.status = "paid".into();
                row.certificate_number = Some(certificate_number(&row.jurisdiction, req.paid_on));
            }
            db::save_notice(conn, &mut row)?;
            notice_view(conn, row)
        })
        .await?;
    Ok(web::Json(view))
}

/// A deposit certificate number 交存证明编号: jurisdiction, year, and 48 random bits, so numbers can be
/// printed on paper and checked, but not guessed.
fn certificate_number(jurisdiction: &str, paid_on: NaiveDate) -> String {
    let random: u64 = rand::random();
    format!("BXJ-{jurisdiction}-{}-{:012X}", chrono::Datelike::year(&paid_on), random & 0xFFFF_FFFF_FFFF)
}

#[derive(Serialize, ToSchema)]
pub struct CertificateView {
    pub certificate_number: String,
    pub estate: String,
    pub building: String,
    #[schema(value_type = String)]
    pub amount: Money,
    pub paid_on: Option<NaiveDate>,
    pub valid: bool,
}

/// Checks a deposit certificate by its number (Art. 15): anyone holding one may verify it, so no
/// sign-in is needed; only what is printed on the certificate is returned.
#[utoipa::path(tag = "fund", params(("number" = String, Path), FormatQuery), responses((status = 200, body = CertificateView), (status = 404)))]
#[get("/deposit-certificates/{number}")]
async fn verify_certificate(
    state: web::Data<AppState>,
    number: web::Path<String>,
    query: web::Query<FormatQuery>,
) -> AppResult<HttpResponse> {
    let number = number.into_inner();
    if number.len() > 64 || !number.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(AppError::new(Code::NotFound));
    }
    let view = state
        .db
        .read(move |conn| {
            let row = db::notice_by_certificate(conn, &number)?.ok_or(AppError::new(Code::NotFound))?;
            let (building, _) = reg::find_building(conn, &reg::Scope::All, &row.building_id)?;
            let estate = reg::find_estate(conn, &reg::Scope::All, &building.estate_id)?;
            let paid_on = db::payments_of(conn, &row.id)?.last().map(|p| p.paid_on);
            Ok(CertificateView {
                certificate_number: number,
                estate: estate.name,
                building: building.name,
                amount: Money::from_fen(row.amount_fen),
                paid_on,
                valid: row.status == "paid",
            })
        })
        .await?;
    match query.format.as_deref() {
        None | Some("json") => Ok(HttpResponse::Ok().json(view)),
        Some("html") => Ok(certificate_page(&view)),
        Some(_) => Err(AppError::invalid("format")),
    }
}

/// The deposit certificate 物业质量保修金交存证明 as a printable zh-CN page (Art. 15).
fn certificate_page(c: &CertificateView) -> HttpResponse {
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

#[derive(Serialize, ToSchema)]
pub struct CategoryBalance {
    pub category: String,
    #[schema(value_type = String)]
    pub deposits: Money,
    #[schema(value_type = String)]
    pub interest: Money,
    #[schema(value_type = String)]
    pub late_fees: Money,
    #[schema(value_type = String)]
    pub payouts: Money,
    #[schema(value_type = String)]
    pub refunds: Money,
    #[schema(value_type = String)]
    pub award_refunds: Money,
    #[schema(value_type = String)]
    pub balance: Money,
    /// The last day of this category's warranty, or of the 5-year custody if sooner (Art. 27, 29).
    pub refundable_after: Option<NaiveDate>,
    /// The refund falls due within 30 days after that (Art. 29).
    pub refund_due_on: Option<NaiveDate>,
    /// A hold for an unresolved serious defect blocks the refund (Art. 30).
    pub on_hold: bool,
}

#[derive(Serialize, ToSchema)]
pub struct JournalEntryView {
    pub id: String,
    pub category: String,
    pub kind: String,
    /// Signed: positive into the fund.
    #[schema(value_type = String)]
    pub amount: Money,
    pub entry_date: NaiveDate,
    pub claim_id: Option<String>,
    pub reverses_id: Option<String>,
    pub reason: String,
}

impl From<db::JournalRow> for JournalEntryView {
    fn from(r: db::JournalRow) -> Self {
        JournalEntryView {
            id: r.id,
            category: r.category,
            kind: r.kind,
            amount: Money::from_fen(r.amount_fen),
            entry_date: r.entry_date,
            claim_id: r.claim_id,
            reverses_id: r.reverses_id,
            reason: r.reason,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct HoldView {
    pub id: String,
    pub category: String,
    pub reason: String,
    pub placed_at: DateTime<Utc>,
    pub lifted_at: Option<DateTime<Utc>>,
    pub lift_reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct BuildingFund {
    pub building_id: String,
    #[schema(value_type = String)]
    pub balance: Money,
    /// The fund is kept at most 5 years from the deposit (Art. 27).
    pub custody_until: Option<NaiveDate>,
    pub custody_overdue: bool,
    pub categories: Vec<CategoryBalance>,
    pub holds: Vec<HoldView>,
    pub journal: Vec<JournalEntryView>,
}

fn fund_view(
    conn: &mut DbConnection,
    building: &BuildingRow,
    building_id: String,
) -> AppResult<BuildingFund> {
    let rows = db::entries_of(conn, &building_id)?;
    let entries = rows.iter().map(|r| r.entry()).collect::<AppResult<Vec<_>>>()?;
    let holds = db::holds_of(conn, &building_id)?;
    let mut categories = Vec::new();
    for category in SHARE_CATEGORIES {
        let b = ledger::balance(entries.iter().filter(|e| e.category == category));
        let window = refund_window(conn, building, category)?;
        categories.push(CategoryBalance {
            category: category.as_str().into(),
            deposits: b.deposits,
            interest: b.interest,
            late_fees: b.late_fees,
            payouts: b.payouts,
            refunds: b.refunds,
            award_refunds: b.award_refunds,
            balance: b.balance,
            refundable_after: window.map(|w| w.0),
            refund_due_on: window.map(|w| w.1),
            on_hold: holds.iter().any(|h| h.category == category.as_str() && h.lifted_at.is_none()),
        });
    }
    let custody_until = db::first_deposit_date(conn, &building_id)?.and_then(|d| periods::years_after(d, 5));
    let total = ledger::balance(&entries).balance;
    Ok(BuildingFund {
        balance: total,
        custody_until,
        custody_overdue: custody_until.is_some_and(|c| shanghai_date(Utc::now()) > c && total > Money::ZERO),
        building_id,
        categories,
        holds: holds
            .into_iter()
            .map(|h| HoldView {
                id: h.id,
                category: h.category,
                reason: h.reason,
                placed_at: utc(h.placed_at),
                lifted_at: h.lifted_at.map(utc),
                lift_reason: h.lift_reason,
            })
            .collect(),
        journal: rows.into_iter().map(JournalEntryView::from).collect(),
    })
}

/// A building's fund: balances per category derived from its journal, refund dates, holds, the
/// custody limit, and the journal itself.
#[utoipa::path(tag = "fund", params(("id" = String, Path)), responses((status = 200, body = BuildingFund)), security(("bearer" = [])))]
#[get("/buildings/{id}/fund")]
async fn building_fund(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> AppResult<web::Json<BuildingFund>> {
    let building_id = parse_id(&id)?;
    let view = state
        .db
        .read(move |conn| {
            let (building, _, _) = policy::building_in_scope(conn, &user, &building_id)?;
            fund_view(conn, &building, building_id)
        })
        .await?;
    Ok(web::Json(view))
}

// ---- interest (Art. 27) ----

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InterestRunRequest {
    /// First day of the period.
    pub period_from: NaiveDate,
    /// The day after the last day of the period (the period is `[from, to)`).
    pub period_to: NaiveDate,
    /// The jurisdiction; default the reviewer's own (when they have one).
    pub jurisdiction: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct InterestRunView {
    pub id: String,
    pub jurisdiction: String,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    #[schema(value_type = String)]
    pub total: Money,
    /// False when this exact period had been posted before and nothing was posted now.
    pub posted_now: bool,
}

fn reviewer_jurisdiction(conn: &mut DbConnection, user: &AuthUser, asked: Option<&str>) -> AppResult<String> {
    let mine = reg::reviewer_jurisdictions(conn, &user.id)?;
    match asked {
        Some(j) if mine.iter().any(|m| m == j) => Ok(j.to_string()),
        Some(_) => Err(AppError::new(Code::OutsideJurisdiction)),
        None => mine.into_iter().next().ok_or(AppError::new(Code::OutsideJurisdiction)),
    }
}

/// Posts interest for a period on every building and category of a jurisdiction, on each day's
/// balance at the demand-deposit rate then in force, actual/360 (Art. 27). Re-running the same
/// period posts nothing again; a period overlapping one already posted is refused.
#[utoipa::path(tag = "fund", request_body = InterestRunRequest, responses((status = 200, body = InterestRunView), (status = 409, description = "interest_period_overlaps")), security(("bearer" = [])))]
#[post("/fund/interest-runs")]
async fn run_interest(
    state: web::Data<AppState>,
    reviewer: Reviewer,
    body: web::Json<InterestRunRequest>,
) -> AppResult<web::Json<InterestRunView>> {
    let req = body.into_inner();
    if req.period_to <= req.period_from
        || req.period_to > shanghai_date(Utc::now()) + chrono::Duration::days(1)
    {
        return Err(AppError::invalid("period_to"));
    }
    let rates = state.rules.rates.clone();
    let user = reviewer.0;
    let view = state
        .db
        .write(move |conn| {
            let jurisdiction = reviewer_jurisdiction(conn, &user, req.jurisdiction.as_deref())?;
            let outcome =
                db::post_interest(conn, &jurisdiction, req.period_from, req.period_to, &rates, &user.id)?;
            Ok(InterestRunView {
                id: outcome.run.id,
                jurisdiction,
                period_from: outcome.run.period_from,
                period_to: outcome.run.period_to,
                total: Money::from_fen(outcome.run.total_fen),
                posted_now: outcome.posted_now,
            })
        })
        .await?;
    Ok(web::Json(view))
}

// ---- refunds and holds (Art. 29, 30) ----

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HoldRequest {
    /// The warranty category whose refund is held.
    #[schema(value_type = String)]
    pub category: WarrantyCategory,
    pub reason: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LiftRequest {
    pub reason: String,
}

/// Holds a category's refund while a serious, repeatedly repaired defect still impairs use (Art. 30).
#[utoipa::path(tag = "fund", params(("id" = String, Path)), request_body = HoldRequest, responses((status = 201)), security(("bearer" = [])))]
#[post("/buildings/{id}/holds")]
async fn place_hold(
    state: web::Data<AppState>,
    reviewer: Reviewer,
    id: web::Path<String>,
    body: web::Json<HoldRequest>,
) -> AppResult<HttpResponse> {
    let building_id = parse_id(&id)?;
    let reason = text(&body.reason, "reason", 2000)?;
    let category = body.category;
    let user = reviewer.0;
    let hold = state
        .db
        .write(move |conn| {
            policy::building_in_scope(conn, &user, &building_id)?;
            db::place_hold(conn, &building_id, category.as_str(), &reason, &user.id)
        })
        .await?;
    Ok(HttpResponse::Created().json(json!({"id": hold})))
}

/// Lifts a hold, with the reason (the defect is repaired).
#[utoipa::path(tag = "fund", params(("id" = String, Path), ("hold" = String, Path)), request_body = LiftRequest, responses((status = 204)), security(("bearer" = [])))]
#[post("/buildings/{id}/holds/{hold}/lift")]
async fn lift_hold(
    state: web::Data<AppState>,
    reviewer: Reviewer,
    path: web::Path<(String, String)>,
    body: web::Json<LiftRequest>,
) -> AppResult<HttpResponse> {
    let (building, hold) = path.into_inner();
    let (building_id, hold_id) = (parse_id(&building)?, parse_id(&hold)?);
    let reason = text(&body.reason, "reason", 2000)?;
    let user = reviewer.0;
    state
        .db
        .write(move |conn| {
            policy::building_in_scope(conn, &user, &building_id)?;
            db::lift_hold(conn, &building_id, &hold_id, &reason, &user.id)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundRequest {
    #[schema(value_type = String)]
    pub category: WarrantyCategory,
    pub paid_on: NaiveDate,
    pub bank_reference: String,
}

/// When a category's refund may be paid: after its warranty expires, or after the 5-year custody
/// limit, whichever comes first (Art. 27, 29).
fn refund_window(
    conn: &mut DbConnection,
    building: &BuildingRow,
    category: WarrantyCategory,
) -> AppResult<Option<(NaiveDate, NaiveDate)>> {
    let Some(handover) = building.handover_date else { return Ok(None) };
    let warranty = BuildingWarranty {
        handover,
        design_life_years: u32::try_from(building.design_life_years).unwrap_or(0),
        contract: Default::default(),
    };
    let expiry =
        coverage::warranty_until(category, &warranty, &SeasonSettings::default()).map(|c| c.last_day).ok();
    let custody = db::first_deposit_date(conn, &building.id)?.and_then(|d| periods::years_after(d, 5));
    let last_day = match (expiry, custody) {
        (Some(e), Some(c)) => e.min(c),
        (e, c) => match e.or(c) {
            Some(d) => d,
            None => return Ok(None),
        },
    };
    let due = periods::days_after(last_day, 30).unwrap_or(last_day);
    Ok(Some((last_day, due)))
}

/// Refunds a category's balance to the developer once its warranty has expired, unless held
/// (Art. 29-30): its share of principal plus interest, less what was paid out of it.
#[utoipa::path(tag = "fund", params(("id" = String, Path)), request_body = RefundRequest, responses((status = 200, body = BuildingFund), (status = 409, description = "refund_not_due, refund_on_hold or nothing_to_refund")), security(("bearer" = [])))]
#[post("/buildings/{id}/refunds")]
async fn refund(
    state: web::Data<AppState>,
    reviewer: Reviewer,
    id: web::Path<String>,
    body: web::Json<RefundRequest>,
) -> AppResult<web::Json<BuildingFund>> {
    let building_id = parse_id(&id)?;
    let req = body.into_inner();
    let bank_reference = text(&req.bank_reference, "bank_reference", 100)?;
    let today = shanghai_date(Utc::now());
    if req.paid_on > today {
        return Err(AppError::invalid("paid_on"));
    }
    let user = reviewer.0;
    let view = state
        .db
        .write(move |conn| {
            let (building, jurisdiction, _) = policy::building_in_scope(conn, &user, &building_id)?;
            let (last_day, due) =
                refund_window(conn, &building, req.category)?.ok_or(AppError::new(Code::RefundNotDue))?;
            let held = db::holds_of(conn, &building_id)?
                .iter()
                .any(|h| h.category == req.category.as_str() && h.lifted_at.is_none());
            fund::may_refund(req.paid_on, last_day, due, held).map_err(|e| match e {
                fund::FundError::OnHold => AppError::new(Code::RefundOnHold).detail(e.article().to_string()),
                _ => AppError::new(Code::RefundNotDue).detail(format!("{}: {}", e.article(), last_day)),
            })?;
            let b = db::category_balance(conn, &building_id, req.category)?;
            // Art. 29: the category's share of principal plus interest, less what left it.
            let principal = b.deposits + b.late_fees - b.award_refunds;
            let outcome = fund::refund_amount(principal, b.interest, b.payouts + b.refunds);
            if outcome.amount == Money::ZERO {
                return Err(AppError::new(Code::NothingToRefund));
            }
            let reason = format!("refund (Art. 29) {bank_reference}");
            db::post(
                conn,
                &Posting {
                    jurisdiction: &jurisdiction,
                    building_id: &building_id,
                    kind: EntryKind::Refund,
                    entry_date: req.paid_on,
                    claim_id: None,
                    reason: &reason,
                    recorded_by: &user.id,
                },
                &[(req.category, outcome.amount)],
            )?;
            fund_view(conn, &building, building_id.clone())
        })
        .await?;
    Ok(web::Json(view))
}

// ---- yearly publication (Art. 28) and exports ----

/// One building's year: what came in, what was used, what was refunded, and the balance.
#[derive(Serialize, ToSchema, Clone)]
pub struct YearStatement {
    pub building_id: String,
    pub estate: String,
    pub building: String,
    pub year: i32,
    #[schema(value_type = String)]
    pub opening_balance: Money,
    /// Deposits and late fees received.
    #[schema(value_type = String)]
    pub deposits: Money,
    #[schema(value_type = String)]
    pub interest: Money,
    /// Paid out for repairs.
    #[schema(value_type = String)]
    pub uses: Money,
    /// Returned to the developer: refunds and award refunds.
    #[schema(value_type = String)]
    pub refunds: Money,
    #[schema(value_type = String)]
    pub closing_balance: Money,
}

fn year_bounds(year: i32) -> AppResult<(NaiveDate, NaiveDate)> {
    let from = NaiveDate::from_ymd_opt(year, 1, 1).filter(|_| (2000..=2100).contains(&year));
    let to = NaiveDate::from_ymd_opt(year + 1, 1, 1);
    match (from, to) {
        (Some(f), Some(t)) => Ok((f, t)),
        _ => Err(AppError::new(Code::InvalidId)),
    }
}

/// Folds `(building, kind, total)` sums into statements.
fn statements(
    sums: Vec<(String, String, i64)>,
    year: i32,
    names: &std::collections::HashMap<String, (String, String)>,
) -> Vec<YearStatement> {
    let mut by_building: std::collections::BTreeMap<String, YearStatement> = Default::default();
    for (building, kind, total) in sums {
        let (estate, name) = names.get(&building).cloned().unwrap_or_default();
        let st = by_building.entry(building.clone()).or_insert_with(|| YearStatement {
            building_id: building,
            estate,
            building: name,
            year,
            opening_balance: Money::ZERO,
            deposits: Money::ZERO,
            interest: Money::ZERO,
            uses: Money::ZERO,
            refunds: Money::ZERO,
            closing_balance: Money::ZERO,
        });
        let amount = Money::from_fen(total);
        let kind = kind.strip_prefix("reversal:").unwrap_or(&kind);
        match kind {
            "opening" => st.opening_balance = st.opening_balance + amount,
            "deposit" | "late_fee" => st.deposits = st.deposits + amount,
            "interest" => st.interest = st.interest + amount,
            "payout" => st.uses = st.uses - amount,
            _ => st.refunds = st.refunds - amount,
        }
    }
    let mut out: Vec<YearStatement> = by_building.into_values().collect();
    for st in &mut out {
        st.closing_balance = st.opening_balance + st.deposits + st.interest - st.uses - st.refunds;
    }
    out.sort_by(|a, b| (&a.estate, &a.building).cmp(&(&b.estate, &b.building)));
    out
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FormatQuery {
    /// `json` (default), `csv`, or `html` (a zh-CN page owners can read; building statements only).
    pub format: Option<String>,
}

fn csv_of(rows: &[YearStatement]) -> AppResult<HttpResponse> {
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

fn html_of(st: &YearStatement) -> HttpResponse {
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

/// The bureau publishes a building's year to its owners (Art. 28).
#[utoipa::path(tag = "fund", params(("id" = String, Path), ("year" = i32, Path)), responses((status = 204)), security(("bearer" = [])))]
#[post("/buildings/{id}/publication/{year}/publish")]
async fn publish(
    state: web::Data<AppState>,
    reviewer: Reviewer,
    path: web::Path<(String, i32)>,
) -> AppResult<HttpResponse> {
    let (id, year) = path.into_inner();
    let building_id = parse_id(&id)?;
    year_bounds(year)?;
    let user = reviewer.0;
    state
        .db
        .write(move |conn| {
            policy::building_in_scope(conn, &user, &building_id)?;
            db::publish(conn, &building_id, year, &user.id)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A building's statement for a year: deposits, uses, refunds and balance (Art. 28), as JSON, CSV
/// or a zh-CN page. Owners of the building see it once the bureau has published it.
#[utoipa::path(tag = "fund", params(("id" = String, Path), ("year" = i32, Path), FormatQuery), responses((status = 200, body = YearStatement)), security(("bearer" = [])))]
#[get("/buildings/{id}/publication/{year}")]
async fn publication(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<(String, i32)>,
    query: web::Query<FormatQuery>,
) -> AppResult<HttpResponse> {
    let (id, year) = path.into_inner();
    let building_id = parse_id(&id)?;
    let (from, to) = year_bounds(year)?;
    let statement = state
        .db
        .read(move |conn| {
            let (building, jurisdiction, _) = policy::building_in_scope(conn, &user, &building_id)?;
            if user.role == Role::Owner && !db::is_published(conn, &building_id, year)? {
                return Err(AppError::new(Code::NotFound));
            }
            let estate = reg::find_estate(conn, &reg::Scope::All, &building.estate_id)?;
            let names = std::collections::HashMap::from([(
                building.id.clone(),
                (estate.name, building.name.clone()),
            )]);
            let sums = db::sums(conn, &jurisdiction, Some(&building.id), from, to)?;
            Ok(statements(sums, year, &names).pop().unwrap_or(YearStatement {
                building_id: building.id,
                estate: names.values().next().map(|n| n.0.clone()).unwrap_or_default(),
                building: building.name,
                year,
                opening_balance: Money::ZERO,
                deposits: Money::ZERO,
                interest: Money::ZERO,
                uses: Money::ZERO,
                refunds: Money::ZERO,
                closing_balance: Money::ZERO,
            }))
        })
        .await?;
    match query.format.as_deref() {
        None | Some("json") => Ok(HttpResponse::Ok().json(statement)),
        Some("csv") => csv_of(std::slice::from_ref(&statement)),
        Some("html") => Ok(html_of(&statement)),
        Some(_) => Err(AppError::invalid("format")),
    }
}

/// Every building of the reviewer's jurisdiction for a year (Art. 28), as JSON or CSV.
#[utoipa::path(tag = "fund", params(("year" = i32, Path), FormatQuery), responses((status = 200, body = [YearStatement])), security(("bearer" = [])))]
#[get("/fund/publication/{year}")]
async fn jurisdiction_publication(
    state: web::Data<AppState>,
    reviewer: Reviewer,
    year: web::Path<i32>,
    query: web::Query<FormatQuery>,
) -> AppResult<HttpResponse> {
    let year = year.into_inner();
    let (from, to) = year_bounds(year)?;
    let user = reviewer.0;
    let rows = state
        .db
        .read(move |conn| {
            let jurisdiction = reviewer_jurisdiction(conn, &user, None)?;
            let scope = reg::Scope::Jurisdictions(vec![jurisdiction.clone()]);
            let mut names = std::collections::HashMap::new();
            for estate in reg::list_estates(conn, &scope, i64::MAX, 0)? {
                for b in reg::list_buildings(conn, &scope, &estate.id)? {
                    names.insert(b.id, (estate.name.clone(), b.name));
                }
            }
            let sums = db::sums(conn, &jurisdiction, None, from, to)?;
            Ok(statements(sums, year, &names))
        })
        .await?;
    match query.format.as_deref() {
        None | Some("json") => Ok(HttpResponse::Ok().json(rows)),
        Some("csv") => csv_of(&rows),
        Some(_) => Err(AppError::invalid("format")),
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PeriodQuery {
    /// First day.
    pub from: NaiveDate,
    /// The day after the last day.
    pub to: NaiveDate,
}

/// The journal of the reviewer's jurisdiction for a period, as CSV for accountants.
#[utoipa::path(tag = "fund", params(PeriodQuery), responses((status = 200, description = "text/csv")), security(("bearer" = [])))]
#[get("/fund/journal.csv")]
async fn export_journal(
    state: web::Data<AppState>,
    reviewer: Reviewer,
    query: web::Query<PeriodQuery>,
) -> AppResult<HttpResponse> {
    let (from, to) = (query.from, query.to);
    // Custody is at most five years (Art. 27): six years covers any building's whole journal.
    if to <= from || (to - from).num_days() > 6 * 366 {
        return Err(AppError::invalid("to"));
    }
    let user = reviewer.0;
    let rows = state
        .db
        .read(move |conn| {
            let jurisdictions = reg::reviewer_jurisdictions(conn, &user.id)?;
            db::journal_between(conn, &jurisdictions, from, to)
        })
        .await?;
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
    for r in rows {
        out.write_record([
            r.id,
            r.entry_date.to_string(),
            r.jurisdiction,
            r.building_id,
            r.category,
            r.kind,
            Money::from_fen(r.amount_fen).to_string(),
            r.claim_id.unwrap_or_default(),
            r.reverses_id.unwrap_or_default(),
            r.reason,
        ])
        .map_err(AppError::internal)?;
    }
    let bytes = out.into_inner().map_err(AppError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(("content-disposition", format!("attachment; filename=\"journal-{from}-{to}.csv\"")))
        .body(bytes))
}

// ---- corrections and usage notices ----

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReverseRequest {
    pub reason: String,
}

/// Corrects the journal: posts the exact negation of an entry, with the reason. Entries are never
/// edited, and reversing money into the fund may not take a balance below zero.
#[utoipa::path(tag = "fund", params(("id" = String, Path)), request_body = ReverseRequest, responses((status = 201, body = JournalEntryView), (status = 409, description = "already_exists or insufficient_balance")), security(("bearer" = [])))]
#[post("/fund/journal/{id}/reverse")]
async fn reverse_entry(
    state: web::Data<AppState>,
    reviewer: Reviewer,
    id: web::Path<String>,
    body: web::Json<ReverseRequest>,
) -> AppResult<HttpResponse> {
    let entry_id = parse_id(&id)?;
    let reason = text(&body.reason, "reason", 2000)?;
    let user = reviewer.0;
    let row = state
        .db
        .write(move |conn| {
            let entry = db::find_entry(conn, &entry_id)?.ok_or(AppError::new(Code::NotFound))?;
            if !reg::reviewer_jurisdictions(conn, &user.id)?.contains(&entry.jurisdiction) {
                return Err(AppError::new(Code::NotFound));
            }
            if entry.amount_fen > 0 {
                let category = entry.category.parse().map_err(AppError::internal)?;
                let available = db::category_balance(conn, &entry.building_id, category)?.balance;
                ledger::check_outflow(available, Money::from_fen(entry.amount_fen))
                    .map_err(|s| AppError::new(Code::InsufficientBalance).detail(s.shortfall.to_string()))?;
            }
            db::reverse(conn, &entry, &reason, &user.id, shanghai_date(Utc::now()))
        })
        .await?;
    Ok(HttpResponse::Created().json(JournalEntryView::from(row)))
}

/// What the developer is told after settlement (Art. 26), generated from the journal.
#[derive(Serialize, ToSchema)]
pub struct UsageNotice {
    pub claim_id: String,
    pub building_id: String,
    pub category: String,
    /// The journal entries charged to the claim.
    pub entries: Vec<JournalEntryView>,
    /// Net amount used from the fund.
    #[schema(value_type = String)]
    pub total_used: Money,
    /// The category's balance after it.
    #[schema(value_type = String)]
    pub category_balance: Money,
    /// The notice is due 30 days after settlement (Art. 26).
    pub due_on: Option<NaiveDate>,
    pub sent: bool,
}

/// The usage notice for a settled claim (Art. 26): what was used, from the journal.
#[utoipa::path(tag = "fund", params(("id" = String, Path)), responses((status = 200, body = UsageNotice)), security(("bearer" = [])))]
#[get("/claims/{id}/usage-notice")]
async fn usage_notice(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> AppResult<web::Json<UsageNotice>> {
    let claim_id = parse_id(&id)?;
    if !matches!(user.role, Role::Reviewer | Role::Developer | Role::Admin) {
        return Err(AppError::new(Code::Forbidden));
    }
    let notice = state
        .db
        .read(move |conn| {
            let scope = policy::claim_scope(conn, &user)?;
            let claim = crate::db::claims::find_claim(conn, &scope, &claim_id)?;
            let rows = db::entries_of_claim(conn, &claim.id)?;
            let category = claim.category.parse().map_err(AppError::internal)?;
            let balance = db::category_balance(conn, &claim.building_id, category)?.balance;
            Ok(UsageNotice {
                total_used: -rows.iter().map(|r| Money::from_fen(r.amount_fen)).sum::<Money>(),
                entries: rows.into_iter().map(JournalEntryView::from).collect(),
                category_balance: balance,
                due_on: claim.usage_notice_due_on,
                sent: claim.state == "developer_notified",
                claim_id: claim.id,
                building_id: claim.building_id,
                category: claim.category,
            })
        })
        .await?;
    Ok(web::Json(notice))
}

// ---- award refunds (Art. 9 iii) ----

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AwardRefundRequest {
    /// `national`, `provincial` or `municipal`.
    #[schema(value_type = String)]
    pub award: AwardLevel,
    /// The award document: the id of a file the caller uploaded.
    pub evidence_id: String,
    pub paid_on: NaiveDate,
    pub bank_reference: String,
}

/// Refunds the points a quality award earns after the deposit (Art. 9 iii): the deposit before
/// minus the deposit with the award, which keeps the 1 % floor; shared out of the categories.
#[utoipa::path(tag = "fund", params(("id" = String, Path)), request_body = AwardRefundRequest, responses((status = 200, body = BuildingFund), (status = 409, description = "already_exists, nothing_to_refund or insufficient_balance")), security(("bearer" = [])))]
#[post("/buildings/{id}/award-refund")]
async fn award_refund(
    state: web::Data<AppState>,
    reviewer: Reviewer,
    id: web::Path<String>,
    body: web::Json<AwardRefundRequest>,
) -> AppResult<web::Json<BuildingFund>> {
    let building_id = parse_id(&id)?;
    let req = body.into_inner();
    let evidence_id = parse_id(&req.evidence_id)?;
    let bank_reference = text(&req.bank_reference, "bank_reference", 100)?;
    if req.paid_on > shanghai_date(Utc::now()) {
        return Err(AppError::invalid("paid_on"));
    }
    let user = reviewer.0;
    let view = state
        .db
        .write(move |conn| {
            let (building, jurisdiction, _) = policy::building_in_scope(conn, &user, &building_id)?;
            let mut notice = db::notice_of(conn, &building_id)?.ok_or(AppError::new(Code::NotFound))?;
            if notice.status != "paid" {
                return Err(AppError::new(Code::StepOutOfOrder).detail("Art. 9"));
            }
            let before: ReductionsInput =
                serde_json::from_str(&notice.reductions).map_err(AppError::internal)?;
            if before.award.is_some() {
                return Err(AppError::new(Code::AlreadyExists).detail("Art. 9"));
            }
            let after = ReductionsInput { award: Some(req.award), ..before };
            let class: BuildingClass = notice.class.parse().map_err(AppError::internal)?;
            let returned = deposit::refund_for_new_reduction(
                class,
                Money::from_fen(notice.cost_fen),
                &before.domain(),
                &after.domain(),
            )
            .map_err(|e| AppError::invalid("award").detail(e.article().to_string()))?;
            if returned == Money::ZERO {
                return Err(AppError::new(Code::NothingToRefund).detail("Art. 9"));
            }
            let shares = ledger::shares(returned);
            let mut short = Money::ZERO;
            for (category, share) in &shares {
                let available = db::category_balance(conn, &building_id, *category)?.balance;
                if let Err(s) = ledger::check_outflow(available, *share) {
                    short = short + s.shortfall;
                }
            }
            if short > Money::ZERO {
                return Err(AppError::new(Code::InsufficientBalance).detail(short.to_string()));
            }
            let reason = format!("award refund (Art. 9) {bank_reference}");
            db::post(
                conn,
                &Posting {
                    jurisdiction: &jurisdiction,
                    building_id: &building_id,
                    kind: EntryKind::AwardRefund,
                    entry_date: req.paid_on,
                    claim_id: None,
                    reason: &reason,
                    recorded_by: &user.id,
                },
                &shares,
            )?;
            notice.reductions = serde_json::to_string(&after).map_err(AppError::internal)?;
            db::save_notice(conn, &mut notice)?;
            files_db::require_own_files(conn, &user.id, [&evidence_id])?;
            db::add_evidence(conn, &notice.id, &evidence_id, "award")?;
            fund_view(conn, &building, building_id.clone())
        })
        .await?;
    Ok(web::Json(view))
}

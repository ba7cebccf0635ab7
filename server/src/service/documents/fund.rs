//! A building's fund documents laid out: the deposit notice (Art. 10) and certificate (Art. 15),
//! and the yearly publication (Art. 28).

use serde_json::json;

use super::{issue, money, Issued, Kind};
use crate::domain::ids::BuildingId;
use crate::error::{AppError, AppResult};
use crate::messages::Code;
use crate::printing::labels::ZH as L;
use crate::printing::{Block, Table};
use crate::service::policy::{self, Caller};
use crate::service::Context;

/// The deposit notice (Art. 10) or, once paid in full, the deposit certificate (Art. 15).
pub async fn deposit(ctx: &Context, caller: &Caller, id: &BuildingId, kind: Kind) -> AppResult<Issued> {
    let notice = crate::service::fund::get_notice(ctx, caller, id).await?;
    let (estate, building, developer) = {
        let (who, b) = (caller.clone(), id.to_string());
        ctx.db
            .read(move |conn| {
                let (row, _, developer) = policy::building_in_scope(conn, &who, &b)?;
                let (estate, building, _) = crate::db::registry::place_names(conn, &row.id, None)?;
                let developer = crate::db::registry::organisation_name(conn, &developer)?.unwrap_or_default();
                Ok::<_, AppError>((estate, building, developer))
            })
            .await?
    };
    let mut fields = vec![
        (L.developer.to_string(), developer),
        (L.estate.to_string(), format!("{estate} {building}")),
        (L.construction_cost.to_string(), money(notice.cost)),
        (L.rate.to_string(), format!("{}%", notice.rate)),
        (L.deposit_amount.to_string(), money(notice.amount)),
        (L.due_on.to_string(), notice.due_on.to_string()),
    ];
    let mut facts = json!({"amount": notice.amount, "due_on": notice.due_on});
    let text = match kind {
        Kind::DepositCertificate => {
            let number = notice
                .certificate_number
                .clone()
                .ok_or(AppError::new(Code::NotFound).detail("not paid in full"))?;
            fields.push((L.paid.to_string(), money(notice.paid)));
            fields.push((L.certificate_no.to_string(), number.clone()));
            facts["certificate_number"] = json!(number);
            facts["paid"] = json!(notice.paid);
            L.certificate_text
        }
        _ => {
            fields.push((L.objection_until.to_string(), notice.objection_due_on.to_string()));
            fields.push((L.paid.to_string(), money(notice.paid)));
            fields.push((L.outstanding.to_string(), money(notice.outstanding)));
            L.notice_text
        }
    };
    let mut blocks = vec![Block::Fields(fields), Block::Text(text.to_string())];
    if !notice.payments.is_empty() {
        blocks.push(Block::Heading(L.payments.to_string()));
        blocks.push(Block::Table(Table {
            columns: vec![
                (L.paid_on.into(), 1.0, false),
                (L.col_amount.into(), 1.0, true),
                (L.bank_reference.into(), 1.5, false),
            ],
            rows: notice
                .payments
                .iter()
                .map(|p| vec![p.paid_on.to_string(), money(p.amount), p.bank_reference.clone()])
                .collect(),
            footer: None,
        }));
    }
    issue(ctx, caller, kind, id.to_string(), blocks, facts).await
}

/// A building's yearly publication of its fund (Art. 28).
pub async fn publication(ctx: &Context, caller: &Caller, id: &BuildingId, year: i32) -> AppResult<Issued> {
    let s = crate::service::fund::publication(ctx, caller, (id.clone(), year)).await?;
    let blocks = vec![
        Block::Fields(vec![
            (L.estate.to_string(), format!("{} {}", s.estate, s.building)),
            (L.year.to_string(), s.year.to_string()),
        ]),
        Block::Table(Table {
            columns: vec![(L.movements.into(), 2.0, false), (L.col_amount.into(), 1.0, true)],
            rows: vec![
                vec![L.opening.into(), money(s.opening_balance)],
                vec![L.deposits.into(), money(s.deposits)],
                vec![L.interest.into(), money(s.interest)],
                vec![L.payouts.into(), money(s.uses)],
                vec![L.refunds.into(), money(s.refunds)],
            ],
            footer: Some(vec![L.closing.into(), money(s.closing_balance)]),
        }),
    ];
    let facts =
        json!({"year": year, "opening_balance": s.opening_balance, "closing_balance": s.closing_balance});
    issue(ctx, caller, Kind::Publication, format!("{id}:{year}"), blocks, facts).await
}

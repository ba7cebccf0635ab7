//! The claim's documents laid out: the repair cost sheet of one revision, the claim dossier and
//! the usage notice to the developer (Art. 22, 23, 26), from what the claim's parties may see.

use chrono::Utc;
use serde_json::{json, Value};

use super::{issue, money, read_blob, sha256_hex, Issued, Kind};
use crate::domain::deadlines::shanghai_date;
use crate::domain::ids::ClaimId;
use crate::error::{AppError, AppResult};
use crate::media::store::Variant;
use crate::messages::{articles_in, Code, Lang};
use crate::printing::labels::ZH as L;
use crate::printing::{self, Block, Picture, Table};
use crate::service::claims::{page_of, CostSheetView};
use crate::service::policy::{self, Caller};
use crate::service::Context;

/// When a clock's duty was done, from the timeline: the step that left the state it runs in.
fn met_at(clock: &str, timeline: &[crate::service::claims::TimelineEntry]) -> Option<chrono::DateTime<Utc>> {
    let left = |state: &str| timeline.iter().find(|t| t.before.as_deref() == Some(state) && t.after != state);
    let step = |action: &str| timeline.iter().find(|t| t.action == action);
    match clock {
        "developer_reply" => left("developer_asked"),
        "developer_repair" => left("developer_repairing"),
        "inspection" => left("under_inspection"),
        "payout" => step("pay"),
        "usage_notice" => step("notify_developer"),
        _ => None,
    }
    .map(|t| t.at)
}

fn verdict(decision: Option<&str>) -> &'static str {
    match decision {
        Some("approved") => L.verdict_approved,
        Some("cut") => L.verdict_cut,
        Some("rejected") => L.verdict_rejected,
        _ => "",
    }
}

/// A Shanghai wall-clock time, to the minute.
fn local(at: chrono::DateTime<Utc>) -> String {
    at.with_timezone(&chrono_tz::Asia::Shanghai).format("%Y-%m-%d %H:%M").to_string()
}

/// What the cost-sheet part of a document prints: the lines with budgets and verdicts, totals,
/// the signature and the revision's hash.
struct SheetParts {
    sheet_blocks: Vec<Block>,
    facts: Value,
}

fn sheet_parts(
    sheet: &CostSheetView,
    drawing: Option<Picture>,
    names: &std::collections::HashMap<String, String>,
    device_key: Option<String>,
) -> SheetParts {
    let rows = sheet
        .lines
        .iter()
        .map(|l| {
            let mut v = verdict(l.decision.as_deref()).to_string();
            if let Some(a) = l.approved {
                v = format!("{v} {}", money(a));
            }
            if let Some(r) = &l.decision_reason {
                v = format!("{v}：{r}");
            }
            vec![
                l.line_no.to_string(),
                l.description.clone(),
                format!("{} {}", l.quantity, l.unit),
                money(l.unit_price),
                money(l.amount),
                money(l.budget),
                v,
            ]
        })
        .collect();
    let footer = vec![
        String::new(),
        L.total.to_string(),
        String::new(),
        String::new(),
        money(sheet.total),
        money(sheet.budget_total),
        sheet.approved_total.map(|a| format!("{} {}", L.approved_total, money(a))).unwrap_or_default(),
    ];
    let table = Table {
        columns: vec![
            (L.col_no.into(), 0.5, false),
            (L.col_item.into(), 2.6, false),
            (L.col_quantity.into(), 1.1, true),
            (L.col_unit_price.into(), 1.1, true),
            (L.col_amount.into(), 1.2, true),
            (L.col_budget.into(), 1.2, true),
            (L.col_verdict.into(), 2.0, false),
        ],
        rows,
        footer: Some(footer),
    };
    let name = |id: &Option<String>| id.as_ref().and_then(|i| names.get(i)).cloned().unwrap_or_default();
    let mut signature = Vec::new();
    match sheet.signed_at {
        Some(at) => {
            let in_person = sheet.witnessed_by.is_some();
            let signer = sheet.signed_in_person_by.clone().unwrap_or_else(|| name(&sheet.signed_by));
            signature.push((L.signed_by.to_string(), signer));
            signature.push((
                L.signed_how.to_string(),
                (if in_person { L.signed_in_person } else { L.signed_own }).to_string(),
            ));
            if in_person {
                signature.push((L.witness.to_string(), name(&sheet.witnessed_by)));
            }
            signature.push((L.signed_at.to_string(), local(at)));
            if let Some(key) = device_key {
                signature.push((L.device_key.to_string(), key));
            }
        }
        None => signature.push((L.signature.to_string(), L.unsigned.to_string())),
    }
    let mut sheet_blocks = vec![
        Block::Heading(format!("{} {}", L.revision, sheet.revision)),
        Block::Table(table),
        Block::Heading(L.signature.to_string()),
        Block::Fields(signature),
    ];
    if sheet.disputed_at.is_some() {
        sheet_blocks.push(Block::Text(format!(
            "{}：{}",
            L.disputed,
            sheet.dispute_reason.clone().unwrap_or_default()
        )));
    }
    if let Some(d) = drawing {
        sheet_blocks.push(Block::Pictures(vec![d]));
    }
    if let Some(hash) = &sheet.hash {
        sheet_blocks.push(Block::Fields(vec![(L.revision_hash.to_string(), hash.clone())]));
    }
    let facts = json!({
        "revision": sheet.revision,
        "total": sheet.total,
        "budget_total": sheet.budget_total,
        "approved_total": sheet.approved_total,
        "signed": sheet.signed,
        "revision_hash": sheet.hash,
    });
    SheetParts { sheet_blocks, facts }
}

/// Everything a claim's documents print, read in one transaction.
struct ClaimMaterial {
    page: crate::service::claims::ClaimPage,
    place: (String, String, Option<String>),
    repair_unit: Option<String>,
    names: std::collections::HashMap<String, String>,
    /// Blob hashes of the signature drawings, by revision.
    drawings: Vec<(i32, String)>,
    /// Device key fingerprints, by revision.
    device_keys: Vec<(i32, String)>,
    evidence: Vec<crate::service::evidence::EvidenceItem>,
}

async fn claim_material(
    ctx: &Context,
    caller: &Caller,
    id: &ClaimId,
    with_evidence: bool,
) -> AppResult<ClaimMaterial> {
    let (who, id) = (caller.clone(), id.to_string());
    let (page, place, repair_unit, names, drawings, device_keys, stored) = ctx
        .db
        .read(move |conn| {
            let row = policy::visible_claim(conn, &who, &id)?;
            let place = crate::db::registry::place_names(conn, &row.building_id, row.unit_id.as_deref())?;
            let repair_unit = match &row.repair_unit_id {
                Some(unit) => crate::db::registry::organisation_name(conn, unit)?,
                None => None,
            };
            let sheets = crate::db::claims::cost_sheets_of(conn, &id)?;
            let mut drawings = Vec::new();
            let mut device_keys = Vec::new();
            let mut people: Vec<String> = Vec::new();
            for s in &sheets {
                if let Some(file) = &s.signature_file_id {
                    let (_, blob) = crate::db::files::file(conn, file)?;
                    drawings.push((s.revision, blob.sha256));
                }
                if let Some(device) = &s.signing_device_id {
                    if let Some(key) = crate::db::accounts::find_device(conn, device)?.map(|d| d.public_key) {
                        let digest = sha256_hex(key.as_bytes());
                        device_keys.push((s.revision, digest[..32].to_string()));
                    }
                }
                people.extend(s.witnessed_by.iter().cloned());
                people.extend(s.signed_by.iter().cloned());
            }
            let refs: Vec<&str> = people.iter().map(String::as_str).collect();
            let names = crate::db::accounts::people(conn, &refs)?
                .into_iter()
                .map(|(id, (name, _))| (id, name))
                .collect();
            let stored =
                if with_evidence { Some(crate::service::evidence::read_evidence(conn, &id)?) } else { None };
            Ok::<_, AppError>((
                page_of(conn, &who, row)?,
                place,
                repair_unit,
                names,
                drawings,
                device_keys,
                stored,
            ))
        })
        .await?;
    let evidence = stored.map(|s| crate::service::evidence::evidence_items(ctx, s)).unwrap_or_default();
    Ok(ClaimMaterial { page, place, repair_unit, names, drawings, device_keys, evidence })
}

impl ClaimMaterial {
    async fn drawing(&self, ctx: &Context, revision: i32) -> AppResult<Option<Picture>> {
        let Some((_, sha)) = self.drawings.iter().find(|(r, _)| *r == revision) else { return Ok(None) };
        Ok(read_blob(ctx, sha, Variant::Original).await?.map(|bytes| Picture {
            bytes,
            sha256: sha.clone(),
            caption: vec![L.drawing.to_string()],
            width: 160.0,
        }))
    }

    fn device_key(&self, revision: i32) -> Option<String> {
        self.device_keys.iter().find(|(r, _)| *r == revision).map(|(_, k)| k.clone())
    }

    /// The claim's place, category and warranty, as each claim document opens.
    fn head(&self) -> Block {
        let c = &self.page.claim;
        let (estate, building, unit) = &self.place;
        let mut fields = vec![
            (L.claim.to_string(), c.id.clone()),
            (L.estate.to_string(), format!("{estate} {building}")),
            (L.unit.to_string(), unit.clone().unwrap_or_else(|| L.common_part.to_string())),
            (L.location.to_string(), c.location_detail.clone()),
            (L.category.to_string(), crate::printing::category_name(c.category).to_string()),
            (L.warranty_until.to_string(), c.warranty_last_day.to_string()),
            (L.applicant.to_string(), c.applicant_name.clone().unwrap_or_default()),
            (L.reported_on.to_string(), c.reported_on.to_string()),
        ];
        if let Some(unit) = &self.repair_unit {
            fields.push((L.repair_unit.to_string(), unit.clone()));
        }
        Block::Fields(fields)
    }
}

/// The repair cost sheet 物业维修工程费用清单 of one revision.
pub async fn cost_sheet(ctx: &Context, caller: &Caller, id: &ClaimId, revision: i32) -> AppResult<Issued> {
    let m = claim_material(ctx, caller, id, false).await?;
    let sheet =
        m.page.cost_sheets.iter().find(|s| s.revision == revision).ok_or(AppError::new(Code::NotFound))?;
    let parts = sheet_parts(sheet, m.drawing(ctx, revision).await?, &m.names, m.device_key(revision));
    let mut blocks = vec![m.head()];
    blocks.extend(parts.sheet_blocks);
    issue(ctx, caller, Kind::CostSheet, format!("{id}:{revision}"), blocks, parts.facts).await
}

/// The claim dossier: the application, coverage, deadlines, plans, the verified (or latest) cost
/// sheet, the payout, the evidence with EXIF and flags, and the timeline with names.
pub async fn dossier(ctx: &Context, caller: &Caller, id: &ClaimId) -> AppResult<Issued> {
    let m = claim_material(ctx, caller, id, true).await?;
    let c = &m.page.claim;
    let mut blocks = vec![Block::Heading(L.application.to_string()), m.head()];
    blocks.push(Block::Text(format!("{}：{}", L.description, c.description)));
    let covered = if c.reported_on <= c.warranty_last_day { L.covered } else { L.not_covered };
    blocks.push(Block::Text(format!(
        "{}：{}（{} {}）",
        L.coverage, covered, L.warranty_until, c.warranty_last_day
    )));
    blocks.push(Block::Heading(L.deadlines.to_string()));
    blocks.push(Block::Table(Table {
        columns: vec![
            (L.col_clock.into(), 2.0, false),
            (L.col_due.into(), 1.2, false),
            (L.col_met.into(), 1.0, false),
        ],
        rows: c
            .deadlines
            .iter()
            .map(|d| {
                vec![
                    format!(
                        "{}{}",
                        printing::clock_name(&d.clock),
                        d.article
                            .as_deref()
                            .map(|a| format!(" {}", articles_in(a, Lang::ZhCn)))
                            .unwrap_or_default()
                    ),
                    d.due_on.to_string(),
                    match (d.met, met_at(&d.clock, &m.page.timeline)) {
                        (true, Some(at)) => {
                            let late = shanghai_date(at) > d.due_on;
                            format!("{} {}（{}）", L.met, local(at), if late { L.late } else { L.on_time })
                        }
                        (true, None) => L.met.to_string(),
                        (false, _) => L.open.to_string(),
                    },
                ]
            })
            .collect(),
        footer: None,
    }));
    if !m.page.plans.is_empty() {
        blocks.push(Block::Heading(L.plans.to_string()));
        blocks.push(Block::Table(Table {
            columns: vec![
                (L.col_no.into(), 0.8, false),
                (L.description.into(), 3.0, false),
                (L.col_budget.into(), 1.2, true),
                (L.col_verdict.into(), 1.5, false),
            ],
            rows: m
                .page
                .plans
                .iter()
                .map(|p| {
                    vec![
                        p.revision.to_string(),
                        p.description.clone(),
                        money(p.budget),
                        verdict(p.decision.as_deref()).to_string(),
                    ]
                })
                .collect(),
            footer: None,
        }));
    }
    let sheet =
        m.page.cost_sheets.iter().rev().find(|s| s.verified_at.is_some()).or(m.page.cost_sheets.last());
    let mut facts = json!({"state": c.state.as_str(), "kind": c.kind.as_str()});
    if let Some(sheet) = sheet {
        let parts =
            sheet_parts(sheet, m.drawing(ctx, sheet.revision).await?, &m.names, m.device_key(sheet.revision));
        blocks.extend(parts.sheet_blocks);
        facts["cost_sheet"] = parts.facts;
    }
    if let Some(p) = &m.page.payout {
        blocks.push(Block::Heading(L.payout.to_string()));
        blocks.push(Block::Fields(vec![
            (L.col_amount.to_string(), money(p.amount)),
            (L.paid_on.to_string(), p.paid_on.to_string()),
            (L.bank_reference.to_string(), p.bank_reference.clone()),
        ]));
        facts["paid"] = json!(p.amount);
        facts["paid_on"] = json!(p.paid_on);
    }
    if !m.evidence.is_empty() {
        blocks.push(Block::Heading(L.evidence.to_string()));
        let mut pictures = Vec::new();
        for e in &m.evidence {
            let mut caption = vec![format!(
                "{} · {}",
                crate::messages::evidence_kind_name(&e.kind, Lang::ZhCn),
                &e.file.sha256[..16]
            )];
            if let Some(x) = &e.file.exif {
                if let Some(t) = x.taken_at {
                    caption.push(local(t));
                }
                if let (Some(lat), Some(lng)) = (x.latitude, x.longitude) {
                    caption.push(format!("{lat:.5}, {lng:.5}"));
                }
            }
            if !e.flags.is_empty() {
                caption.push(
                    e.flags
                        .iter()
                        .map(|f| crate::messages::flag_name(f, Lang::ZhCn))
                        .collect::<Vec<_>>()
                        .join("、"),
                );
            }
            let bytes = read_blob(ctx, &e.file.sha256, Variant::Thumbnail).await?;
            match bytes {
                Some(bytes) => {
                    pictures.push(Picture { bytes, sha256: e.file.sha256.clone(), caption, width: 112.0 })
                }
                None => blocks.push(Block::Text(caption.join(" · "))),
            }
        }
        blocks.push(Block::Pictures(pictures));
    }
    blocks.push(Block::Heading(L.timeline.to_string()));
    blocks.push(Block::Table(Table {
        columns: vec![
            (L.col_at.into(), 1.3, false),
            (L.col_who.into(), 1.0, false),
            (L.col_step.into(), 1.4, false),
            (L.col_note.into(), 2.5, false),
        ],
        rows: m
            .page
            .timeline
            .iter()
            .map(|t| {
                let note = ["note", "reason", "comment"]
                    .iter()
                    .find_map(|k| t.detail.get(k).and_then(Value::as_str))
                    .unwrap_or("");
                vec![
                    local(t.at),
                    t.actor_name.clone().unwrap_or_default(),
                    printing::action_name(&t.action).to_string(),
                    note.to_string(),
                ]
            })
            .collect(),
        footer: None,
    }));
    issue(ctx, caller, Kind::Dossier, id.to_string(), blocks, facts).await
}

/// The usage notice to the developer (Art. 26): what was paid, from which category.
pub async fn usage_notice(ctx: &Context, caller: &Caller, id: &ClaimId) -> AppResult<Issued> {
    let notice = crate::service::fund::usage_notice(ctx, caller, id).await?;
    let rows = notice
        .entries
        .iter()
        .map(|e| {
            vec![
                e.entry_date.to_string(),
                crate::printing::entry_kind_name(e.kind.as_str()).to_string(),
                money(e.amount),
            ]
        })
        .collect();
    let blocks = vec![
        Block::Text(L.usage_text.to_string()),
        Block::Fields(vec![
            (L.claim.to_string(), notice.claim_id.clone()),
            (L.category.to_string(), crate::printing::category_name(notice.category).to_string()),
            (L.used.to_string(), money(notice.total_used)),
            (L.balance_after.to_string(), money(notice.category_balance)),
        ]),
        Block::Heading(L.entries.to_string()),
        Block::Table(Table {
            columns: vec![
                (L.col_date.into(), 1.0, false),
                (L.col_kind.into(), 1.0, false),
                (L.col_amount.into(), 1.0, true),
            ],
            rows,
            footer: None,
        }),
    ];
    let facts = json!({"category": notice.category.as_str(), "used": notice.total_used, "category_balance": notice.category_balance});
    issue(ctx, caller, Kind::UsageNotice, id.to_string(), blocks, facts).await
}

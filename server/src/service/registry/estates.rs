//! Estates, with their owners' committees (Art. 20).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::require_org_kind;
use crate::db::accounts::now;
use crate::db::registry::{self as reg, EstateChanges, EstateRow};
use crate::db::DbConnection;
use crate::domain::ids::EstateId;
use crate::domain::registry::{valid_jurisdiction, OrgKind, Role};
use crate::error::{AppError, AppResult};
use crate::messages::Code;
use crate::service::utc;
use crate::service::Context;
use crate::service::{optional_text, parse_id, text, Caller, Page, Paged};

// ---- estates ----

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "明湖花园二期", "address": "济南市历下区明湖东路 88 号", "jurisdiction": "370102", "developer_id": "0190f5a2-7c3e-7b8a-9d4e-1f2a3b4c5d6e"}))]
pub struct CreateEstate {
    #[schema(max_length = 200)]
    pub name: String,
    #[schema(max_length = 300)]
    pub address: String,
    /// Six-digit division code of the bureau responsible.
    #[schema(example = "370102", pattern = r"^[0-9]{6}$")]
    pub jurisdiction: String,
    pub developer_id: String,
    pub property_manager_id: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct EstateResponse {
    pub id: String,
    pub name: String,
    pub address: String,
    pub jurisdiction: String,
    pub developer_id: String,
    pub property_manager_id: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<EstateRow> for EstateResponse {
    fn from(r: EstateRow) -> Self {
        EstateResponse {
            id: r.id,
            name: r.name,
            address: r.address,
            jurisdiction: r.jurisdiction,
            developer_id: r.developer_id,
            property_manager_id: r.property_manager_id,
            created_at: utc(r.created_at),
        }
    }
}

/// Registers an estate. A reviewer may do so only in their own jurisdiction.
pub async fn create_estate(ctx: &Context, caller: &Caller, body: CreateEstate) -> AppResult<EstateResponse> {
    let editor = caller.clone();
    ctx.db.write(move |conn| create_estate_in(conn, &editor, body)).await
}

/// Registers an estate in the caller's transaction: a reviewer only in their jurisdiction.
pub fn create_estate_in(
    conn: &mut DbConnection,
    editor: &Caller,
    req: CreateEstate,
) -> AppResult<EstateResponse> {
    if !valid_jurisdiction(&req.jurisdiction) {
        return Err(AppError::invalid("jurisdiction"));
    }
    let row = EstateRow {
        id: reg::fresh_id(),
        name: text(&req.name, "name", 200)?,
        address: text(&req.address, "address", 300)?,
        jurisdiction: req.jurisdiction,
        developer_id: parse_id(&req.developer_id)?,
        property_manager_id: req.property_manager_id.as_deref().map(parse_id).transpose()?,
        created_at: now(),
    };
    if editor.role == Role::Reviewer
        && !reg::reviewer_jurisdictions(conn, &editor.id)?.contains(&row.jurisdiction)
    {
        return Err(AppError::new(Code::OutsideJurisdiction));
    }
    require_org_kind(conn, &row.developer_id, OrgKind::Developer, "developer_id")?;
    if let Some(pm) = &row.property_manager_id {
        require_org_kind(conn, pm, OrgKind::PropertyManager, "property_manager_id")?;
    }
    reg::insert_estate(conn, &row)?;
    Ok(EstateResponse::from(row))
}

/// Estates the caller may see.
pub async fn list_estates(ctx: &Context, caller: &Caller, page: Page) -> AppResult<Paged<EstateResponse>> {
    let user = caller.clone();
    let (limit, offset) = page.bounds()?;
    let viewer = user.viewer();
    let rows = ctx
        .db
        .read(move |conn| {
            let scope = reg::scope(conn, &viewer)?;
            reg::list_estates(conn, &scope, limit, offset)
        })
        .await?;
    Ok(Paged { items: rows.into_iter().map(Into::into).collect(), limit, offset })
}

/// One estate.
pub async fn get_estate(ctx: &Context, caller: &Caller, id: &EstateId) -> AppResult<EstateResponse> {
    let user = caller.clone();
    let id = id.to_string();
    let viewer = user.viewer();
    let row = ctx
        .db
        .read(move |conn| {
            let scope = reg::scope(conn, &viewer)?;
            reg::find_estate(conn, &scope, &id)
        })
        .await?;
    Ok(row.into())
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct UpdateEstate {
    #[schema(max_length = 200)]
    pub name: Option<String>,
    #[schema(max_length = 300)]
    pub address: Option<String>,
    pub property_manager_id: Option<String>,
}

/// Corrects an estate's name, address or property manager. Its jurisdiction and developer are
/// fixed: claims and the fund are filed under them.
pub async fn update_estate(
    ctx: &Context,
    caller: &Caller,
    id: &EstateId,
    body: UpdateEstate,
) -> AppResult<EstateResponse> {
    let editor = caller.clone();
    let id = id.to_string();
    let changes = EstateChanges {
        name: optional_text(body.name.as_deref(), "name", 200)?,
        address: optional_text(body.address.as_deref(), "address", 300)?,
        property_manager_id: body.property_manager_id.as_deref().map(parse_id).transpose()?.map(Some),
    };
    let viewer = editor.viewer();
    let row = ctx
        .db
        .write(move |conn| -> AppResult<_> {
            let scope = reg::scope(conn, &viewer)?;
            reg::find_estate(conn, &scope, &id)?;
            if let Some(Some(pm)) = &changes.property_manager_id {
                require_org_kind(conn, pm, OrgKind::PropertyManager, "property_manager_id")?;
            }
            reg::update_estate(conn, &id, &changes)?;
            Ok(reg::find_estate(conn, &scope, &id)?)
        })
        .await?;
    Ok(row.into())
}

// ---- owners' committees (Art. 20) ----

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "明湖花园业主委员会", "member_ids": ["0190f5a2-7c3e-7b8a-9d4e-1f2a3b4c5d6e"]}))]
pub struct CommitteeRequest {
    /// e.g. "明湖花园业主委员会".
    #[schema(max_length = 100)]
    pub name: String,
    /// The members: owners of units in the estate, at least one.
    pub member_ids: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CommitteeView {
    pub estate_id: String,
    pub name: String,
    /// Ids and names of the members (no phone numbers).
    pub members: Vec<CommitteeMember>,
}

#[derive(Serialize, ToSchema)]
pub struct CommitteeMember {
    pub id: String,
    pub display_name: String,
}

fn committee_view(conn: &mut DbConnection, estate_id: &str) -> AppResult<CommitteeView> {
    let (row, members) = reg::committee_of(conn, estate_id)?.ok_or(AppError::new(Code::NotFound))?;
    let ids: Vec<&str> = members.iter().map(String::as_str).collect();
    let people = crate::db::accounts::people(conn, &ids)?;
    let members = members
        .into_iter()
        .map(|id| CommitteeMember {
            display_name: people.get(&id).map(|(n, _)| n.clone()).unwrap_or_default(),
            id,
        })
        .collect();
    Ok(CommitteeView { estate_id: row.estate_id, name: row.name, members })
}

/// Records an estate's owners' committee and its members (a reviewer of its jurisdiction or an
/// administrator), replacing the earlier one: from then on its members apply for common parts,
/// and the property manager no longer needs elected representatives (Art. 20).
pub async fn set_committee(
    ctx: &Context,
    caller: &Caller,
    id: &EstateId,
    req: CommitteeRequest,
) -> AppResult<CommitteeView> {
    let name = text(&req.name, "name", 100)?;
    let mut members = req.member_ids.iter().map(|m| parse_id(m)).collect::<AppResult<Vec<_>>>()?;
    members.sort();
    members.dedup();
    if members.is_empty() || members.len() > 50 {
        return Err(AppError::invalid("member_ids"));
    }
    let (editor, estate_id) = (caller.clone(), id.to_string());
    ctx.db
        .write(move |conn| {
            let scope = reg::scope(conn, &editor.viewer())?;
            let estate = reg::find_estate(conn, &scope, &estate_id)?;
            if reg::owners_of_estate(conn, &estate.id, &members)?.len() != members.len() {
                return Err(AppError::invalid("member_ids").detail("member_ids: owners of the estate only"));
            }
            let row = reg::CommitteeRow {
                estate_id: estate.id.clone(),
                name,
                created_by: editor.id.clone(),
                created_at: now(),
            };
            reg::set_committee(conn, &row, &members)?;
            committee_view(conn, &estate.id)
        })
        .await
}

/// An estate's owners' committee, for those who see the estate; 404 when it has none.
pub async fn committee(ctx: &Context, caller: &Caller, id: &EstateId) -> AppResult<CommitteeView> {
    let (viewer, estate_id) = (caller.clone(), id.to_string());
    ctx.db
        .read(move |conn| {
            let scope = reg::scope(conn, &viewer.viewer())?;
            let estate = reg::find_estate(conn, &scope, &estate_id)?;
            committee_view(conn, &estate.id)
        })
        .await
}

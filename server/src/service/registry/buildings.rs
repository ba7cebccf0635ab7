//! Buildings, their units and the units' owners.

use baoxiu_sync_protocol::Money;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::UserRef;
use crate::db::accounts::now;
use crate::db::registry::{self as reg, BuildingChanges, BuildingRow, Scope, UnitChanges, UnitRow};
use crate::db::DbConnection;
use crate::domain::ids::{BuildingId, EstateId, UnitId};
use crate::domain::registry::{BuildingClass, Role};
use crate::error::{AppError, AppResult};
use crate::service::utc;
use crate::service::Context;
use crate::service::{optional_text, parse_id, text, Caller};

// ---- buildings ----

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "3号楼", "class": "multi_storey", "construction_cost": "38400000.00", "design_life_years": 50, "handover_date": "2026-06-30"}))]
pub struct CreateBuilding {
    #[schema(max_length = 100)]
    pub name: String,
    pub class: BuildingClass,
    /// Construction and installation cost 建筑安装总造价, a decimal string in yuan.
    pub construction_cost: Money,
    /// Design reasonable service life in years (the structural warranty period, Art. 18).
    #[schema(minimum = 1, maximum = 200)]
    pub design_life_years: i32,
    /// Hand-over date 交付使用之日, from which warranty periods run; unknown until handed over.
    pub handover_date: Option<NaiveDate>,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct UpdateBuilding {
    #[schema(max_length = 100)]
    pub name: Option<String>,
    pub class: Option<BuildingClass>,
    pub construction_cost: Option<Money>,
    #[schema(minimum = 1, maximum = 200)]
    pub design_life_years: Option<i32>,
    pub handover_date: Option<NaiveDate>,
}

#[derive(Serialize, ToSchema)]
pub struct BuildingResponse {
    pub id: String,
    pub estate_id: String,
    pub name: String,
    pub class: BuildingClass,
    pub construction_cost: Money,
    pub design_life_years: i32,
    pub handover_date: Option<NaiveDate>,
    /// The estate's jurisdiction.
    pub jurisdiction: String,
    pub created_at: DateTime<Utc>,
}

fn building_response(row: BuildingRow, jurisdiction: String) -> AppResult<BuildingResponse> {
    Ok(BuildingResponse {
        id: row.id,
        estate_id: row.estate_id,
        name: row.name,
        class: row.class,
        construction_cost: Money::from_fen(row.construction_cost_fen),
        design_life_years: row.design_life_years,
        handover_date: row.handover_date,
        jurisdiction,
        created_at: utc(row.created_at),
    })
}

fn check_cost(cost: Money) -> AppResult<i64> {
    if cost.is_negative() {
        return Err(AppError::invalid("construction_cost"));
    }
    Ok(cost.to_fen())
}

fn check_life(years: i32) -> AppResult<i32> {
    // Chinese design service lives are 5, 25, 50 or 100 years; anything outside 1-200 is a typo.
    if !(1..=200).contains(&years) {
        return Err(AppError::invalid("design_life_years"));
    }
    Ok(years)
}

fn check_handover(date: NaiveDate) -> AppResult<NaiveDate> {
    let earliest = NaiveDate::from_ymd_opt(1990, 1, 1).unwrap_or(NaiveDate::MIN);
    let latest = Utc::now().date_naive() + chrono::Duration::days(5 * 366);
    if date < earliest || date > latest {
        return Err(AppError::invalid("handover_date"));
    }
    Ok(date)
}

/// Adds a building to an estate the editor may see.
pub async fn create_building(
    ctx: &Context,
    caller: &Caller,
    id: &EstateId,
    body: CreateBuilding,
) -> AppResult<BuildingResponse> {
    let (editor, estate_id) = (caller.clone(), id.clone());
    ctx.db.write(move |conn| create_building_in(conn, &editor, &estate_id, body)).await
}

/// Registers a building of an estate the editor may see, in the caller's transaction.
pub fn create_building_in(
    conn: &mut DbConnection,
    editor: &Caller,
    estate_id: &EstateId,
    req: CreateBuilding,
) -> AppResult<BuildingResponse> {
    let row = BuildingRow {
        id: reg::fresh_id(),
        estate_id: estate_id.to_string(),
        name: text(&req.name, "name", 100)?,
        class: req.class,
        construction_cost_fen: check_cost(req.construction_cost)?,
        design_life_years: check_life(req.design_life_years)?,
        handover_date: req.handover_date.map(check_handover).transpose()?,
        created_at: now(),
    };
    let scope = reg::scope(conn, &editor.viewer())?;
    let estate = reg::find_estate(conn, &scope, &row.estate_id)?;
    reg::insert_building(conn, &row)?;
    building_response(row, estate.jurisdiction)
}

/// An estate's buildings (for an owner, only those holding their units).
pub async fn list_buildings(
    ctx: &Context,
    caller: &Caller,
    id: &EstateId,
) -> AppResult<Vec<BuildingResponse>> {
    let user = caller.clone();
    let estate_id = id.to_string();
    let viewer = user.viewer();
    let (rows, jurisdiction) = ctx
        .db
        .read(move |conn| {
            let scope = reg::scope(conn, &viewer)?;
            let estate = reg::find_estate(conn, &scope, &estate_id)?;
            Ok::<_, AppError>((reg::list_buildings(conn, &scope, &estate_id)?, estate.jurisdiction))
        })
        .await?;
    rows.into_iter().map(|r| building_response(r, jurisdiction.clone())).collect()
}

/// One building.
pub async fn get_building(ctx: &Context, caller: &Caller, id: &BuildingId) -> AppResult<BuildingResponse> {
    let user = caller.clone();
    let id = id.to_string();
    let viewer = user.viewer();
    let (row, jurisdiction) = ctx
        .db
        .read(move |conn| {
            let scope = reg::scope(conn, &viewer)?;
            reg::find_building(conn, &scope, &id)
        })
        .await?;
    building_response(row, jurisdiction)
}

/// Corrects a building's registry data.
pub async fn update_building(
    ctx: &Context,
    caller: &Caller,
    id: &BuildingId,
    req: UpdateBuilding,
) -> AppResult<BuildingResponse> {
    let editor = caller.clone();
    let id = id.to_string();
    let changes = BuildingChanges {
        name: optional_text(req.name.as_deref(), "name", 100)?,
        class: req.class.map(|c| c.as_str().to_string()),
        construction_cost_fen: req.construction_cost.map(check_cost).transpose()?,
        design_life_years: req.design_life_years.map(check_life).transpose()?,
        handover_date: req.handover_date.map(check_handover).transpose()?.map(Some),
    };
    let viewer = editor.viewer();
    let (row, jurisdiction) = ctx
        .db
        .write(move |conn| {
            let scope = reg::scope(conn, &viewer)?;
            reg::find_building(conn, &scope, &id)?;
            reg::update_building(conn, &id, &changes)?;
            reg::find_building(conn, &scope, &id)
        })
        .await?;
    building_response(row, jurisdiction)
}

// ---- units ----

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUnit {
    /// The unit's number as written on the door, e.g. `2-1-301` (entrance-staircase-room).
    #[schema(max_length = 50)]
    pub number: String,
    #[schema(minimum = -10, maximum = 200)]
    pub floor: i32,
}

#[derive(Serialize, ToSchema)]
pub struct UnitResponse {
    pub id: String,
    pub building_id: String,
    pub number: String,
    pub floor: i32,
    pub created_at: DateTime<Utc>,
}

impl From<UnitRow> for UnitResponse {
    fn from(r: UnitRow) -> Self {
        UnitResponse {
            id: r.id,
            building_id: r.building_id,
            number: r.number,
            floor: r.floor,
            created_at: utc(r.created_at),
        }
    }
}

/// Adds a unit to a building.
pub async fn create_unit(
    ctx: &Context,
    caller: &Caller,
    id: &BuildingId,
    body: CreateUnit,
) -> AppResult<UnitResponse> {
    let (editor, building_id) = (caller.clone(), id.clone());
    ctx.db.write(move |conn| create_unit_in(conn, &editor, &building_id, body)).await
}

/// Registers a unit of a building the editor may see, in the caller's transaction.
pub fn create_unit_in(
    conn: &mut DbConnection,
    editor: &Caller,
    building_id: &BuildingId,
    req: CreateUnit,
) -> AppResult<UnitResponse> {
    if !(-10..=200).contains(&req.floor) {
        return Err(AppError::invalid("floor"));
    }
    let row = UnitRow {
        id: reg::fresh_id(),
        building_id: building_id.to_string(),
        number: text(&req.number, "number", 50)?,
        floor: req.floor,
        created_at: now(),
    };
    let scope = reg::scope(conn, &editor.viewer())?;
    reg::find_building(conn, &scope, &row.building_id)?;
    reg::insert_unit(conn, &row)?;
    Ok(UnitResponse::from(row))
}

/// A building's units (for an owner, only their own).
pub async fn list_units(ctx: &Context, caller: &Caller, id: &BuildingId) -> AppResult<Vec<UnitResponse>> {
    let user = caller.clone();
    let building_id = id.to_string();
    let viewer = user.viewer();
    let rows = ctx
        .db
        .read(move |conn| {
            let scope = reg::scope(conn, &viewer)?;
            reg::find_building(conn, &scope, &building_id)?;
            reg::list_units(conn, &scope, &building_id)
        })
        .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// One unit.
pub async fn get_unit(ctx: &Context, caller: &Caller, id: &UnitId) -> AppResult<UnitResponse> {
    let user = caller.clone();
    let id = id.to_string();
    let viewer = user.viewer();
    let row = ctx
        .db
        .read(move |conn| {
            let scope: Scope = reg::scope(conn, &viewer)?;
            reg::find_unit(conn, &scope, &id)
        })
        .await?;
    Ok(row.into())
}

/// Records an owner of a unit.
pub async fn add_owner(ctx: &Context, caller: &Caller, id: &UnitId, body: UserRef) -> AppResult<()> {
    let (editor, unit_id) = (caller.clone(), id.clone());
    ctx.db.write(move |conn| add_owner_in(conn, &editor, &unit_id, body)).await
}

/// Records an owner of a unit the editor may see, in the caller's transaction; again changes nothing.
pub fn add_owner_in(
    conn: &mut DbConnection,
    editor: &Caller,
    unit_id: &UnitId,
    req: UserRef,
) -> AppResult<()> {
    let user_id = parse_id(&req.user_id)?;
    let scope = reg::scope(conn, &editor.viewer())?;
    reg::find_unit(conn, &scope, unit_id)?;
    if reg::user_role(conn, &user_id)? != Some(Role::Owner) {
        return Err(AppError::invalid("user_id"));
    }
    Ok(reg::add_unit_owner(conn, unit_id, &user_id)?)
}

/// The caller's own units (owners).
pub async fn my_units(ctx: &Context, caller: &Caller) -> AppResult<Vec<UnitResponse>> {
    let user = caller.clone();
    let id = user.id.clone();
    let rows = ctx.db.read(move |conn| reg::my_units(conn, &id)).await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct UpdateUnit {
    #[schema(max_length = 50)]
    pub number: Option<String>,
    #[schema(minimum = -10, maximum = 200)]
    pub floor: Option<i32>,
}

/// Corrects a unit's number or floor.
pub async fn update_unit(
    ctx: &Context,
    caller: &Caller,
    id: &UnitId,
    body: UpdateUnit,
) -> AppResult<UnitResponse> {
    let editor = caller.clone();
    let id = id.to_string();
    if body.floor.is_some_and(|f| !(-10..=200).contains(&f)) {
        return Err(AppError::invalid("floor"));
    }
    let changes =
        UnitChanges { number: optional_text(body.number.as_deref(), "number", 50)?, floor: body.floor };
    let viewer = editor.viewer();
    let row = ctx
        .db
        .write(move |conn| {
            let scope = reg::scope(conn, &viewer)?;
            reg::find_unit(conn, &scope, &id)?;
            reg::update_unit(conn, &id, &changes)?;
            reg::find_unit(conn, &scope, &id)
        })
        .await?;
    Ok(row.into())
}

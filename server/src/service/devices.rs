//! Phones enroll as devices: an id and an Ed25519 public key bound to the account, so what the
//! phone signs offline (owner confirmations, sync batches) can be checked later.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::accounts::{self, now, DeviceRow};
use crate::db::{DbConnection, StoreError};
use crate::domain::ids::DeviceId;
use crate::domain::registry::Role;
use crate::error::{AppError, AppResult};
use crate::messages::Code;
use crate::service::utc;
use crate::service::Context;
use crate::service::{parse_id, Caller};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnrollDevice {
    /// A UUID the phone generated once and keeps.
    #[schema(format = Uuid)]
    pub device_id: String,
    /// A name the person recognises, e.g. "王师傅的手机".
    #[schema(min_length = 1, max_length = 100, example = "王师傅的手机")]
    pub name: String,
    /// The 32-byte Ed25519 public key, standard base64.
    #[schema(example = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=")]
    pub public_key: String,
}

#[derive(Serialize, ToSchema)]
pub struct DeviceResponse {
    pub id: String,
    pub name: String,
    pub public_key: String,
    pub enrolled_at: DateTime<Utc>,
    pub retired_at: Option<DateTime<Utc>>,
}

impl From<DeviceRow> for DeviceResponse {
    fn from(d: DeviceRow) -> Self {
        DeviceResponse {
            id: d.id,
            name: d.name,
            public_key: d.public_key,
            enrolled_at: utc(d.enrolled_at),
            retired_at: d.retired_at.map(utc),
        }
    }
}

/// Parses a base64 Ed25519 public key, refusing anything that is not a valid curve point.
pub fn parse_public_key(text: &str) -> AppResult<ed25519_dalek::VerifyingKey> {
    let bytes = STANDARD.decode(text.trim()).map_err(|_| AppError::new(Code::InvalidDeviceKey))?;
    let bytes: [u8; 32] = bytes.try_into().map_err(|_| AppError::new(Code::InvalidDeviceKey))?;
    let key =
        ed25519_dalek::VerifyingKey::from_bytes(&bytes).map_err(|_| AppError::new(Code::InvalidDeviceKey))?;
    // A weak (small-order) key would let anyone forge signatures that verify.
    if key.is_weak() {
        return Err(AppError::new(Code::InvalidDeviceKey));
    }
    Ok(key)
}

/// Enrolls the caller's phone.
pub async fn enroll(ctx: &Context, caller: &Caller, req: EnrollDevice) -> AppResult<DeviceResponse> {
    let holder = caller.clone();
    let key = parse_public_key(&req.public_key)?;
    // A NUL failed the write on PostgreSQL (500) and other control characters were stored.
    let name = crate::service::text(&req.name, "name", 100)?;
    let row = DeviceRow {
        id: parse_id(&req.device_id)?,
        user_id: holder.id.clone(),
        name,
        public_key: STANDARD.encode(key.as_bytes()),
        enrolled_at: now(),
        retired_at: None,
    };
    let saved = row.clone();
    ctx.db
        .write(move |conn| match accounts::insert_device(conn, &saved) {
            // A device id is never moved between accounts, silently or not.
            Err(StoreError::Duplicate(_)) => Err(AppError::new(Code::DeviceAlreadyEnrolled)),
            done => Ok(done?),
        })
        .await?;
    Ok(DeviceResponse::from(row))
}

/// The caller's devices, retired ones included.
pub async fn list(ctx: &Context, caller: &Caller) -> AppResult<Vec<DeviceResponse>> {
    let id = caller.id.clone();
    let rows = ctx.db.read(move |conn| accounts::list_devices(conn, &id)).await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// Retires a device (a lost or replaced phone): its owner or an administrator may.
pub async fn retire(ctx: &Context, caller: &Caller, id: &DeviceId) -> AppResult<()> {
    let user = caller.clone();
    let id = id.to_string();
    ctx.db
        .write(move |conn| {
            let device = accounts::find_device(conn, &id)?.ok_or(AppError::new(Code::NotFound))?;
            if device.user_id != user.id && user.role != Role::Admin {
                return Err(AppError::new(Code::NotFound));
            }
            accounts::retire_device(conn, &id).map_err(AppError::from)
        })
        .await
}

/// The caller's enrolled, unretired phone named by `device_id`, if any; otherwise `invalid_input`.
pub fn own_device(
    conn: &mut DbConnection,
    user: &Caller,
    device_id: Option<&str>,
) -> AppResult<Option<String>> {
    let Some(raw) = device_id else { return Ok(None) };
    let id = parse_id(raw)?;
    match accounts::active_device_of(conn, &user.id, &id)? {
        Some(_) => Ok(Some(id)),
        _ => Err(AppError::invalid("device_id")),
    }
}

//! Phones enroll as devices over REST. Each handler calls one use case in `service::devices`.

use actix_web::{delete, get, post, web, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::{AuthUser, DeviceHolder};
use crate::domain::ids::DeviceId;
use crate::error::AppResult;
use crate::service::devices::{self, DeviceResponse, EnrollDevice};
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(enroll).service(list).service(retire);
}

/// Enrolls the caller's phone.
#[utoipa::path(tag = "devices", request_body = EnrollDevice, responses((status = 201, body = DeviceResponse), (status = 409, description = "device_already_enrolled")), security(("bearer" = [])))]
#[post("/devices")]
async fn enroll(
    state: web::Data<AppState>,
    holder: DeviceHolder,
    body: web::Json<EnrollDevice>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Created().json(devices::enroll(&state, &holder, body.into_inner()).await?))
}

/// The caller's devices, retired ones included.
#[utoipa::path(tag = "devices", responses((status = 200, body = [DeviceResponse])), security(("bearer" = [])))]
#[get("/devices")]
async fn list(state: web::Data<AppState>, user: AuthUser) -> AppResult<web::Json<Vec<DeviceResponse>>> {
    Ok(web::Json(devices::list(&state, &user).await?))
}

/// Retires a device (a lost or replaced phone): its owner or an administrator may.
#[utoipa::path(tag = "devices", params(("id" = uuid::Uuid, Path)), responses((status = 204), (status = 404)), security(("bearer" = [])))]
#[delete("/devices/{id}")]
async fn retire(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<DeviceId>,
) -> AppResult<HttpResponse> {
    devices::retire(&state, &user, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

//! Evidence on claims over REST: attaching an uploaded file, and the reviewer's list with EXIF,
//! plausibility flags and signed links. Each handler calls one use case in `service::evidence`.

use actix_web::{get, post, web, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::AuthUser;
use crate::domain::ids::ClaimId;
use crate::error::AppResult;
use crate::service::evidence::{self, AttachEvidence, EvidenceItem};
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(attach).service(list);
}

/// Attaches an uploaded file to a claim. Attaching the same file again changes nothing.
#[utoipa::path(tag = "claims", params(("id" = uuid::Uuid, Path)), request_body = AttachEvidence, responses((status = 201, description = "Attached"), (status = 200, description = "Already attached"), (status = 422, description = "file_not_found, claim_quota_exceeded")), security(("bearer" = [])))]
#[post("/claims/{id}/evidence")]
async fn attach(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<ClaimId>,
    body: web::Json<AttachEvidence>,
) -> AppResult<HttpResponse> {
    let added = evidence::attach(&state, &user, &id, body.into_inner()).await?;
    Ok(if added { HttpResponse::Created() } else { HttpResponse::Ok() }
        .json(serde_json::json!({"attached": true})))
}

/// A claim's evidence for a reviewer: each file with its EXIF, the device's report, what it is
/// linked to, plausibility flags, and links valid for a few minutes.
#[utoipa::path(tag = "claims", params(("id" = uuid::Uuid, Path)), responses((status = 200, body = Vec<EvidenceItem>)), security(("bearer" = [])))]
#[get("/claims/{id}/evidence")]
async fn list(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<ClaimId>,
) -> AppResult<web::Json<Vec<EvidenceItem>>> {
    Ok(web::Json(evidence::list(&state, &user, &id).await?))
}

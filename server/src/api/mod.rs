//! The HTTP edge: thin handlers that extract, call the database or domain, and map the result.
//! Everything lives under `/api/v1`; the OpenAPI document is built from the same registrations that
//! route requests, so a route cannot exist without appearing in it.

mod accounts;
mod claims;
pub use accounts::valid_username;
mod devices;
mod evidence;
mod files;
mod fund;
mod health;
pub mod middleware;
mod notifications;
mod registry;
mod sync;
mod sync_kinds;
mod sync_pull;
mod work_orders;

use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::{web, HttpRequest};
use serde::{Deserialize, Serialize};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_actix_web::AppExt;

use crate::error::{AppError, AppResult};
use crate::messages::Code;

#[derive(OpenApi)]
#[openapi(
    info(title = "Baoxiu API", description = "Warranty-fund repair claims for Shandong housing bureaus."),
    modifiers(&BearerAuth),
    components(schemas(crate::error::ErrorBody))
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build(),
            ),
        );
    }
}

/// Registers every route: the health probes at the root, the API under `/api/v1`.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(health::health)
        .service(health::ready)
        .service(utoipa_actix_web::scope("/api/sync").configure(sync::routes).configure(sync_pull::routes))
        .service(
            utoipa_actix_web::scope("/api/v1")
                .configure(accounts::routes)
                .configure(claims::routes)
                .configure(evidence::routes)
                .configure(files::routes)
                .configure(registry::routes)
                .configure(devices::routes)
                .configure(work_orders::routes)
                .configure(notifications::routes)
                .configure(fund::routes),
        );
}

/// The OpenAPI document, built from [`routes`].
pub fn openapi() -> utoipa::openapi::OpenApi {
    actix_web::App::new().into_utoipa_app().openapi(ApiDoc::openapi()).configure(routes).split_for_parts().1
}

/// JSON bodies: size limit, and every parse failure as a coded 4xx.
pub fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default().limit(limit).error_handler(|err, _req: &HttpRequest| {
        let app = match &err {
            JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
                AppError::new(Code::PayloadTooLarge)
            }
            JsonPayloadError::ContentType => AppError::new(Code::UnsupportedMediaType),
            JsonPayloadError::Deserialize(e) => AppError::new(Code::MalformedJson).detail(e.to_string()),
            _ => AppError::new(Code::MalformedJson),
        };
        app.into()
    })
}

/// Path segments that fail to parse are `invalid_id`.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|_err: PathError, _req| AppError::new(Code::InvalidId).into())
}

/// Query strings that fail to parse are `invalid_input`.
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err: QueryPayloadError, _req| {
        AppError::new(Code::InvalidInput).detail(err.to_string()).into()
    })
}

/// Unknown routes answer in the API's error shape.
pub async fn no_such_route() -> AppResult<actix_web::HttpResponse> {
    Err(AppError::new(Code::NoSuchRoute))
}

/// A path id: a UUID, returned in canonical form; anything else is `invalid_id`.
pub fn parse_id(raw: &str) -> AppResult<String> {
    uuid::Uuid::parse_str(raw).map(|u| u.hyphenated().to_string()).map_err(|_| AppError::new(Code::InvalidId))
}

/// A required text field: trimmed, not empty, at most `max` characters; otherwise
/// `invalid_input` naming the field.
pub fn text(value: &str, field: &str, max: usize) -> AppResult<String> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > max {
        return Err(AppError::invalid(field));
    }
    Ok(value.to_string())
}

/// An optional text field: absent stays absent, present follows [`text`].
pub fn optional_text(value: Option<&str>, field: &str, max: usize) -> AppResult<Option<String>> {
    value.map(|v| text(v, field, max)).transpose()
}

/// `?limit=&offset=` paging, at most 200 rows a page.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct Page {
    /// Rows per page, 1 to 200; default 50.
    pub limit: Option<i64>,
    /// Rows to skip; default 0.
    pub offset: Option<i64>,
}

impl Page {
    /// `(limit, offset)`, checked.
    pub fn bounds(&self) -> AppResult<(i64, i64)> {
        let limit = self.limit.unwrap_or(50);
        let offset = self.offset.unwrap_or(0);
        if !(1..=200).contains(&limit) {
            return Err(AppError::invalid("limit"));
        }
        if offset < 0 {
            return Err(AppError::invalid("offset"));
        }
        Ok((limit, offset))
    }
}

/// A list with its paging.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub limit: i64,
    pub offset: i64,
}

/// Times on the wire: RFC 3339 in UTC.
pub fn utc(t: chrono::NaiveDateTime) -> chrono::DateTime<chrono::Utc> {
    t.and_utc()
}

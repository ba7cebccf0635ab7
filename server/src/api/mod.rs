//! The HTTP edge: thin handlers that extract, call one use case in `service`, and map the result.
//! Everything lives under `/api/v1`; the OpenAPI document is built from the same registrations that
//! route requests, so a route cannot exist without appearing in it.

mod accounts;
mod claims;

mod devices;
mod documents;
mod evidence;
mod files;
mod fund;
mod health;
pub mod middleware;
mod notifications;
mod recurrence;
mod registry;
mod sync;
mod sync_pull;
mod work_orders;

use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::{web, HttpRequest};
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
    components(schemas(crate::error::ErrorBody, crate::media::store::Variant))
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
        .service(health::metrics)
        .service(
            utoipa_actix_web::scope("/api/sync")
                // A push may carry up to the advertised batch size, above the general JSON limit.
                .app_data(json_config(crate::service::sync::LIMITS.max_batch_bytes as usize))
                .configure(sync::routes)
                .configure(sync_pull::routes),
        )
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
                .configure(fund::routes)
                .configure(documents::routes)
                .configure(recurrence::routes),
        );
}

/// The OpenAPI document, built from [`routes`], with the refusals every operation may answer.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = actix_web::App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(routes)
        .split_for_parts()
        .1;
    add_common_refusals(&mut doc);
    mark_ids_as_uuids(&mut doc);
    doc
}

/// Every id in Baoxiu is a UUID (v7): path parameters named `id` or `…_id`, and such fields of the
/// schemas, say so, so that a client (or a fuzzer) knows what the server accepts.
fn mark_ids_as_uuids(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::schema::{Schema, SchemaFormat, SchemaType, Type};
    use utoipa::openapi::RefOr;
    fn is_id(name: &str) -> bool {
        name == "id" || name.ends_with("_id")
    }
    fn uuid(schema: &mut RefOr<Schema>) {
        if let RefOr::T(Schema::Object(object)) = schema {
            let string = match &object.schema_type {
                SchemaType::Type(t) => *t == Type::String,
                SchemaType::Array(types) => types.contains(&Type::String),
                SchemaType::AnyValue => false,
            };
            if string && object.format.is_none() {
                object.format = Some(SchemaFormat::Custom("uuid".into()));
            }
        }
    }
    for item in doc.paths.paths.values_mut() {
        let operations =
            [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.head, &mut item.patch];
        for operation in operations.into_iter().flatten() {
            for parameter in operation.parameters.iter_mut().flatten() {
                if is_id(&parameter.name) {
                    parameter.schema.as_mut().map(uuid);
                }
            }
        }
    }
    if let Some(components) = doc.components.as_mut() {
        for schema in components.schemas.values_mut() {
            if let RefOr::T(Schema::Object(object)) = schema {
                for (name, property) in object.properties.iter_mut() {
                    if is_id(name) {
                        uuid(property);
                    }
                }
            }
        }
    }
}

/// Every operation may be refused in the API's error shape: bad input, no or a wrong session, a
/// role or party that may not, nothing in sight, a step out of order, a body too large, too slow or
/// of the wrong type, a rule refusing it, too many attempts, a server too busy. Documented once
/// here rather than on each handler, so that the document says what the server answers.
fn add_common_refusals(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    let refusals = [
        ("400", "invalid_input, invalid_id, malformed_json"),
        ("401", "unauthenticated, session_revoked"),
        ("403", "forbidden, step_not_for_role"),
        ("404", "not_found"),
        ("408", "body_timeout"),
        ("409", "step_out_of_order, stale_version"),
        ("413", "payload_too_large"),
        ("415", "unsupported_media_type"),
        ("422", "a rule refuses it"),
        ("429", "too_many_attempts"),
        ("503", "service_unavailable"),
    ];
    for item in doc.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.options,
            &mut item.head,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            for (status, codes) in refusals {
                operation.responses.responses.entry(status.to_string()).or_insert_with(|| {
                    let body = ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody"))).build();
                    ResponseBuilder::new().description(codes).content("application/json", body).build().into()
                });
            }
        }
    }
}

/// JSON bodies: size limit, and every parse failure as a coded 4xx.
pub fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default().limit(limit).error_handler(|err, _req: &HttpRequest| {
        let app = match &err {
            JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
                AppError::new(Code::PayloadTooLarge)
            }
            JsonPayloadError::ContentType => AppError::new(Code::UnsupportedMediaType),
            JsonPayloadError::Payload(e) if middleware::timed_out(e) => AppError::new(Code::BodyTimeout),
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

/// The API's paths as its document declares them, with the methods each takes: a request to one
/// of them with another method is 405 with `Allow`, not 404.
pub struct KnownPaths(Vec<(Vec<String>, Vec<String>)>);

impl KnownPaths {
    pub fn of(doc: &utoipa::openapi::OpenApi) -> KnownPaths {
        let value = serde_json::to_value(doc).unwrap_or_default();
        let paths = value["paths"].as_object().cloned().unwrap_or_default();
        KnownPaths(
            paths
                .iter()
                .map(|(path, item)| {
                    let segments = path.split('/').map(str::to_owned).collect();
                    let mut methods: Vec<String> = item
                        .as_object()
                        .map(|m| m.keys().map(|k| k.to_uppercase()).collect())
                        .unwrap_or_default();
                    methods.sort();
                    (segments, methods)
                })
                .collect(),
        )
    }

    /// The methods the path takes, if the document has it.
    fn allowed(&self, path: &str) -> Option<String> {
        let asked: Vec<&str> = path.split('/').collect();
        self.0
            .iter()
            .find(|(template, _)| {
                template.len() == asked.len()
                    && template
                        .iter()
                        .zip(&asked)
                        .all(|(t, a)| t == a || (t.starts_with('{') && !a.is_empty()))
            })
            .map(|(_, methods)| methods.join(", "))
    }
}

/// Unknown routes answer in the API's error shape: 405 with `Allow` for a path the API has under
/// other methods (TRACE included), 404 for any other.
pub async fn no_such_route(
    req: actix_web::HttpRequest,
    known: Option<web::Data<KnownPaths>>,
) -> AppResult<actix_web::HttpResponse> {
    match known.and_then(|k| k.allowed(req.path())) {
        Some(allow) => {
            let body = AppError::new(Code::MethodNotAllowed);
            let mut response = actix_web::ResponseError::error_response(&body);
            if let Ok(value) = actix_web::http::header::HeaderValue::from_str(&allow) {
                response.headers_mut().insert(actix_web::http::header::ALLOW, value);
            }
            Ok(response)
        }
        None => Err(AppError::new(Code::NoSuchRoute)),
    }
}

pub use crate::service::{Page, Paged};

#[cfg(test)]
mod tests {
    use serde::de::DeserializeOwned;
    use serde_json::Value;

    use crate::service::accounts::CreateUserRequest;
    use crate::service::claims::{
        ApproveRequest, CostSheetRequest, DeveloperReply, DeveloperUnableRequest, DisputeSignatureRequest,
        FileClaim, PayRequest, ReturnVisitRequest, StepRequest, SubmitCostSheetRequest, VerifyRequest,
    };
    use crate::service::evidence::AttachEvidence;
    use crate::service::fund::InterestRunRequest;
    use crate::service::registry::{CommitteeRequest, CreateBuilding, CreateEstate, NewMember};
    use crate::service::work_orders::{ScheduleRequest, SiteReport};

    fn parses<T: DeserializeOwned>(example: Value) -> Result<(), String> {
        serde_json::from_value::<T>(example).map(drop).map_err(|e| e.to_string())
    }

    /// The document's request examples are what a reader copies and what the fuzzer sends first
    /// (scripts/schemathesis): each is a request its type accepts.
    #[test]
    fn every_request_example_in_the_document_is_accepted_by_its_type() {
        type Check = fn(Value) -> Result<(), String>;
        let checks: &[(&str, Check)] = &[
            ("StepRequest", parses::<StepRequest>),
            ("ApproveRequest", parses::<ApproveRequest>),
            ("DeveloperReply", parses::<DeveloperReply>),
            ("DeveloperUnableRequest", parses::<DeveloperUnableRequest>),
            ("VerifyRequest", parses::<VerifyRequest>),
            ("SubmitCostSheetRequest", parses::<SubmitCostSheetRequest>),
            ("CostSheetRequest", parses::<CostSheetRequest>),
            ("DisputeSignatureRequest", parses::<DisputeSignatureRequest>),
            ("PayRequest", parses::<PayRequest>),
            ("ReturnVisitRequest", parses::<ReturnVisitRequest>),
            ("FileClaim", parses::<FileClaim>),
            ("CreateEstate", parses::<CreateEstate>),
            ("CreateBuilding", parses::<CreateBuilding>),
            ("NewMember", parses::<NewMember>),
            ("CommitteeRequest", parses::<CommitteeRequest>),
            ("CreateUserRequest", parses::<CreateUserRequest>),
            ("SiteReport", parses::<SiteReport>),
            ("ScheduleRequest", parses::<ScheduleRequest>),
            ("AttachEvidence", parses::<AttachEvidence>),
            ("InterestRunRequest", parses::<InterestRunRequest>),
        ];
        let doc = serde_json::to_value(super::openapi()).unwrap();
        let mut checked = 0;
        for (name, schema) in doc["components"]["schemas"].as_object().unwrap() {
            let Some(example) = schema.get("example") else { continue };
            let (_, check) = checks
                .iter()
                .find(|(n, _)| n == name)
                .unwrap_or_else(|| panic!("{name} has an example and no check here"));
            check(example.clone()).unwrap_or_else(|e| panic!("{name}'s example is refused: {e}"));
            checked += 1;
        }
        assert_eq!(checked, checks.len(), "every example checked is in the document");
    }
}

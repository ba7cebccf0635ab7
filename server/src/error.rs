//! The one error type of the service, and its JSON shape at the API edge:
//! `{"error": "snake_case_code", "message": "…", "detail": "…"?}`.
//!
//! Causes (database errors, I/O) are logged, never sent: the caller gets the code and its text.

use std::fmt;

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::messages::{Code, Hint, Lang};

mod refusals;

/// An error that ends a request. Build it from a [`Code`]; add a `detail` only for facts the caller
/// can act on (which field, which limit), never for internals.
#[derive(Debug)]
pub struct AppError {
    /// What went wrong, as a stable code.
    pub code: Code,
    /// A short, non-sentence fact for the caller, such as the name of the offending field.
    pub detail: Option<String>,
    /// Seconds after which the caller may retry (429 and 503).
    pub retry_after: Option<u64>,
    /// The underlying cause, for the log only.
    pub cause: Option<anyhow::Error>,
    /// What is being refused and how to get past it, for a person (see [`Explanation`]).
    pub explanation: Option<Box<Explanation>>,
}

/// Why a step was refused, for a person to act on: the rule, where the claim stands, what it can
/// do instead, and what would make the request pass, in the caller's language.
#[derive(Debug, Clone, Default)]
pub struct Explanation {
    /// The article that refuses it, e.g. `Art. 17`.
    pub rule: Option<String>,
    /// The claim's state, e.g. `developer_asked`.
    pub state: Option<&'static str>,
    /// The steps the claim can take now.
    pub allowed: Vec<&'static str>,
    /// What would make it pass.
    pub hint: Option<Hint>,
}

/// `Result` with [`AppError`].
pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    /// An error with just a code.
    pub fn new(code: Code) -> Self {
        AppError { code, detail: None, retry_after: None, cause: None, explanation: None }
    }

    /// Adds a short fact for the caller.
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// Says what would make the request pass.
    pub fn hint(mut self, hint: Hint) -> Self {
        self.explanation.get_or_insert_with(Default::default).hint = Some(hint);
        self
    }

    /// Names the rule, the claim's state and the steps it can take now.
    pub fn standing(
        mut self,
        rule: impl Into<String>,
        state: &'static str,
        allowed: Vec<&'static str>,
    ) -> Self {
        let e = self.explanation.get_or_insert_with(Default::default);
        e.rule = Some(rule.into());
        e.state = Some(state);
        e.allowed = allowed;
        self
    }

    /// Asks the caller to wait this many seconds.
    pub fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    /// An internal error with its cause, which goes to the log only.
    pub fn internal(cause: impl Into<anyhow::Error>) -> Self {
        AppError { cause: Some(cause.into()), ..AppError::new(Code::Internal) }
    }

    /// `invalid_input` naming the field at fault.
    pub fn invalid(field: &str) -> Self {
        AppError::new(Code::InvalidInput).detail(field)
    }

    /// The response body in the given language.
    pub fn body(&self, lang: Lang) -> ErrorBody<'_> {
        let e = self.explanation.as_deref();
        ErrorBody {
            error: self.code,
            message: self.code.text(lang),
            detail: self.detail.as_deref(),
            rule: e.and_then(|e| e.rule.as_deref()),
            state: e.and_then(|e| e.state),
            allowed: e.map(|e| e.allowed.clone()).filter(|a| !a.is_empty()),
            hint: e.and_then(|e| e.hint).map(|h| h.text(lang)),
        }
    }

    /// The response in the given language.
    pub fn response(&self, lang: Lang) -> HttpResponse {
        let mut builder = HttpResponse::build(self.status_code());
        if let Some(seconds) = self.retry_after {
            builder.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        builder.json(self.body(lang))
    }
}

/// The JSON every error answers with.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody<'a> {
    /// Stable snake_case code, for programs.
    #[schema(value_type = String, example = "not_found")]
    pub error: Code,
    /// Text for people, in zh-CN or English per `Accept-Language`.
    pub message: &'a str,
    /// Which field or limit, where that helps the caller fix the request: machine-readable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<&'a str>,
    /// The article that refuses it, e.g. `Art. 17`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<&'a str>,
    /// Where the claim stands, e.g. `developer_asked`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<&'a str>,
    /// The steps the claim can take now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed: Option<Vec<&'a str>>,
    /// What would make the request pass, in the caller's language.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<&'a str>,
}

impl From<Code> for AppError {
    fn from(code: Code) -> Self {
        AppError::new(code)
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.code.as_str())?;
        if let Some(detail) = &self.detail {
            write!(f, " ({detail})")?;
        }
        if let Some(cause) = &self.cause {
            write!(f, ": {cause:#}")?;
        }
        Ok(())
    }
}

impl std::error::Error for AppError {}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// Chinese by default; the language middleware re-renders in English where the caller asks.
    fn error_response(&self) -> HttpResponse {
        if self.code == Code::Internal || self.code == Code::ServiceUnavailable {
            tracing::error!(error = %self, "request failed");
        }
        self.response(Lang::ZhCn)
    }
}

impl From<crate::auth::throttle::PoolBusy> for AppError {
    fn from(_: crate::auth::throttle::PoolBusy) -> AppError {
        AppError::new(Code::ServiceUnavailable).retry_after(1)
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(err: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match &err {
            Error::NotFound => AppError::new(Code::NotFound),
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                AppError { cause: Some(err.into()), ..AppError::new(Code::AlreadyExists) }
            }
            Error::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => {
                AppError { cause: Some(err.into()), ..AppError::new(Code::NotFound) }
            }
            // SQLite reports a writer that waited out its busy timeout as "database is locked".
            Error::DatabaseError(_, info) if info.message().contains("locked") => {
                AppError { cause: Some(err.into()), ..AppError::new(Code::ServiceUnavailable) }.retry_after(1)
            }
            _ => AppError::internal(err),
        }
    }
}

impl From<r2d2_error::PoolError> for AppError {
    fn from(err: r2d2_error::PoolError) -> Self {
        AppError { cause: Some(err.into()), ..AppError::new(Code::ServiceUnavailable) }.retry_after(1)
    }
}

mod r2d2_error {
    pub use diesel::r2d2::PoolError;
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::MessageBody;

    fn rendered(code: Code, lang: Lang) -> (u16, serde_json::Value) {
        let res = AppError::new(code).response(lang);
        let status = res.status().as_u16();
        let bytes = res.into_body().try_into_bytes().unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    /// Pins every code's status and JSON in both languages: changing one is a visible API change.
    #[test]
    fn every_code_has_a_pinned_status_and_body() {
        let table: Vec<serde_json::Value> = Code::ALL
            .iter()
            .map(|&code| {
                let (status, zh) = rendered(code, Lang::ZhCn);
                let (status_en, en) = rendered(code, Lang::En);
                assert_eq!(status, status_en);
                assert_eq!(zh["error"], code.as_str());
                serde_json::json!({"status": status, "zh-CN": zh, "en": en})
            })
            .collect();
        insta::assert_json_snapshot!(table);
    }

    #[test]
    fn details_and_retry_after_reach_the_caller_but_causes_do_not() {
        let err = AppError::internal(anyhow::anyhow!("password=hunter2 connection refused"));
        let (_, body) = rendered(Code::Internal, Lang::En);
        assert!(!body.to_string().contains("hunter2"));
        assert!(err.to_string().contains("hunter2"), "the cause is kept for the log");
        let res = AppError::new(Code::TooManyAttempts).retry_after(30).response(Lang::ZhCn);
        assert_eq!(res.headers().get("retry-after").unwrap(), "30");
        let invalid = AppError::invalid("floor");
        assert_eq!(invalid.body(Lang::En).detail, Some("floor"));
    }

    #[test]
    fn database_errors_map_to_codes() {
        assert_eq!(AppError::from(diesel::result::Error::NotFound).code, Code::NotFound);
        assert_eq!(AppError::from(diesel::result::Error::RollbackTransaction).code, Code::Internal);
    }
}

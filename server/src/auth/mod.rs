//! Who is calling: passwords, tokens, sign-in throttling, and the extractors that make a handler's
//! permission part of its signature. A handler that takes [`Reviewer`] cannot be reached by an owner.

pub mod password;
pub mod throttle;
pub mod tokens;

use std::future::Future;
use std::pin::Pin;

use actix_web::http::header::{ACCEPT_LANGUAGE, AUTHORIZATION};
use actix_web::{web, FromRequest, HttpRequest};

use crate::domain::registry::Role;
use crate::error::AppError;
use crate::messages::{Code, Lang};
use crate::service::accounts;
use crate::state::AppState;

/// The caller of a request: the services' [`Caller`](crate::service::Caller), read from the
/// bearer token and the live session.
pub use crate::service::Caller as AuthUser;

/// The address sign-in throttling counts against: the peer's, or the one the configured proxies
/// saw ([`throttle::client_address`]). The API's and the pages' sign-in alike.
pub fn client_address(req: &HttpRequest, state: &AppState) -> std::net::IpAddr {
    let forwarded: Vec<&str> =
        req.headers().get_all("x-forwarded-for").filter_map(|v| v.to_str().ok()).collect();
    throttle::client_address(req.peer_addr().map(|a| a.ip()), &forwarded, state.config.trusted_proxy_hops)
}

/// How a request proves who sends it: a bearer token, or, from this server's own pages, the
/// browser's session cookie with the session's CSRF token in `X-CSRF-Token` (another site's page
/// can send the cookie, never that header).
enum Credential {
    Bearer(String),
    Page { token: String, csrf: String },
}

/// The pages' session cookie: an access token of the same session table as bearer tokens.
pub const SESSION_COOKIE: &str = "baoxiu_session";

/// The page scripts' header carrying the session's CSRF token.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The account a request's bearer token names, if its signature and expiry hold (whether its
/// session is still live is the handler's to check; this is for counting, not for trust).
pub fn bearer_subject(req: &HttpRequest, state: &AppState) -> Option<String> {
    match credential(req) {
        Ok(Credential::Bearer(token)) => state.tokens.verify(&token).ok().map(|claims| claims.sub),
        _ => None,
    }
}

fn credential(req: &HttpRequest) -> Result<Credential, AppError> {
    let Some(value) = req.headers().get(AUTHORIZATION) else {
        let csrf = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok());
        let cookie = req.cookie(SESSION_COOKIE);
        return match (cookie, csrf) {
            (Some(cookie), Some(csrf)) => {
                Ok(Credential::Page { token: cookie.value().to_string(), csrf: csrf.trim().to_string() })
            }
            _ => Err(AppError::new(Code::Unauthenticated)),
        };
    };
    let value = value.to_str().map_err(|_| AppError::new(Code::InvalidToken))?;
    let (scheme, token) = value.split_once(' ').ok_or(AppError::new(Code::InvalidToken))?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(AppError::new(Code::InvalidToken));
    }
    Ok(Credential::Bearer(token.trim().to_string()))
}

impl FromRequest for AuthUser {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let credential = credential(req);
        let lang =
            Lang::from_accept_language(req.headers().get(ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()));
        Box::pin(async move {
            let state = state.ok_or_else(|| AppError::internal(anyhow::anyhow!("no app state")))?;
            match credential? {
                Credential::Bearer(token) => {
                    caller_of_token(&state, &token, lang, false).await.map(|(caller, _, _)| caller)
                }
                Credential::Page { token, csrf } => {
                    let (caller, _, _) = caller_of_token(&state, &token, lang, false).await?;
                    if !state.tokens.csrf_matches(&caller.session_id, &csrf) {
                        return Err(AppError::new(Code::CsrfRefused));
                    }
                    Ok(caller)
                }
            }
        })
    }
}

/// The caller a token names, with the token's claims, if its session is still live and belongs
/// to the token's subject (`service::accounts::caller_of_session`); with `unread`, also the
/// caller's unread notifications. The API's bearer tokens and the pages' session cookies alike.
pub async fn caller_of_token(
    state: &AppState,
    token: &str,
    lang: Lang,
    unread: bool,
) -> Result<(AuthUser, tokens::Claims, Option<i64>), AppError> {
    let claims = state.tokens.verify(token).map_err(AppError::new)?;
    let (session_id, subject) = (claims.sid.clone(), claims.sub.clone());
    let (caller, count) = accounts::caller_of_session(&state.db, session_id, subject, lang, unread).await?;
    Ok((caller, claims, count))
}

/// Declares an extractor that admits only the listed roles; others get 403 `forbidden`.
macro_rules! role_guard {
    ($(#[$doc:meta])* $name:ident: $($role:ident)|+) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $name(pub AuthUser);

        impl $name {
            /// The roles this guard admits.
            pub const ROLES: &'static [Role] = &[$(Role::$role),+];
        }

        impl FromRequest for $name {
            type Error = AppError;
            type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

            fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
                let user = AuthUser::from_request(req, payload);
                Box::pin(async move {
                    let user = user.await?;
                    if Self::ROLES.contains(&user.role) {
                        Ok($name(user))
                    } else {
                        Err(AppError::new(Code::Forbidden))
                    }
                })
            }
        }

        impl std::ops::Deref for $name {
            type Target = AuthUser;
            fn deref(&self) -> &AuthUser {
                &self.0
            }
        }
    };
}

role_guard!(
    /// The installation's administrator.
    Admin: Admin
);
role_guard!(
    /// Someone who may change the registry: an administrator, or a bureau reviewer within their
    /// jurisdiction.
    RegistryEditor: Admin | Reviewer
);
role_guard!(
    /// A housing-bureau reviewer.
    Reviewer: Reviewer
);
role_guard!(
    /// Anyone whose work takes them to sites with a phone: technicians, property managers and
    /// owners may enroll devices; so may reviewers inspecting on site.
    DeviceHolder: Technician | PropertyManager | Owner | Reviewer
);
role_guard!(
    /// Someone who may file a claim: an owner for their unit, the property manager for common
    /// parts (Art. 20), either of them for an emergency advance (Art. 25).
    ClaimApplicant: Owner | PropertyManager
);
role_guard!(
    /// Developer staff.
    DeveloperStaff: Developer
);
role_guard!(
    /// Whoever reads recurring defects: the bureau for its jurisdictions, a developer for its
    /// buildings, the administrator for all.
    InsightReader: Admin | Reviewer | Developer
);
role_guard!(
    /// Staff of a repair unit: technicians, or property-manager staff where the bureau designated
    /// the property manager to repair (Art. 21).
    RepairUnitStaff: Technician | PropertyManager
);

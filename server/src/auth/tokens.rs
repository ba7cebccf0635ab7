//! Access tokens (short-lived HS256 JWTs) and refresh tokens (opaque, stored hashed).

use std::path::Path;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::Config;
use crate::messages::Code;

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The user id.
    pub sub: String,
    /// The session (login) the token belongs to; revoking it ends the token at once.
    pub sid: String,
    /// The role at issue time, informational: the server re-reads the role on every request.
    pub role: String,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    /// A unique id per token.
    pub jti: String,
}

/// Signing and checking access tokens.
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    access_ttl_secs: i64,
    /// Keys the per-session CSRF tokens of the web pages; derived from the secret, never the
    /// secret itself.
    csrf_key: Vec<u8>,
}

impl TokenKeys {
    /// Keys from a secret of at least 32 bytes.
    pub fn new(secret: &[u8], config: &Config) -> TokenKeys {
        // Exactly one algorithm: `alg: none` and algorithm switches (HS256 → RS256 with the public
        // key as HMAC secret, or the reverse) are refused by jsonwebtoken's algorithm check.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[&config.jwt_issuer]);
        validation.set_audience(&[&config.jwt_audience]);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        // jsonwebtoken leaves nbf unchecked unless asked.
        validation.validate_nbf = true;
        validation.leeway = 5;
        TokenKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            issuer: config.jwt_issuer.clone(),
            audience: config.jwt_audience.clone(),
            access_ttl_secs: config.access_token_ttl_secs as i64,
            csrf_key: Sha256::new()
                .chain_update(b"baoxiu csrf key\0")
                .chain_update(secret)
                .finalize()
                .to_vec(),
        }
    }

    /// Signs an access token; returns it with its lifetime in seconds.
    pub fn issue(&self, user_id: &str, session_id: &str, role: &str) -> anyhow::Result<(String, i64)> {
        self.issue_for(user_id, session_id, role, self.access_ttl_secs)
    }

    /// As [`TokenKeys::issue`], living `ttl_secs`: a browser's session cookie carries such a
    /// token, so it is checked, and revoked, exactly as the API's.
    pub fn issue_for(
        &self,
        user_id: &str,
        session_id: &str,
        role: &str,
        ttl_secs: i64,
    ) -> anyhow::Result<(String, i64)> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: user_id.into(),
            sid: session_id.into(),
            role: role.into(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            iat: now,
            nbf: now,
            exp: now + ttl_secs,
            jti: uuid::Uuid::now_v7().to_string(),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)?;
        Ok((token, ttl_secs))
    }

    /// The CSRF token of a session: an HMAC of its id, so the server checks it without storing
    /// it, and it lives and dies with the session.
    pub fn csrf_token(&self, session_id: &str) -> String {
        use hmac::Mac;
        hex::encode(self.csrf_mac(session_id).finalize().into_bytes())
    }

    fn csrf_mac(&self, session_id: &str) -> hmac::Hmac<Sha256> {
        use hmac::Mac;
        // An HMAC takes a key of any length.
        let mut mac = hmac::Hmac::<Sha256>::new_from_slice(&self.csrf_key).unwrap_or_else(|_| unreachable!());
        mac.update(session_id.as_bytes());
        mac
    }

    /// Whether `presented` is the session's CSRF token, compared in constant time.
    pub fn csrf_matches(&self, session_id: &str, presented: &str) -> bool {
        use hmac::Mac;
        let Ok(presented) = hex::decode(presented) else { return false };
        self.csrf_mac(session_id).verify_slice(&presented).is_ok()
    }

    /// Checks signature, algorithm, `exp`, `nbf`, `iss` and `aud`.
    pub fn verify(&self, token: &str) -> Result<Claims, Code> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|e| match e.kind() {
                ErrorKind::ExpiredSignature => Code::TokenExpired,
                // A token from the future is not a stale session but a forged or misdated one.
                _ => Code::InvalidToken,
            })
    }
}

/// A new refresh token: 256 random bits, URL-safe.
pub fn new_refresh_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What is stored for a refresh token: its SHA-256, so a database leak yields no usable token.
pub fn refresh_token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The signing secret: the configured one, or the one kept in `<data_dir>/jwt.key`, created on
/// first start with mode 0600.
pub fn load_or_create_secret(config: &Config) -> anyhow::Result<Vec<u8>> {
    if let Some(secret) = &config.jwt_secret {
        return Ok(secret.0.as_bytes().to_vec());
    }
    let path = config.data_dir.join("jwt.key");
    if path.exists() {
        let text = std::fs::read_to_string(&path)?;
        let key = URL_SAFE_NO_PAD
            .decode(text.trim())
            .map_err(|e| anyhow::anyhow!("{} is not a Baoxiu key file: {e}", path.display()))?;
        anyhow::ensure!(key.len() >= 32, "{} holds a key shorter than 32 bytes", path.display());
        return Ok(key);
    }
    let mut key = vec![0u8; 64];
    rand::rng().fill_bytes(&mut key);
    write_private(&path, URL_SAFE_NO_PAD.encode(&key).as_bytes())?;
    tracing::info!(path = %path.display(), "generated a new token signing key");
    Ok(key)
}

/// Writes a file readable by its owner only, atomically.
fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let tmp = path.with_extension("tmp");
    let mut file =
        std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> TokenKeys {
        TokenKeys::new(b"0123456789abcdef0123456789abcdef", &Config::default())
    }

    #[test]
    fn issued_tokens_verify() {
        let (token, ttl) = keys().issue("u1", "s1", "owner").unwrap();
        assert_eq!(ttl, 900);
        let claims = keys().verify(&token).unwrap();
        assert_eq!((claims.sub.as_str(), claims.sid.as_str()), ("u1", "s1"));
    }

    #[test]
    fn foreign_and_tampered_tokens_are_refused() {
        let (token, _) = keys().issue("u1", "s1", "owner").unwrap();
        let other = TokenKeys::new(b"another-secret-another-secret-xx", &Config::default());
        assert_eq!(other.verify(&token).unwrap_err(), Code::InvalidToken);
        let mut tampered = token.clone();
        tampered.pop();
        assert_eq!(keys().verify(&tampered).unwrap_err(), Code::InvalidToken);
    }

    #[test]
    fn key_file_is_private_and_stable() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let config = Config { data_dir: dir.path().to_path_buf(), ..Config::default() };
        let first = load_or_create_secret(&config).unwrap();
        let again = load_or_create_secret(&config).unwrap();
        assert_eq!(first, again);
        let mode = std::fs::metadata(dir.path().join("jwt.key")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn refresh_tokens_are_random_and_stored_hashed() {
        let a = new_refresh_token();
        assert_ne!(a, new_refresh_token());
        assert_eq!(refresh_token_hash(&a).len(), 64);
        assert_ne!(refresh_token_hash(&a), a);
    }
}

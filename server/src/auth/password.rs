//! Password hashing: argon2id with the crate's recommended parameters (19 MiB, 2 passes).

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{Output, PasswordHash, PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};

use crate::error::{AppError, AppResult};

/// Hashes a password into a PHC string (`$argon2id$v=19$…`).
pub fn hash(password: &str) -> AppResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::internal(anyhow::anyhow!("argon2: {e}")))
}

/// True when `password` matches the stored PHC string. A malformed stored hash never matches.
///
/// The 19 MiB of working memory is the calling thread's own, allocated once and reused: allocating
/// and freeing it per call leaves a freed block behind in the allocator's arena of every thread
/// that ever hashed, which under a sign-in flood grew the server by a gigabyte and stayed there.
/// Sign-ins hash on the few threads of `throttle::HashingPool`, so this memory is bounded by them.
pub fn verify(stored: &str, password: &str) -> bool {
    matches(stored, password).unwrap_or(false)
}

fn matches(stored: &str, password: &str) -> Option<bool> {
    thread_local! {
        static MEMORY: std::cell::RefCell<Vec<Block>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    let parsed = PasswordHash::new(stored).ok()?;
    let algorithm = Algorithm::try_from(parsed.algorithm).ok()?;
    let version = parsed.version.map(Version::try_from).transpose().ok()?.unwrap_or_default();
    let params = Params::try_from(&parsed).ok()?;
    let expected = parsed.hash?;
    let mut salt = [0u8; 64];
    let salt = parsed.salt?.decode_b64(&mut salt).ok()?;
    let mut out = vec![0u8; expected.len()];
    let blocks = params.block_count();
    // Stored hashes are ours; one asking for more than 64 MiB is not, and is refused.
    if blocks > 64 * 1024 {
        return None;
    }
    let argon = Argon2::new(algorithm, version, params);
    MEMORY
        .with_borrow_mut(|memory| {
            if memory.len() < blocks {
                memory.resize(blocks, Block::new());
            }
            argon.hash_password_into_with_memory(password.as_bytes(), salt, &mut out, &mut memory[..blocks])
        })
        .ok()?;
    // `Output`'s equality is constant-time.
    Some(Output::new(&out).ok()? == expected)
}

/// A valid hash of nothing anyone knows: verifying against it when the username is unknown makes a
/// wrong username take as long as a wrong password, so timing does not reveal which accounts exist.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash(&uuid::Uuid::now_v7().to_string()).unwrap_or_default())
}

/// The smallest password Baoxiu accepts.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// Refuses passwords too short to resist guessing.
pub fn acceptable(password: &str) -> bool {
    password.chars().count() >= MIN_PASSWORD_CHARS && password.chars().count() <= 256
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_are_salted() {
        let a = hash("correct horse battery").unwrap();
        let b = hash("correct horse battery").unwrap();
        assert!(a.starts_with("$argon2id$"));
        assert_ne!(a, b, "each hash has its own salt");
        assert!(verify(&a, "correct horse battery"));
        assert!(!verify(&a, "correct horse battery!"));
        assert!(!verify("not a hash", "x"));
        assert!(!verify(dummy_hash(), ""));
    }

    #[test]
    fn verification_with_reused_memory_agrees_with_the_crate() {
        use argon2::password_hash::PasswordVerifier;
        let stored = hash("correct horse battery").unwrap();
        let parsed = PasswordHash::new(&stored).unwrap();
        for (password, expected) in
            [("correct horse battery", true), ("correct horse batterz", false), ("", false)]
        {
            assert_eq!(verify(&stored, password), expected, "{password}");
            assert_eq!(Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(), expected);
        }
        // A hash made with other parameters (argon2i, a smaller cost) verifies too, reusing the
        // same memory, and a truncated or tampered hash never matches.
        let other = Argon2::new(Algorithm::Argon2i, Version::V0x13, Params::new(8192, 3, 1, None).unwrap());
        let salt = SaltString::generate(&mut OsRng);
        let stored_i = other.hash_password(b"another one here", &salt).unwrap().to_string();
        assert!(verify(&stored_i, "another one here"));
        assert!(verify(&stored, "correct horse battery"));
        assert!(!verify(&stored[..stored.len() - 4], "correct horse battery"));
        assert!(!verify(&stored.replace("m=19456", "m=19457"), "correct horse battery"));
    }
}

-- A password reset an administrator issued: a one-time link, kept only as the SHA-256 of its
-- token, that lapses after a while and works once.
CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id),
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX password_resets_by_user ON password_resets (user_id);
-- The audit log read by person and date.
CREATE INDEX audit_log_by_actor ON audit_log (actor_id, at);

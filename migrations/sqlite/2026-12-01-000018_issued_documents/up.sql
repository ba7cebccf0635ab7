-- Documents issued as PDFs (the cost sheet, the dossier, the fund's letters): each number names
-- one stored PDF (a blob, content-addressed like evidence), so the same number always gives the
-- same bytes. The content key is the SHA-256 of what was printed: printing the same content again
-- gives the same number; a later revision, a signature or a decision gives a new one. The summary
-- is what the public verification page shows: kind, date and amounts, never personal data.
CREATE TABLE issued_documents (
    number TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    content_key TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size BIGINT NOT NULL,
    summary TEXT NOT NULL,
    issued_by TEXT NOT NULL,
    issued_at TIMESTAMP NOT NULL,
    UNIQUE (kind, subject_id, content_key)
);

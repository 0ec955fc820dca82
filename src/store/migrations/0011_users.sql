-- Schema 11: users, API tokens and browser sessions (issue 15: REST API, UI, users).
--
-- Nothing secret is stored in clear: a password only as its Argon2id hash (libsodium's
-- crypto_pwhash_str, which carries its salt and limits), an API token and a session id only as
-- the hex BLAKE2b-256 hash of the random value the user holds. The CSRF token of a session is
-- not a credential on its own (it only counts beside the session's cookie) and is kept as is,
-- since the API hands it back on every `GET /api/v1/session`.
--
-- A user's tokens and sessions go with it: the store deletes them in the same transaction as
-- the user (foreign keys are not enforced on every connection, so the cascade is not left to
-- the REFERENCES clauses, which document the link).

CREATE TABLE users (
  name TEXT PRIMARY KEY,
  role TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  created_us INTEGER NOT NULL,
  last_login_us INTEGER
) WITHOUT ROWID;

-- AUTOINCREMENT: an id is never used again, even after its user (and so its tokens) was
-- deleted, so `sluice tokens revoke ID` from an old note can never hit someone else's token.
CREATE TABLE api_tokens (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_name TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
  label TEXT NOT NULL DEFAULT '',
  token_hash TEXT NOT NULL UNIQUE,
  created_us INTEGER NOT NULL,
  last_used_us INTEGER,
  revoked INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX api_tokens_by_user ON api_tokens (user_name, id);

CREATE TABLE sessions (
  id_hash TEXT PRIMARY KEY,
  user_name TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
  csrf_token TEXT NOT NULL,
  created_us INTEGER NOT NULL,
  expires_us INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_by_user ON sessions (user_name);
CREATE INDEX sessions_by_expiry ON sessions (expires_us);

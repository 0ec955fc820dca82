#pragma once
// The secrets of users.h, over libsodium: Argon2id password hashes, random tokens and the hash
// under which a token or session id is stored (never the value itself). Thread-safe.

#include <string>
#include <string_view>

#include "sluice/status.h"

namespace sluice::control {

// crypto_pwhash_str with Argon2id at the _INTERACTIVE limits: the encoded string (algorithm,
// limits, salt and hash). Errors: kInternal when libsodium cannot start or is out of memory.
Result<std::string> HashPassword(const std::string& password);
// Whether `password` matches `hash` (crypto_pwhash_str_verify); false for a malformed hash.
bool VerifyPassword(const std::string& hash, const std::string& password);
// 32 random bytes, base64url without padding: 43 characters.
std::string RandomToken();
// `length` random characters of [A-Za-z0-9].
std::string RandomPassword(int length);
// How a token or session id is stored: the hex BLAKE2b-256 of it (64 characters).
std::string HashToken(std::string_view token);

}  // namespace sluice::control

// libsodium behind password.h. sodium_init runs once, on first use, from whichever thread.
#include "control/password.h"

#include <sodium.h>

#include <array>

#include "util/check.h"

namespace sluice::control {
namespace {

// sodium_init is itself safe to call again; the static only keeps it to one call.
bool SodiumReady() {
  static const bool ready = sodium_init() >= 0;
  return ready;
}

void RequireSodium() {
  // Without it randombytes would not be seeded: no token may be made then.
  SLUICE_CHECK(SodiumReady(), "libsodium could not start (sodium_init)");
}

}  // namespace

Result<std::string> HashPassword(const std::string& password) {
  if (!SodiumReady()) return Status::Internal("libsodium could not start (sodium_init)");
  std::array<char, crypto_pwhash_STRBYTES> out{};
  if (crypto_pwhash_str_alg(out.data(), password.data(), password.size(),
                            crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Status::Internal("hash a password: out of memory (Argon2id needs 64 MiB)");
  }
  return std::string(out.data());
}

bool VerifyPassword(const std::string& hash, const std::string& password) {
  if (!SodiumReady()) return false;
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

std::string RandomToken() {
  RequireSodium();
  std::array<unsigned char, 32> bytes{};
  randombytes_buf(bytes.data(), bytes.size());
  constexpr int kVariant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  std::array<char, sodium_base64_ENCODED_LEN(32, kVariant)> text{};
  sodium_bin2base64(text.data(), text.size(), bytes.data(), bytes.size(), kVariant);
  sodium_memzero(bytes.data(), bytes.size());
  return std::string(text.data());
}

std::string RandomPassword(int length) {
  RequireSodium();
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string out;
  for (int i = 0; i < length; ++i) {
    out += kAlphabet[randombytes_uniform(static_cast<uint32_t>(kAlphabet.size()))];
  }
  return out;
}

std::string HashToken(std::string_view token) {
  RequireSodium();
  std::array<unsigned char, crypto_generichash_BYTES> hash{};  // 32 bytes: BLAKE2b-256
  crypto_generichash(hash.data(), hash.size(), reinterpret_cast<const unsigned char*>(token.data()),
                     token.size(), nullptr, 0);
  std::array<char, crypto_generichash_BYTES * 2 + 1> hex{};
  sodium_bin2hex(hex.data(), hex.size(), hash.data(), hash.size());
  return std::string(hex.data());
}

}  // namespace sluice::control

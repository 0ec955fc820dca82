#pragma once
// Secrets out of what people read (DESIGN.md §4: "Secrets given as connections or env from the
// config never appear in logs or the UI"). Every place that shows a connection or sensor URL
// shows RedactUrl of it; a message from a library that may echo a secret goes through
// ScrubSecrets first.

#include <string>
#include <string_view>
#include <vector>

namespace sluice {

// `url` with the password of its userinfo and the values of its secret-looking query
// parameters (a name containing token, key, secret, pass, pwd, sig, auth or credential, in any
// case) replaced by `***`: "postgresql://etl:s3cret@h/db?password=x" gives
// "postgresql://etl:***@h/db?password=***". Text that is not a URL comes back unchanged.
std::string RedactUrl(std::string_view url);

// The secrets of `url` as they may appear in a library's message: the password and the secret
// query values, raw and percent-decoded. Empty strings are left out.
std::vector<std::string> UrlSecrets(std::string_view url);

// `text` with every occurrence of each of `secrets` replaced by `***` (longest first, so a
// secret that holds another is hidden whole). Empty secrets are ignored.
std::string ScrubSecrets(std::string text, std::vector<std::string> secrets);

// `text` (a library's message about `url`) with each copy of `url` replaced by RedactUrl(url),
// then ScrubSecrets(UrlSecrets(url) + `more`).
std::string ScrubUrl(std::string text, const std::string& url, std::vector<std::string> more = {});

// `%41` -> `A`; a malformed escape is kept as written.
std::string PercentDecode(std::string_view text);

}  // namespace sluice

# Every dependency comes from a Debian package that ./dev installs; nothing is vendored.
find_package(Threads REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(CLI11 REQUIRED)
find_package(date REQUIRED)
find_package(SQLite3 REQUIRED)
# The sql and http sensors and the alerts: libpq (libpq-dev ships libpq.pc) and libcurl.
find_package(CURL REQUIRED)
find_package(ZLIB REQUIRED)  # gzip of the API's answers (src/api/compression.h)
find_package(PkgConfig REQUIRED)
pkg_check_modules(LIBPQ REQUIRED IMPORTED_TARGET libpq)
# The HTTP API (src/api): cpp-httplib, built by Debian as a shared library with OpenSSL, zlib
# and brotli (its .pc file carries the defines its ABI needs). Passwords: libsodium (Argon2id).
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
find_package(GTest REQUIRED)
if(SLUICE_BENCH AND NOT SLUICE_SANITIZE AND NOT SLUICE_TSAN)
  find_package(benchmark REQUIRED)
endif()

#pragma once
// Answers compressed here, with gzip, rather than by cpp-httplib. Debian's build of the library
// compresses every JSON and text answer with Brotli at its slowest quality (11) whenever the
// client accepts `br`, as browsers do: a 1.7 MB DAG list took seconds instead of milliseconds.
// Bodies set here are handed to the library with their length, which it sends as they are.
#include <memory>
#include <string>
#include <string_view>

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace sluice::api {

// Whether the request's Accept-Encoding takes gzip (or `*`), not as `q=0`.
bool AcceptsGzip(const httplib::Request& req);

// `data` in the gzip format at zlib `level` (1 fastest .. 9 smallest).
std::string Gzip(std::string_view data, int level);

// Sets `res`'s body and Content-Type: gzip-compressed (fast) when the client takes it and the
// body is at least 1 KiB, as it is otherwise. Adds `Vary: Accept-Encoding`.
void SetBody(const httplib::Request& req, httplib::Response& res, std::string body,
             const std::string& content_type);

// As SetBody for a body that lives as long as the process (the UI's embedded files): compressed
// once, at the smallest setting, on its first use.
void SetStaticBody(const httplib::Request& req, httplib::Response& res, std::string_view body,
                   const std::string& content_type);

}  // namespace sluice::api

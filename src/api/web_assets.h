#pragma once
// The web UI's files (web/dist, built by `npm run build` in web/), compiled into the binary by
// src/api/embed_web_assets.cmake so `sluice api` and `sluice standalone` serve the UI with no
// files beside them. The server answers "/" and every path outside /api/ with these: the file
// at that path, or index.html for a client-side route (/dags/nightly_prices).
#include <string_view>

namespace sluice::api {

struct WebAsset {
  std::string_view path;          // "/index.html", "/assets/main-3F2A.js"
  std::string_view content_type;  // "text/html; charset=utf-8", ...
  std::string_view body;          // the file's bytes
};

// A file of web/dist by its URL path ("/index.html", "/assets/main-3F2A.js"); null if none.
// Exact paths only: "/" is not "/index.html" here, the server decides what "/" means.
const WebAsset* FindWebAsset(std::string_view path);

// False when the build found no web/dist (npm was not run): FindWebAsset finds nothing then.
bool WebAssetsBuilt();

}  // namespace sluice::api

#include "api/server.h"

#include <httplib.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <set>
#include <thread>

#include "api/api_error.h"
#include "api/auth.h"
#include "api/compression.h"
#include "api/web_assets.h"
#include "util/log.h"

namespace sluice::api {
namespace {

std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    const size_t end = std::min(path.find('/', i), path.size());
    out.push_back(path.substr(i, end - i));
    i = end;
  }
  return out;
}

// A route's path template, split once: literal segments and {name} parameters.
struct CompiledRoute {
  Route route;
  std::vector<std::string> segments;  // "{dag}" kept with its braces
};

// Whether `path` has the template's shape; fills `params`. A parameter matches one non-empty
// segment other than "." and "..": an id never names a parent folder.
bool Match(const CompiledRoute& r, const std::vector<std::string_view>& path,
           std::map<std::string, std::string>* params) {
  if (path.size() != r.segments.size()) return false;
  std::map<std::string, std::string> found;
  for (size_t i = 0; i < path.size(); ++i) {
    const std::string& seg = r.segments[i];
    if (seg.size() > 2 && seg.front() == '{' && seg.back() == '}') {
      if (path[i] == "." || path[i] == ".." || path[i].find('\0') != std::string_view::npos) {
        return false;
      }
      found.emplace(seg.substr(1, seg.size() - 2), std::string(path[i]));
    } else if (seg != path[i]) {
      return false;
    }
  }
  *params = std::move(found);
  return true;
}

void WriteError(httplib::Response& res, const ApiError& error) {
  res.status = error.http_status;
  res.set_content(ErrorBody(error), "application/json");
}

ApiError NotAllowed(const httplib::Request& req, httplib::Response& res, const std::string& allow) {
  res.set_header("Allow", allow);
  return {405, "method_not_allowed", req.method + " is not allowed on " + req.path};
}

// httplib keeps a connection open after every answer, also after some where it did not read the
// whole request: one it could not parse (a header line over 8 KiB, a URI too long, a method it
// does not know) or a GET, HEAD or OPTIONS with a body, which it never reads. What is left
// would be read as the next request on the connection, a desync through which requests could
// be smuggled past a proxy in front. Such an answer goes out through a provider that reports a
// failure once the whole body is written, on which httplib closes the connection. (An answer to
// HEAD has no body, so its provider never runs: there only Connection: close tells the client.)
void WriteErrorAndClose(httplib::Response& res, const ApiError& error) {
  res.status = error.http_status;
  res.set_header("Connection", "close");
  auto body = std::make_shared<const std::string>(ErrorBody(error));
  res.set_content_provider(body->size(), "application/json",
                           [body](size_t offset, size_t length, httplib::DataSink& sink) {
                             sink.write(body->data() + offset, length);
                             return false;  // closes the connection (above), the body written whole
                           });
}

// Whether a (decoded) path names a parent or the current folder, or holds a NUL or a backslash:
// the UI's files are compiled in, so no such path can reach a file, but it is refused rather
// than answered with the app as if it were one of its routes.
bool TraversesFolders(std::string_view path) {
  if (path.find('\0') != std::string_view::npos || path.find('\\') != std::string_view::npos) {
    return true;
  }
  const auto segments = Segments(path);
  return std::any_of(segments.begin(), segments.end(),
                     [](std::string_view s) { return s == "." || s == ".."; });
}

void ServeWebAsset(const httplib::Request& req, httplib::Response& res) {
  res.set_header("X-Content-Type-Options", "nosniff");
  if (TraversesFolders(req.path)) {
    return WriteError(res, {400, "invalid_argument",
                            "a path may not name '.' or '..' or hold a NUL or a backslash"});
  }
  if (!WebAssetsBuilt()) {
    return WriteError(res, {404, "not_found",
                            "this binary was built without the web UI (web/dist): build it "
                            "with ./dev build; the API is under /api/v1"});
  }
  const WebAsset* asset = FindWebAsset(req.path);
  const bool bundle = req.path.rfind("/assets/", 0) == 0;
  // A missing bundle is a 404: the app's page in its place would be parsed as a script.
  if (!asset && bundle) return WriteError(res, {404, "not_found", "no file " + req.path});
  if (asset && bundle) {
    // Bundles are named by their content's hash: a new build is a new name.
    res.set_header("Cache-Control", "public, max-age=31536000, immutable");
  } else {
    if (!asset) asset = FindWebAsset("/index.html");
    if (!asset) return WriteError(res, {404, "not_found", "no file " + req.path});
    res.set_header("Cache-Control", "no-cache");
    // The app loads only its own scripts and styles, and no page may frame it.
    res.set_header("Content-Security-Policy",
                   "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                   "frame-ancestors 'none'");
    res.set_header("X-Frame-Options", "DENY");
  }
  SetStaticBody(req, res, asset->body, std::string(asset->content_type));
}

// httplib's pool, whose workers run at `nice` (setpriority(2) of each worker thread, once):
// beside the scheduler in `sluice standalone`, a burst of requests takes the CPU the loop's
// turns do not need rather than delaying them.
class NiceThreadPool : public httplib::TaskQueue {
 public:
  NiceThreadPool(int threads, int nice) : pool_(static_cast<size_t>(threads)), nice_(nice) {}
  void enqueue(std::function<void()> fn) override {
    pool_.enqueue([nice = nice_, fn = std::move(fn)] {
      thread_local bool done = false;
      if (!done && nice != 0) {
        (void)setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), nice);
      }
      done = true;
      fn();
    });
  }
  void shutdown() override { pool_.shutdown(); }

 private:
  httplib::ThreadPool pool_;
  int nice_;
};

}  // namespace

struct ApiServer::Impl {
  Impl(const control::Config& config, const Clock& clock, StorePool::Opener open,
       ServerOptions options)
      : state(config, clock, std::move(open), std::move(options)) {}
  ServerState state;
  httplib::Server http;
  std::vector<CompiledRoute> routes;
  std::thread serving;
  int port = 0;

  void Dispatch(const httplib::Request& req, httplib::Response& res);
  std::string Allowed(const std::string& path) const;
  ApiError NoRoute(const httplib::Request& req, httplib::Response& res) const;
};

// The methods served on `path` ("GET, HEAD, POST"), empty when no route has its shape.
std::string ApiServer::Impl::Allowed(const std::string& path) const {
  const auto segments = Segments(path);
  std::vector<std::string> methods;
  for (const CompiledRoute& r : routes) {
    std::map<std::string, std::string> unused;
    if (!Match(r, segments, &unused)) continue;
    methods.push_back(r.route.method);
    if (r.route.method == "GET") methods.emplace_back("HEAD");
  }
  std::sort(methods.begin(), methods.end());
  methods.erase(std::unique(methods.begin(), methods.end()), methods.end());
  std::string out;
  for (const std::string& m : methods) out += (out.empty() ? "" : ", ") + m;
  return out;
}

// A request no route answers: 405 with the methods that are (Allow) when the path is served,
// else 404.
ApiError ApiServer::Impl::NoRoute(const httplib::Request& req, httplib::Response& res) const {
  const std::string allowed = Allowed(req.path);
  if (allowed.empty()) return {404, "not_found", "no route " + req.method + " " + req.path};
  return NotAllowed(req, res, allowed);
}

void ApiServer::Impl::Dispatch(const httplib::Request& req, httplib::Response& res) {
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Cache-Control", "no-store");
  const auto path = Segments(req.path);
  const CompiledRoute* matched = nullptr;
  std::map<std::string, std::string> params;
  for (const CompiledRoute& r : routes) {
    std::map<std::string, std::string> p;
    if (!Match(r, path, &p)) continue;
    if (r.route.method != req.method && !(req.method == "HEAD" && r.route.method == "GET")) {
      continue;
    }
    matched = &r;
    params = std::move(p);
    break;
  }
  if (!matched) return WriteError(res, NoRoute(req, res));
  // A read holds one of the few read slots while it is computed (not while it is sent).
  const bool read = req.method == "GET" || req.method == "HEAD";
  const FairSlots::Hold slot(read ? &state.reads : nullptr);
  auto lease = state.stores.Borrow();
  if (!lease.ok()) return WriteError(res, ErrorFor(lease.status()));
  const control::Context ctx{state.config, lease->store(), state.clock};
  std::optional<Principal> principal;
  if (matched->route.access != Access::kPublic) {
    auto who = Authenticate(req, ctx);
    if (!who.ok()) return WriteError(res, ErrorFor(who.status()));
    if (Status st = CheckRole(*who, matched->route.access); !st.ok()) {
      return WriteError(res, ErrorFor(st));
    }
    if (!CsrfOk(req, *who)) {
      return WriteError(res, {403, "csrf",
                              "missing or wrong X-CSRF-Token: send the csrf_token the login "
                              "answered with every change"});
    }
    principal = std::move(*who);
  }
  // After the gate: a caller who may not call the route learns nothing more than that.
  if (!req.body.empty() && req.method != "GET") {
    const std::string type = req.get_header_value("Content-Type");
    if (type.rfind("application/json", 0) != 0) {
      return WriteError(res, {415, "unsupported_media_type", "send the body as application/json"});
    }
  }
  const ApiRequest request{req, ctx, principal, std::move(params), req.remote_addr};
  auto answer = matched->route.handler(request);
  if (!answer.ok()) return WriteError(res, ErrorFor(answer.status()));
  res.status = answer->status;
  for (const auto& [name, value] : answer->headers) res.set_header(name, value);
  if (answer->stream) {
    // The stream outlives this call: it runs as the client reads, on this thread.
    res.set_chunked_content_provider(answer->content_type, [stream = std::move(answer->stream)](
                                                               size_t, httplib::DataSink& sink) {
      if (!stream(sink)) sink.done();
      return true;
    });
  } else if (!answer->content_type.empty()) {
    SetBody(req, res, std::move(answer->body), answer->content_type);
  }
}

int ServerState::ReadSlots(const ServerOptions& o) {
  if (o.max_concurrent_reads > 0) return std::min(o.max_concurrent_reads, 1024);
  return std::clamp(static_cast<int>(std::thread::hardware_concurrency()), 2, 1024);
}

ApiServer::ApiServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ApiServer::~ApiServer() { Stop(); }

Result<std::unique_ptr<ApiServer>> ApiServer::Start(const control::Config& config,
                                                    const Clock& clock,
                                                    StorePool::Opener open_store,
                                                    ServerOptions options) {
  auto impl = std::make_unique<Impl>(config, clock, std::move(open_store), std::move(options));
  Impl* p = impl.get();
  for (Route& route : ApiRoutes(p->state)) {
    CompiledRoute c;
    for (std::string_view seg : Segments(route.path)) c.segments.emplace_back(seg);
    c.route = std::move(route);
    p->routes.push_back(std::move(c));
  }
  const int threads = p->state.options.threads;
  const int nice = p->state.options.worker_nice;
  p->http.new_task_queue = [threads, nice] { return new NiceThreadPool(threads, nice); };
  p->http.set_payload_max_length(p->state.options.max_body_bytes);
  // A kept-alive connection holds a thread while it lasts: after 100 requests it is closed,
  // so connections beyond the threads wait for one request's time, not for a client to leave.
  p->http.set_keep_alive_max_count(100);
  p->http.set_keep_alive_timeout(5);
  // Without it the body waits for the client's delayed ACK of the headers: 40 ms per request
  // on a kept-alive connection.
  p->http.set_tcp_nodelay(true);
  p->http.set_read_timeout(30, 0);
  p->http.set_write_timeout(30, 0);
  auto dispatch = [p](const httplib::Request& req, httplib::Response& res) {
    p->Dispatch(req, res);
  };
  for (const char* pattern : {R"(/api/.*)", R"(/metrics)"}) {
    p->http.Get(pattern, dispatch);
    p->http.Post(pattern, dispatch);
    p->http.Put(pattern, dispatch);
    p->http.Patch(pattern, dispatch);
    p->http.Delete(pattern, dispatch);
    p->http.Options(pattern, dispatch);
  }
  // Everything else is the web UI: its files, and index.html for the app's own routes
  // (/dags/nightly), which the app draws once it is loaded.
  p->http.Get(R"(/.*)",
              [](const httplib::Request& req, httplib::Response& res) { ServeWebAsset(req, res); });
  // What httplib answers itself (a body too large, a path it cannot route) is JSON too.
  // Bodies httplib would not read (see WriteErrorAndClose) are refused before anything else.
  p->http.set_pre_routing_handler([](const httplib::Request& req, httplib::Response& res) {
    const bool reads_body = req.method == "POST" || req.method == "PUT" || req.method == "PATCH" ||
                            req.method == "DELETE";
    const std::string length = req.get_header_value("Content-Length");
    const bool has_length =
        std::any_of(length.begin(), length.end(), [](char c) { return c != '0'; });
    const bool chunked = req.has_header("Transfer-Encoding");
    if (chunked && req.has_header("Content-Length")) {
      WriteErrorAndClose(
          res, {400, "bad_request", "send Content-Length or Transfer-Encoding, not both"});
      return httplib::Server::HandlerResponse::Handled;
    }
    if (!reads_body && (has_length || chunked)) {
      WriteErrorAndClose(res, {400, "bad_request", req.method + " takes no body"});
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  // What httplib answers itself (a body too large, a path it cannot route, a request it could
  // not read) is JSON too.
  p->http.set_error_handler([p](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty() || res.content_provider_) return;  // a route's own answer
    res.set_header("X-Content-Type-Options", "nosniff");
    // The body of a request too large was skipped, and a path no handler takes was read whole:
    // the connection may serve the next request.
    if (res.status == 413) {
      return WriteError(res, {413, "payload_too_large", "the body is larger than 1 MiB"});
    }
    if (res.status == 404) {
      return WriteError(res, {404, "not_found", "no route " + req.method + " " + req.path});
    }
    // A method no handler takes (TRACE, CONNECT, or one httplib does not know, as QUERY)
    // reaches no route, and httplib says 400: it is a method this server does not allow.
    static const std::set<std::string> kServed = {"GET",   "HEAD",   "POST",   "PUT",
                                                  "PATCH", "DELETE", "OPTIONS"};
    if (!req.method.empty() && kServed.count(req.method) == 0) {
      // httplib reads no path after a method it does not know.
      if (req.path.empty()) {
        return WriteErrorAndClose(
            res, {405, "method_not_allowed",
                  req.method + " is not allowed: this server takes GET, HEAD, POST, PUT, PATCH, "
                               "DELETE and OPTIONS"});
      }
      const bool api = req.path.rfind("/api/", 0) == 0 || req.path == "/metrics";
      return WriteErrorAndClose(res,
                                api ? p->NoRoute(req, res) : NotAllowed(req, res, "GET, HEAD"));
    }
    WriteErrorAndClose(res, {res.status, "bad_request",
                             res.status == 414 ? "the URI is longer than 8 KiB"
                                               : "the request could not be read"});
  });
  p->http.set_exception_handler(
      [](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "unknown exception";
        try {
          std::rethrow_exception(std::move(ep));
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        SLUICE_LOG_ERROR("api: {} {}: {}", req.method, req.path, what);
        WriteError(res, {500, "internal", "internal error: " + what});
      });
  const ListenAddress& at = p->state.options.listen;
  if (at.port == 0) {
    p->port = p->http.bind_to_any_port(at.host);
  } else {
    p->port = p->http.bind_to_port(at.host, at.port) ? at.port : -1;
  }
  if (p->port <= 0) {
    return Status::Io("cannot listen on " + at.host + ":" + std::to_string(at.port) +
                      ": the address is in use or not this machine's");
  }
  p->serving = std::thread([p] { p->http.listen_after_bind(); });
  return std::unique_ptr<ApiServer>(new ApiServer(std::move(impl)));
}

int ApiServer::port() const { return impl_->port; }

std::string ApiServer::url() const {
  const std::string& host = impl_->state.options.listen.host;
  const bool v6 = host.find(':') != std::string::npos;
  return "http://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(impl_->port);
}

ServerState& ApiServer::state() { return impl_->state; }

void ApiServer::Stop() {
  if (!impl_ || !impl_->serving.joinable()) return;
  impl_->http.stop();
  impl_->serving.join();
}

}  // namespace sluice::api

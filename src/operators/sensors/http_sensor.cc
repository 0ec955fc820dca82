#include "operators/sensors/http_sensor.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "operators/sensors/json_path.h"
#include "operators/sensors/sensor_keys.h"
#include "util/redact.h"
#include "util/strings.h"

namespace sluice {
namespace {

const std::vector<std::string> kKeys = {"url",    "method",    "headers", "body",
                                        "status", "json_path", "equals"};
// A body is read for json_path up to this; a readiness answer is small.
constexpr size_t kMaxBody = 1 << 20;

bool IsHeaderName(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) || std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
  });
}

// Replaces each `${NAME}` of `text` by env(NAME), adding the values to `values` when given.
// With a null env, only checks the syntax. Errors name the variable, never a value.
Result<std::string> ExpandEnv(std::string_view text, const EnvLookup* env,
                              std::vector<std::string>* values = nullptr) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    const size_t start = text.find("${", i);
    if (start == std::string_view::npos) break;
    out.append(text.substr(i, start - i));
    const size_t end = text.find('}', start);
    const std::string_view name = end == std::string_view::npos
                                      ? std::string_view()
                                      : text.substr(start + 2, end - start - 2);
    const bool valid = !name.empty() && !std::isdigit(static_cast<unsigned char>(name[0])) &&
                       std::all_of(name.begin(), name.end(),
                                   [](unsigned char c) { return std::isalnum(c) || c == '_'; });
    if (!valid) return Status::Invalid("'${' must be followed by a variable name and '}'");
    if (env != nullptr) {
      std::optional<std::string> value = (*env)(std::string(name));
      if (!value) {
        return Status::Invalid("uses ${" + std::string(name) +
                               "}, which is not set in the scheduler's environment");
      }
      out.append(*value);
      if (values != nullptr) values->push_back(*value);
    }
    i = end + 1;
  }
  out.append(text.substr(std::min(i, text.size())));
  return out;
}

// A YAML scalar as the JSON scalar it reads as: quoted text is a string; plain true/false,
// null, integers and decimals are themselves.
Value ScalarValue(const SpecNode& node) {
  if (node.type == SpecNode::Type::kNull) return Value();
  const std::string& t = node.text;
  if (node.quoted) return Value(t);
  if (t == "true" || t == "True" || t == "TRUE") return Value(true);
  if (t == "false" || t == "False" || t == "FALSE") return Value(false);
  if (t == "null" || t == "Null" || t == "NULL" || t == "~") return Value();
  if (!t.empty()) {
    char* end = nullptr;
    errno = 0;
    const long long i = std::strtoll(t.c_str(), &end, 10);
    if (*end == '\0' && errno == 0) return Value(static_cast<int64_t>(i));
    errno = 0;  // an integer too large for int64 is read as a number with a fraction's precision
    const double d = std::strtod(t.c_str(), &end);
    if (*end == '\0' && errno == 0 && std::isfinite(d)) return Value(d);
  }
  return Value(t);
}

std::optional<std::vector<Value>> ReadStatus(const SpecEntry& e, SpecDiagnostics& diags) {
  const std::string message =
      "'status' must be an HTTP status code or a list of them, such as "
      "[200, 204]";
  std::vector<const SpecNode*> nodes;
  if (e.value.type == SpecNode::Type::kScalar) {
    nodes.push_back(&e.value);
  } else if (e.value.type == SpecNode::Type::kList && !e.value.items.empty()) {
    for (const SpecNode& item : e.value.items) nodes.push_back(&item);
  } else {
    diags.Error(e.value.type == SpecNode::Type::kNull ? e.key : e.value, message);
    return std::nullopt;
  }
  std::vector<Value> codes;
  bool ok = true;
  for (const SpecNode* node : nodes) {
    const Value v =
        node->type == SpecNode::Type::kScalar && !node->quoted ? ScalarValue(*node) : Value();
    if (!v.AsInt() || v.type() != Value::Type::kInt || *v.AsInt() < 100 || *v.AsInt() > 599) {
      diags.Error(*node, message);
      ok = false;
      continue;
    }
    codes.push_back(v);
  }
  if (!ok) return std::nullopt;
  return codes;
}

bool Truthy(const nlohmann::json& v) {
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_number()) return v.get<double>() != 0;
  if (v.is_string()) return !v.get_ref<const std::string&>().empty();
  if (v.is_array() || v.is_object()) return !v.empty();
  return false;
}

bool Equal(const nlohmann::json& v, const Value& want) {
  switch (want.type()) {
    case Value::Type::kNull:
      return v.is_null();
    case Value::Type::kBool:
      return v.is_boolean() && v.get<bool>() == *want.AsBool();
    case Value::Type::kInt:
    case Value::Type::kDouble:
      return v.is_number() && v.get<double>() == *want.AsDouble();
    case Value::Type::kString:
      return v.is_string() && v.get_ref<const std::string&>() == *want.AsString();
    default:
      return false;
  }
}

std::string Shown(const Value& v) {
  switch (v.type()) {
    case Value::Type::kNull:
      return "null";
    case Value::Type::kBool:
      return *v.AsBool() ? "true" : "false";
    case Value::Type::kInt:
      return std::to_string(*v.AsInt());
    case Value::Type::kDouble:
      return nlohmann::json(*v.AsDouble()).dump();
    case Value::Type::kString:
      return nlohmann::json(*v.AsString()).dump();
    default:
      return "?";
  }
}

std::string Str(const Value& config, std::string_view key) {
  const Value* v = config.Find(key);
  return v && v->AsString() ? *v->AsString() : std::string();
}

size_t CollectBody(char* data, size_t size, size_t count, void* arg) {
  auto* body = static_cast<std::string*>(arg);
  if (body->size() + size * count > kMaxBody) return 0;  // ends the transfer: CURLE_WRITE_ERROR
  body->append(data, size * count);
  return size * count;
}

// "HOST:PORT" of `url` for a detail (no userinfo, path or query).
std::string HostPort(const std::string& url) {
  std::unique_ptr<CURLU, void (*)(CURLU*)> u(curl_url(), curl_url_cleanup);
  char* host = nullptr;
  char* port = nullptr;
  std::string out = "the server";
  if (u && curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) == CURLUE_OK &&
      curl_url_get(u.get(), CURLUPART_HOST, &host, 0) == CURLUE_OK &&
      curl_url_get(u.get(), CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
    out = std::string(host) + ":" + port;
  }
  curl_free(host);
  curl_free(port);
  return out;
}

class HttpSensor final : public SensorType {
 public:
  explicit HttpSensor(EnvLookup env) : env_(std::move(env)) {
    // Not thread-safe in every libcurl build, so once, before any poke.
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  }

  std::optional<Value> Validate(const std::vector<SpecEntry>& keys,
                                SpecDiagnostics& diags) const override {
    Value::Entries config;
    std::string method = "GET";
    const SpecEntry* body = nullptr;
    const SpecEntry* json_path = nullptr;
    const SpecEntry* equals = nullptr;
    bool ok = true;
    for (const SpecEntry& e : keys) {
      const std::string& key = e.key.text;
      if (key == "url") {
        std::optional<std::string> s = ReadSpecString(e, diags);
        if (s && !StartsWith(*s, "http://") && !StartsWith(*s, "https://") &&
            !StartsWith(*s, "{{")) {
          diags.Error(e.value, "'url' must start with http:// or https://");
          s.reset();
        }
        if (!s) {
          ok = false;
          continue;
        }
        diags.Template(e.value);
        config.emplace_back("url", Value(*s));
      } else if (key == "method") {
        std::string upper = ReadSpecString(e, diags).value_or("");
        std::transform(upper.begin(), upper.end(), upper.begin(),
                       [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
        if (upper == "GET" || upper == "HEAD" || upper == "POST") {
          method = upper;
        } else {
          // A value that is not a string was reported by ReadSpecString.
          if (e.value.type == SpecNode::Type::kScalar) {
            diags.Error(e.value, "'method' must be GET, HEAD or POST");
          }
          ok = false;
        }
      } else if (key == "headers") {
        std::optional<Value> headers = ReadHeaders(e, diags);
        if (!headers) {
          ok = false;
          continue;
        }
        config.emplace_back("headers", std::move(*headers));
      } else if (key == "body") {
        std::optional<std::string> s = ReadSpecString(e, diags);
        if (!s) {
          ok = false;
          continue;
        }
        body = &e;
        diags.Template(e.value);
        config.emplace_back("body", Value(*s));
      } else if (key == "status") {
        std::optional<std::vector<Value>> codes = ReadStatus(e, diags);
        if (!codes) {
          ok = false;
          continue;
        }
        config.emplace_back("status", Value::FromList(std::move(*codes)));
      } else if (key == "json_path") {
        std::optional<std::string> s = ReadSpecString(e, diags);
        if (s) {
          Result<std::vector<JsonPathStep>> steps = ParseJsonPath(*s);
          if (!steps.ok()) {
            diags.Error(e.value, "'json_path' " + steps.status().message() +
                                     " (write it like $.ready or $.items[0].state)");
            s.reset();
          }
        }
        if (!s) {
          ok = false;
          continue;
        }
        json_path = &e;
        config.emplace_back("json_path", Value(*s));
      } else if (key == "equals") {
        if (e.value.type == SpecNode::Type::kList || e.value.type == SpecNode::Type::kMap) {
          diags.Error(e.value,
                      "'equals' must be a JSON scalar: true, false, null, a number or a "
                      "string");
          ok = false;
          continue;
        }
        equals = &e;
        config.emplace_back("equals", ScalarValue(e.value));
      } else {
        diags.Error(e.key, UnknownSensorKeyMessage(e.key.text, "http", kKeys));
        ok = false;
      }
    }
    if (body != nullptr && method != "POST") {
      diags.Error(body->key, "'body' needs method: POST");
      ok = false;
    }
    if (equals != nullptr && json_path == nullptr) {
      diags.Error(equals->key, "'equals' needs 'json_path' (where the value to compare is)");
      ok = false;
    }
    if (std::none_of(keys.begin(), keys.end(),
                     [](const SpecEntry& e) { return e.key.text == "url"; })) {
      diags.Error(SpecNode{}, "an http sensor needs 'url'");
      ok = false;
    }
    if (!ok) return std::nullopt;
    config.emplace_back("method", Value(method));
    if (std::none_of(config.begin(), config.end(),
                     [](const auto& kv) { return kv.first == "status"; })) {
      config.emplace_back("status", Value::FromList({Value(200)}));
    }
    return Value::FromMap(std::move(config));
  }

  PokeResult Poke(const Value& config, const PokeContext& ctx) const override {
    PokeResult out;
    out.outcome = PokeResult::Outcome::kError;
    const std::string url = Str(config, "url");
    const std::string method = Str(config, "method");
    // Each value a header took from the environment (a token) is hidden like the URL's secrets.
    std::vector<std::string> secrets;
    auto scrub = [&](std::string text) { return ScrubUrl(std::move(text), url, secrets); };
    if (!StartsWith(url, "http://") && !StartsWith(url, "https://")) {
      out.detail = "the url does not start with http:// or https:// (" + RedactUrl(url) + ")";
      return out;
    }
    std::unique_ptr<curl_slist, void (*)(curl_slist*)> headers(nullptr, curl_slist_free_all);
    if (const Value::Entries* entries =
            config.Find("headers") ? config.Find("headers")->AsMap() : nullptr) {
      for (const auto& [name, value] : *entries) {
        Result<std::string> expanded =
            ExpandEnv(value.AsString() ? *value.AsString() : "", &env_, &secrets);
        if (!expanded.ok()) {
          out.detail = "header '" + name + "' " + expanded.status().message();
          return out;
        }
        // "Name;" sends a header with an empty value ("Name:" would remove it).
        const std::string line = expanded->empty() ? name + ";" : name + ": " + *expanded;
        curl_slist* more = curl_slist_append(headers.get(), line.c_str());
        if (more == nullptr) {
          out.detail = "out of memory";
          return out;
        }
        // Appending to a list returns its head: only the first append gives a new one.
        if (headers == nullptr) headers.reset(more);
      }
    }
    std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
    if (curl == nullptr) {
      out.detail = "libcurl could not start a request";
      return out;
    }
    CURL* c = curl.get();
    const long budget_ms = static_cast<long>(std::max<int64_t>(
        1, std::chrono::duration_cast<std::chrono::milliseconds>(ctx.budget).count()));
    std::string body;
    char error[CURL_ERROR_SIZE] = {0};
    const std::string request_body = Str(config, "body");
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // the poke runs on a thread of its own
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, budget_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, budget_ms);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, CollectBody);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "sluice-http-sensor");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
    if (method == "HEAD") {
      curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    } else if (method == "POST") {
      curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(request_body.size()));
      curl_easy_setopt(c, CURLOPT_POSTFIELDS, request_body.c_str());
    }
    const CURLcode rc = curl_easy_perform(c);
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    if (rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR && code != 0)) {
      out.detail = scrub(CurlError(c, rc, url, budget_ms, error));
      return out;
    }
    const std::string http = "HTTP " + std::to_string(code);
    bool status_ok = false;
    if (const Value* codes = config.Find("status"); codes && codes->AsList()) {
      for (const Value& want : *codes->AsList()) status_ok |= want.AsInt() == code;
    }
    if (!status_ok) {
      out.outcome = PokeResult::Outcome::kNotMet;
      out.detail = http;
      return out;
    }
    const std::string path = Str(config, "json_path");
    if (path.empty()) {
      out.outcome = PokeResult::Outcome::kMet;
      out.detail = http;
      return out;
    }
    if (rc == CURLE_WRITE_ERROR) {
      out.detail = http + ", the body is over 1 MiB (json_path reads bodies up to 1 MiB)";
      return out;
    }
    Result<std::vector<JsonPathStep>> steps = ParseJsonPath(path);
    const nlohmann::json doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (!steps.ok() || doc.is_discarded()) {
      out.detail = http + (steps.ok() ? ", the body is not JSON" : ", bad json_path " + path);
      return out;
    }
    const nlohmann::json* found = FollowJsonPath(doc, *steps);
    out.outcome = PokeResult::Outcome::kNotMet;
    if (found == nullptr) {
      out.detail = http + ", " + path + " is missing";
      return out;
    }
    const Value* equals = config.Find("equals");
    const bool met = equals ? Equal(*found, *equals) : Truthy(*found);
    out.outcome = met ? PokeResult::Outcome::kMet : PokeResult::Outcome::kNotMet;
    std::string shown = found->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (shown.size() > 60) shown = shown.substr(0, 60) + "...";
    out.detail = scrub(http + ", " + path + " = " + shown);
    return out;
  }

  std::string Describe(const Value& config) const override {
    std::string out = Str(config, "method") + " " + RedactUrl(Str(config, "url"));
    std::vector<std::string> codes;
    if (const Value* status = config.Find("status"); status && status->AsList()) {
      for (const Value& v : *status->AsList()) {
        if (v.AsInt()) codes.push_back(std::to_string(*v.AsInt()));
      }
    }
    out += ", status " + Join(codes, " or ");
    if (const std::string path = Str(config, "json_path"); !path.empty()) {
      const Value* equals = config.Find("equals");
      out += ", " + path + (equals ? " == " + Shown(*equals) : " truthy");
    }
    // Header names only: their values may be credentials.
    if (const Value* headers = config.Find("headers"); headers && headers->AsMap()) {
      std::vector<std::string> names;
      for (const auto& [name, value] : *headers->AsMap()) names.push_back(name);
      out += ", headers " + Join(names, ", ");
    }
    return out;
  }

 private:
  static std::optional<Value> ReadHeaders(const SpecEntry& e, SpecDiagnostics& diags) {
    const std::string message = "'headers' must be a mapping of header names to strings";
    if (e.value.type != SpecNode::Type::kMap) {
      diags.Error(e.value.type == SpecNode::Type::kNull ? e.key : e.value, message);
      return std::nullopt;
    }
    Value::Entries headers;
    bool ok = true;
    for (const SpecEntry& h : e.value.entries) {
      if (!IsHeaderName(h.key.text)) {
        diags.Error(h.key, "'" + h.key.text + "' is not a header name");
        ok = false;
      } else if (h.value.type != SpecNode::Type::kScalar) {
        diags.Error(h.value.type == SpecNode::Type::kNull ? h.key : h.value, message);
        ok = false;
      } else if (Result<std::string> checked = ExpandEnv(h.value.text, nullptr); !checked.ok()) {
        diags.Error(h.value, "header '" + h.key.text + "': " + checked.status().message());
        ok = false;
      } else {
        diags.Template(h.value);
        headers.emplace_back(h.key.text, Value(h.value.text));
      }
    }
    if (!ok) return std::nullopt;
    return Value::FromMap(std::move(headers));
  }

  static std::string CurlError(CURL* c, CURLcode rc, const std::string& url, long budget_ms,
                               const char* error) {
    const std::string where = HostPort(url);
    if (rc == CURLE_COULDNT_CONNECT) {
      long os_errno = 0;
      curl_easy_getinfo(c, CURLINFO_OS_ERRNO, &os_errno);
      if (os_errno == ECONNREFUSED) return "connect to " + where + " refused";
      return "connect to " + where + " failed" +
             (os_errno != 0 ? ": " + std::string(std::strerror(static_cast<int>(os_errno))) : "");
    }
    if (rc == CURLE_OPERATION_TIMEDOUT) {
      return "no answer from " + where + " within " + std::to_string(budget_ms) +
             "ms (the poke's budget)";
    }
    if (rc == CURLE_COULDNT_RESOLVE_HOST) return "cannot resolve the host of " + where;
    return OneLine(error[0] != '\0' ? error : curl_easy_strerror(rc));
  }

  EnvLookup env_;
};

}  // namespace

std::unique_ptr<const SensorType> MakeHttpSensor(EnvLookup env) {
  return std::make_unique<HttpSensor>(std::move(env));
}

std::unique_ptr<const SensorType> MakeHttpSensor() {
  return MakeHttpSensor([](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());  // NOLINT(concurrency-mt-unsafe): read-only
    return v ? std::optional<std::string>(v) : std::nullopt;
  });
}

}  // namespace sluice

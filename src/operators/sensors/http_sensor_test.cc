// The http sensor: its keys as a DAG file's reader reports them, and pokes against a real HTTP
// server on 127.0.0.1 (Python's http.server, started here): status, json_path and equals, a
// server that is down, one slower than the budget, and secrets that never reach a detail.

#include "operators/sensors/http_sensor.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdio>
#include <fstream>

#include "operators/sensors/sensor_test_util.h"
#include "tests/testing/temp_dir.h"

namespace sluice {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using testing_sensors::ValidateTask;
using Outcome = PokeResult::Outcome;

TEST(HttpSensorValidateTest, ReadsEveryKey) {
  auto sensor = MakeHttpSensor();
  auto v = ValidateTask(*sensor,
                        "sensor: http\n"
                        "url: \"http://127.0.0.1:8080/ready?d={{ ds }}\"\n"
                        "status: [200, 204]\n"
                        "json_path: $.ready\n"
                        "equals: true\n"
                        "headers: {Authorization: \"Bearer ${TOKEN}\"}\n");
  EXPECT_THAT(v.errors, ElementsAre());
  ASSERT_TRUE(v.config);
  EXPECT_EQ(
      *v.config,
      Value::FromMap({{"url", Value("http://127.0.0.1:8080/ready?d={{ ds }}")},
                      {"status", Value::FromList({Value(200), Value(204)})},
                      {"json_path", Value("$.ready")},
                      {"equals", Value(true)},
                      {"headers", Value::FromMap({{"Authorization", Value("Bearer ${TOKEN}")}})},
                      {"method", Value("GET")}}));
  EXPECT_THAT(v.templates,
              ElementsAre("http://127.0.0.1:8080/ready?d={{ ds }}", "Bearer ${TOKEN}"));
  EXPECT_EQ(sensor->Describe(*v.config),
            "GET http://127.0.0.1:8080/ready?d={{ ds }}, status 200 or 204, $.ready == true, "
            "headers Authorization");

  v = ValidateTask(*sensor, "{sensor: http, url: 'https://u:pw@h/x?token=t', status: 503}");
  ASSERT_TRUE(v.config);
  EXPECT_EQ(sensor->Describe(*v.config), "GET https://u:***@h/x?token=***, status 503");
  v = ValidateTask(*sensor,
                   "{sensor: http, url: 'http://h/', method: post, body: x, "
                   "json_path: '$.a[0]', equals: '1'}");
  ASSERT_TRUE(v.config);
  EXPECT_EQ(sensor->Describe(*v.config), "POST http://h/, status 200, $.a[0] == \"1\"");
  v = ValidateTask(*sensor, "{sensor: http, url: 'http://h/', json_path: $.n, equals: 1.5}");
  ASSERT_TRUE(v.config);
  EXPECT_EQ(sensor->Describe(*v.config), "GET http://h/, status 200, $.n == 1.5");
  v = ValidateTask(*sensor,
                   "{sensor: http, url: 'http://h/', json_path: $.n, "
                   "equals: 99999999999999999999}");
  ASSERT_TRUE(v.config);
  EXPECT_EQ(*v.config->Find("equals"), Value(1e20));
  v = ValidateTask(*sensor, "{sensor: http, url: 'http://h/', json_path: $.n, equals: inf}");
  ASSERT_TRUE(v.config);
  EXPECT_EQ(*v.config->Find("equals"), Value("inf"));
}

TEST(HttpSensorValidateTest, EveryErrorAtItsPlace) {
  auto sensor = MakeHttpSensor();
  auto v = ValidateTask(*sensor,
                        "sensor: http\n"
                        "url: ftp://u:hunter2@h/x\n"
                        "method: PUT\n"
                        "status: [200, abc, 700]\n"
                        "json_path: $.a..b\n"
                        "headers: {Bad Name: x, X-Token: '${1X}'}\n"
                        "equals: [1]\n"
                        "body: x\n"
                        "tiemout: 1\n");
  EXPECT_FALSE(v.config);
  EXPECT_THAT(
      v.errors,
      ElementsAre(
          "2:6: 'url' must start with http:// or https://",
          "3:9: 'method' must be GET, HEAD or POST",
          "4:15: 'status' must be an HTTP status code or a list of them, such as [200, 204]",
          "4:20: 'status' must be an HTTP status code or a list of them, such as [200, 204]",
          "5:12: 'json_path' expected a key after '.' at column 5 (write it like $.ready or "
          "$.items[0].state)",
          "6:11: 'Bad Name' is not a header name",
          "6:33: header 'X-Token': '${' must be followed by a variable name and '}'",
          "7:9: 'equals' must be a JSON scalar: true, false, null, a number or a string",
          "9:1: unknown key 'tiemout' (did you mean 'timeout'?)",
          "8:1: 'body' needs method: POST"));
  for (const std::string& e : v.errors) EXPECT_THAT(e, Not(HasSubstr("hunter2")));

  v = ValidateTask(*sensor, "{sensor: http, equals: 3}");
  EXPECT_THAT(v.errors,
              ElementsAre("1:16: 'equals' needs 'json_path' (where the value to compare is)",
                          "1:2: an http sensor needs 'url'"));
  v = ValidateTask(*sensor, "{sensor: http, url: 'http://h', jsonpath: $.x, headers: [a]}");
  EXPECT_THAT(v.errors,
              ElementsAre("1:33: unknown key 'jsonpath' (did you mean 'json_path'?)",
                          "1:57: 'headers' must be a mapping of header names to strings"));
}

// The server of these tests: Python's http.server on 127.0.0.1, threaded (a slow answer does not
// hold the next request). /status/N answers N; /file/NAME the file NAME of its folder; /slow
// after 3s; /big 2 MB; /echo the request as JSON.
constexpr const char* kServer = R"PY(
import http.server, json, os, sys, time
folder = sys.argv[2]
class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass
    def reply(self, code, body):
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
    def answer(self):
        path = self.path.split("?")[0]
        if path.startswith("/status/"):
            return self.reply(int(path[8:]), "{}")
        if path.startswith("/file/"):
            name = os.path.join(folder, path[6:])
            if not os.path.exists(name):
                return self.reply(404, "{}")
            with open(name) as f:
                return self.reply(200, f.read())
        if path == "/slow":
            time.sleep(3)
            return self.reply(200, "{}")
        if path == "/big":
            return self.reply(200, "[" + "1," * (1 << 20) + "1]")
        if path == "/echo":
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n).decode() if n else ""
            return self.reply(200, json.dumps({"method": self.command, "path": self.path,
                                               "headers": dict(self.headers), "body": body}))
        self.reply(404, "{}")
    do_GET = do_POST = do_HEAD = answer
server = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
server.daemon_threads = True
print(server.server_address[1], os.getpid(), flush=True)
server.serve_forever()
)PY";

// One server process, stopped at destruction.
class TestServer {
 public:
  TestServer(const std::string& folder, int port) {
    const std::string script = folder + "/server.py";
    std::ofstream(script) << kServer;
    pipe_ =
        popen(("exec python3 " + script + " " + std::to_string(port) + " " + folder).c_str(), "r");
    if (pipe_ != nullptr && std::fscanf(pipe_, "%d %d", &port_, &pid_) != 2) port_ = pid_ = 0;
  }
  ~TestServer() {
    if (pid_ > 0) kill(pid_, SIGTERM);
    if (pipe_ != nullptr) pclose(pipe_);
  }
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;
  int port() const { return port_; }

 private:
  FILE* pipe_ = nullptr;
  int port_ = 0;
  int pid_ = 0;
};

class HttpSensorTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_GT(server_.port(), 0) << "the test server did not start"; }

  std::string Url(const std::string& path, int port = 0) const {
    return "http://127.0.0.1:" + std::to_string(port ? port : server_.port()) + path;
  }
  // Validates `keys` (a YAML flow mapping's inside) and pokes the config once.
  PokeResult Poke(const std::string& keys, Duration budget = std::chrono::seconds(10)) {
    auto v = ValidateTask(*sensor_, "{sensor: http, " + keys + "}");
    EXPECT_THAT(v.errors, ElementsAre());
    if (!v.config) return {};
    PokeContext ctx;
    ctx.budget = budget;
    PokeResult r = sensor_->Poke(*v.config, ctx);
    for (const char* secret : {"hunter2", "tok123", "sekrit"}) {
      EXPECT_THAT(r.detail, Not(HasSubstr(secret)));
    }
    return r;
  }
  static void ExpectPoke(const PokeResult& r, Outcome outcome, const std::string& detail) {
    EXPECT_EQ(r.outcome, outcome) << r.detail;
    EXPECT_EQ(r.detail, detail);
  }

  TempDir dir_;
  TestServer server_{dir_.path(), 0};
  std::unique_ptr<const SensorType> sensor_ =
      MakeHttpSensor([](const std::string& name) -> std::optional<std::string> {
        if (name == "TOKEN") return "sekrit";
        return std::nullopt;
      });
};

TEST_F(HttpSensorTest, MetWhenTheStatusIsExpected) {
  ExpectPoke(Poke("url: '" + Url("/status/200") + "'"), Outcome::kMet, "HTTP 200");
  ExpectPoke(Poke("url: '" + Url("/status/503") + "'"), Outcome::kNotMet, "HTTP 503");
  ExpectPoke(Poke("url: '" + Url("/status/503") + "', status: [200, 503]"), Outcome::kMet,
             "HTTP 503");
  ExpectPoke(Poke("url: '" + Url("/status/204") + "', method: HEAD, status: 204"), Outcome::kMet,
             "HTTP 204");
  // No redirect is followed: the status is the first answer's.
  ExpectPoke(Poke("url: '" + Url("/status/302") + "'"), Outcome::kNotMet, "HTTP 302");
}

TEST_F(HttpSensorTest, JsonPathAndEquals) {
  dir_.Write("ready.json", R"({"ready": false, "n": 1.0, "items": [{"state": "done"}]})");
  const std::string url = "url: '" + Url("/file/ready.json") + "'";
  ExpectPoke(Poke(url + ", json_path: $.ready, equals: true"), Outcome::kNotMet,
             "HTTP 200, $.ready = false");
  ExpectPoke(Poke(url + ", json_path: $.ready"), Outcome::kNotMet, "HTTP 200, $.ready = false");
  ExpectPoke(Poke(url + ", json_path: '$.items[0].state', equals: done"), Outcome::kMet,
             "HTTP 200, $.items[0].state = \"done\"");
  ExpectPoke(Poke(url + ", json_path: $.n, equals: 1"), Outcome::kMet, "HTTP 200, $.n = 1.0");
  ExpectPoke(Poke(url + ", json_path: $.n, equals: '1'"), Outcome::kNotMet, "HTTP 200, $.n = 1.0");
  ExpectPoke(Poke(url + ", json_path: $.items"), Outcome::kMet,
             "HTTP 200, $.items = [{\"state\":\"done\"}]");
  ExpectPoke(Poke(url + ", json_path: '$.items[1]'"), Outcome::kNotMet,
             "HTTP 200, $.items[1] is missing");

  dir_.Write("ready.json", R"({"ready": true})");
  ExpectPoke(Poke(url + ", json_path: $.ready, equals: true"), Outcome::kMet,
             "HTTP 200, $.ready = true");

  dir_.Write("ready.json", "<html>ready</html>");
  ExpectPoke(Poke(url + ", json_path: $.ready"), Outcome::kError, "HTTP 200, the body is not JSON");
  ExpectPoke(Poke("url: '" + Url("/big") + "', json_path: '$[0]'"), Outcome::kError,
             "HTTP 200, the body is over 1 MiB (json_path reads bodies up to 1 MiB)");
  // The status comes first: a 404 is not met, whatever its body.
  ExpectPoke(Poke("url: '" + Url("/file/none.json") + "', json_path: $.ready"), Outcome::kNotMet,
             "HTTP 404");
}

TEST_F(HttpSensorTest, ADownServerIsAnErrorUntilItAnswers) {
  const int port = testing_sensors::FreePort();
  const std::string keys = "url: '" + Url("/status/200", port) + "'";
  ExpectPoke(Poke(keys), Outcome::kError,
             "connect to 127.0.0.1:" + std::to_string(port) + " refused");
  TestServer later(dir_.path(), port);
  ASSERT_EQ(later.port(), port);
  ExpectPoke(Poke(keys), Outcome::kMet, "HTTP 200");
}

TEST_F(HttpSensorTest, ASlowServerIsAnErrorWithinTheBudget) {
  const auto start = std::chrono::steady_clock::now();
  ExpectPoke(Poke("url: '" + Url("/slow") + "'", std::chrono::milliseconds(300)), Outcome::kError,
             "no answer from 127.0.0.1:" + std::to_string(server_.port()) +
                 " within 300ms (the poke's budget)");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST_F(HttpSensorTest, HeadersBodiesAndSecretsNeverInADetail) {
  const std::string url = "url: 'http://etl:hunter2@127.0.0.1:" + std::to_string(server_.port()) +
                          "/echo?token=tok123&d=1'";
  ExpectPoke(Poke(url + ", headers: {Authorization: 'Bearer ${TOKEN}'}, "
                        "json_path: $.headers.Authorization, equals: 'Bearer sekrit'"),
             Outcome::kMet, "HTTP 200, $.headers.Authorization = \"Bearer ***\"");
  ExpectPoke(Poke(url + ", json_path: $.path"), Outcome::kMet,
             "HTTP 200, $.path = \"/echo?token=***&d=1\"");
  ExpectPoke(Poke(url + ", method: POST, body: 'x=1', json_path: $.body, equals: 'x=1'"),
             Outcome::kMet, "HTTP 200, $.body = \"x=1\"");
  ExpectPoke(Poke(url + ", headers: {Authorization: 'Bearer ${MISSING}'}"), Outcome::kError,
             "header 'Authorization' uses ${MISSING}, which is not set in the scheduler's "
             "environment");
  const int down = testing_sensors::FreePort();
  ExpectPoke(Poke("url: 'http://etl:hunter2@127.0.0.1:" + std::to_string(down) + "/?token=tok123'"),
             Outcome::kError, "connect to 127.0.0.1:" + std::to_string(down) + " refused");
}

}  // namespace
}  // namespace sluice

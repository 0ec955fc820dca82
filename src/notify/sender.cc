// The real Sender: webhooks (HTTP POST of the alert's JSON) and mail (SMTP) through libcurl,
// commands as child processes with the JSON on stdin. Each resolves its templates at send time
// and removes every resolved value, and the URL itself, from the errors it returns.
#include "notify/sender.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <thread>

#include "notify/payload.h"
#include "util/spawn_setup.h"

extern char** environ;

namespace sluice::notify {
namespace {

// Owns a curl easy handle and a header list.
struct Curl {
  CURL* handle = curl_easy_init();
  curl_slist* list = nullptr;
  curl_slist* recipients = nullptr;
  ~Curl() {
    curl_slist_free_all(list);
    curl_slist_free_all(recipients);
    if (handle != nullptr) curl_easy_cleanup(handle);
  }
};

size_t DiscardBody(char* /*data*/, size_t size, size_t n, void* /*user*/) { return size * n; }

// The mail being uploaded, read by libcurl in pieces.
struct Upload {
  std::string data;
  size_t pos = 0;
};

size_t ReadUpload(char* buffer, size_t size, size_t n, void* user) {
  auto* upload = static_cast<Upload*>(user);
  const size_t len = std::min(size * n, upload->data.size() - upload->pos);
  upload->data.copy(buffer, len, upload->pos);
  upload->pos += len;
  return len;
}

long TimeoutMs(const NotifierSpec& n) {
  return static_cast<long>(
      std::chrono::duration_cast<std::chrono::milliseconds>(n.timeout).count());
}

// A curl failure, named by what went wrong and never by the URL (it may hold a secret).
std::string CurlError(CURLcode code, const char* detail) {
  std::string msg = curl_easy_strerror(code);
  if (detail != nullptr && detail[0] != '\0') msg += ": " + std::string(detail);
  return msg;
}

class RealSender final : public Sender {
 public:
  explicit RealSender(EnvLookup env) : env_(std::move(env)) {}

  SendOutcome Send(const NotifierSpec& notifier, const DeliveryRecord& d) override {
    std::vector<std::string> secrets;
    SendOutcome out;
    switch (notifier.kind) {
      case NotifierKind::kWebhook:
        out = Webhook(notifier, d, &secrets);
        break;
      case NotifierKind::kEmail:
        out = Mail(notifier, d, &secrets);
        break;
      case NotifierKind::kCommand:
        out = Command(notifier, d);
        break;
    }
    out.error = Redact(out.error, secrets);
    return out;
  }

 private:
  SendOutcome Webhook(const NotifierSpec& n, const DeliveryRecord& d,
                      std::vector<std::string>* secrets) {
    SendOutcome out;
    auto url = ResolveEnvTemplate(n.url, env_, secrets);
    if (!url.ok()) return {false, std::nullopt, "url: " + url.status().message()};
    secrets->push_back(*url);
    Curl curl;
    if (curl.handle == nullptr) return {false, std::nullopt, "curl_easy_init failed"};
    curl.list = curl_slist_append(curl.list, "Content-Type: application/json");
    for (const auto& [name, value] : n.headers) {
      auto resolved = ResolveEnvTemplate(value, env_, secrets);
      if (!resolved.ok()) {
        return {false, std::nullopt, "header " + name + ": " + resolved.status().message()};
      }
      secrets->push_back(*resolved);
      curl.list = curl_slist_append(curl.list, (name + ": " + *resolved).c_str());
    }
    const std::string body = AlertJson(d, LastLines(d.log_path, kLogLines));
    char detail[CURL_ERROR_SIZE] = {};
    curl_easy_setopt(curl.handle, CURLOPT_URL, url->c_str());
    curl_easy_setopt(curl.handle, CURLOPT_HTTPHEADER, curl.list);
    curl_easy_setopt(curl.handle, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(curl.handle, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    curl_easy_setopt(curl.handle, CURLOPT_TIMEOUT_MS, TimeoutMs(n));
    curl_easy_setopt(curl.handle, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl.handle, CURLOPT_ERRORBUFFER, detail);
    curl_easy_setopt(curl.handle, CURLOPT_WRITEFUNCTION, DiscardBody);
    curl_easy_setopt(curl.handle, CURLOPT_PROTOCOLS_STR, "http,https");
    if (!n.ca_file.empty()) curl_easy_setopt(curl.handle, CURLOPT_CAINFO, n.ca_file.c_str());
    const CURLcode code = curl_easy_perform(curl.handle);
    if (code != CURLE_OK) return {false, std::nullopt, CurlError(code, detail)};
    long status = 0;
    curl_easy_getinfo(curl.handle, CURLINFO_RESPONSE_CODE, &status);
    out.http_status = static_cast<int>(status);
    out.ok = status >= 200 && status < 300;
    if (!out.ok) out.error = "HTTP " + std::to_string(status);
    return out;
  }

  SendOutcome Mail(const NotifierSpec& n, const DeliveryRecord& d,
                   std::vector<std::string>* secrets) {
    auto url = ResolveEnvTemplate(n.smtp, env_, secrets);
    if (!url.ok()) return {false, std::nullopt, "smtp: " + url.status().message()};
    secrets->push_back(*url);
    Curl curl;
    if (curl.handle == nullptr) return {false, std::nullopt, "curl_easy_init failed"};
    std::string username;
    std::string password;
    if (!n.username.empty()) {
      auto u = ResolveEnvTemplate(n.username, env_, secrets);
      if (!u.ok()) return {false, std::nullopt, "username: " + u.status().message()};
      auto p = ResolveEnvTemplate(n.password, env_, secrets);
      if (!p.ok()) return {false, std::nullopt, "password: " + p.status().message()};
      username = *u;
      password = *p;
      secrets->push_back(password);
    }
    Upload upload;
    upload.data = MailText(n, d);
    for (const auto& to : n.to) {
      curl.recipients = curl_slist_append(curl.recipients, ("<" + to + ">").c_str());
    }
    const std::string from = "<" + n.from + ">";
    char detail[CURL_ERROR_SIZE] = {};
    curl_easy_setopt(curl.handle, CURLOPT_URL, url->c_str());
    curl_easy_setopt(curl.handle, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(curl.handle, CURLOPT_MAIL_FROM, from.c_str());
    curl_easy_setopt(curl.handle, CURLOPT_MAIL_RCPT, curl.recipients);
    curl_easy_setopt(curl.handle, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl.handle, CURLOPT_READFUNCTION, ReadUpload);
    curl_easy_setopt(curl.handle, CURLOPT_READDATA, &upload);
    curl_easy_setopt(curl.handle, CURLOPT_INFILESIZE, static_cast<long>(upload.data.size()));
    curl_easy_setopt(curl.handle, CURLOPT_TIMEOUT_MS, TimeoutMs(n));
    curl_easy_setopt(curl.handle, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl.handle, CURLOPT_ERRORBUFFER, detail);
    if (n.starttls)
      curl_easy_setopt(curl.handle, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
    if (!n.ca_file.empty()) curl_easy_setopt(curl.handle, CURLOPT_CAINFO, n.ca_file.c_str());
    if (!username.empty()) {
      curl_easy_setopt(curl.handle, CURLOPT_USERNAME, username.c_str());
      curl_easy_setopt(curl.handle, CURLOPT_PASSWORD, password.c_str());
    }
    const CURLcode code = curl_easy_perform(curl.handle);
    if (code != CURLE_OK) return {false, std::nullopt, CurlError(code, detail)};
    return {true, std::nullopt, ""};
  }

  static std::string MailText(const NotifierSpec& n, const DeliveryRecord& d) {
    char date[64] = {};
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    std::string to;
    for (const auto& addr : n.to) to += (to.empty() ? "" : ", ") + addr;
    std::string text = "Date: " + std::string(date) + "\r\n";
    text += "From: " + n.from + "\r\nTo: " + to + "\r\n";
    // RFC 2047 encoded-word: the subject has non-ASCII marks (✗, ✓).
    text += "Subject: =?UTF-8?B?" + Base64("[sluice] " + AlertText(d)) + "?=\r\n";
    text += "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n";
    text += "Content-Transfer-Encoding: 8bit\r\n\r\n";
    const std::string body = AlertMailBody(d, LastLines(d.log_path, kLogLines));
    for (char c : body) {
      if (c == '\n') text += '\r';
      text += c;
    }
    return text;
  }

  static std::string Base64(const std::string& in) {
    static const char* kAlphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
      const unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                         (static_cast<unsigned char>(in[i + 1]) << 8) |
                         static_cast<unsigned char>(in[i + 2]);
      for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(v >> s) & 63];
    }
    if (i < in.size()) {
      unsigned v = static_cast<unsigned char>(in[i]) << 16;
      if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
      out += kAlphabet[(v >> 18) & 63];
      out += kAlphabet[(v >> 12) & 63];
      out += i + 1 < in.size() ? kAlphabet[(v >> 6) & 63] : '=';
      out += '=';
    }
    return out;
  }

  // The command with the JSON on its stdin; its output is discarded but for the last line of
  // stderr, which names a failure. Killed (its process group) at the timeout.
  static SendOutcome Command(const NotifierSpec& n, const DeliveryRecord& d) {
    const std::string json = AlertJson(d, LastLines(d.log_path, kLogLines)) + "\n";
    int in[2];
    int err[2];
    if (::pipe2(in, O_CLOEXEC) != 0)
      return {false, std::nullopt, std::string("pipe: ") + std::strerror(errno)};
    if (::pipe2(err, O_CLOEXEC) != 0) {
      ::close(in[0]);
      ::close(in[1]);
      return {false, std::nullopt, std::string("pipe: ") + std::strerror(errno)};
    }
    SpawnSetup setup;
    posix_spawn_file_actions_adddup2(&setup.actions, in[0], 0);
    posix_spawn_file_actions_addopen(&setup.actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&setup.actions, err[1], 2);
    if (!n.cwd.empty()) posix_spawn_file_actions_addchdir_np(&setup.actions, n.cwd.c_str());
    // Its own process group (killed whole at the timeout), no blocked signals, and SIGPIPE as
    // default (the scheduler ignores it).
    posix_spawnattr_setflags(
        &setup.attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    posix_spawnattr_setpgroup(&setup.attr, 0);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&setup.attr, &none);
    sigset_t pipe_default;
    sigemptyset(&pipe_default);
    sigaddset(&pipe_default, SIGPIPE);
    posix_spawnattr_setsigdefault(&setup.attr, &pipe_default);
    std::vector<char*> argv;
    for (const auto& a : n.argv) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    pid_t pid = 0;
    const int rc = ::posix_spawnp(&pid, argv[0], &setup.actions, &setup.attr, argv.data(), environ);
    ::close(in[0]);
    ::close(err[1]);
    if (rc != 0) {
      ::close(in[1]);
      ::close(err[0]);
      return {false, std::nullopt, "cannot run " + n.argv[0] + ": " + std::strerror(rc)};
    }
    // A command that does not read its stdin must not block the worker: write what fits.
    ::fcntl(in[1], F_SETFL, O_NONBLOCK);
    size_t written = 0;
    std::string stderr_text;
    const auto deadline = std::chrono::steady_clock::now() + n.timeout;
    bool timed_out = false;
    int status = 0;
    for (;;) {
      if (in[1] >= 0 && written < json.size()) {
        const ssize_t w = ::write(in[1], json.data() + written, json.size() - written);
        if (w > 0) written += static_cast<size_t>(w);
        if (w < 0 && errno != EAGAIN) written = json.size();  // it closed its stdin
      }
      if (in[1] >= 0 && written >= json.size()) {
        ::close(in[1]);
        in[1] = -1;
      }
      pollfd fds[1] = {{err[0], POLLIN, 0}};
      ::poll(fds, 1, 20);
      if (fds[0].revents != 0) {
        char buf[4096];
        const ssize_t r = ::read(err[0], buf, sizeof buf);
        if (r > 0 && stderr_text.size() < 65536) stderr_text.append(buf, static_cast<size_t>(r));
      }
      const pid_t done = ::waitpid(pid, &status, WNOHANG);
      if (done == pid) break;
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(-pid, SIGKILL);
        ::waitpid(pid, &status, 0);
        timed_out = true;
        break;
      }
    }
    if (in[1] >= 0) ::close(in[1]);
    ::close(err[0]);
    if (timed_out) {
      return {
          false, std::nullopt,
          "command timed out after " +
              std::to_string(std::chrono::duration_cast<std::chrono::seconds>(n.timeout).count()) +
              "s"};
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {true, std::nullopt, ""};
    std::string why = WIFEXITED(status)
                          ? "command exited with code " + std::to_string(WEXITSTATUS(status))
                          : "command killed by signal " + std::to_string(WTERMSIG(status));
    while (!stderr_text.empty() && (stderr_text.back() == '\n' || stderr_text.back() == '\r')) {
      stderr_text.pop_back();
    }
    const size_t nl = stderr_text.rfind('\n');
    const std::string last = nl == std::string::npos ? stderr_text : stderr_text.substr(nl + 1);
    if (!last.empty()) why += ": " + last.substr(0, 500);
    return {false, std::nullopt, why};
  }

  EnvLookup env_;
};

}  // namespace

std::unique_ptr<Sender> CreateSender(EnvLookup env) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  return std::make_unique<RealSender>(std::move(env));
}

}  // namespace sluice::notify

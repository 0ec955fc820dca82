#include "operators/sensors/sensor_test_util.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include "core/spec_node.h"
#include "core/yaml_reader.h"

namespace sluice::testing_sensors {
namespace {

class RecordingDiagnostics final : public SpecDiagnostics {
 public:
  RecordingDiagnostics(const SpecNode& kind_key, Validated& out) : kind_key_(kind_key), out_(out) {}
  void Error(const SpecNode& node, std::string message) override {
    const SpecNode& at = node.line > 0 ? node : kind_key_;
    out_.errors.push_back(std::to_string(at.line) + ":" + std::to_string(at.column) + ": " +
                          message);
  }
  void Template(const SpecNode& node) override {
    if (node.type == SpecNode::Type::kScalar) out_.templates.push_back(node.text);
  }

 private:
  const SpecNode& kind_key_;
  Validated& out_;
};

}  // namespace

Validated ValidateTask(const SensorType& type, const std::string& yaml) {
  Validated out;
  DiagnosticSink sink("task.yaml", yaml);
  const YAML::Node root = YAML::Load(yaml);
  std::vector<SpecEntry> keys;
  SpecNode kind_key;
  for (const YamlEntry& e : MapEntries(root, sink)) {
    std::optional<SpecEntry> entry = ToSpecEntry(e, sink);
    if (!entry) continue;
    if (e.key == "sensor") {
      kind_key = entry->key;
    } else {
      keys.push_back(std::move(*entry));
    }
  }
  RecordingDiagnostics diags(kind_key, out);
  out.config = type.Validate(keys, diags);
  return out;
}

int RunCommand(const std::vector<std::string>& argv, const std::string& log) {
  const pid_t pid = fork();
  if (pid == 0) {
    if (!log.empty()) {
      const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
      }
    }
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  int port = -1;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

bool IsRoot() { return geteuid() == 0; }

}  // namespace sluice::testing_sensors

// /api/v1/dags/{dag}/runs/{run}/tasks/{task}/log: a part of an attempt's log, and the log
// followed as Server-Sent Events while the attempt runs.
#include <httplib.h>

#include <thread>

#include "api/route.h"
#include "api/server.h"
#include "control/record_json.h"
#include "control/run_lookup.h"
#include "control/task_log.h"

namespace sluice::api {
namespace {

constexpr int64_t kMaxLength = int64_t{1} << 20;

Result<ApiResponse> ReadLogHandler(const ApiRequest& req) {
  control::TaskLogRange range;
  range.dag_id = req.Param("dag");
  range.run_id = req.Param("run");
  range.task_id = req.Param("task");
  SLUICE_ASSIGN_OR_RETURN(int64_t try_number, req.QueryInt("try", 0, 0, 1'000'000));
  SLUICE_ASSIGN_OR_RETURN(int64_t offset, req.QueryInt("offset", 0, 0, INT64_MAX));
  SLUICE_ASSIGN_OR_RETURN(int64_t length,
                          req.QueryInt("length", int64_t{256} * 1024, 0, kMaxLength));
  SLUICE_ASSIGN_OR_RETURN(int64_t tail, req.QueryInt("tail", 0, 0, 100'000));
  if (tail > 0 && req.Query("offset")) {
    return Status::Invalid("give either tail or offset, not both");
  }
  range.try_number = static_cast<int>(try_number);
  range.offset = static_cast<uint64_t>(offset);
  range.length = static_cast<uint64_t>(length);
  range.tail = static_cast<int>(tail);
  SLUICE_ASSIGN_OR_RETURN(control::TaskLogPart part, control::ReadTaskLogRange(req.ctx, range));
  return ApiResponse::Json({{"try", part.attempt.try_number},
                            {"state", AttemptStateName(part.attempt.state)},
                            {"offset", part.offset},
                            {"next_offset", part.next_offset},
                            {"size", part.size},
                            {"complete", part.complete},
                            {"content", part.content}});
}

// One Server-Sent Event; `data` may hold several lines, each sent as a `data:` line.
std::string Event(const std::string& name, std::string_view data) {
  std::string out = "event: " + name + "\n";
  size_t start = 0;
  while (true) {
    const size_t nl = data.find('\n', start);
    out += "data: ";
    out += data.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
    out += "\n";
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  return out + "\n";
}

// Text that is not UTF-8 would break the client's decoder: replaced as JSON dumps replace it.
std::string Utf8(std::string_view text) {
  const std::string dumped = nlohmann::json(std::string(text))
                                 .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return nlohmann::json::parse(dumped).get<std::string>();
}

Handler StreamLogHandler(ServerState& state) {
  return [&state](const ApiRequest& req) -> Result<ApiResponse> {
    SLUICE_ASSIGN_OR_RETURN(int64_t try_number, req.QueryInt("try", 0, 0, 1'000'000));
    // What exists is checked now, so a typo is a 404 rather than an event stream of one error.
    SLUICE_ASSIGN_OR_RETURN(RunRecord run,
                            control::FindRun(req.ctx.store, req.Param("dag"), req.Param("run")));
    SLUICE_RETURN_IF_ERROR(
        control::FindTaskInstance(req.ctx.store, run, req.Param("task")).status());
    if (state.streams.load() >= state.options.threads / 2) {
      return Status::TooMany("too many logs followed at once; try again later");
    }
    control::TaskLogRequest request;
    request.dag_id = run.dag_id;
    request.run_id = run.run_id;
    request.task_id = req.Param("task");
    request.try_number = static_cast<int>(try_number);
    request.follow = true;
    request.raw = true;
    request.poll_interval = std::chrono::milliseconds(250);
    ApiResponse res;
    res.content_type = "text/event-stream";
    res.stream = [&state, request](httplib::DataSink& sink) {
      ++state.streams;
      // The request's own connection went back to the pool when its handler returned.
      auto lease = state.stores.Borrow();
      std::string pending;  // text after the last newline, sent once its line is whole
      bool gone = false;
      auto send = [&](const std::string& event) {
        if (gone) return;
        gone = !sink.is_writable() || !sink.write(event.data(), event.size());
      };
      control::TaskLogOutput out;
      out.write = [&](std::string_view text) {
        pending += text;
        const size_t last = pending.rfind('\n');
        if (last == std::string::npos) return;
        send(Event("log", Utf8(std::string_view(pending).substr(0, last))));
        pending.erase(0, last + 1);
      };
      out.note = [&](const std::string& note) { send(Event("note", note)); };
      out.sleep = [](Duration d) { std::this_thread::sleep_for(d); };
      out.stopped = [&] { return gone || !sink.is_writable(); };
      Status st = lease.ok() ? Status::Ok() : lease.status();
      if (st.ok()) {
        const control::Context ctx{state.config, lease->store(), state.clock};
        st = control::ShowTaskLog(ctx, request, out);
      }
      if (!pending.empty()) send(Event("log", Utf8(pending)));
      send(st.ok() ? Event("end", "{}") : Event("error", st.message()));
      --state.streams;
      return false;
    };
    return res;
  };
}

}  // namespace

void AddLogRoutes(ServerState& state, std::vector<Route>& routes) {
  const std::string base = "/api/v1/dags/{dag}/runs/{run}/tasks/{task}/log";
  routes.push_back({"GET", base, Access::kViewer, ReadLogHandler});
  routes.push_back({"GET", base + "/stream", Access::kViewer, StreamLogHandler(state)});
}

}  // namespace sluice::api

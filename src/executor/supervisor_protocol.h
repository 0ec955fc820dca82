#pragma once
// The messages between the local executor and its sluice-supervisor, over one stream socket.
// Dependency-free on purpose: the supervisor links this and nothing else of Sluice.
//
// Every message is a frame of strings (a u32 count, then each string as a u32 length and its
// bytes, in the machine's byte order: both ends run on the same host). The first string names
// the message:
//
//   supervisor -> executor   hello PID                  once, when it is ready
//                            ended ATTEMPT_PATH RESULT   the attempt's `result` text, sent after
//                                                       the file is written and the lock freed
//   executor -> supervisor   launch ATTEMPT_PATH TIMEOUT_MS GRACE_MS LOG_MAX_BYTES CWD N
//                                   ARGV[N]... ENV...   TIMEOUT_MS empty: none; LOG_MAX_BYTES 0:
//                                                       no cap; ENV entries are NAME=value over
//                                                       the supervisor's own
//                            kill ATTEMPT_PATH           SIGTERM to its group, SIGKILL after grace
//
// A later executor (after the scheduler restarted) has no socket to an earlier supervisor. It
// stops an attempt with kStopSignal queued to that supervisor (pidfd_send_signal with
// SI_QUEUE), carrying AttemptTag(ATTEMPT_PATH) as its value.

#include <csignal>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluice {

inline constexpr const char* kHelloMessage = "hello";
inline constexpr const char* kEndedMessage = "ended";
inline constexpr const char* kLaunchMessage = "launch";
inline constexpr const char* kKillMessage = "kill";

inline constexpr int kStopSignal = SIGUSR1;

// Names an attempt in a queued signal's 64-bit value: FNV-1a of its path. A collision
// needs two attempts running under one supervisor whose paths hash alike.
uint64_t AttemptTag(std::string_view attempt_path);

// Appends one frame holding `strings` to `out`.
void AppendFrame(const std::vector<std::string>& strings, std::string* out);

// Collects bytes as they arrive and cuts them into frames.
class FrameBuffer {
 public:
  void Append(const char* data, size_t size) { buffer_.append(data, size); }
  // Moves the next whole frame into `out`; false when none is complete yet.
  bool Next(std::vector<std::string>* out);
  bool empty() const { return pos_ == buffer_.size(); }

 private:
  bool Read(void* out, size_t size, size_t* at) const;
  std::string buffer_;
  size_t pos_ = 0;  // start of the first unread frame
};

}  // namespace sluice

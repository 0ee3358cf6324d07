// Download progress for people: on a terminal, one line per active transfer
// and a total with rate and ETA, redrawn in place; otherwise one quiet line
// per finished file (logs and CI output stay readable).
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace tinyrange::download {

struct TransferState {
  std::string label;
  uint64_t done = 0;
  uint64_t total = 0;  // 0 if unknown
};

class ProgressSink {
 public:
  virtual ~ProgressSink() = default;
  // The set of active transfers and the batch totals (bytes so far, bytes
  // expected where known); called a few times a second at most.
  virtual void Update(const std::vector<TransferState>& active, uint64_t batch_done, uint64_t batch_total) = 0;
  virtual void Finished(const std::string& label, uint64_t bytes) = 0;
  virtual void Failed(const std::string& label, const std::string& why) = 0;
  // The batch is over: leave the terminal clean.
  virtual void Done() = 0;
};

// Picks the terminal or the line form for `out` (isatty).
class ConsoleProgress : public ProgressSink {
 public:
  explicit ConsoleProgress(FILE* out);
  void Update(const std::vector<TransferState>& active, uint64_t batch_done, uint64_t batch_total) override;
  void Finished(const std::string& label, uint64_t bytes) override;
  void Failed(const std::string& label, const std::string& why) override;
  void Done() override;

 private:
  void Clear();

  FILE* out_;
  bool terminal_;
  int drawn_lines_ = 0;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_draw_{};
};

// "12.3 MiB"
std::string HumanBytes(uint64_t bytes);

}  // namespace tinyrange::download

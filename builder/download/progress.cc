#include "builder/download/progress.h"

#include <unistd.h>

namespace tinyrange::download {

std::string HumanBytes(uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024 && unit < 4) {
    value /= 1024;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, unit == 0 ? "%.0f %s" : "%.1f %s", value, units[unit]);
  return text;
}

ConsoleProgress::ConsoleProgress(FILE* out) : out_(out), terminal_(isatty(fileno(out)) != 0) {}

void ConsoleProgress::Clear() {
  // Move up over the lines drawn last time and erase them.
  for (int i = 0; i < drawn_lines_; ++i) std::fputs("\x1b[1A\x1b[2K", out_);
  drawn_lines_ = 0;
}

void ConsoleProgress::Update(const std::vector<TransferState>& active, uint64_t batch_done, uint64_t batch_total) {
  if (!terminal_) return;
  auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  Clear();
  for (const auto& t : active) {
    if (t.total) {
      std::fprintf(out_, "  %-60.60s %9s / %-9s %3d%%\n", t.label.c_str(), HumanBytes(t.done).c_str(),
                   HumanBytes(t.total).c_str(), static_cast<int>(100 * t.done / t.total));
    } else {
      std::fprintf(out_, "  %-60.60s %9s\n", t.label.c_str(), HumanBytes(t.done).c_str());
    }
    ++drawn_lines_;
  }
  double seconds = std::chrono::duration<double>(now - started_).count();
  double rate = seconds > 0 ? static_cast<double>(batch_done) / seconds : 0;
  std::string eta = "?";
  if (batch_total > batch_done && rate > 0) {
    eta = std::to_string(static_cast<long>(static_cast<double>(batch_total - batch_done) / rate)) + " s";
  } else if (batch_total && batch_total <= batch_done) {
    eta = "0 s";
  }
  std::fprintf(out_, "fetching: %s of %s at %s/s, ETA %s\n", HumanBytes(batch_done).c_str(),
               batch_total ? HumanBytes(batch_total).c_str() : "?", HumanBytes(static_cast<uint64_t>(rate)).c_str(),
               eta.c_str());
  ++drawn_lines_;
  std::fflush(out_);
}

void ConsoleProgress::Finished(const std::string& label, uint64_t bytes) {
  Clear();
  std::fprintf(out_, "fetched %s (%s)\n", label.c_str(), HumanBytes(bytes).c_str());
  std::fflush(out_);
}

void ConsoleProgress::Failed(const std::string& label, const std::string& why) {
  Clear();
  std::fprintf(out_, "failed %s: %s\n", label.c_str(), why.c_str());
  std::fflush(out_);
}

void ConsoleProgress::Done() {
  Clear();
  std::fflush(out_);
}

}  // namespace tinyrange::download

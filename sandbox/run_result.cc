#include "sandbox/run_result.h"

#include <map>
#include <optional>

#include "vmm/devices/control_device_abi.h"

namespace tinyrange::sandbox {

nlohmann::json MakeRunResult(const nlohmann::json& state, const nlohmann::json& outcome,
                             const std::string& post_install_state) {
  using nlohmann::json;
  json timings = json::object();
  // A run that failed while preparing has no state yet.
  const json empty = json::object();
  const json& prepared = state.is_object() && state.contains("timings") ? state["timings"] : empty;
  for (const char* key : {"prepare", "plan", "fetch", "convert", "assemble"}) {
    std::string name = std::string(key) + "_ms";
    if (prepared.contains(name)) timings[key] = prepared[name];
  }
  std::map<uint32_t, double> mark_ms;  // first occurrence of each mark
  if (outcome.contains("marks")) {
    for (const auto& mark : outcome["marks"]) {
      uint32_t code = mark[0].get<uint32_t>();
      if (!mark_ms.count(code)) mark_ms[code] = mark[1].get<double>() / 1e6;
    }
  }
  auto at = [&](uint32_t code) -> std::optional<double> {
    auto it = mark_ms.find(code);
    return it == mark_ms.end() ? std::nullopt : std::optional<double>(it->second);
  };
  double start = outcome.value("vm_start_ns", 0.0) / 1e6;
  double end = outcome.value("vm_end_ns", 0.0) / 1e6;
  auto init = at(control::kBootMarkInitStarted);
  auto unpacked = at(control::kBootMarkArchivesUnpacked);
  auto scripts = at(control::kBootMarkScriptsDone);
  auto command = at(control::kBootMarkCommandStarted);
  if (init) timings["boot"] = *init - start;
  if (init && unpacked) timings["unpack"] = *unpacked - *init;
  if (unpacked && scripts) timings["scripts"] = *scripts - *unpacked;
  if (command && end > 0) timings["command"] = end - *command;
  if (end > 0) timings["total"] = end;
  json record = {{"exit_status", outcome.value("exit_status", -1)},
                 {"stop", outcome.value("stop", "")},
                 {"post_install_state", post_install_state},
                 {"timings_ms", timings},
                 {"cache", {{"built", state.is_object() ? state.value("built", 0) : 0},
                            {"cached", state.is_object() ? state.value("cached", 0) : 0}}}};
  if (outcome.contains("error")) record["error"] = outcome["error"];
  if (outcome.contains("message")) record["message"] = outcome["message"];
  return record;
}

}  // namespace tinyrange::sandbox

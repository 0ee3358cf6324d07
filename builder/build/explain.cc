#include "builder/build/explain.h"

#include <cstdio>
#include <set>

namespace tinyrange::build {
namespace {

std::string Shorten(const std::string& text) {
  return text.size() <= 100 ? text : text.substr(0, 97) + "...";
}

void Explain(const BuildCache& cache, const std::string& old_hash, const DefinitionPtr& definition,
             const std::string& prefix, int depth, std::string* out) {
  if (old_hash == definition->Hash()) return;
  auto meta = cache.ReadMeta(old_hash);
  if (!meta || !meta->contains("definition")) {
    *out += prefix + "the previous build (" + old_hash.substr(0, 12) +
            ") is no longer in the cache, so what changed is unknown\n";
    return;
  }
  const nlohmann::json& old_def = (*meta)["definition"];
  nlohmann::json now = definition->Canonical();
  if (old_def.value("kind", "") != now["kind"]) {
    *out += prefix + "kind: " + old_def.value("kind", "") + " -> " + now["kind"].get<std::string>() + "\n";
    return;
  }
  if (old_def.value("version", 0) != now["version"]) {
    *out += prefix + "the " + now["kind"].get<std::string>() + " builder of this tr makes different output than the one that built it\n";
    return;
  }
  const nlohmann::json& old_params = old_def.contains("params") ? old_def["params"] : nlohmann::json::object();
  std::set<std::string> keys;
  for (const auto& [k, v] : old_params.items()) keys.insert(k);
  for (const auto& [k, v] : now["params"].items()) keys.insert(k);
  bool params_changed = false;
  for (const std::string& key : keys) {
    nlohmann::json before = old_params.contains(key) ? old_params[key] : nlohmann::json();
    nlohmann::json after = now["params"].contains(key) ? now["params"][key] : nlohmann::json();
    if (before != after) {
      *out += prefix + key + ": " + Shorten(before.dump()) + " -> " + Shorten(after.dump()) + "\n";
      params_changed = true;
    }
  }
  if (params_changed) return;
  const nlohmann::json old_inputs = old_def.value("inputs", nlohmann::json::array());
  std::vector<DefinitionPtr> inputs = definition->Inputs();
  if (old_inputs.size() != inputs.size()) {
    *out += prefix + "inputs: " + std::to_string(old_inputs.size()) + " -> " + std::to_string(inputs.size()) + "\n";
    return;
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    std::string before = old_inputs[i].get<std::string>();
    if (before == inputs[i]->Hash()) continue;
    std::string where = prefix + "input " + std::to_string(i + 1) + " (" + inputs[i]->Describe() + "): ";
    if (depth >= 16) {
      *out += where + "changed\n";
      continue;
    }
    std::string inner;
    Explain(cache, before, inputs[i], "", depth + 1, &inner);
    if (inner.empty()) inner = "changed\n";
    // Indent nested findings under their input.
    size_t start = 0;
    bool first = true;
    while (start < inner.size()) {
      size_t end = inner.find('\n', start);
      std::string line = inner.substr(start, end - start);
      *out += (first ? where : prefix + "  ") + line + "\n";
      first = false;
      start = end + 1;
    }
  }
}

void Tree(const std::unordered_map<std::string, BuildRecord>& records, const std::string& hash, const std::string& indent,
          std::set<std::string>* shown, std::string* out) {
  auto it = records.find(hash);
  if (it == records.end()) return;
  const BuildRecord& r = it->second;
  char status[64];
  if (r.failed) {
    std::snprintf(status, sizeof status, "failed");
  } else if (r.cached) {
    std::snprintf(status, sizeof status, "cached");
  } else {
    std::snprintf(status, sizeof status, "built in %.2f s", r.seconds);
  }
  *out += indent + r.describe + "  [" + status + ", " + hash.substr(0, 12) + "]";
  if (!shown->insert(hash).second) {
    *out += " (see above)\n";
    return;
  }
  *out += "\n";
  for (const std::string& input : r.inputs) Tree(records, input, indent + "  ", shown, out);
}

}  // namespace

std::string ExplainChange(const BuildCache& cache, const std::string& old_hash, const DefinitionPtr& definition) {
  std::string out;
  Explain(cache, old_hash, definition, "", 0, &out);
  return out;
}

std::string DependencyTree(const std::unordered_map<std::string, BuildRecord>& records, const std::string& root_hash) {
  std::string out;
  std::set<std::string> shown;
  Tree(records, root_hash, "", &shown, &out);
  return out;
}

}  // namespace tinyrange::build

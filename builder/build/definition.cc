#include "builder/build/definition.h"

#include "builder/download/sha256.h"

namespace tinyrange::build {

// Part of every hash: a change of the serialization itself (not of one
// kind) invalidates everything.
static constexpr char kHashDomain[] = "tinyrange build definition v1\n";

std::string Definition::Describe() const {
  std::string text = Kind();
  nlohmann::json params = Parameters();
  if (!params.is_object()) return text;
  for (const char* key : {"name", "url", "path", "package", "kind"}) {
    for (const auto& item : params.items()) {
      if (item.key() == key && item.value().is_string()) return text + " " + item.value().get<std::string>();
    }
  }
  return text;
}

nlohmann::json Definition::Canonical() const {
  nlohmann::json inputs = nlohmann::json::array();
  for (const DefinitionPtr& input : Inputs()) inputs.push_back(input->Hash());
  nlohmann::json canonical;
  canonical["kind"] = Kind();
  canonical["version"] = Version();
  canonical["params"] = Parameters();
  canonical["inputs"] = std::move(inputs);
  return canonical;
}

const std::string& Definition::Hash() const {
  std::call_once(hash_once_, [this] { hash_ = download::Sha256Hex(kHashDomain + Canonical().dump()); });
  return hash_;
}

}  // namespace tinyrange::build

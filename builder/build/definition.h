// A build definition: an immutable value that says how to make one output
// (a file or a directory) from parameters and the outputs of other
// definitions. Its hash names the output in the cache: SHA-256 over a
// canonical serialization of the kind, the kind's version, the parameters
// and the hashes of the inputs. Equal definitions therefore share one cache
// entry, and changing anything upstream changes every hash downstream.
#pragma once

#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace tinyrange::build {

class BuildContext;
class Definition;
using DefinitionPtr = std::shared_ptr<const Definition>;

class Definition {
 public:
  virtual ~Definition() = default;

  // A short stable name of the kind: "fetch_http", "read_archive", ...
  virtual std::string Kind() const = 0;
  // Raised when the kind's builder starts producing different bytes, so
  // entries made by an older tr are not reused.
  virtual int Version() const { return 1; }
  // The parameters, as JSON. nlohmann's objects keep keys sorted, so dump()
  // is canonical; parameters must not hold floats (their text is not).
  virtual nlohmann::json Parameters() const = 0;
  // Definitions whose outputs this one reads, in a fixed order.
  virtual std::vector<DefinitionPtr> Inputs() const { return {}; }
  // Mostly waiting on the network: runs on the I/O workers, many at once.
  virtual bool IoBound() const { return false; }
  // The output is a directory rather than a file.
  virtual bool OutputIsDirectory() const { return false; }
  // Makes the output at ctx.output(). Throws BuildError (or any
  // std::exception) on failure; the engine discards whatever was written.
  virtual void Build(BuildContext& ctx) const = 0;
  // One line for people: the kind and its most telling parameter.
  virtual std::string Describe() const;

  // {"kind", "version", "params", "inputs": [hash, ...]}.
  nlohmann::json Canonical() const;
  // Lower-case hex SHA-256 of Canonical().dump(); computed once.
  const std::string& Hash() const;

 private:
  mutable std::once_flag hash_once_;
  mutable std::string hash_;
};

class BuildError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace tinyrange::build

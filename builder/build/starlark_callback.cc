#include "builder/build/starlark_callback.h"

#include <filesystem>
#include <fstream>

#include "builder/build/build_engine.h"
#include "builder/build/starlark_api.h"
#include "builder/download/cache_file.h"
#include "starlark/eval.h"
#include "starlark/methods.h"
#include "starlark/ops.h"

namespace tinyrange::build {
namespace sl = tinyrange::starlark;
namespace fs = std::filesystem;

namespace {

// What a callback sees for a definition argument: its built output.
class BuiltOutputValue final : public sl::Object {
 public:
  explicit BuiltOutputValue(std::string path) : sl::Object(sl::Kind::kOther), path_(std::move(path)) {}
  std::string TypeName() const override { return "build_output"; }
  std::string Repr() const override { return "<build_output " + path_ + ">"; }
  sl::Value Attr(std::string_view name) const override {
    if (name == "path") return sl::MakeString(path_);
    if (name == "read") {
      std::string path = path_;
      return std::make_shared<sl::BuiltinObj>("read", [path](sl::Thread&, const sl::Value&, sl::Args& args) {
        sl::UnpackPositional("build_output.read", args, 0, 0, {});
        std::string contents;
        if (!download::ReadWholeFile(path, &contents)) {
          sl::Fail("build_output.read: cannot read " + path + " (is it a directory?)");
        }
        return sl::MakeString(std::move(contents));
      });
    }
    return nullptr;
  }
  std::vector<std::string> AttrNames() const override { return {"path", "read"}; }

 private:
  std::string path_;
};

// Serializes an argument for the hash; definitions become {"input": N}.
nlohmann::json ArgumentJson(const sl::Value& v, std::vector<DefinitionPtr>* inputs) {
  switch (v->kind()) {
    case sl::Kind::kNone: return nullptr;
    case sl::Kind::kBool: return sl::As<sl::BoolObj>(v).value;
    case sl::Kind::kInt: return {{"int", sl::Repr(v)}};
    case sl::Kind::kString: return sl::StrOf(v);
    case sl::Kind::kList:
    case sl::Kind::kTuple: {
      nlohmann::json list = nlohmann::json::array();
      const auto& elems = v->kind() == sl::Kind::kList ? sl::As<sl::ListObj>(v).elems : sl::As<sl::TupleObj>(v).elems;
      for (const sl::Value& e : elems) list.push_back(ArgumentJson(e, inputs));
      return list;
    }
    default:
      if (DefinitionPtr d = DefinitionOf(v)) {
        inputs->push_back(d);
        return {{"input", inputs->size() - 1}};
      }
      throw BuildError("define.build: cannot pass a " + sl::TypeName(v) +
                       " to a build callback (use None, bool, int, string, definition, or lists of those)");
  }
}

// The argument as the callback sees it: definitions replaced by outputs.
sl::Value ArgumentValue(const sl::Value& v, const BuildContext& ctx, size_t* next_input) {
  if (v->kind() == sl::Kind::kList || v->kind() == sl::Kind::kTuple) {
    const auto& elems = v->kind() == sl::Kind::kList ? sl::As<sl::ListObj>(v).elems : sl::As<sl::TupleObj>(v).elems;
    std::vector<sl::Value> out;
    for (const sl::Value& e : elems) out.push_back(ArgumentValue(e, ctx, next_input));
    return v->kind() == sl::Kind::kList ? sl::MakeList(std::move(out)) : sl::MakeTuple(std::move(out));
  }
  if (DefinitionOf(v)) return std::make_shared<BuiltOutputValue>(ctx.input((*next_input)++));
  return v;
}

// Hard links where possible: outputs in the cache are never modified.
void LinkOrCopy(const fs::path& from, const fs::path& to) {
  if (fs::is_directory(fs::symlink_status(from))) {
    fs::create_directory(to);
    for (const auto& item : fs::directory_iterator(from)) LinkOrCopy(item.path(), to / item.path().filename());
    return;
  }
  if (fs::is_symlink(fs::symlink_status(from))) {
    fs::copy_symlink(from, to);
    return;
  }
  std::error_code ec;
  fs::create_hard_link(from, to, ec);
  if (ec) fs::copy_file(from, to);
}

class StarlarkCallbackDefinition final : public Definition {
 public:
  StarlarkCallbackDefinition(sl::Value callback, std::vector<sl::Value> args, std::string digest)
      : callback_(std::move(callback)), args_(std::move(args)), digest_(std::move(digest)) {
    name_ = sl::As<sl::FunctionObj>(callback_).decl->name;
    arguments_ = nlohmann::json::array();
    for (const sl::Value& a : args_) arguments_.push_back(ArgumentJson(a, &inputs_));
  }

  std::string Kind() const override { return "starlark_build"; }
  nlohmann::json Parameters() const override {
    return {{"function", name_}, {"script_digest", digest_}, {"arguments", arguments_}};
  }
  std::vector<DefinitionPtr> Inputs() const override { return inputs_; }
  std::string Describe() const override { return "build " + name_; }

  void Build(BuildContext& ctx) const override {
    sl::Thread thread;
    thread.name = "build " + name_;
    sl::Args args;
    size_t next_input = 0;
    for (const sl::Value& a : args_) args.positional.push_back(ArgumentValue(a, ctx, &next_input));
    sl::Value result;
    try {
      result = sl::Call(thread, callback_, args);
    } catch (const sl::Error& e) {
      throw BuildError("the build callback " + name_ + " failed:\n" + e.Render());
    }
    if (result->kind() == sl::Kind::kString || result->kind() == sl::Kind::kBytes) {
      const std::string& bytes =
          result->kind() == sl::Kind::kString ? sl::StrOf(result) : sl::As<sl::BytesObj>(result).value;
      std::ofstream out(ctx.output(), std::ios::binary);
      out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
      out.close();
      if (!out) throw BuildError("cannot write " + ctx.output());
      return;
    }
    if (DefinitionPtr next = DefinitionOf(result)) {
      std::string built = ctx.BuildMore({next}).front();
      LinkOrCopy(built, ctx.output());
      return;
    }
    throw BuildError("the build callback " + name_ + " returned a " + sl::TypeName(result) +
                     "; it must return a string, bytes or a definition");
  }

 private:
  sl::Value callback_;
  std::vector<sl::Value> args_;
  std::string digest_;
  std::string name_;
  nlohmann::json arguments_;
  std::vector<DefinitionPtr> inputs_;
};

}  // namespace

DefinitionPtr StarlarkCallback(sl::Value callback, std::vector<sl::Value> args, std::string script_digest) {
  if (!callback || callback->kind() != sl::Kind::kFunction) throw BuildError("define.build: the callback must be a function");
  return std::make_shared<StarlarkCallbackDefinition>(std::move(callback), std::move(args), std::move(script_digest));
}

}  // namespace tinyrange::build

#include "builder/build/starlark_api.h"

#include <memory>

#include "builder/build/build_fs.h"
#include "builder/build/build_vm.h"
#include "builder/build/definitions.h"
#include "builder/build/starlark_callback.h"
#include "starlark/builtins.h"
#include "starlark/methods.h"
#include "starlark/ops.h"

namespace tinyrange::build {
namespace sl = tinyrange::starlark;

namespace {

class DefinitionValue final : public sl::Object {
 public:
  explicit DefinitionValue(DefinitionPtr definition) : sl::Object(sl::Kind::kOther), definition_(std::move(definition)) {}
  std::string TypeName() const override { return "definition"; }
  std::string Repr() const override { return "<definition " + definition_->Describe() + ">"; }
  size_t Hash() const override { return std::hash<std::string>()(definition_->Hash()); }
  sl::Value Attr(std::string_view name) const override {
    if (name == "hash") return sl::MakeString(definition_->Hash());
    if (name == "kind") return sl::MakeString(definition_->Kind());
    return nullptr;
  }
  std::vector<std::string> AttrNames() const override { return {"hash", "kind"}; }
  const DefinitionPtr& definition() const { return definition_; }

 private:
  DefinitionPtr definition_;
};

class DirectiveValue final : public sl::Object {
 public:
  explicit DirectiveValue(FsDirective directive) : sl::Object(sl::Kind::kOther), directive_(std::move(directive)) {}
  std::string TypeName() const override { return "directive"; }
  std::string Repr() const override { return "<directive " + directive_.Describe() + ">"; }
  const FsDirective& directive() const { return directive_; }

 private:
  FsDirective directive_;
};

// A package query: a name, or an atom the distribution's planner takes.
class QueryValue final : public sl::Object {
 public:
  explicit QueryValue(std::string text) : sl::Object(sl::Kind::kOther), text_(std::move(text)) {}
  std::string TypeName() const override { return "query"; }
  std::string Repr() const override { return "query(" + sl::Repr(sl::MakeString(text_)) + ")"; }
  size_t Hash() const override { return std::hash<std::string>()(text_); }
  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

// Factories throw BuildError for bad parameters; in a script that is a
// Starlark error at the call, with its file, line and column.
template <typename F>
sl::Value Guard(F&& make) {
  try {
    return make();
  } catch (const BuildError& e) {
    sl::Fail(e.what());
  }
}

DefinitionPtr WantDefinition(const std::string& fn, const char* param, const sl::Value& v) {
  DefinitionPtr d = DefinitionOf(v);
  if (!d) sl::WrongType(fn, param, v, "definition");
  return d;
}

std::string OptionalString(const std::string& fn, const char* param, const sl::Value& v, std::string fallback) {
  if (!v || sl::IsNone(v)) return fallback;
  return sl::WantString(fn, param, v);
}

std::vector<sl::Value> WantSequence(const std::string& fn, const char* param, const sl::Value& v) {
  if (v->kind() == sl::Kind::kList) return sl::As<sl::ListObj>(v).elems;
  if (v->kind() == sl::Kind::kTuple) return sl::As<sl::TupleObj>(v).elems;
  sl::WrongType(fn, param, v, "list or tuple");
}

// A list of directives, where a definition stands for directive.archive.
std::vector<FsDirective> WantDirectives(const std::string& fn, const sl::Value& directives) {
  std::vector<FsDirective> out;
  for (const sl::Value& item : WantSequence(fn, "directives", directives)) {
    if (auto* d = dynamic_cast<const DirectiveValue*>(item.get())) {
      out.push_back(d->directive());
    } else if (DefinitionPtr def = DefinitionOf(item)) {
      out.push_back(FsDirective::Layer(def));
    } else {
      sl::WrongType(fn, "directives", item, "list of directive or definition");
    }
  }
  return out;
}

std::vector<std::string> WantStrings(const std::string& fn, const char* param, const sl::Value& v) {
  std::vector<std::string> out;
  if (!v || sl::IsNone(v)) return out;
  for (const sl::Value& item : WantSequence(fn, param, v)) {
    if (item->kind() != sl::Kind::kString) sl::WrongType(fn, param, item, "list of strings");
    out.push_back(sl::StrOf(item));
  }
  return out;
}

sl::Value Builtin(const std::string& name, sl::BuiltinFn fn) {
  return std::make_shared<sl::BuiltinObj>(name, std::move(fn));
}

sl::Value DefineModule() {
  std::vector<std::pair<std::string, sl::Value>> f;
  f.emplace_back("fetch_http", Builtin("define.fetch_http", [](sl::Thread&, const sl::Value&, sl::Args& args) {
    const std::string fn = "define.fetch_http";
    sl::Value url, sha256, size;
    sl::Unpack(fn, args, {"url", "sha256?", "size?"}, {&url, &sha256, &size});
    std::optional<uint64_t> expected_size;
    if (size && !sl::IsNone(size)) {
      int64_t n = sl::WantInt(fn, "size", size);
      if (n < 0) sl::Fail(fn + ": size must not be negative");
      expected_size = static_cast<uint64_t>(n);
    }
    std::string u = sl::WantString(fn, "url", url), h = OptionalString(fn, "sha256", sha256, "");
    return Guard([&] { return WrapDefinition(FetchHttp(u, h, expected_size)); });
  }));
  f.emplace_back("read_archive", Builtin("define.read_archive", [](sl::Thread&, const sl::Value&, sl::Args& args) {
    const std::string fn = "define.read_archive";
    sl::Value input, format, package, checksum;
    sl::Unpack(fn, args, {"input", "format?", "package?", "checksum?"}, {&input, &format, &package, &checksum});
    DefinitionPtr in = WantDefinition(fn, "input", input);
    std::string fmt = OptionalString(fn, "format", format, "auto"), pkg = OptionalString(fn, "package", package, "");
    std::string sum = OptionalString(fn, "checksum", checksum, "");
    return Guard([&] { return WrapDefinition(ReadArchive(in, fmt, pkg, sum)); });
  }));
  f.emplace_back("decompress_file", Builtin("define.decompress_file", [](sl::Thread&, const sl::Value&, sl::Args& args) {
    const std::string fn = "define.decompress_file";
    sl::Value input;
    sl::Unpack(fn, args, {"input"}, {&input});
    DefinitionPtr in = WantDefinition(fn, "input", input);
    return Guard([&] { return WrapDefinition(DecompressFile(in)); });
  }));
  f.emplace_back("extract_file", Builtin("define.extract_file", [](sl::Thread&, const sl::Value&, sl::Args& args) {
    const std::string fn = "define.extract_file";
    sl::Value archive, path;
    sl::Unpack(fn, args, {"archive", "path"}, {&archive, &path});
    DefinitionPtr in = WantDefinition(fn, "archive", archive);
    std::string p = sl::WantString(fn, "path", path);
    return Guard([&] { return WrapDefinition(ExtractFile(in, p)); });
  }));
  f.emplace_back("file", Builtin("define.file", [](sl::Thread&, const sl::Value&, sl::Args& args) {
    const std::string fn = "define.file";
    sl::Value contents;
    sl::Unpack(fn, args, {"contents"}, {&contents});
    if (contents->kind() == sl::Kind::kBytes) return WrapDefinition(FileContents(sl::As<sl::BytesObj>(contents).value));
    return WrapDefinition(FileContents(sl::WantString(fn, "contents", contents)));
  }));
  f.emplace_back("plan", Builtin("define.plan", [](sl::Thread&, const sl::Value&, sl::Args& args) {
    const std::string fn = "define.plan";
    sl::Value builder, packages, tags, base, architecture, mirror;
    sl::Unpack(fn, args, {"builder", "packages", "tags?", "base?", "architecture?", "mirror?"},
               {&builder, &packages, &tags, &base, &architecture, &mirror});
    PackageRequest request;
    request.distro = sl::WantString(fn, "builder", builder);
    for (const sl::Value& item : WantSequence(fn, "packages", packages)) {
      if (item->kind() == sl::Kind::kString) {
        request.packages.push_back(sl::StrOf(item));
      } else if (auto* q = dynamic_cast<const QueryValue*>(item.get())) {
        request.packages.push_back(q->text());
      } else {
        sl::WrongType(fn, "packages", item, "list of query or string");
      }
    }
    request.tags = WantStrings(fn, "tags", tags);
    request.base = OptionalString(fn, "base", base, "none");
    request.architecture = OptionalString(fn, "architecture", architecture, "");
    std::string m = OptionalString(fn, "mirror", mirror, "");
    (request.distro.rfind("alpine:", 0) == 0 ? request.alpine_mirror : request.debian_mirror) = m;
    return Guard([&] { return WrapDefinition(PackagePlan(std::move(request))); });
  }));
  f.emplace_back("build_fs", Builtin("define.build_fs", [](sl::Thread&, const sl::Value&, sl::Args& args) {
    const std::string fn = "define.build_fs";
    sl::Value directives, kind, compression, size_mb;
    sl::Unpack(fn, args, {"directives", "kind?", "compression?", "size_mb?"}, {&directives, &kind, &compression, &size_mb});
    FsBuildSpec spec;
    spec.kind = OptionalString(fn, "kind", kind, "tar");
    spec.compression = OptionalString(fn, "compression", compression, "");
    if (size_mb && !sl::IsNone(size_mb)) spec.size_mb = sl::WantInt(fn, "size_mb", size_mb);
    spec.directives = WantDirectives(fn, directives);
    return Guard([&] { return WrapDefinition(BuildFs(std::move(spec))); });
  }));
  f.emplace_back("build_vm", Builtin("define.build_vm", [](sl::Thread&, const sl::Value&, sl::Args& args) {
    const std::string fn = "define.build_vm";
    sl::Value directives, output, cpu_cores, memory_mb, storage_size, kernel;
    sl::Unpack(fn, args, {"directives", "output", "cpu_cores?", "memory_mb?", "storage_size?", "kernel?"},
               {&directives, &output, &cpu_cores, &memory_mb, &storage_size, &kernel});
    VmBuildSpec spec;
    spec.output = sl::WantString(fn, "output", output);
    auto positive = [&](const char* name, const sl::Value& v, int64_t fallback) {
      if (!v || sl::IsNone(v)) return fallback;
      int64_t n = sl::WantInt(fn, name, v);
      if (n < 1) sl::Fail(fn + ": " + name + " must be positive, got " + std::to_string(n));
      return n;
    };
    spec.cpus = static_cast<uint32_t>(std::min<int64_t>(positive("cpu_cores", cpu_cores, 1), 1 << 20));
    spec.memory_mib = static_cast<uint64_t>(positive("memory_mb", memory_mb, 1024));
    spec.storage_mib = static_cast<uint64_t>(positive("storage_size", storage_size, 4096));
    if (kernel && !sl::IsNone(kernel)) spec.kernel = WantDefinition(fn, "kernel", kernel);
    spec.directives = WantDirectives(fn, directives);
    return Guard([&] { return WrapDefinition(BuildVm(std::move(spec))); });
  }));
  f.emplace_back("build", Builtin("define.build", [](sl::Thread& th, const sl::Value&, sl::Args& args) {
    const std::string fn = "define.build";
    if (!args.named.empty()) sl::Fail(fn + ": takes only positional arguments: a function, then its arguments");
    if (args.positional.empty()) sl::Fail(fn + ": missing argument for callback");
    const sl::Value& callback = args.positional[0];
    if (callback->kind() != sl::Kind::kFunction) sl::WrongType(fn, "callback", callback, "function");
    std::vector<sl::Value> rest(args.positional.begin() + 1, args.positional.end());
    std::string digest;
    if (auto it = th.locals.find(kScriptDigestLocal); it != th.locals.end()) {
      digest = *std::static_pointer_cast<std::string>(it->second);
    }
    return Guard([&] { return WrapDefinition(StarlarkCallback(callback, std::move(rest), digest)); });
  }));
  return sl::MakeModule("define", std::move(f));
}

sl::Value DirectiveModule() {
  std::vector<std::pair<std::string, sl::Value>> f;
  f.emplace_back("archive", Builtin("directive.archive", [](sl::Thread&, const sl::Value&, sl::Args& args) {
    const std::string fn = "directive.archive";
    sl::Value input;
    sl::Unpack(fn, args, {"input"}, {&input});
    return sl::Value(std::make_shared<DirectiveValue>(FsDirective::Layer(WantDefinition(fn, "input", input))));
  }));
  f.emplace_back("add_file", Builtin("directive.add_file", [](sl::Thread&, const sl::Value&, sl::Args& args) {
    const std::string fn = "directive.add_file";
    sl::Value path, contents, file, mode, uid, gid;
    sl::Unpack(fn, args, {"path", "contents?", "file?", "mode?", "uid?", "gid?"}, {&path, &contents, &file, &mode, &uid, &gid});
    bool has_contents = contents && !sl::IsNone(contents), has_file = file && !sl::IsNone(file);
    if (has_contents == has_file) sl::Fail(fn + ": give exactly one of contents= (a string) or file= (a definition)");
    DefinitionPtr source;
    if (has_file) {
      source = WantDefinition(fn, "file", file);
    } else if (contents->kind() == sl::Kind::kBytes) {
      source = FileContents(sl::As<sl::BytesObj>(contents).value);
    } else {
      source = FileContents(sl::WantString(fn, "contents", contents));
    }
    int64_t m = mode && !sl::IsNone(mode) ? sl::WantInt(fn, "mode", mode) : 0644;
    int64_t u = uid && !sl::IsNone(uid) ? sl::WantInt(fn, "uid", uid) : 0;
    int64_t g = gid && !sl::IsNone(gid) ? sl::WantInt(fn, "gid", gid) : 0;
    if (m < 0 || m > 07777) sl::Fail(fn + ": mode " + std::to_string(m) + " is not a permission mode (0 to 0o7777)");
    if (u < 0 || u > 0xffffffffLL || g < 0 || g > 0xffffffffLL) sl::Fail(fn + ": uid and gid must be 0 to 4294967295");
    std::string p = sl::WantString(fn, "path", path);
    return Guard([&] {
      return sl::Value(std::make_shared<DirectiveValue>(
          FsDirective::AddFile(p, source, static_cast<uint32_t>(m), static_cast<uint32_t>(u), static_cast<uint32_t>(g))));
    });
  }));
  f.emplace_back("run_command", Builtin("directive.run_command", [](sl::Thread&, const sl::Value&, sl::Args& args) {
    const std::string fn = "directive.run_command";
    sl::Value command;
    sl::Unpack(fn, args, {"command"}, {&command});
    std::string text = sl::WantString(fn, "command", command);
    return Guard([&] { return sl::Value(std::make_shared<DirectiveValue>(FsDirective::RunCommand(text))); });
  }));
  f.emplace_back("environment", Builtin("directive.environment", [](sl::Thread&, const sl::Value&, sl::Args& args) {
    const std::string fn = "directive.environment";
    sl::Value variables;
    sl::Unpack(fn, args, {"variables"}, {&variables});
    if (variables->kind() != sl::Kind::kDict) sl::WrongType(fn, "variables", variables, "dict of string to string");
    std::vector<std::pair<std::string, std::string>> pairs;
    for (auto& e : sl::As<sl::DictObj>(variables).table.entries()) {
      if (!e.key) continue;
      pairs.emplace_back(sl::WantString(fn, "variables key", e.key), sl::WantString(fn, "variables value", e.value));
    }
    return Guard([&] { return sl::Value(std::make_shared<DirectiveValue>(FsDirective::Environment(std::move(pairs)))); });
  }));
  f.emplace_back("default_interactive",
                 Builtin("directive.default_interactive", [](sl::Thread&, const sl::Value&, sl::Args& args) {
    const std::string fn = "directive.default_interactive";
    sl::Value command;
    sl::Unpack(fn, args, {"command"}, {&command});
    std::string text = sl::WantString(fn, "command", command);
    return Guard([&] { return sl::Value(std::make_shared<DirectiveValue>(FsDirective::DefaultInteractive(text))); });
  }));
  return sl::MakeModule("directive", std::move(f));
}

}  // namespace

sl::Value WrapDefinition(DefinitionPtr definition) { return std::make_shared<DefinitionValue>(std::move(definition)); }

DefinitionPtr DefinitionOf(const sl::Value& value) {
  if (!value || value->kind() != sl::Kind::kOther) return nullptr;
  auto* d = dynamic_cast<const DefinitionValue*>(value.get());
  return d ? d->definition() : nullptr;
}

sl::StringDict BuildApiPredeclared() {
  // json, math, struct and module, as `tr starlark` has them.
  sl::StringDict names = sl::StandardLibrary();
  names["define"] = DefineModule();
  names["directive"] = DirectiveModule();
  names["query"] = Builtin("query", [](sl::Thread&, const sl::Value&, sl::Args& args) {
    sl::Value name;
    sl::Unpack("query", args, {"name"}, {&name});
    const std::string& text = sl::WantString("query", "name", name);
    if (text.empty()) sl::Fail("query: empty package name");
    return sl::Value(std::make_shared<QueryValue>(text));
  });
  return names;
}

}  // namespace tinyrange::build

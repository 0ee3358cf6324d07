#include "guest-init/install_steps.h"

#include "guest-init/string_slice.h"

namespace tinyrange {

namespace {

struct Record {
  std::string_view key;
  std::string_view value;
  size_t key_at = 0;
  size_t value_at = 0;
  size_t end = 0;  // offset just past the record
};

// Reads the record at `pos`; false (with *message) if it is truncated.
bool ReadRecord(std::string_view data, size_t pos, Record* r, const char** message) {
  size_t key_end = data.find('\0', pos);
  if (key_end == std::string_view::npos) {
    *message = "truncated record: key without terminator";
    r->key = Slice(data, pos);
    r->key_at = pos;
    return false;
  }
  r->key = Slice(data, pos, key_end - pos);
  r->key_at = pos;
  r->value_at = key_end + 1;
  size_t value_end = data.find('\0', key_end + 1);
  if (value_end == std::string_view::npos) {
    *message = "truncated record: value without terminator";
    return false;
  }
  r->value = Slice(data, key_end + 1, value_end - key_end - 1);
  r->end = value_end + 1;
  return true;
}

}  // namespace

bool InstallStepsReader::Next(InstallStepView* step) {
  if (failed_ || done_) return false;
  auto fail = [&](const char* message, std::string_view key, size_t offset) {
    failed_ = true;
    error_.message = message;
    error_.key = key;
    error_.offset = offset;
    return false;
  };
  if (!started_) {
    started_ = true;
    if (data_.size() < kInstallStepsMagic.size() ||
        Slice(data_, 0, kInstallStepsMagic.size()) != kInstallStepsMagic) {
      return fail("bad magic: not a tinyrange install-steps file (version 1)", {}, 0);
    }
    offset_ = kInstallStepsMagic.size();
  }
  if (offset_ == data_.size()) return fail("missing end record (truncated file?)", {}, offset_);

  Record r;
  const char* message = "";
  if (!ReadRecord(data_, offset_, &r, &message)) return fail(message, r.key, r.key_at);
  if (r.key == "end") {
    if (!r.value.empty()) return fail("end record has a value", r.key, r.value_at);
    if (r.end != data_.size()) return fail("data after end record", {}, r.end);
    done_ = true;
    return false;
  }
  if (r.key == "argv" || r.key == "env") {
    return fail("record outside a step (no step record before it)", r.key, r.key_at);
  }
  if (r.key != "step") return fail("unknown key", r.key, r.key_at);
  if (r.value.empty()) return fail("empty step label", r.key, r.value_at);

  InstallStepView out;
  out.label = r.value;
  size_t step_at = r.key_at;
  size_t records_start = r.end;
  size_t pos = r.end;
  // The step's records run up to the next "step" or "end".
  for (;;) {
    if (pos == data_.size()) return fail("missing end record (truncated file?)", {}, pos);
    Record a;
    if (!ReadRecord(data_, pos, &a, &message)) return fail(message, a.key, a.key_at);
    if (a.key == "step" || a.key == "end") break;
    if (a.key == "argv") {
      if (out.argv_count == 0 && (a.value.empty() || a.value[0] != '/')) {
        return fail("argv[0] is not an absolute path", a.key, a.value_at);
      }
      ++out.argv_count;
    } else if (a.key == "env") {
      size_t eq = a.value.find('=');
      if (eq == std::string_view::npos || eq == 0) {
        return fail("env entry is not NAME=value", a.key, a.value_at);
      }
      ++out.env_count;
    } else {
      return fail("unknown key", a.key, a.key_at);
    }
    pos = a.end;
  }
  if (out.argv_count == 0) return fail("step without argv", r.key, step_at);
  out.records = Slice(data_, records_start, pos - records_start);
  offset_ = pos;
  *step = out;
  return true;
}

bool NextInstallStepRecord(std::string_view* records, std::string_view* key,
                           std::string_view* value) {
  if (records->empty()) return false;
  // The reader validated the records: every key and value is terminated.
  size_t key_end = records->find('\0');
  size_t value_end = records->find('\0', key_end + 1);
  *key = Slice(*records, 0, key_end);
  *value = Slice(*records, key_end + 1, value_end - key_end - 1);
  records->remove_prefix(value_end + 1);
  return true;
}

}  // namespace tinyrange

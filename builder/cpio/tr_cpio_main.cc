// tr-cpio SPEC OUTPUT: writes the newc cpio archive a gen_init_cpio-style
// spec describes (builder/cpio/cpio_spec.h), e.g. an initramfs for a kernel
// of one's own; scripts/nested-kvm.sh makes its outer VM's initramfs so.
// The output is written to a temporary name beside OUTPUT and renamed into
// place, so a failed run never leaves a partial archive.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "builder/cpio/cpio_spec.h"
#include "builder/cpio/cpio_writer.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: tr-cpio SPEC OUTPUT\n  SPEC: one entry a line, as for the kernel's gen_init_cpio\n");
    return 2;
  }
  std::string spec_path = argv[1];
  std::filesystem::path output = argv[2];
  std::ifstream in(spec_path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "tr-cpio: cannot read the spec %s\n", spec_path.c_str());
    return 2;
  }
  std::stringstream text;
  text << in.rdbuf();
  std::filesystem::path temporary = output;
  temporary += ".tmp." + std::to_string(getpid());
  try {
    auto entries = tinyrange::ParseCpioSpec(text.str(), spec_path);
    tinyrange::FileCpioSink sink(temporary);
    tinyrange::CpioWriter writer(&sink);
    tinyrange::WriteCpioSpec(entries, spec_path, &writer);
    writer.Finish();
    sink.Close();
    std::filesystem::rename(temporary, output);
  } catch (const std::exception& error) {
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
    std::fprintf(stderr, "tr-cpio: %s\n", error.what());
    return 1;
  }
  return 0;
}

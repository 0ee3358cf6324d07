// cxxopts, configured once for every tr command: repeated flags are
// collected as given, never split at commas (--disk img,ro and --env X=a,b
// hold commas). Every file that parses flags includes this header instead
// of cxxopts.hpp, so all of them see the same definition of the library.
#pragma once

#define CXXOPTS_VECTOR_DELIMITER '\0'
#include <cxxopts.hpp>

# Runs the Starlark conformance suite and fails if fewer than MIN chunks pass.
# Invoked by ctest with -DRUN_PY=... -DTR=... -DMIN=...
execute_process(
  COMMAND python3 ${RUN_PY} "${TR} starlark"
  OUTPUT_VARIABLE out
  ERROR_VARIABLE err)
string(REGEX MATCH "([0-9]+) passed, ([0-9]+) failed\n?$" summary "${out}")
if(NOT summary)
  message(FATAL_ERROR "conformance: no summary line in output:\n${out}\n${err}")
endif()
set(passed ${CMAKE_MATCH_1})
message(STATUS "conformance: ${summary}")
if(passed LESS MIN)
  message(FATAL_ERROR "conformance: ${passed} chunks passed, fewer than the threshold ${MIN}\n${out}")
endif()

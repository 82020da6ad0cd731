# Runs one compile-fail case: cmake -DCOMPILER=... -DFLAGS_FILE=... -DSOURCE=<case>.cpp [-DPCH=<h>] -P check.cmake
#
# A case is a pair in one file. Compiled as it is (the legal counterpart, with the project's strict
# warnings), it must compile without a warning. Compiled with -DTYPEGRAD_COMPILE_FAIL, it must
# fail; its first error must carry "typegrad:"; every `// expect: <regex>` line of the file must
# match the compiler's output; and the errors must number at most `// max-errors: N` (3 by default:
# typegrad's message, the diagnostic type that carries the user's shapes or names, and the
# compiler's remark that the latter's check is not a constant), so that a cascade fails the test.
#
# With -DMAKE_PCH=<h> instead of SOURCE: writes the header <h> (the umbrella header, which every
# case includes) and precompiles it into <h>.gch with the very arguments the cases are compiled
# with (GCC). A case run with -DPCH=<h> then includes it first (-include, -Winvalid-pch: a stale or
# mismatched <h>.gch is a warning, which fails the legal counterpart), so that each case parses
# the umbrella header once instead of twice per compiler run.
cmake_minimum_required(VERSION 3.25)

set(required COMPILER FLAGS_FILE SOURCE)
if(DEFINED MAKE_PCH)
  set(required COMPILER FLAGS_FILE)
endif()
foreach(var ${required})
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check.cmake: -D${var}=... is required")
  endif()
endforeach()
include(${FLAGS_FILE})  # sets TYPEGRAD_CF_INCLUDES, TYPEGRAD_CF_IMPLICIT, TYPEGRAD_CF_OPTIONS, TYPEGRAD_CF_DEFINES

# One diagnostic per line, uncoloured, whatever the terminal: the expectations are regexes on lines.
set(args -std=c++20 -fsyntax-only -fmessage-length=0 -fdiagnostics-color=never)
separate_arguments(user_flags UNIX_COMMAND "${TYPEGRAD_CF_CXX_FLAGS}")
list(APPEND args ${user_flags} ${TYPEGRAD_CF_OPTIONS})
foreach(dir IN LISTS TYPEGRAD_CF_INCLUDES)
  if(dir STREQUAL TYPEGRAD_CF_PROJECT_INCLUDE)
    list(APPEND args -I${dir})
  elseif(NOT dir IN_LIST TYPEGRAD_CF_IMPLICIT)  # -I/usr/include would break libstdc++'s #include_next
    list(APPEND args -isystem ${dir})  # Boost, xsimd: their warnings are not ours
  endif()
endforeach()
foreach(def IN LISTS TYPEGRAD_CF_DEFINES)
  list(APPEND args -D${def})
endforeach()

if(DEFINED MAKE_PCH)
  file(WRITE ${MAKE_PCH} "#include <typegrad/typegrad.hpp>\n")
  list(REMOVE_ITEM args -fsyntax-only)
  execute_process(COMMAND ${COMPILER} ${args} -x c++-header ${MAKE_PCH} -o ${MAKE_PCH}.gch
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0 OR out MATCHES "warning: ")
    message(FATAL_ERROR "FAIL: the precompiled header does not compile cleanly:\n${out}")
  endif()
  message(STATUS "PASS (${MAKE_PCH}.gch)")
  return()
endif()
if(DEFINED PCH)
  list(APPEND args -include ${PCH} -Winvalid-pch)
endif()

file(STRINGS ${SOURCE} expectations REGEX "^// expect: ")
list(TRANSFORM expectations REPLACE "^// expect: " "")
file(STRINGS ${SOURCE} max_errors REGEX "^// max-errors: [0-9]+$")
if(max_errors)
  string(REGEX REPLACE "^// max-errors: " "" max_errors "${max_errors}")
else()
  set(max_errors 3)
endif()
if(NOT expectations)
  message(FATAL_ERROR "${SOURCE}: no `// expect: <regex>` line")
endif()

execute_process(COMMAND ${COMPILER} ${args} ${SOURCE} RESULT_VARIABLE legal_rc OUTPUT_VARIABLE legal_out ERROR_VARIABLE legal_out)
if(NOT legal_rc EQUAL 0)
  message(FATAL_ERROR "FAIL: the legal counterpart does not compile:\n${legal_out}")
endif()
if(legal_out MATCHES "warning: ")
  message(FATAL_ERROR "FAIL: the legal counterpart compiles with warnings:\n${legal_out}")
endif()

execute_process(COMMAND ${COMPILER} ${args} -DTYPEGRAD_COMPILE_FAIL ${SOURCE} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(rc EQUAL 0)
  message(FATAL_ERROR "FAIL: the illegal case compiles")
endif()

set(failures "")
foreach(expected IN LISTS expectations)
  if(NOT out MATCHES "${expected}")
    string(APPEND failures "  no match for: ${expected}\n")
  endif()
endforeach()
string(REPLACE ";" "," listable "${out}")  # a CMake list is ;-separated
string(REGEX MATCHALL "[^\n]*: (fatal )?error: [^\n]*" errors "${listable}")
list(LENGTH errors error_count)
list(GET errors 0 first_error)
if(NOT first_error MATCHES "typegrad:")
  string(APPEND failures "  the first error is not typegrad's: ${first_error}\n")
endif()
if(error_count GREATER max_errors)
  string(REPLACE ";" "\n    " listed "${errors}")
  string(APPEND failures "  ${error_count} errors, more than ${max_errors} (a cascade):\n    ${listed}\n")
endif()
if(failures)
  message(FATAL_ERROR "FAIL:\n${failures}compiler output:\n${out}")
endif()
message(STATUS "PASS (${error_count} errors; first: ${first_error})")
if(DEFINED ENV{TYPEGRAD_SHOW_DIAGNOSTICS})  # docs/errors.md pastes these
  message(STATUS "compiler output:\n${out}")
endif()

# Builds the docs' programs at once:
#   cmake -DBUILD_DIR=<tree> -DTARGET=<target> -DGENERATOR=<CMAKE_GENERATOR> -P build_all.cmake
# (ctest's docs:build_all). Passes when some do not compile (ninja -k 0 goes on with the others):
# each program's own test (docs:<name>) reports them.
cmake_minimum_required(VERSION 3.25)
foreach(var BUILD_DIR TARGET)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "build_all.cmake: -D${var}=... is required")
  endif()
endforeach()
if(GENERATOR MATCHES "Ninja")
  set(keep_going -k 0)
else()
  set(keep_going -k)  # Makefiles
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${BUILD_DIR} --target ${TARGET} -- ${keep_going}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(rc EQUAL 0)
  message(STATUS "docs: every program built")
else()
  # The fixtures fail on purpose; anything else fails its own docs:<name> test.
  string(REGEX MATCHALL "FAILED: [^\n]*" failed "${out}")
  list(LENGTH failed count)
  message(STATUS "docs: ${count} program(s) did not compile; their docs:<name> tests report them")
endif()

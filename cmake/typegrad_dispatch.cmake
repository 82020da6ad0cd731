# typegrad_add_dispatch(<name> SOURCES <file>... TARGETS <target>... [OPTIONS <flag>...] [LINK <lib>...])
#
# Compiles the sources once per SIMD target, for a program that picks the best target at run time
# (docs/performance.md, "Portable binaries"). Each copy gets its target's flags, the definitions
# TYPEGRAD_ARCH_NAMESPACE (typegrad's entities then live in typegrad::arch_<target>, so the copies'
# instantiations never merge at link time) and TYPEGRAD_DISPATCH_TARGET=<target>, for the sources to
# name their entry points. <target> is one of
#   baseline   the compiler's default (x86-64: SSE2)
#   avx2       -mavx2 -mfma
#   avx512     -mavx512f -mavx512cd -mavx512dq -mavx512bw -mavx2 -mfma
# The copies are gathered in the static library <name>: link it after the program's own objects,
# so that inline functions of the standard library instantiated in both keep the baseline copy.
function(typegrad_add_dispatch name)
  cmake_parse_arguments(ARG "" "" "SOURCES;TARGETS;OPTIONS;LINK" ${ARGN})
  set(objects)
  foreach(target IN LISTS ARG_TARGETS)
    if(target STREQUAL "baseline")
      set(flags)
    elseif(target STREQUAL "avx2")
      set(flags -mavx2 -mfma)
    elseif(target STREQUAL "avx512")
      set(flags -mavx512f -mavx512cd -mavx512dq -mavx512bw -mavx2 -mfma)
    else()
      message(FATAL_ERROR "typegrad_add_dispatch: unknown target '${target}' (baseline, avx2, avx512)")
    endif()
    add_library(${name}_${target} OBJECT ${ARG_SOURCES})
    target_compile_options(${name}_${target} PRIVATE ${ARG_OPTIONS} ${flags})
    target_compile_definitions(${name}_${target} PRIVATE TYPEGRAD_ARCH_NAMESPACE TYPEGRAD_DISPATCH_TARGET=${target})
    target_link_libraries(${name}_${target} PRIVATE typegrad::typegrad ${ARG_LINK})
    list(APPEND objects $<TARGET_OBJECTS:${name}_${target}>)
  endforeach()
  add_library(${name} STATIC ${objects})
endfunction()

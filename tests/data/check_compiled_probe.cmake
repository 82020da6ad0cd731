# cmake -DOBJECT=<compiled_probe.o> -P check_compiled_probe.cmake: fails unless the object refers to
# (U) and does not define (T, W) the data layer's instantiations for float.
execute_process(COMMAND nm -C ${OBJECT} OUTPUT_VARIABLE symbols RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "nm ${OBJECT} failed (${rc})")
endif()
foreach(name "typegrad::data::detail::read_csv_file<float>" "typegrad::data::split<float>"
        "typegrad::data::standardizer<float>::fit" "typegrad::data::check_finite<float>")
  string(REGEX REPLACE "([][+*.^$()])" "\\\\\\1" pattern "${name}")
  if(NOT symbols MATCHES " U [^\n]*${pattern}")
    message(FATAL_ERROR "the probe does not refer to ${name}: is it still used by the probe?")
  endif()
  if(symbols MATCHES " [TW] [^\n]*${pattern}")
    message(FATAL_ERROR "the probe defines ${name}: TYPEGRAD_DATA_COMPILED did not keep the data layer out")
  endif()
endforeach()
message(STATUS "the data layer is referred to, not compiled, in ${OBJECT}")

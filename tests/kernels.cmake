# DailyDrug's custom ExecuTorch operators (runtime/src/kernels): the kernels against a reference
# attention, their error handling, and a tiny model exported with them (tests/python/
# make_tiny_model_ddattn.py) against PyTorch eager, in our C++ runtime and in ExecuTorch's Python
# runtime (which gets our kernels from libdd_kernels_py.so).
dd_add_gtest(kernels_attention_test LABEL unit SOURCES kernels/attention_test.cpp
             LIBS executorch::runtime)
target_link_libraries(kernels_attention_test PRIVATE $<LINK_LIBRARY:WHOLE_ARCHIVE,dd_kernels>)

add_test(NAME fixture.tiny_model_ddattn
         COMMAND ${DD_PYTHON} ${CMAKE_SOURCE_DIR}/tests/python/make_tiny_model_ddattn.py
                 --out ${DD_TEST_WORK_DIR}/tiny-ddattn)
set_tests_properties(fixture.tiny_model_ddattn PROPERTIES FIXTURES_SETUP tiny_model_ddattn
                     LABELS "unit" TIMEOUT 900)

dd_add_gtest(kernels_model_test LABEL unit SOURCES kernels/custom_op_model_test.cpp
             LIBS dd_llm nlohmann_json::nlohmann_json FIXTURES tiny_model_ddattn)

# Python side: reference ops, the source transform in eager mode, and the fixture program in
# ExecuTorch's Python runtime with our kernels (not in sanitizer trees: no dd_kernels_py there).
if(TARGET dd_kernels_py)
  add_test(NAME kernels.python
           COMMAND ${DD_PYTHON} -m pytest -q -p no:cacheprovider
                   ${CMAKE_SOURCE_DIR}/tests/python/test_custom_ops.py)
  set_tests_properties(kernels.python PROPERTIES LABELS "unit" TIMEOUT 600
    FIXTURES_REQUIRED tiny_model_ddattn
    ENVIRONMENT "DD_TINY_DDATTN=${DD_TEST_WORK_DIR}/tiny-ddattn;DD_KERNELS_LIB=$<TARGET_FILE:dd_kernels_py>")
endif()

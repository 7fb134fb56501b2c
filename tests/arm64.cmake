# ARM: the thread-count policy on big.LITTLE layouts (every tree), and in the aarch64 cross tree
# (build-arm64, scripts/arm64.sh) the wiring of its "arm64" label: which non-GoogleTest cases run
# there, and the greedy comparison with the x86 build.

# The performance-core count behind num_threads = -1, on fake sysfs trees of phone layouts.
dd_add_gtest(cpu_topology_test LABEL unit SOURCES unit/cpu_topology_test.cpp LIBS dd_llm)

# Greedy ids and top-2 logits of a bundle (tests/arm64/greedy_ids.cpp), built in every tree: the
# arm64 comparison runs the x86 tree's binary next to the aarch64 one.
add_executable(dd_greedy_ids ${CMAKE_CURRENT_SOURCE_DIR}/arm64/greedy_ids.cpp)
target_link_libraries(dd_greedy_ids PRIVATE dd_llm nlohmann_json::nlohmann_json)
dd_project_target(dd_greedy_ids)

if(NOT DD_TREE_LABEL STREQUAL "arm64")
  return()
endif()

# The aarch64 C API and JNI libraries export their API and nothing else (host nm reads them).
set_property(TEST bindings.c_api_exports APPEND PROPERTY LABELS arm64)
if(TEST bindings.jni_exports)
  set_property(TEST bindings.jni_exports APPEND PROPERTY LABELS arm64)
endif()

# Greedy generation on emulated ARM against x86, same .pte, same sources
# (tests/python/compare_greedy.py; ~1-2 s per token under qemu). How close the logits must be
# depends on the program (docs/ANDROID.md, "Results"):
# - the tiny random model is fp32 throughout: the logits agree to float rounding;
# - the two quantized bundles re-quantize their activations to int8 before every linear, which
#   turns rounding-level differences between x86 and ARM kernels into logit differences: up to
#   1.2 for SmolLM2-135M 8-bit (8da8w, 30 layers, ExecuTorch's stock attention) and 0.28 for the
#   app's default, Qwen2.5-Coder-0.5B 4-bit (8da4w, 24 layers, our attention operators), on
#   every emulated CPU tried. The bounds are a little above those; within them a swap of the two
#   best tokens is a near-tie, anything else fails.
set(DD_X86_BUILD_DIR "${CMAKE_SOURCE_DIR}/build" CACHE PATH
    "the x86 build tree whose dd_greedy_ids the arm64 comparison runs")
set(DD_ARM64_REPORT "${CMAKE_BINARY_DIR}/greedy-comparison.md" CACHE FILEPATH
    "markdown lines the greedy comparison appends (scripts/arm64.sh prints them)")
string(REPLACE ";" " " _dd_emulator "${CMAKE_CROSSCOMPILING_EMULATOR}")
set(_dd_compare ${DD_PYTHON} ${CMAKE_SOURCE_DIR}/tests/python/compare_greedy.py
    --x86 ${DD_X86_BUILD_DIR}/tests/dd_greedy_ids --arm $<TARGET_FILE:dd_greedy_ids>
    --emulator "${_dd_emulator}" --report ${DD_ARM64_REPORT})
add_test(NAME arm64.greedy.tiny
         COMMAND ${_dd_compare} --bundle ${DD_TEST_WORK_DIR}/tiny/bundle
                 --prompt "Hello world, this is a test" --steps 24 --near 0.01 --max-drift 0.01)
set_tests_properties(arm64.greedy.tiny PROPERTIES LABELS "integration;arm64" TIMEOUT 600
                     FIXTURES_REQUIRED tiny_model)
add_test(NAME arm64.greedy.smollm2
         COMMAND ${_dd_compare} --bundle ${DD_TEST_BUNDLE}
                 --prompt "Question: What is the capital of France? Answer:" --steps 16
                 --min-distinct 4 --near 1.5 --max-drift 1.5)
set_tests_properties(arm64.greedy.smollm2 PROPERTIES LABELS "integration;arm64" TIMEOUT 900)
# A prompt the g128 program continues with varied tokens (on "Question: … Answer:" it repeats
# " Answer:", which --min-distinct rightly refuses to compare).
add_test(NAME arm64.greedy.default
         COMMAND ${_dd_compare} --bundle ${DD_APP_BUNDLE}
                 --prompt "The capital of France is" --steps 8
                 --min-distinct 4 --near 0.5 --max-drift 0.5)
set_tests_properties(arm64.greedy.default PROPERTIES LABELS "integration;arm64" TIMEOUT 900)

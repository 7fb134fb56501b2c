# Runtime tests. The tiny random LLaMA fixture is exported once per build tree by a ctest fixture.
add_test(NAME fixture.tiny_model
         COMMAND ${DD_PYTHON} ${CMAKE_SOURCE_DIR}/tests/python/make_tiny_model.py
                 --out ${DD_TEST_WORK_DIR}/tiny)
set_tests_properties(fixture.tiny_model PROPERTIES FIXTURES_SETUP tiny_model LABELS "unit"
                     TIMEOUT 600)

dd_add_gtest(model_test LABEL unit SOURCES unit/model_test.cpp
             LIBS dd_llm nlohmann_json::nlohmann_json FIXTURES tiny_model)

dd_add_gtest(sampler_test LABEL unit SOURCES unit/sampler_test.cpp LIBS dd_llm)

dd_add_gtest(utf8_test LABEL unit SOURCES unit/utf8_test.cpp LIBS dd_llm_core)
dd_add_gtest(cancel_token_test LABEL unit THREADS SOURCES unit/cancel_token_test.cpp
             LIBS dd_llm_core)

dd_add_gtest(runner_test LABEL unit THREADS SOURCES unit/runner_test.cpp LIBS dd_llm
             FIXTURES tiny_model)

# Real-model checks on the bundles that scripts/setup.sh / scripts/test.sh export: most run on the
# small English test model (SmolLM2-135M 8-bit, `test`); the app's default (Qwen2.5-Coder-0.5B
# 4-bit with our attention kernels, `default`) has its own parity and Korean acceptance tests.
set(DD_TEST_BUNDLE "${CMAKE_SOURCE_DIR}/.cache/bundles/test" CACHE PATH
    "small real bundle for integration tests")
set(DD_APP_BUNDLE "${CMAKE_SOURCE_DIR}/.cache/bundles/default" CACHE PATH
    "the app's default bundle")
foreach(parity IN ITEMS textllmrunner default)
  set(bundle "${DD_TEST_BUNDLE}")
  if(parity STREQUAL "default")
    set(bundle "${DD_APP_BUNDLE}")
  endif()
  add_test(NAME parity.${parity}
           COMMAND ${DD_PYTHON} -m pytest -q -rs -p no:cacheprovider
                   ${CMAKE_SOURCE_DIR}/tests/python/test_parity_textllmrunner.py)
  set(env "DD_BUNDLE=${bundle}" "DD_DAILYDRUG=$<TARGET_FILE:dailydrug>")
  if(TARGET dd_kernels_py)  # this tree's kernels, not whichever build tree built them last
    list(APPEND env "DD_KERNELS_LIB=$<TARGET_FILE:dd_kernels_py>")
  endif()
  set_tests_properties(parity.${parity} PROPERTIES LABELS "integration" TIMEOUT 1500
    ENVIRONMENT "${env}")
endforeach()

dd_add_gtest(local_llm_test LABEL unit THREADS SOURCES unit/local_llm_test.cpp LIBS dd_llm
             FIXTURES tiny_model)

dd_add_gtest(chat_template_test LABEL unit SOURCES unit/chat_template_test.cpp LIBS dd_llm)

dd_add_gtest(cli_generate_test LABEL integration SOURCES integration/cli_generate_test.cpp
             LIBS nlohmann_json::nlohmann_json FIXTURES tiny_model)
target_compile_definitions(cli_generate_test PRIVATE DD_DAILYDRUG_BIN="$<TARGET_FILE:dailydrug>")
add_dependencies(cli_generate_test dailydrug)

# The exporter's readers and option checks (Python, no lowering; seconds).
add_test(NAME export.inputs
         COMMAND ${DD_PYTHON} -m pytest -q -p no:cacheprovider
                 ${CMAKE_SOURCE_DIR}/tests/python/test_export_inputs.py)
set_tests_properties(export.inputs PROPERTIES LABELS "unit" TIMEOUT 600)

# Constrained decoding (JSON Schema grammar, token mask, runner); validity is judged by the app's
# independent schema validator.
dd_add_gtest(json_constraint_test LABEL unit THREADS SOURCES unit/json_constraint_test.cpp
             LIBS dd_llm dd_app nlohmann_json::nlohmann_json FIXTURES tiny_model)

# The benchmark tool, black-box: every workload written as JSON and markdown, skips said.
dd_add_gtest(bench_tool_test LABEL integration SOURCES integration/bench_tool_test.cpp
             LIBS nlohmann_json::nlohmann_json FIXTURES tiny_model)
target_compile_definitions(bench_tool_test PRIVATE
                           DD_DAILYDRUG_BIN="$<TARGET_FILE:dailydrug-bench>"
                           DD_TEST_BUNDLE_DIR="${DD_TEST_BUNDLE}")
add_dependencies(bench_tool_test dailydrug-bench)

# The packed-weight cache (runtime/src/engine/weight_cache.h, an internal header).
dd_add_gtest(weight_cache_test LABEL unit THREADS SOURCES unit/weight_cache_test.cpp LIBS dd_llm
             FIXTURES tiny_model)
target_include_directories(weight_cache_test PRIVATE ${CMAKE_SOURCE_DIR}/runtime/src/engine)
target_compile_definitions(weight_cache_test PRIVATE DD_TEST_BUNDLE_DIR="${DD_TEST_BUNDLE}")

# Prefix snapshots (runtime/src/engine/prefix_snapshot.h, an internal header): plain buffers, the
# tiny bundle and the real test bundle restarted.
dd_add_gtest(prefix_snapshot_test LABEL unit THREADS SOURCES unit/prefix_snapshot_test.cpp
             LIBS dd_llm FIXTURES tiny_model)
target_include_directories(prefix_snapshot_test PRIVATE ${CMAKE_SOURCE_DIR}/runtime/src/engine)
target_compile_definitions(prefix_snapshot_test PRIVATE DD_TEST_BUNDLE_DIR="${DD_TEST_BUNDLE}")

# Prompt-lookup speculative decoding: the drafter alone, and the program's rows, Session::verify
# and the runner's output with and without speculation on the tiny model.
dd_add_gtest(drafter_test LABEL unit SOURCES unit/drafter_test.cpp LIBS dd_llm)
dd_add_gtest(speculative_test LABEL unit THREADS SOURCES unit/speculative_test.cpp
             LIBS dd_llm nlohmann_json::nlohmann_json FIXTURES tiny_model)

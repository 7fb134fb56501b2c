# Fault tests (tests/reliability): broken bundle files, kill -9 and a full disk during the asset
# copy, kill -9 during database writes, bad generation input. docs/RELIABILITY.md lists what each
# case proves. All run on the tiny model fixture and temporary folders (label "unit"; the crash
# tests take a few seconds each).
dd_add_gtest(reliability_test LABEL unit THREADS
             SOURCES ${CMAKE_CURRENT_LIST_DIR}/reliability/bundle_faults_test.cpp
                     ${CMAKE_CURRENT_LIST_DIR}/reliability/asset_copy_crash_test.cpp
                     ${CMAKE_CURRENT_LIST_DIR}/reliability/runner_input_faults_test.cpp
                     ${CMAKE_CURRENT_LIST_DIR}/reliability/fuzz_regressions_test.cpp
             LIBS dd_llm dd_app dd_flat_tensor_check nlohmann_json::nlohmann_json
             FIXTURES tiny_model tokenizer_reference)
dd_add_gtest(reliability_store_test LABEL unit THREADS
             SOURCES ${CMAKE_CURRENT_LIST_DIR}/reliability/store_crash_test.cpp
             LIBS dd_app Threads::Threads)

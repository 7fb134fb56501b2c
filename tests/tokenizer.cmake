# Tokenizer tests (label "unit"). Reference expectations come from the Python `tokenizers` and
# `sentencepiece` packages at test time (fixture.tokenizer_reference), never from committed
# files, so a C++ change that drifts from the reference fails here.
set(DD_TOKENIZER_REF_DIR ${DD_TEST_WORK_DIR}/tokenizer)
add_test(NAME fixture.tokenizer_reference
         COMMAND ${DD_PYTHON} ${CMAKE_SOURCE_DIR}/tests/python/make_tokenizer_reference.py
                 --corpus ${CMAKE_SOURCE_DIR}/tests/data/tokenizer_corpus.json
                 --smollm2 ${DD_TEST_DATA_DIR}/smollm2-135m-instruct/tokenizer.json
                 --qwen2 ${DD_APP_BUNDLE}/tokenizer.json
                 --out ${DD_TOKENIZER_REF_DIR})
set_tests_properties(fixture.tokenizer_reference PROPERTIES FIXTURES_SETUP tokenizer_reference
                     LABELS "unit" TIMEOUT 600)

dd_add_gtest(tokenizer_conformance_test LABEL unit THREADS
             SOURCES unit/tokenizer_conformance_test.cpp
             LIBS dd_tokenizer nlohmann_json::nlohmann_json Threads::Threads
             FIXTURES tokenizer_reference)
dd_add_gtest(tokenizer_errors_test LABEL unit
             SOURCES unit/tokenizer_errors_test.cpp
             LIBS dd_tokenizer FIXTURES tokenizer_reference)
dd_add_gtest(tokenizer_streaming_test LABEL unit
             SOURCES unit/tokenizer_streaming_test.cpp
             LIBS dd_tokenizer FIXTURES tokenizer_reference)

# tokenizer.json's one-pass reader (runtime/src/tokenizer/tokenizer_json.h, internal), against
# nlohmann's json::parse on the same texts.
dd_add_gtest(tokenizer_json_test LABEL unit SOURCES unit/tokenizer_json_test.cpp
             LIBS dd_tokenizer nlohmann_json::nlohmann_json)
target_include_directories(tokenizer_json_test PRIVATE ${CMAKE_SOURCE_DIR}/runtime/src)
target_compile_definitions(tokenizer_json_test PRIVATE
  DD_REAL_TOKENIZER="${DD_TEST_DATA_DIR}/smollm2-135m-instruct/tokenizer.json")

# The BPE model's lookup tables (runtime/src/tokenizer/token_index.h, internal), against std::map.
dd_add_gtest(token_index_test LABEL unit SOURCES unit/token_index_test.cpp LIBS dd_tokenizer)
target_include_directories(token_index_test PRIVATE ${CMAKE_SOURCE_DIR}/runtime/src)

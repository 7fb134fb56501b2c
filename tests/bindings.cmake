# Bindings: the C API (GoogleTest) and the JNI binding (JUnit4 run through a JVM), both on the
# tiny random bundle made by the tiny_model fixture.
set(DD_TINY_BUNDLE "${DD_TEST_WORK_DIR}/tiny/bundle")

dd_add_gtest(c_api_test LABEL unit THREADS SOURCES unit/c_api_test.cpp unit/c_api_c_client.c
             unit/c_api_assistant_test.cpp
             LIBS dd_llm_c nlohmann_json::nlohmann_json FIXTURES tiny_model)
# The C client is compiled as strict C99, which checks that the header is plain C.
set_target_properties(c_api_test PROPERTIES C_STANDARD 99 C_STANDARD_REQUIRED ON
                                            C_EXTENSIONS OFF)

# The shared library exports the C API and nothing else (no runtime or ExecuTorch symbols): every
# function of dailydrug_llm.h, listed here.
set(DD_C_API_SYMBOLS
  ddllm_assistant_ask ddllm_cancel ddllm_close ddllm_context_length ddllm_error_free
  ddllm_error_kind_name ddllm_feed_text ddllm_feed_tokens
  ddllm_generate ddllm_get_model_info ddllm_is_loaded ddllm_next_token ddllm_open
  ddllm_open_options_init ddllm_position
  ddllm_request_init ddllm_reset ddllm_response_free ddllm_seek ddllm_set_log_fn
  ddllm_step_token_free ddllm_string_free
  ddllm_unload ddllm_version)
string(REPLACE ";" "," DD_C_API_SYMBOLS "${DD_C_API_SYMBOLS}")
add_test(NAME bindings.c_api_exports
         COMMAND ${CMAKE_COMMAND} -DLIB=$<TARGET_FILE:dd_llm_c> -DPREFIXES=ddllm_
                 -DEXPECTED=${DD_C_API_SYMBOLS}
                 -P ${CMAKE_CURRENT_SOURCE_DIR}/check_exports.cmake)
set_tests_properties(bindings.c_api_exports PROPERTIES LABELS "unit")

if(TARGET dd_llm_jni)
  # JNI_OnLoad/OnUnload and LocalLlm's native methods.
  set(DD_JNI_SYMBOLS JNI_OnLoad JNI_OnUnload)
  foreach(m AssistantAsk Cancel Close ContextLength FeedText FeedTokens FromUtf8 Generate
            GetModelInfo IsLoaded NextToken Open Position Reset Seek ToUtf8 Unload)
    list(APPEND DD_JNI_SYMBOLS Java_org_dailydrug_llm_LocalLlm_native${m})
  endforeach()
  string(REPLACE ";" "," DD_JNI_SYMBOLS "${DD_JNI_SYMBOLS}")
  add_test(NAME bindings.jni_exports
           COMMAND ${CMAKE_COMMAND} -DLIB=$<TARGET_FILE:dd_llm_jni>
                   -DPREFIXES=Java_org_dailydrug_llm_,JNI_On -DEXPECTED=${DD_JNI_SYMBOLS}
                   -P ${CMAKE_CURRENT_SOURCE_DIR}/check_exports.cmake)
  set_tests_properties(bindings.jni_exports PROPERTIES LABELS "unit")
endif()

if(TARGET dd_llm_jni AND TARGET dd_llm_jni_tests)
  get_target_property(DD_LLM_JAR dd_llm_jar JAR_FILE)
  get_target_property(DD_LLM_TESTS_JAR dd_llm_jni_tests JAR_FILE)
  # -Xcheck:jni makes the JVM verify every JNI call (pending exceptions, reference misuse); its
  # warnings fail the test.
  add_test(NAME bindings.jni_junit
           COMMAND ${Java_JAVA_EXECUTABLE} -Xcheck:jni
                   -Djava.library.path=$<TARGET_FILE_DIR:dd_llm_jni>
                   -Ddailydrug.testBundle=${DD_TINY_BUNDLE}
                   -cp "${DD_JUNIT_JAR}:${DD_HAMCREST_JAR}:${DD_LLM_JAR}:${DD_LLM_TESTS_JAR}"
                   org.junit.runner.JUnitCore org.dailydrug.llm.LocalLlmTest)
  set_tests_properties(bindings.jni_junit PROPERTIES
    LABELS "integration"
    FIXTURES_REQUIRED tiny_model
    TIMEOUT 300
    FAIL_REGULAR_EXPRESSION "WARNING in native method|FATAL ERROR in native method")
else()
  message(STATUS "bindings.jni_junit not registered (no JNI binding or no JUnit jars)")
endif()

# `dailydrug serve` (frontends/server): the request parsing and the queue as unit tests, the
# running server as black-box API tests, and the web app in headless Chromium (e2e).
dd_add_gtest(openai_api_test LABEL unit SOURCES server/openai_api_test.cpp LIBS dd_openai_api)
dd_add_gtest(error_table_test LABEL unit SOURCES server/error_table_test.cpp LIBS dd_openai_api)
dd_add_gtest(inference_queue_test LABEL unit THREADS SOURCES server/inference_queue_test.cpp
             LIBS dd_server FIXTURES tiny_model)

set(DD_SERVER_TEST_ENV
  "DD_DAILYDRUG=$<TARGET_FILE:dailydrug>"
  "DD_TINY_BUNDLE=${DD_TEST_WORK_DIR}/tiny/bundle"
  "DD_BUNDLE=${DD_TEST_BUNDLE}"
  "DD_TEST_OUTPUT=${CMAKE_BINARY_DIR}/test-output")

# Black-box tests against the server binary on a free port, with the tiny model (fast cases).
add_test(NAME server.api
         COMMAND ${DD_PYTHON} -m pytest -q -p no:cacheprovider
                 ${CMAKE_SOURCE_DIR}/tests/python/test_server_api.py)
set_tests_properties(server.api PROPERTIES LABELS "integration" TIMEOUT 300
  FIXTURES_REQUIRED tiny_model ENVIRONMENT "${DD_SERVER_TEST_ENV}")

# 8 concurrent clients with random disconnects: no deadlock, every request answered or cancelled.
add_test(NAME server.concurrency
         COMMAND ${DD_PYTHON} -m pytest -q -p no:cacheprovider
                 ${CMAKE_SOURCE_DIR}/tests/python/test_server_concurrency.py)
set_tests_properties(server.concurrency PROPERTIES LABELS "integration" TIMEOUT 300
  FIXTURES_REQUIRED tiny_model ENVIRONMENT "${DD_SERVER_TEST_ENV}")

# Hostile input (issue 19): bounds, body codings, other sites (with Chromium on a second origin),
# slow clients, unsatisfiable schemas, messages; loopback only, about 40 s.
add_test(NAME server.hostile
         COMMAND ${DD_PYTHON} -m pytest -q -p no:cacheprovider
                 ${CMAKE_SOURCE_DIR}/tests/python/test_server_hostile.py)
set_tests_properties(server.hostile PROPERTIES LABELS "integration" TIMEOUT 300
  FIXTURES_REQUIRED tiny_model ENVIRONMENT "${DD_SERVER_TEST_ENV}")

# One case on the real default bundle (streaming, constrained JSON).
add_test(NAME server.real_model
         COMMAND ${DD_PYTHON} -m pytest -q -p no:cacheprovider
                 ${CMAKE_SOURCE_DIR}/tests/python/test_server_real_model.py)
set_tests_properties(server.real_model PROPERTIES LABELS "integration" TIMEOUT 600
  ENVIRONMENT "${DD_SERVER_TEST_ENV}")

# The web app in Debian's headless Chromium through Playwright; screenshots in
# test-output/e2e/*.png.
add_test(NAME e2e.web_app
         COMMAND ${DD_PYTHON} -m pytest -q -p no:cacheprovider
                 ${CMAKE_SOURCE_DIR}/tests/python/test_e2e_web_app.py)
set_tests_properties(e2e.web_app PROPERTIES LABELS "e2e" TIMEOUT 600
  ENVIRONMENT "${DD_SERVER_TEST_ENV}")

# The assistant (app/…/assistant.h, medicine_facts.h, safety_filter.h, grounding_check.h,
# assistant_prompt.h): knowledge base, matching, safety filter, grounding check, prompts and
# composition (label "unit", no model
# except the tiny fixture); `dailydrug coach|ask|faq|chat` as a black box on temporary databases
# with the tiny bundle, plus the Tylenol acceptance test and Ctrl-C on the real default bundle
# (label "integration").
if(TARGET dd_assistant)
  dd_add_gtest(assistant_unit_test LABEL unit
               SOURCES ${CMAKE_CURRENT_LIST_DIR}/assistant/medicine_facts_test.cpp
                       ${CMAKE_CURRENT_LIST_DIR}/assistant/safety_filter_test.cpp
                       ${CMAKE_CURRENT_LIST_DIR}/assistant/grounding_check_test.cpp
                       ${CMAKE_CURRENT_LIST_DIR}/assistant/assistant_prompt_test.cpp
                       ${CMAKE_CURRENT_LIST_DIR}/assistant/assistant_test.cpp
               LIBS dd_assistant nlohmann_json::nlohmann_json
               FIXTURES tiny_model)
endif()

if(TARGET dailydrug AND TARGET dd_assistant)
  dd_add_gtest(cli_assistant_test LABEL integration
               SOURCES ${CMAKE_CURRENT_LIST_DIR}/assistant/cli_assistant_test.cpp
               LIBS nlohmann_json::nlohmann_json
               FIXTURES tiny_model)
  target_compile_definitions(cli_assistant_test PRIVATE
                             DD_DAILYDRUG_BIN="$<TARGET_FILE:dailydrug>"
                             DD_TEST_BUNDLE_DIR="${DD_TEST_BUNDLE}"
                             DD_APP_BUNDLE_DIR="${DD_APP_BUNDLE}")
  add_dependencies(cli_assistant_test dailydrug)
endif()

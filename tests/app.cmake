# DailyDrug app layer: domain, SQLite store (label "unit") and the medication CLI commands run as
# a black box against temporary databases (label "integration").
dd_add_gtest(app_unit_test LABEL unit
             SOURCES ${CMAKE_CURRENT_LIST_DIR}/unit/app_calendar_test.cpp
                     ${CMAKE_CURRENT_LIST_DIR}/unit/app_schedule_test.cpp
                     ${CMAKE_CURRENT_LIST_DIR}/unit/app_schedule_params_test.cpp
                     ${CMAKE_CURRENT_LIST_DIR}/unit/app_dose_grouping_test.cpp
                     ${CMAKE_CURRENT_LIST_DIR}/unit/app_reminder_test.cpp
                     ${CMAKE_CURRENT_LIST_DIR}/unit/app_sqlite_test.cpp
                     ${CMAKE_CURRENT_LIST_DIR}/unit/app_store_file_test.cpp
                     ${CMAKE_CURRENT_LIST_DIR}/unit/app_store_schedule_test.cpp
                     ${CMAKE_CURRENT_LIST_DIR}/unit/app_store_dose_test.cpp
             LIBS dd_app)

if(TARGET dailydrug)
  dd_add_gtest(cli_medication_test LABEL integration
               SOURCES ${CMAKE_CURRENT_LIST_DIR}/integration/cli_medication_test.cpp
               LIBS nlohmann_json::nlohmann_json)
  target_compile_definitions(cli_medication_test PRIVATE
                             DD_DAILYDRUG_BIN="$<TARGET_FILE:dailydrug>")
  add_dependencies(cli_medication_test dailydrug)
endif()

# The exporter (tools/export) end to end on tiny models, and LoRA bundles in the runtime.

# LoRA fixture: two tiny PEFT adapters and three bundles made by the real exporter (merged from
# GGUF; separated from a HF folder, twice, sharing one foundation.ptd) plus eager references.
add_test(NAME fixture.tiny_lora
         COMMAND ${DD_PYTHON} ${CMAKE_SOURCE_DIR}/tests/python/make_tiny_lora.py
                 --out ${DD_TEST_WORK_DIR}/tiny_lora)
set_tests_properties(fixture.tiny_lora PROPERTIES FIXTURES_SETUP tiny_lora
                     LABELS "integration" TIMEOUT 2400)

# Adapter reading, merge math, refusals (fast) and the fixture's bundles through ExecuTorch's
# Python runtime (merged and separated programs vs eager, shared foundation).
add_test(NAME export.lora
         COMMAND ${DD_PYTHON} -m pytest -q -p no:cacheprovider
                 ${CMAKE_SOURCE_DIR}/tests/python/test_export_lora.py)
set_tests_properties(export.lora PROPERTIES LABELS "integration" TIMEOUT 1500
                     FIXTURES_REQUIRED tiny_lora
                     ENVIRONMENT "DD_LORA_FIXTURE=${DD_TEST_WORK_DIR}/tiny_lora")

# The export matrix: every input format, every precision, embedding quantization, the
# group-size check and refusals of broken or unsupported inputs through the CLI.
add_test(NAME export.matrix
         COMMAND ${DD_PYTHON} -m pytest -q -p no:cacheprovider
                 ${CMAKE_SOURCE_DIR}/tests/python/test_export_matrix.py)
set_tests_properties(export.matrix PROPERTIES LABELS "integration" TIMEOUT 3000)

# Separated LoRA bundles (model.pte + foundation.ptd + adapter.ptd) in our C++ runtime.
dd_add_gtest(lora_bundle_test LABEL integration THREADS SOURCES unit/lora_bundle_test.cpp
             LIBS dd_llm nlohmann_json::nlohmann_json FIXTURES tiny_lora)

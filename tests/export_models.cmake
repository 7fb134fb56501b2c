# The exporter's Qwen2 path on a tiny random Qwen2 checkpoint the test writes (GGUF + HF folder):
# reader vs an independent Qwen2 reference, tokenizer.json rebuilt from the GGUF, refusals, a CLI
# export to a verified fp32 bundle, and the lowering speed-up's byte-identical output.
add_test(NAME export.qwen2
         COMMAND ${DD_PYTHON} -m pytest -q -p no:cacheprovider
                 ${CMAKE_SOURCE_DIR}/tests/python/test_export_qwen.py)
set_tests_properties(export.qwen2 PROPERTIES LABELS "integration" TIMEOUT 2400)

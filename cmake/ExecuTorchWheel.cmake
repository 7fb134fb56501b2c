# Locate the C++ SDK that the `executorch` wheel ships inside the project's venv.
#
# Inputs:  DD_PYTHON (default: <source>/.venv/bin/python), the interpreter whose site-packages hold
#          executorch==1.5.1; or DD_EXECUTORCH_DIR, an unpacked wheel's executorch/ folder (the
#          cross build for aarch64 uses the aarch64 wheel's, scripts/arm64.sh). DD_PYTHON must
#          exist either way: the tests' fixture generators run with it on the build machine.
# Outputs: the imported targets executorch::runtime, ::kernels_optimized, ::kernels_quantized,
#          ::backend_xnnpack, ::threadpool; DD_EXECUTORCH_DIR (the package folder).
set(DD_PYTHON "${CMAKE_SOURCE_DIR}/.venv/bin/python" CACHE FILEPATH
    "Python interpreter of the venv that holds the executorch wheel")
if(NOT EXISTS "${DD_PYTHON}")
  message(FATAL_ERROR "No Python at ${DD_PYTHON}. Run scripts/setup.sh first, or pass -DDD_PYTHON=...")
endif()
set(DD_EXECUTORCH_DIR "" CACHE PATH
    "an unpacked executorch wheel's executorch/ folder (empty: the one in DD_PYTHON's venv)")
if(DD_EXECUTORCH_DIR STREQUAL "")
  execute_process(
    COMMAND "${DD_PYTHON}" -c
            "import importlib.util as u; s=u.find_spec('executorch'); print(s.submodule_search_locations[0] if s else '')"
    OUTPUT_VARIABLE DD_EXECUTORCH_DIR OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE _dd_rc)
  if(NOT _dd_rc EQUAL 0 OR DD_EXECUTORCH_DIR STREQUAL "")
    message(FATAL_ERROR "The executorch wheel is not installed in ${DD_PYTHON}'s environment.")
  endif()
elseif(NOT EXISTS "${DD_EXECUTORCH_DIR}/share/cmake/executorch-config.cmake")
  message(FATAL_ERROR "DD_EXECUTORCH_DIR=${DD_EXECUTORCH_DIR} is not an executorch package folder")
endif()
list(APPEND CMAKE_PREFIX_PATH "${DD_EXECUTORCH_DIR}/share/cmake")
find_package(executorch 1.5 REQUIRED
             COMPONENTS kernels_optimized kernels_quantized backend_xnnpack threadpool)
message(STATUS "ExecuTorch ${EXECUTORCH_BUILD_VERSION} from ${DD_EXECUTORCH_DIR}")

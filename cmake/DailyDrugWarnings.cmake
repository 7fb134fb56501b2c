# dd_project_target(<target>): the warning, standard and sanitizer flags for our own code.
# Third-party headers (ExecuTorch, gtest) are included as SYSTEM so -Werror applies to us only.
# DD_UNSIGNED_CHAR: compile our code with -funsigned-char, as char is on ARM Linux and Android, so
# that a test tree on x86 (the ASan tree, scripts/lib.sh) shows char-signedness bugs too.
option(DD_UNSIGNED_CHAR "Compile our code with -funsigned-char (char as on ARM)" OFF)
function(dd_project_target target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic
                                           -Wno-missing-field-initializers)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")  # the clang tree (build-asan) has no such option
    target_compile_options(${target} PRIVATE -Wshadow=local)
  endif()
  if(DD_UNSIGNED_CHAR)
    target_compile_options(${target} PRIVATE -funsigned-char)
  endif()
  if(DD_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(DD_SANITIZE)
    set(sanitizers ${DD_SANITIZE})
    if(DD_SANITIZE MATCHES "undefined")
      # GCC's "undefined" leaves out float-to-integer conversions that overflow (also UB).
      string(APPEND sanitizers ",float-cast-overflow")
      # Undefined behaviour aborts at the first report (the default prints and carries on, and a
      # test would still pass).
      target_compile_options(${target} PRIVATE -fno-sanitize-recover=undefined,float-cast-overflow)
    endif()
    target_compile_options(${target} PRIVATE -fsanitize=${sanitizers} -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=${sanitizers})
    # The instrumentation makes GCC's -Wmaybe-uninitialized report false positives (GCC 12:
    # inside libstdc++'s <regex>); GCC's manual advises against -Werror with sanitizers.
    # The main build keeps the warning as an error; the other warnings stay errors here too.
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
      target_compile_options(${target} PRIVATE -Wno-maybe-uninitialized)
    endif()
  endif()
endfunction()

# dd_link_no_undefined(<shared library or module>): a library that leaves a symbol undefined
# fails to link, instead of failing when the app loads it. Not in a clang sanitizer tree: clang
# links the sanitizer runtime into the executable only (GCC links a shared runtime into both),
# so an instrumented library leaves the runtime's symbols to the test binary that loads it.
function(dd_link_no_undefined target)
  if(NOT (DD_SANITIZE AND CMAKE_CXX_COMPILER_ID MATCHES "Clang"))
    target_link_options(${target} PRIVATE "LINKER:--no-undefined")
  endif()
endfunction()

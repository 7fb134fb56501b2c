# dd_project_target(<target>): the warning, standard and sanitizer flags for our own code.
# Third-party headers (ExecuTorch, gtest) are included as SYSTEM so -Werror applies to us only.
# DD_UNSIGNED_CHAR: compile our code with -funsigned-char, as char is on ARM Linux and Android, so
# that a test tree on x86 (the ASan tree, scripts/lib.sh) shows char-signedness bugs too.
option(DD_UNSIGNED_CHAR "Compile our code with -funsigned-char (char as on ARM)" OFF)
function(dd_project_target target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow=local
                                           -Wno-missing-field-initializers)
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
    target_compile_options(${target} PRIVATE -Wno-maybe-uninitialized)
  endif()
endfunction()

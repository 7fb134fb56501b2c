# dd_project_target(<target>): the warning, standard and sanitizer flags for our own code.
# Third-party headers (ExecuTorch, gtest) are included as SYSTEM so -Werror applies to us only.
function(dd_project_target target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow=local
                                           -Wno-missing-field-initializers)
  if(DD_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(DD_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=${DD_SANITIZE} -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=${DD_SANITIZE})
  endif()
endfunction()

// Linked into every GoogleTest binary of the main build tree (tests/CMakeLists.txt): counts the
// threads the test process starts through the C++ library (std::thread, std::async: the threads
// of our code and of the tests; ExecuTorch's thread pool calls pthread_create itself and is not
// counted) and fails the run when a binary without the ctest label "threads" starts one. That
// label is what puts a binary's cases into the TSan stage (scripts/lib.sh), so a test that starts
// threads cannot be left out of it unnoticed.
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <pthread.h>

#include <atomic>
#include <cstring>

namespace {

std::atomic<int> cxx_threads{0};

class ThreadLabelCheck : public ::testing::Environment {
 public:
  void TearDown() override {
#if !DD_TEST_THREADS
    EXPECT_EQ(cxx_threads.load(), 0)
        << "this test started threads (std::thread / std::async) but its target has no THREADS "
           "in dd_add_gtest (ctest label \"threads\"), so the TSan stage would not run it";
#endif
  }
};

[[maybe_unused]] ::testing::Environment* const kCheck =
    ::testing::AddGlobalTestEnvironment(new ThreadLabelCheck);

}  // namespace

// Interposes libc's pthread_create for the whole process (the executable's definition comes
// first in symbol lookup; it is exported with --export-dynamic-symbol) and forwards to it.
extern "C" int pthread_create(pthread_t* thread, const pthread_attr_t* attr, void* (*start)(void*),
                              void* arg) {
  using Fn = int (*)(pthread_t*, const pthread_attr_t*, void* (*)(void*), void*);
  static const Fn real = reinterpret_cast<Fn>(dlsym(RTLD_NEXT, "pthread_create"));
  Dl_info info{};
  if (dladdr(__builtin_return_address(0), &info) != 0 && info.dli_fname != nullptr &&
      std::strstr(info.dli_fname, "libstdc++") != nullptr) {
    cxx_threads.fetch_add(1);
  }
  return real(thread, attr, start, arg);
}

# Cross-compiling for 64-bit ARM Linux (glibc): Debian's g++-aarch64-linux-gnu against the arm64
# multiarch -dev packages (dpkg --add-architecture arm64) and the C++ SDK of the executorch
# manylinux_2_28_aarch64 wheel (DD_EXECUTORCH_DIR). scripts/arm64.sh installs all of it and
# configures build-arm64 with this file; ctest runs the test binaries through qemu-aarch64
# (CMAKE_CROSSCOMPILING_EMULATOR).
#
# Cache variables:
#   DD_ARM64_QEMU_CPU     the emulated CPU model (qemu's -cpu), default "max": every feature qemu
#                         implements, dotprod, i8mm, SVE2 and SME among them, so ExecuTorch's
#                         XNNPACK/KleidiAI picks the kernels a 2023+ phone runs.
#   DD_ARM64_EXTRA_PREFIX extra prefixes (a list) searched for arm64 packages that cannot be
#                         co-installed with their amd64 twin (scripts/arm64.sh: SentencePiece,
#                         unpacked from Debian's arm64 .debs).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
# find_library/find_package then look in /usr/lib/aarch64-linux-gnu, never in the amd64 folders.
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

# try_compile projects re-read this file without the main project's cache.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES DD_ARM64_QEMU_CPU DD_ARM64_EXTRA_PREFIX)

if(NOT DEFINED DD_ARM64_QEMU_CPU)
  set(DD_ARM64_QEMU_CPU max CACHE STRING "qemu-aarch64 -cpu model the tests run on")
endif()
set(DD_ARM64_EXTRA_PREFIX "${DD_ARM64_EXTRA_PREFIX}" CACHE STRING
    "extra arm64 package prefixes (scripts/arm64.sh)")
list(APPEND CMAKE_PREFIX_PATH ${DD_ARM64_EXTRA_PREFIX})

# pkg-config must see the arm64 .pc files only (the amd64 ones point at x86 libraries).
set(_dd_pc "/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig")
foreach(p IN LISTS DD_ARM64_EXTRA_PREFIX)
  string(APPEND _dd_pc ":${p}/lib/aarch64-linux-gnu/pkgconfig")
endforeach()
set(ENV{PKG_CONFIG_LIBDIR} "${_dd_pc}")
set(ENV{PKG_CONFIG_PATH} "")

# libc6:arm64 (multiarch) puts the arm64 loader at /lib/ld-linux-aarch64.so.1, so qemu needs no
# -L prefix; the binaries find the arm64 libraries in /usr/lib/aarch64-linux-gnu.
find_program(DD_QEMU_AARCH64 qemu-aarch64)
if(DD_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR "${DD_QEMU_AARCH64};-cpu;${DD_ARM64_QEMU_CPU}")
endif()

# Host programs (flatc, java, python) from the host; everything else from the target folders.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)

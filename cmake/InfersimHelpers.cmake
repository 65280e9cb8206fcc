# Helper functions: one place for warnings, sanitizers and the library/test layout.

function(infersim_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                           -Wno-missing-field-initializers -Wno-maybe-uninitialized)
  # GCC 12 reports -Wrestrict on std::string concatenation inlined at -O2/-O3 (GCC bugs 105651, 106199):
  # false positives in libstdc++, off for GCC 12 only.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(${target} PRIVATE -Wno-restrict)
  endif()
  if(INFERSIM_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# ASan + UBSan; any UB report aborts (no silent recovery), so a test that triggers one fails.
function(infersim_sanitize target)
  if(INFERSIM_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-sanitize-recover=undefined
                                             -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
endfunction()

# infersim_add_library(NAME <target> SOURCES ... DEPS ...)
# A library exposes include/ publicly (headers under include/infersim/<folder>/) and keeps src/ private.
function(infersim_add_library)
  cmake_parse_arguments(A "" "NAME" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(${A_NAME} STATIC ${A_SOURCES})
  target_include_directories(${A_NAME} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include
                                       PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(${A_NAME} PUBLIC ${A_DEPS} PRIVATE ${A_PRIVATE_DEPS})
  infersim_warnings(${A_NAME})
  infersim_sanitize(${A_NAME})
endfunction()

# infersim_add_test(NAME <target> SOURCES ... DEPS ... [LABELS ...])
function(infersim_add_test)
  cmake_parse_arguments(A "" "NAME" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${A_NAME} ${A_SOURCES})
  target_link_libraries(${A_NAME} PRIVATE ${A_DEPS} GTest::gtest GTest::gtest_main)
  infersim_warnings(${A_NAME})
  infersim_sanitize(${A_NAME})
  include(GoogleTest)
  gtest_discover_tests(${A_NAME} PROPERTIES LABELS "${A_LABELS}"
                       ENVIRONMENT "INFERSIM_DATA_DIR=${INFERSIM_SOURCE_ROOT}"
                       DISCOVERY_TIMEOUT 60)
endfunction()

# Every dependency comes from a Debian 12 package (see scripts/setup).
find_package(Threads REQUIRED)
find_package(fmt REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(CURL REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(CLI11 REQUIRED)
find_package(simdjson REQUIRED)
find_package(Boost 1.74 REQUIRED)
find_package(PkgConfig REQUIRED)
# libpq (PostgreSQL's C client) has no CMake config on Debian; pkg-config does.
pkg_check_modules(LIBPQ REQUIRED IMPORTED_TARGET libpq)

# cmark-gfm ships no CMake config on Debian; pkg-config does not cover the
# extensions library either, so find both by hand.
find_path(CMARK_GFM_INCLUDE_DIR cmark-gfm.h REQUIRED)
find_library(CMARK_GFM_LIBRARY cmark-gfm REQUIRED)
find_library(CMARK_GFM_EXT_LIBRARY cmark-gfm-extensions REQUIRED)
add_library(cmark-gfm UNKNOWN IMPORTED)
set_target_properties(cmark-gfm PROPERTIES IMPORTED_LOCATION ${CMARK_GFM_LIBRARY}
  INTERFACE_INCLUDE_DIRECTORIES ${CMARK_GFM_INCLUDE_DIR})
add_library(cmark-gfm-extensions UNKNOWN IMPORTED)
set_target_properties(cmark-gfm-extensions PROPERTIES IMPORTED_LOCATION ${CMARK_GFM_EXT_LIBRARY}
  INTERFACE_LINK_LIBRARIES cmark-gfm)

if(TARGET yaml-cpp AND NOT TARGET yaml-cpp::yaml-cpp)
  add_library(yaml-cpp::yaml-cpp ALIAS yaml-cpp)
endif()

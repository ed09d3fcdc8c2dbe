# A compiler cache makes rebuilds after a branch switch or a clean cheap. It is
# used when ccache is installed, unless a launcher was chosen on the command
# line or -DCHIMERA_CCACHE=OFF (CCACHE_DISABLE=1 in the environment also
# bypasses it for one build).
option(CHIMERA_CCACHE "Compile through ccache when it is installed" ON)
if(CHIMERA_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  find_program(CHIMERA_CCACHE_PROGRAM ccache)
  if(CHIMERA_CCACHE_PROGRAM)
    # Paths relative to the source tree, so that two clones of the project
    # share cached objects.
    set(CMAKE_CXX_COMPILER_LAUNCHER ${CMAKE_COMMAND} -E env CCACHE_BASEDIR=${PROJECT_SOURCE_DIR}
                                    ${CHIMERA_CCACHE_PROGRAM})
    message(STATUS "Compiling through ${CHIMERA_CCACHE_PROGRAM}")
  endif()
endif()

function(chimera_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
    -Woverloaded-virtual -Wcast-align -Wformat=2 -Wimplicit-fallthrough)
  if(CHIMERA_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(CHIMERA_SANITIZE)
    # g++ 12 with -fsanitize=address reports Asio's recycled coroutine frames
    # (operator new/delete of awaitable_frame_base) as mismatched: a false
    # positive inside Boost's headers. The sanitizers' instrumentation also
    # makes -Wmaybe-uninitialized fire inside libstdc++'s <regex> (its NFA's
    # std::function members), which the Release build does not report.
    target_compile_options(${target} PRIVATE -Wno-mismatched-new-delete -Wno-maybe-uninitialized)
  endif()
endfunction()

if(CHIMERA_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

#pragma once

namespace chimera::http {

// curl_global_init is not thread-safe on every platform; every entry point of
// this folder calls this first, and only the first call does the work.
void ensure_curl_global_init();

}  // namespace chimera::http

#pragma once

namespace chimera::http {

// curl_global_init is not thread-safe on every platform; every entry point of
// this folder calls this first, and only the first call does the work.
void ensure_curl_global_init();

}  // namespace chimera::http

namespace chimera::http {
// The user's no_proxy list plus the loopback addresses: an inference server on
// this machine (or `chimera sim`) is never reached through an HTTP proxy that
// http_proxy/https_proxy may name. Set on every easy handle as CURLOPT_NOPROXY.
const char* no_proxy_list();
}  // namespace chimera::http

namespace chimera::http {
// "chimera/<version>", sent as User-Agent on every request (a user's own
// User-Agent header replaces it).
const char* user_agent();
}  // namespace chimera::http

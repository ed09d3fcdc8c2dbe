#include "chimera/http/curl_global.hpp"

#include <curl/curl.h>

#include <mutex>

namespace chimera::http {

void ensure_curl_global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace chimera::http

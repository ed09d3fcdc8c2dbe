#include "chimera/http/curl_global.hpp"

#include <curl/curl.h>

#include <cstdlib>
#include <mutex>
#include <string>

#include "chimera/version.hpp"

namespace chimera::http {

void ensure_curl_global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace chimera::http

namespace chimera::http {

const char* no_proxy_list() {
  static const std::string list = [] {
    std::string value = "localhost,127.0.0.1,::1";
    for (const char* name : {"no_proxy", "NO_PROXY"}) {
      const char* user = std::getenv(name);
      if (user != nullptr && user[0] != '\0') {
        value = std::string(user) + "," + value;
        break;
      }
    }
    return value;
  }();
  return list.c_str();
}

}  // namespace chimera::http

namespace chimera::http {
const char* user_agent() {
  static const std::string agent = std::string("chimera/") + kVersion;
  return agent.c_str();
}
}  // namespace chimera::http

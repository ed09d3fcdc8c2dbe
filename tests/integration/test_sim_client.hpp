#pragma once
// A small libcurl client for the simulator's integration tests: it records
// status, headers, body and when each piece of the body arrived.

#include <curl/curl.h>

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace chimera::testing {

struct HttpReply {
  long status = 0;
  CURLcode code = CURLE_OK;  // transport result: CURLE_PARTIAL_FILE etc. for broken streams
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::vector<double> arrival_ms;  // per received piece, ms since the request started
  long new_connections = 0;
};

class SimClient {
 public:
  SimClient() : curl_(curl_easy_init()) {}
  ~SimClient() { curl_easy_cleanup(curl_); }
  SimClient(const SimClient&) = delete;
  SimClient& operator=(const SimClient&) = delete;

  HttpReply request(const std::string& method, const std::string& url, const std::string& body = "",
                    const std::vector<std::string>& extra_headers = {}) {
    HttpReply reply;
    start_ = std::chrono::steady_clock::now();
    curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl_, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, method.c_str());
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT, 30L);
    if (method == "POST") {
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body.c_str());
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    } else {
      curl_easy_setopt(curl_, CURLOPT_HTTPGET, 1L);
      curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, method.c_str());
    }
    curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
    for (const auto& h : extra_headers) headers = curl_slist_append(headers, h.c_str());
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, &SimClient::on_body);
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, this);
    curl_easy_setopt(curl_, CURLOPT_HEADERFUNCTION, &SimClient::on_header);
    curl_easy_setopt(curl_, CURLOPT_HEADERDATA, this);
    current_ = &reply;
    reply.code = curl_easy_perform(curl_);
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &reply.status);
    curl_easy_getinfo(curl_, CURLINFO_NUM_CONNECTS, &reply.new_connections);
    curl_slist_free_all(headers);
    current_ = nullptr;
    return reply;
  }
  HttpReply post(const std::string& url, const nlohmann::json& body,
                 const std::vector<std::string>& extra_headers = {}) {
    return request("POST", url, body.dump(), extra_headers);
  }
  HttpReply get(const std::string& url) { return request("GET", url); }

 private:
  static size_t on_body(char* data, size_t size, size_t count, void* self_ptr) {
    auto* self = static_cast<SimClient*>(self_ptr);
    self->current_->body.append(data, size * count);
    self->current_->arrival_ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - self->start_)
            .count());
    return size * count;
  }
  static size_t on_header(char* data, size_t size, size_t count, void* self_ptr) {
    auto* self = static_cast<SimClient*>(self_ptr);
    std::string line(data, size * count);
    const auto colon = line.find(':');
    if (colon != std::string::npos) {
      std::string name = line.substr(0, colon);
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string value = line.substr(colon + 1);
      while (!value.empty() && (value.front() == ' ')) value.erase(0, 1);
      while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.pop_back();
      self->current_->headers[name] = value;
    }
    return size * count;
  }

  CURL* curl_;
  HttpReply* current_ = nullptr;
  std::chrono::steady_clock::time_point start_;
};

// NDJSON lines, each parsed (a line that does not parse becomes a string).
inline std::vector<nlohmann::json> ndjson_lines(const std::string& body) {
  std::vector<nlohmann::json> lines;
  std::size_t start = 0;
  while (start < body.size()) {
    auto end = body.find('\n', start);
    if (end == std::string::npos) end = body.size();
    const std::string line = body.substr(start, end - start);
    if (!line.empty()) {
      auto parsed = nlohmann::json::parse(line, nullptr, false);
      lines.push_back(parsed.is_discarded() ? nlohmann::json(line) : parsed);
    }
    start = end + 1;
  }
  return lines;
}

// SSE `data:` payloads in order ("[DONE]" kept as a string).
inline std::vector<std::string> sse_data(const std::string& body) {
  std::vector<std::string> events;
  std::size_t start = 0;
  while (true) {
    const auto end = body.find("\n\n", start);
    if (end == std::string::npos) break;
    const std::string event = body.substr(start, end - start);
    if (event.rfind("data: ", 0) == 0) events.push_back(event.substr(6));
    start = end + 2;
  }
  return events;
}

}  // namespace chimera::testing

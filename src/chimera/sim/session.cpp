#include "chimera/sim/session.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <nlohmann/json.hpp>

#include "chimera/sim/catalog.hpp"
#include "chimera/sim/generation.hpp"
#include "chimera/sim/server.hpp"
#include "chimera/sim/wire.hpp"
#include "chimera/util/json_text.hpp"
#include "chimera/version.hpp"

namespace chimera::sim {
namespace {

namespace net = boost::asio;
namespace http = boost::beast::http;
using nlohmann::json;

constexpr std::size_t kMaxBodyBytes = 64 * 1024 * 1024;
constexpr const char* kJson = "application/json; charset=utf-8";

struct Reply {
  int status = 200;
  std::string content_type = kJson;
  std::string body;
};

std::optional<Api> generation_api(std::string_view path) {
  if (path == "/api/generate") return Api::kGenerate;
  if (path == "/api/chat") return Api::kChat;
  if (path == "/v1/chat/completions") return Api::kChatCompletions;
  if (path == "/v1/completions") return Api::kCompletions;
  return std::nullopt;
}

json counters_json(const ServerState& state) {
  return json{{"requests", state.requests.load()},
              {"active_streams", state.active_streams.load()},
              {"peak_active_streams", state.peak_active_streams.load()},
              {"tokens_sent", state.tokens_sent.load()},
              {"waiting", state.scheduler.waiting()}};
}

Reply show(ServerState& state, const std::string& body) {
  const json doc = json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return {400, kJson, ollama_error("invalid JSON in request body")};
  }
  std::string name = doc.value("model", doc.value("name", std::string()));
  const ModelSpec* model = state.config.find_model(name);
  if (model == nullptr) {
    return {404, kJson, ollama_error("model '" + name + "' not found")};
  }
  return {200, kJson, dump_json(ollama_show(*model))};
}

// Every endpoint that answers at once; nullopt for an unknown path.
std::optional<Reply> answer_simple(ServerState& state, http::verb method, std::string_view path,
                                   const std::string& body) {
  const bool get = method == http::verb::get || method == http::verb::head;
  auto only = [&](bool allowed, auto&& make) -> Reply {
    if (!allowed) return {405, "text/plain", "405 method not allowed"};
    return make();
  };
  if (path == "/") {
    return only(get, [] { return Reply{200, "text/plain; charset=utf-8", "Ollama is running"}; });
  }
  if (path == "/api/version") {
    return only(get, [&] {
      return Reply{200, kJson,
                   dump_json(json{{"version", state.config.version}, {kSimField, kVersion}})};
    });
  }
  if (path == "/api/tags") {
    return only(get, [&] { return Reply{200, kJson, dump_json(ollama_tags(state.config))}; });
  }
  if (path == "/api/ps") {
    return only(get, [&] {
      const auto now = ServerState::Clock::now();
      return Reply{200, kJson,
                   dump_json(ollama_ps(state.config, state.scheduler.loaded(now), now))};
    });
  }
  if (path == "/api/show") {
    return only(method == http::verb::post, [&] { return show(state, body); });
  }
  if (path == "/v1/models") {
    return only(get, [&] {
      auto models = openai_models(state.config);
      models[kSimField] = kVersion;
      return Reply{200, kJson, dump_json(models)};
    });
  }
  if (path == "/sim/requests") {
    if (method == http::verb::delete_) {
      state.truth.clear();
      return Reply{200, kJson, "{\"cleared\":true}"};
    }
    return only(get, [&] {
      json records = json::array();
      for (const auto& t : state.truth.snapshot()) records.push_back(to_json(t));
      return Reply{200, kJson, dump_json(records)};
    });
  }
  if (path == "/sim/stats") {
    return only(get, [&] { return Reply{200, kJson, dump_json(counters_json(state))}; });
  }
  return std::nullopt;
}

}  // namespace

net::awaitable<void> serve_connection(net::ip::tcp::socket socket, ServerState& state) {
  boost::beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(kMaxBodyBytes);
    boost::system::error_code ec;
    co_await http::async_read(socket, buffer, parser, net::redirect_error(net::use_awaitable, ec));
    if (ec) break;
    const auto& request = parser.get();
    const bool keep_alive = request.keep_alive();
    std::string_view path(request.target().data(), request.target().size());
    path = path.substr(0, path.find('?'));

    if (auto api = generation_api(path)) {
      if (request.method() != http::verb::post) {
        std::string bytes =
            response_head(405, "text/plain", 22, keep_alive) + "405 method not allowed";
        co_await net::async_write(socket, net::buffer(bytes),
                                  net::redirect_error(net::use_awaitable, ec));
        if (ec || !keep_alive) break;
        continue;
      }
      const auto fault = request.find("X-Sim-Fault");
      const std::string fault_header =
          fault == request.end() ? std::string() : std::string(fault->value());
      const auto auth = request.find(http::field::authorization);
      const std::string authorization =
          auth == request.end() ? std::string() : std::string(auth->value());
      const bool usable = co_await answer_generation(socket, state, *api, request.body(),
                                                     fault_header, keep_alive, authorization);
      if (!usable) break;
      continue;
    }

    Reply reply = answer_simple(state, request.method(), path, request.body())
                      .value_or(Reply{404, "text/plain", "404 page not found"});
    std::string bytes = response_head(reply.status, reply.content_type,
                                      static_cast<std::int64_t>(reply.body.size()), keep_alive);
    if (request.method() != http::verb::head) bytes += reply.body;
    co_await net::async_write(socket, net::buffer(bytes),
                              net::redirect_error(net::use_awaitable, ec));
    if (ec || !keep_alive) break;
  }
  boost::system::error_code ignored;
  socket.shutdown(net::ip::tcp::socket::shutdown_send, ignored);
  socket.close(ignored);
}

}  // namespace chimera::sim

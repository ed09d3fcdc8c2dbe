// The client measured against the real simulator on loopback:
//  - client_overhead_ms (e2e − server total_ms) at 256 concurrent streams;
//  - agreement of client TTFT / e2e with the simulator's own truth
//    (GET /sim/requests) at 64 concurrent streams.
//   build-http/bench/bench_client
// The simulator runs as a subprocess (`chimera sim --port 0`).

#include <benchmark/benchmark.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>
#include <stdexcept>
#include <unordered_map>

#include "chimera/backends/backend.hpp"
#include "chimera/http/fetch.hpp"
#include "chimera/stats/descriptive.hpp"

namespace {

using chimera::backends::GenerationRequest;
using chimera::measure::RequestResult;

class Simulator {
 public:
  explicit Simulator(const std::vector<std::string>& extra) {
    int out[2];
    if (pipe(out) != 0) throw std::runtime_error("pipe");
    std::vector<std::string> args{CHIMERA_BINARY, "sim", "--port", "0"};
    args.insert(args.end(), extra.begin(), extra.end());
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      close(out[0]);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(out[1]);
    std::string line;
    char c = 0;
    while (read(out[0], &c, 1) == 1 && c != '\n') line.push_back(c);
    close(out[0]);
    std::smatch m;
    if (!std::regex_search(line, m, std::regex(R"(http://[^\s:]+:(\d+))"))) {
      throw std::runtime_error("chimera sim did not start: " + line);
    }
    url_ = "http://127.0.0.1:" + m[1].str();
  }
  ~Simulator() {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }
  const std::string& url() const { return url_; }

 private:
  pid_t pid_ = -1;
  std::string url_;
};

struct Finished {
  RequestResult result;
  std::int64_t sim_id = 0;
};

// Runs `n` streams at once; returns when all have finished.
std::vector<Finished> run_batch(chimera::backends::Backend& backend, int n, int tokens) {
  std::mutex mutex;
  std::condition_variable cv;
  std::vector<Finished> done;
  auto ids = std::make_shared<std::vector<std::int64_t>>(static_cast<std::size_t>(n), 0);
  for (int i = 0; i < n; ++i) {
    GenerationRequest req;
    req.id = std::to_string(i);
    req.model = "gemma3:latest";
    req.prompt = "Summarise the benchmark results.";
    req.options = {{"num_predict", tokens}};
    req.on_response_headers = [ids, i](int, const std::map<std::string, std::string>& h) {
      if (auto it = h.find("x-sim-request-id"); it != h.end()) {
        (*ids)[static_cast<std::size_t>(i)] = std::stoll(it->second);
      }
    };
    backend.submit(std::move(req), [&, ids, i](RequestResult r) {
      std::lock_guard lock(mutex);
      done.push_back({std::move(r), (*ids)[static_cast<std::size_t>(i)]});
      cv.notify_all();
    });
  }
  std::unique_lock lock(mutex);
  cv.wait(lock, [&] { return done.size() == static_cast<std::size_t>(n); });
  return done;
}

double p(const std::vector<double>& v, double q) {
  return chimera::stats::percentile(v, q).value_or(std::nan(""));
}

void BM_ClientOverhead256Streams(benchmark::State& state) {
  Simulator sim({"--parallel", "256", "--load-ms", "0", "--decode-tps", "100", "--jitter", "0"});
  auto backend = std::move(
      *chimera::backends::make_backend({.kind = "ollama", .url = sim.url(), .api_key = {}}));
  backend->generate([] {
    GenerationRequest warm;
    warm.model = "gemma3:latest";
    warm.prompt = "warm up";
    warm.options = {{"num_predict", 4}};
    return warm;
  }());
  std::vector<double> overhead;
  std::int64_t failed = 0;
  for (auto _ : state) {
    for (const auto& f : run_batch(*backend, 256, 64)) {
      if (f.result.status != chimera::measure::Status::kOk) ++failed;
      if (f.result.client_overhead_ms) overhead.push_back(*f.result.client_overhead_ms);
    }
  }
  state.counters["overhead_p50_ms"] = p(overhead, 50);
  state.counters["overhead_p99_ms"] = p(overhead, 99);
  state.counters["overhead_max_ms"] = p(overhead, 100);
  state.counters["requests"] = static_cast<double>(overhead.size());
  state.counters["failed"] = static_cast<double>(failed);
}

void BM_TruthAgreement64Streams(benchmark::State& state) {
  Simulator sim({"--parallel", "64", "--load-ms", "0", "--decode-tps", "100", "--jitter", "0.1"});
  auto backend = std::move(
      *chimera::backends::make_backend({.kind = "ollama", .url = sim.url(), .api_key = {}}));
  std::vector<double> ttft_error, e2e_error;
  for (auto _ : state) {
    const auto batch = run_batch(*backend, 64, 64);
    state.PauseTiming();
    chimera::http::FetchRequest truth_request;
    truth_request.url = sim.url() + "/sim/requests";
    auto response = chimera::http::fetch(truth_request);
    std::unordered_map<std::int64_t, nlohmann::json> truth;
    for (auto& t : nlohmann::json::parse(response->body)) truth[t["id"].get<std::int64_t>()] = t;
    for (const auto& f : batch) {
      auto it = truth.find(f.sim_id);
      if (it == truth.end() || !f.result.ttft_ms) continue;
      const auto& t = it->second;
      const double received = t["received_ns"].get<double>();
      const double sim_ttft = (t["first_token_ns"].get<double>() - received) / 1e6;
      const double sim_e2e = (t["last_token_ns"].get<double>() - received) / 1e6;
      ttft_error.push_back(std::abs(*f.result.ttft_ms - sim_ttft));
      e2e_error.push_back(std::abs(*f.result.e2e_ms - sim_e2e));
    }
    state.ResumeTiming();
  }
  state.counters["ttft_abs_err_p50_ms"] = p(ttft_error, 50);
  state.counters["ttft_abs_err_p99_ms"] = p(ttft_error, 99);
  state.counters["e2e_abs_err_p50_ms"] = p(e2e_error, 50);
  state.counters["e2e_abs_err_p99_ms"] = p(e2e_error, 99);
  state.counters["requests"] = static_cast<double>(ttft_error.size());
}

}  // namespace

BENCHMARK(BM_ClientOverhead256Streams)->Iterations(4)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_TruthAgreement64Streams)->Iterations(4)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();

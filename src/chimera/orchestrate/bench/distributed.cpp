#include "chimera/orchestrate/bench/distributed.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

#include "chimera/orchestrate/common/server.hpp"
#include "chimera/sim/config.hpp"
#include "chimera/util/error.hpp"
#include "chimera/util/signals.hpp"
#include "chimera/util/terminal.hpp"
#include "chimera/version.hpp"

namespace chimera::orchestrate {
namespace {

// A cell that failed this many times (not counting lost leases' redos that
// succeeded) is marked failed instead of being handed out again.
constexpr int kMaxAttempts = 3;

template <typename T>
T stored(Expected<T> value, const std::string& what) {
  return value_or_throw(std::move(value), fmt::format("results store: {}", what));
}

std::optional<int> env_int(const std::map<std::string, std::string>& env, const char* name) {
  const auto it = env.find(name);
  if (it == env.end() || it->second.empty()) return std::nullopt;
  char* end = nullptr;
  const long value = std::strtol(it->second.c_str(), &end, 10);
  if (end == nullptr || *end != '\0' || value < 0 || value > INT_MAX) {
    throw UsageError(fmt::format("{}='{}' is not an index", name, it->second));
  }
  return static_cast<int>(value);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError(fmt::format("cannot read the simulator configuration '{}'", path));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Everything a worker needs to run any cell of the sweep. Header values are
// left out: they may carry credentials, and the store must not.
nlohmann::json sweep_spec(const BenchSessionOptions& o) {
  const auto& p = o.plan;
  nlohmann::json plan = {{"api", p.api},
                         {"prompts", p.prompts},
                         {"system", p.system},
                         {"warmup", p.warmup ? nlohmann::json(*p.warmup) : nlohmann::json(nullptr)},
                         {"runs", p.runs},
                         {"concurrency", p.concurrency},
                         {"cold", p.cold},
                         {"timeouts",
                          {{"connect_ms", p.timeouts.connect_ms},
                           {"first_token_ms", p.timeouts.first_token_ms},
                           {"idle_ms", p.timeouts.idle_ms},
                           {"total_ms", p.timeouts.total_ms}}}};
  if (p.keep_alive) plan["keep_alive"] = *p.keep_alive;
  nlohmann::json spec = {{"backend", o.backend_kind},
                         {"endpoint", o.sim ? std::string() : o.endpoint},
                         {"sim", o.sim},
                         {"sim_config_yaml", o.sim_config.empty() ? "" : read_file(o.sim_config)},
                         {"cold_threshold_ms", o.cold_threshold_ms},
                         {"plan", plan}};
  return store::redact_credentials(spec);
}

// The inverse of sweep_spec, as far as a worker needs it.
BenchSessionOptions session_from_spec(const nlohmann::json& spec) {
  if (!spec.is_object() || !spec.contains("plan")) {
    throw Error("the registered sweep's settings are unreadable (written by another version?)");
  }
  BenchSessionOptions o;
  o.backend_kind = spec.value("backend", "");
  o.endpoint = spec.value("endpoint", "");
  o.sim = spec.value("sim", false);
  o.cold_threshold_ms = spec.value("cold_threshold_ms", 500.0);
  const auto& p = spec.at("plan");
  o.plan.api = p.value("api", "");
  o.plan.prompts = p.value("prompts", std::vector<std::string>{});
  o.plan.system = p.value("system", "");
  if (auto w = p.find("warmup"); w != p.end() && w->is_number_integer()) {
    o.plan.warmup = w->get<int>();  // null: at the measured load
  }
  o.plan.runs = p.value("runs", 3);
  o.plan.concurrency = p.value("concurrency", 1);
  o.plan.cold = p.value("cold", false);
  if (p.contains("keep_alive")) o.plan.keep_alive = p.at("keep_alive").get<std::string>();
  const auto t = p.value("timeouts", nlohmann::json::object());
  o.plan.timeouts.connect_ms = t.value("connect_ms", o.plan.timeouts.connect_ms);
  o.plan.timeouts.first_token_ms = t.value("first_token_ms", o.plan.timeouts.first_token_ms);
  o.plan.timeouts.idle_ms = t.value("idle_ms", o.plan.timeouts.idle_ms);
  o.plan.timeouts.total_ms = t.value("total_ms", o.plan.timeouts.total_ms);
  return o;
}

// Workers measuring one real server at once would disturb each other's
// figures: by default one cell at a time per server. Each worker's own
// simulator needs no limit.
store::SweepEndpoint sweep_endpoint(const BenchSessionOptions& o) {
  if (o.sim) return {"sim", 0};
  const int permits = o.sweep ? o.sweep->permits : 1;
  return {store::redact_store_url(server_url(o.endpoint, o.backend_kind)), permits};
}

std::string worker_name(std::optional<int> index) {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) std::snprintf(host, sizeof host, "unknown");
  std::random_device entropy;
  const auto token =
      index ? fmt::format("i{}", *index) : fmt::format("{:06x}", entropy() & 0xffffffU);
  return fmt::format("{}:{}:{}", host, getpid(), token);
}

std::unique_ptr<store::SweepQueue> open_queue(const std::string& url,
                                              const store::StoreOptions& options = {}) {
  return value_or_throw(store::open_sweep_queue(url, options));
}

// A queue operation that found the database lost runs once more: its
// connection reconnects first, within the reconnect limit, and fails the
// second call only when that limit passed.
template <typename Operation>
auto again(Operation&& operation) {
  auto result = operation();
  if (!result && result.error().kind == FailureKind::kConnect && !signals::hurried()) {
    result = operation();
  }
  return result;
}

// Renews a lease every third of its length on its own connection while the
// cell runs; remembers when a renewal found the lease gone.
class Heartbeat {
 public:
  Heartbeat(store::SweepQueue& queue, std::int64_t cell, const std::string& owner, double lease_s)
      : thread_([this, &queue, cell, owner, lease_s] { beat(queue, cell, owner, lease_s); }) {}
  ~Heartbeat() { stop(); }
  Heartbeat(const Heartbeat&) = delete;
  Heartbeat& operator=(const Heartbeat&) = delete;

  void stop() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  bool lost() const { return lost_; }

 private:
  void beat(store::SweepQueue& queue, std::int64_t cell, const std::string& owner, double lease_s) {
    const auto period = std::chrono::duration<double>(lease_s / 3);
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, period, [this] { return stopping_; })) {
      auto renewed = queue.renew(cell, owner, lease_s);
      if (renewed && !*renewed) lost_ = true;
      if (!renewed) term::warn("could not renew the lease: " + renewed.error().message);
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::atomic<bool> lost_{false};
  std::thread thread_;
};

// A sweep's server as this worker sees it: its own simulator under --sim.
struct SweepServer {
  BenchSessionOptions session;
  std::unique_ptr<SimLauncher> sims;
  std::unique_ptr<backends::Backend> backend;
  bool simulator = false;  // the server said it is Chimera's simulator
};

// The store failed for good inside a cell: the worker stops.
class StoreLost : public Error {
 public:
  using Error::Error;
};

class Worker {
 public:
  explicit Worker(const WorkerOptions& o)
      : options_(o),
        queue_(open_queue(o.store_url, o.store_options)),
        beats_(open_queue(o.store_url, o.store_options)),
        db_(value_or_throw(store::open_store(o.store_url, o.store_options))) {
    out_.name = worker_name(o.index);
  }

  // A database lost for longer than the reconnect limit ends the worker
  // (store_failure says why); shorter outages are waited out.
  WorkerOutcome run() {
    try {
      while (!signals::interrupted() && out_.store_failure.empty()) {
        auto lease =
            stored(again([&] {
                     return queue_->claim(options_.sweep_id, out_.name, options_.lease_seconds);
                   }),
                   "claiming a cell");
        if (lease) {
          run_cell(*lease);
          continue;
        }
        if (!work_may_remain()) break;
        pause();
      }
    } catch (const Error& e) {
      out_.store_failure = e.what();
    }
    if (signals::interrupted()) out_.interrupted = true;
    return out_;
  }

 private:
  // Cells other workers hold may come back when their leases expire, so a
  // worker waits for them before it calls the sweep finished.
  bool work_may_remain() {
    if (options_.wait) return true;
    if (options_.sweep_id) {
      return stored(again([&] { return queue_->remaining(*options_.sweep_id); }), "reading") > 0;
    }
    return !stored(again([&] { return queue_->open_sweeps(); }), "listing sweeps").empty();
  }

  void pause() const {
    const auto until =
        std::chrono::steady_clock::now() + std::chrono::duration<double>(options_.poll_seconds);
    while (!signals::interrupted() && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

  SweepServer& server_for(const store::Lease& lease) {
    auto& server = servers_[lease.sweep_id];
    if (server.backend) return server;
    server.session = session_from_spec(lease.sweep_spec);
    std::string url = server.session.endpoint;
    if (server.session.sim) {
      server.sims = std::make_unique<SimLauncher>();
      const auto yaml = lease.sweep_spec.value("sim_config_yaml", "");
      auto config = yaml.empty()
                        ? sim::default_sim_config()
                        : value_or_throw(sim::parse_sim_config(yaml, sim::default_sim_config()));
      url = simulator_url(server.sims->start(std::move(config)), server.session.backend_kind);
    }
    auto connected = connect_backend(server.session, url);
    server.backend = std::move(connected.backend);
    server.simulator = connected.simulator;
    return server;
  }

  BenchmarkOutcome measure(const store::Lease& lease) {
    auto& server = server_for(lease);
    BenchmarkSpec spec;
    spec.kind = store::RunKind::kSweep;
    GridPoint point;
    point.model = lease.cell_spec.value("model", "");
    point.options = lease.cell_spec.value("options", nlohmann::json::object());
    point.key = lease.key;
    point.label = lease.cell_spec.value("label", lease.key);
    spec.grid = {point};
    spec.plan = server.session.plan;
    spec.store = db_.get();
    spec.attach_run = lease.run_id;
    spec.first_ordinal = lease.ordinal;
    spec.simulated = server.session.sim || server.simulator;
    spec.resumable = true;  // an interrupted cell is released and redone by the next worker
    auto outcome = run_benchmark(*server.backend, spec);
    if (!outcome.store_failure.empty()) throw StoreLost(outcome.store_failure);
    stored(db_->flush(), "writing requests");
    return outcome;
  }

  void run_cell(const store::Lease& lease) {
    Heartbeat beat(*beats_, lease.cell_id, out_.name, options_.lease_seconds);
    try {
      const auto outcome = measure(lease);
      beat.stop();
      finish_cell(lease, outcome, beat.lost());
    } catch (const StoreLost& e) {
      // Nothing more can be recorded: the cell's lease expires and another
      // worker redoes it.
      beat.stop();
      ++out_.cells_failed;
      out_.store_failure = e.what();
    } catch (const Error& e) {
      beat.stop();
      ++out_.cells_failed;
      term::warn(fmt::format("cell {} ({}) failed: {}", lease.ordinal + 1, lease.key, e.what()));
      (void)again([&] { return queue_->fail(lease.cell_id, out_.name, e.what(), kMaxAttempts); });
    }
  }

  void finish_cell(const store::Lease& lease, const BenchmarkOutcome& outcome, bool lost) {
    if (outcome.interrupted || outcome.configuration_ids.empty()) {
      (void)again([&] { return queue_->fail(lease.cell_id, out_.name, "interrupted", INT_MAX); });
      return;
    }
    const auto configuration = outcome.configuration_ids.front();
    if (lost ||
        !stored(again([&] { return queue_->complete(lease.cell_id, out_.name, configuration); }),
                "completing")) {
      // Another worker holds the cell now; this attempt's rows stay pending
      // and reports read the cell's own configuration instead.
      ++out_.cells_abandoned;
      term::warn(fmt::format("lost the lease on cell {} ({}): another worker redoes it",
                             lease.ordinal + 1, lease.key));
      return;
    }
    stored(db_->set_configuration_status(configuration, store::ConfigurationStatus::kDone),
           "marking a configuration done");
    ++out_.cells_done;
    out_.requests_failed += outcome.failed;
    std::fprintf(stderr, "cell %d (%s) done\n", lease.ordinal + 1, lease.key.c_str());
    if (stored(again([&] { return queue_->remaining(lease.sweep_id); }), "reading the sweep") ==
        0) {
      stored(db_->finish_run(lease.run_id, store::RunStatus::kComplete), "finishing the run");
    }
  }

  const WorkerOptions& options_;
  std::unique_ptr<store::SweepQueue> queue_;
  std::unique_ptr<store::SweepQueue> beats_;  // the heartbeat thread's connection
  std::unique_ptr<store::ResultStore> db_;
  std::map<std::int64_t, SweepServer> servers_;
  WorkerOutcome out_;
};

}  // namespace

SchedulerIndex scheduler_index(const std::map<std::string, std::string>& env) {
  SchedulerIndex out;
  if (auto k8s = env_int(env, "JOB_COMPLETION_INDEX")) {
    out.index = *k8s;
    out.source = "JOB_COMPLETION_INDEX";
  } else if (auto slurm = env_int(env, "SLURM_ARRAY_TASK_ID")) {
    out.index = *slurm - env_int(env, "SLURM_ARRAY_TASK_MIN").value_or(0);
    out.source = "SLURM_ARRAY_TASK_ID";
  }
  if (out.source == "SLURM_ARRAY_TASK_ID") out.count = env_int(env, "SLURM_ARRAY_TASK_COUNT");
  return out;
}

SchedulerIndex scheduler_index_from_environment() {
  std::map<std::string, std::string> env;
  for (const char* name : {"JOB_COMPLETION_INDEX", "SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_MIN",
                           "SLURM_ARRAY_TASK_COUNT"}) {
    if (const char* value = std::getenv(name)) env[name] = value;
  }
  return scheduler_index(env);
}

std::pair<int, int> parse_shard(const std::string& text, const SchedulerIndex& scheduler) {
  int index = -1;
  int count = 0;
  const auto slash = text.find('/');
  try {
    if (text == "auto") {
      if (!scheduler.index || !scheduler.count) {
        throw UsageError(
            "--shard auto needs SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT (under Kubernetes, "
            "give the count: --shard N reads JOB_COMPLETION_INDEX)");
      }
      index = *scheduler.index;
      count = *scheduler.count;
    } else if (slash == std::string::npos) {
      count = std::stoi(text);
      if (!scheduler.index) {
        throw UsageError(fmt::format(
            "--shard {} takes its index from JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID, and "
            "neither is set (or give it: --shard I/{})",
            text, text));
      }
      index = *scheduler.index;
    } else {
      index = std::stoi(text.substr(0, slash));
      count = std::stoi(text.substr(slash + 1));
    }
  } catch (const std::logic_error&) {
    throw UsageError(fmt::format("--shard '{}' is not I/N, N or auto", text));
  }
  if (count < 1 || index < 0 || index >= count) {
    throw UsageError(
        fmt::format("--shard {}/{}: the index must be in 0..{}", index, count, count - 1));
  }
  return {index, count};
}

DistributedRegistration register_distributed_sweep(const BenchSessionOptions& o) {
  if (!o.plan.headers.empty()) {
    term::warn(
        "--header values are not stored with a distributed sweep (they may hold "
        "credentials); workers send none");
  }
  std::vector<std::string> models = o.models;
  if (models.empty()) models.push_back("gemma3:latest");
  const auto grid = build_grid(models, o.axes);
  const auto spec = sweep_spec(o);
  std::vector<store::SweepCell> cells;
  nlohmann::json keys = nlohmann::json::array();
  for (std::size_t i = 0; i < grid.size(); ++i) {
    const auto& p = grid[i];
    cells.push_back(
        {static_cast<int>(i), p.key,
         nlohmann::json{{"model", p.model}, {"options", p.options}, {"label", p.label}}});
    keys.push_back(p.key);
  }
  nlohmann::json args = spec;
  args["grid"] = keys;
  args["distributed"] = true;
  auto queue = open_queue(o.store_url);
  auto db = value_or_throw(store::open_store(o.store_url));
  DistributedRegistration out;
  out.store_description = db->description();
  out.registration = stored(queue->register_sweep(fingerprint(args), spec, sweep_endpoint(o), cells,
                                                  [&]() -> Expected<std::int64_t> {
                                                    store::RunInfo info;
                                                    info.kind = store::RunKind::kSweep;
                                                    info.fingerprint = fingerprint(args);
                                                    info.started_at = store::utc_now_iso8601();
                                                    info.simulated = o.sim;
                                                    info.args = args;
                                                    info.tool_version = kVersion;
                                                    return db->begin_run(info);
                                                  }),
                            "registering the sweep");
  return out;
}

WorkerOutcome run_worker(const WorkerOptions& options) {
  return Worker(options).run();
}

store::SweepStatus distributed_status(const std::string& store_url,
                                      std::optional<std::int64_t> sweep_id) {
  auto queue = open_queue(store_url);
  if (!sweep_id) {
    sweep_id = stored(queue->latest_sweep(), "finding the latest sweep");
    if (!sweep_id) throw Error("no distributed sweep is registered in this store");
  }
  return stored(queue->status(*sweep_id), "reading the sweep");
}

}  // namespace chimera::orchestrate

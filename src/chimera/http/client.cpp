#include "chimera/http/client.hpp"

#include <curl/curl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <queue>
#include <stdexcept>
#include <thread>
#include <unordered_map>

#include "chimera/http/curl_global.hpp"
#include "chimera/http/plain.hpp"
#include "chimera/http/plain_transport.hpp"
#include "chimera/http/transfer.hpp"
#include "chimera/util/signals.hpp"
#include "chimera/util/wake_batch.hpp"

namespace chimera::http {

const char* to_string(TransferEnd end) {
  switch (end) {
    case TransferEnd::kOk:
      return "ok";
    case TransferEnd::kConnectFailed:
      return "connect_failed";
    case TransferEnd::kConnectTimeout:
      return "connect_timeout";
    case TransferEnd::kFirstTokenTimeout:
      return "first_token_timeout";
    case TransferEnd::kIdleTimeout:
      return "idle_timeout";
    case TransferEnd::kTotalTimeout:
      return "total_timeout";
    case TransferEnd::kConnectionLost:
      return "connection_lost";
    case TransferEnd::kStoppedByHandler:
      return "stopped_by_handler";
    case TransferEnd::kCancelled:
      return "cancelled";
    case TransferEnd::kOtherError:
      return "error";
  }
  return "error";
}

namespace {

// Thousands of concurrent streams need more descriptors than the usual soft
// limit of 1024; the hard limit is ours to use.
void raise_descriptor_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

TransferEnd classify(CURLcode code, bool stop_requested) {
  switch (code) {
    case CURLE_OK:
      return TransferEnd::kOk;
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return TransferEnd::kConnectFailed;
    // The only curl-side timer we set is the connect timeout; the others are ours.
    case CURLE_OPERATION_TIMEDOUT:
      return TransferEnd::kConnectTimeout;
    case CURLE_WRITE_ERROR:
      return stop_requested ? TransferEnd::kStoppedByHandler : TransferEnd::kOtherError;
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
      return TransferEnd::kConnectionLost;
    default:
      return TransferEnd::kOtherError;
  }
}

// Transfers waiting for their not_before time, earliest first; the same
// time keeps submission order.
class HeldTransfers {
 public:
  bool empty() const { return heap_.empty(); }
  const std::unique_ptr<Transfer>& top() const { return heap_.front(); }
  void push(std::unique_ptr<Transfer> t) {
    heap_.push_back(std::move(t));
    std::push_heap(heap_.begin(), heap_.end(), later);
  }
  std::unique_ptr<Transfer> pop() {
    std::pop_heap(heap_.begin(), heap_.end(), later);
    auto t = std::move(heap_.back());
    heap_.pop_back();
    return t;
  }

 private:
  static bool later(const std::unique_ptr<Transfer>& a, const std::unique_ptr<Transfer>& b) {
    if (a->request.not_before != b->request.not_before) {
      return a->request.not_before > b->request.not_before;
    }
    return a->id > b->id;
  }
  std::vector<std::unique_ptr<Transfer>> heap_;
};

}  // namespace

Transport default_transport() {
  const char* chosen = std::getenv("CHIMERA_HTTP_TRANSPORT");
  return chosen != nullptr && std::string_view(chosen) == "curl" ? Transport::kCurl
                                                                 : Transport::kAuto;
}

class Client::Loop final : public PlainTransport::Owner {
 public:
  Loop(bool cancel_on_interrupt, Transport transport)
      : cancel_on_interrupt_(cancel_on_interrupt), transport_(transport) {
    ensure_curl_global_init();
    raise_descriptor_limit();
    multi_ = curl_multi_init();
    epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
    wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    due_fd_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (multi_ == nullptr || epoll_fd_ < 0 || wake_fd_ < 0 || due_fd_ < 0) {
      throw std::runtime_error("could not set up the HTTP event loop");
    }
    for (const int fd : {wake_fd_, due_fd_}) {
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.fd = fd;
      epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev);
    }
    plain_ = std::make_unique<PlainTransport>(epoll_fd_, *this);
    curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &Loop::on_socket);
    curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
    curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &Loop::on_timer);
    curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
    if (cancel_on_interrupt_) wakeup_id_ = signals::add_wakeup([this] { cancel_all(); });
    thread_ = std::thread([this] { run(); });
  }

  ~Loop() {
    if (wakeup_id_ != 0) signals::remove_wakeup(wakeup_id_);
    stopping_.store(true);
    wake();
    thread_.join();
    plain_.reset();
    for (CURL* e : spare_easy_) curl_easy_cleanup(e);
    curl_multi_cleanup(multi_);
    close(epoll_fd_);
    close(wake_fd_);
    close(due_fd_);
  }

  void submit(HttpRequest request, std::unique_ptr<StreamHandler> handler) {
    auto transfer = std::make_unique<Transfer>();
    transfer->loop = this;
    transfer->request = std::move(request);
    transfer->handler = std::move(handler);
    const auto& method = transfer->request.method;
    if (transport_ == Transport::kAuto && (method == "GET" || method == "POST")) {
      transfer->plain = plain::route(transfer->request.url);  // parsed here, off the loop
    }
    {
      std::lock_guard lock(queue_mutex_);
      transfer->id = next_id_++;
      queue_.push_back(std::move(transfer));
    }
    submitted_.fetch_add(1);
    // One wake-up per batch: the loop clears the flag before it takes the queue.
    if (!wake_pending_.exchange(true)) wake();
  }

  void cancel_all() {
    cancel_requested_.store(true);
    wake();
  }

  ClientStats stats() const {
    ClientStats s;
    s.submitted = submitted_.load();
    s.completed = completed_.load();
    s.in_flight = s.submitted - s.completed;
    return s;
  }

 private:
  void wake() {
    const std::uint64_t one = 1;
    [[maybe_unused]] auto n = write(wake_fd_, &one, sizeof one);
  }

  void run() {
    // Held transfers go out on a timer: the default 50 µs of timer slack
    // would be added to every scheduled send.
    prctl(PR_SET_TIMERSLACK, 1000UL);
    std::vector<epoll_event> events(256);
    while (!stopping_.load()) {
      const int n =
          epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), wait_timeout_ms());
      // Consumers are woken once per round, after every completion in it.
      util::WakeBatch batch;
      for (int i = 0; i < n; ++i) dispatch(events[static_cast<std::size_t>(i)]);
      if (cancel_requested_.exchange(false)) cancel_everything();
      start_queued();
      start_due();
      run_curl_timer_if_due();
      collect_finished();
      expire_limits();
    }
    cancel_everything();
  }

  void dispatch(const epoll_event& event) {
    if (event.data.u64 & PlainTransport::kTag) {
      plain_->on_event(static_cast<int>(event.data.u64 & ~PlainTransport::kTag), event.events);
      return;
    }
    const int fd = event.data.fd;
    if (fd == wake_fd_ || fd == due_fd_) {
      std::uint64_t count = 0;
      [[maybe_unused]] auto r = read(fd, &count, sizeof count);
      return;
    }
    int action = 0;
    if (event.events & (EPOLLIN | EPOLLHUP | EPOLLRDHUP)) action |= CURL_CSELECT_IN;
    if (event.events & EPOLLOUT) action |= CURL_CSELECT_OUT;
    if (event.events & EPOLLERR) action |= CURL_CSELECT_ERR;
    int running = 0;
    curl_multi_socket_action(multi_, fd, action, &running);
  }

  int wait_timeout_ms() const {
    auto next = curl_deadline_;
    if (!deadlines_.empty()) next = std::min(next, deadlines_.top().first);
    if (next == Clock::time_point::max()) return 1000;
    const auto now = Clock::now();
    if (next <= now) return 0;
    const double ms = std::chrono::duration<double, std::milli>(next - now).count();
    return static_cast<int>(std::min(1000.0, std::ceil(ms)));
  }

  void run_curl_timer_if_due() {
    if (curl_deadline_ != Clock::time_point::max() && Clock::now() >= curl_deadline_) {
      curl_deadline_ = Clock::time_point::max();
      int running = 0;
      curl_multi_socket_action(multi_, CURL_SOCKET_TIMEOUT, 0, &running);
    }
  }

  void start_queued() {
    std::deque<std::unique_ptr<Transfer>> batch;
    wake_pending_.store(false);
    {
      std::lock_guard lock(queue_mutex_);
      batch.swap(queue_);
    }
    if (batch.empty()) return;
    const bool cancelled = cancel_on_interrupt_ && signals::interrupted();
    const auto now = Clock::now();
    bool started = false;
    for (auto& transfer : batch) {
      if (cancelled) {
        transfer->outcome.handed_at = transfer->outcome.t0 = Clock::now();
        complete(std::move(transfer), TransferEnd::kCancelled, "cancelled by the user");
      } else if (transfer->request.not_before > now) {
        held_.push(std::move(transfer));
      } else {
        started |= !transfer->plain;
        start(std::move(transfer));
      }
    }
    if (started) kick_curl();  // libcurl transfers only: the plain ones went out already
    arm_due_timer();
  }

  // Held transfers whose time has come, in due order.
  void start_due() {
    if (held_.empty()) return;
    const auto now = Clock::now();
    bool started = false;
    while (!held_.empty() && held_.top()->request.not_before <= now) {
      started |= !held_.top()->plain;
      start(held_.pop());
    }
    if (started) kick_curl();
    arm_due_timer();
  }

  // Let curl begin new transfers now rather than on the next wake-up.
  void kick_curl() {
    int running = 0;
    curl_multi_socket_action(multi_, CURL_SOCKET_TIMEOUT, 0, &running);
  }

  // The timer fires when the earliest held transfer is due (absolute time on
  // CLOCK_MONOTONIC, which is what steady_clock reads on Linux).
  void arm_due_timer() {
    itimerspec spec{};
    if (!held_.empty()) {
      const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          held_.top()->request.not_before.time_since_epoch())
                          .count();
      spec.it_value.tv_sec = static_cast<time_t>(std::max<std::int64_t>(ns, 1) / 1'000'000'000);
      spec.it_value.tv_nsec = static_cast<long>(std::max<std::int64_t>(ns, 1) % 1'000'000'000);
    }
    if (spec.it_value.tv_sec == armed_.tv_sec && spec.it_value.tv_nsec == armed_.tv_nsec) return;
    armed_ = spec.it_value;
    timerfd_settime(due_fd_, TFD_TIMER_ABSTIME, &spec, nullptr);
  }

  void start(std::unique_ptr<Transfer> transfer) {
    if (transfer->plain) {
      start_plain(std::move(transfer));
      return;
    }
    Transfer& t = *transfer;
    t.easy = take_easy();
    if (t.easy == nullptr) {
      t.outcome.handed_at = t.outcome.t0 = Clock::now();
      complete(std::move(transfer), TransferEnd::kOtherError, "curl_easy_init failed");
      return;
    }
    CURL* e = t.easy;
    curl_easy_setopt(e, CURLOPT_URL, t.request.url.c_str());
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_NOPROXY, no_proxy_list());
    curl_easy_setopt(e, CURLOPT_USERAGENT, user_agent());
    curl_easy_setopt(e, CURLOPT_PRIVATE, &t);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t.error_buffer);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &Loop::on_write);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &Loop::on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, &t);
    curl_easy_setopt(e, CURLOPT_PREREQFUNCTION, &Loop::on_prereq);
    curl_easy_setopt(e, CURLOPT_PREREQDATA, &t);
    if (t.request.timeouts.connect_ms > 0) {
      curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                       static_cast<long>(std::ceil(t.request.timeouts.connect_ms)));
    }
    if (t.request.method == "POST") {
      curl_easy_setopt(e, CURLOPT_POST, 1L);
      curl_easy_setopt(e, CURLOPT_POSTFIELDS, t.request.body.c_str());
      curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(t.request.body.size()));
    } else if (t.request.method != "GET") {
      curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, t.request.method.c_str());
    }
    // No "Expect: 100-continue" round trip before large prompts.
    t.header_list = curl_slist_append(t.header_list, "Expect:");
    for (const auto& header : t.request.headers) {
      t.header_list = curl_slist_append(t.header_list, header.c_str());
    }
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, t.header_list);

    t.outcome.handed_at = Clock::now();
    const auto id = t.id;
    active_.emplace(id, std::move(transfer));
    schedule(*active_[id]);
    curl_multi_add_handle(multi_, e);
  }

  void start_plain(std::unique_ptr<Transfer> transfer) {
    Transfer& t = *transfer;
    t.outcome.handed_at = t.connect_from = Clock::now();
    active_.emplace(t.id, std::move(transfer));
    schedule(t);
    plain_->begin(t);  // may finish it at once (a refused connection)
  }

  void plain_finished(std::uint64_t id, TransferEnd end, std::string message) override {
    auto it = active_.find(id);
    if (it == active_.end()) return;
    auto transfer = std::move(it->second);
    active_.erase(it);
    complete(std::move(transfer), end, std::move(message));
  }

  void plain_limits_changed(Transfer& t) override { schedule(t); }

  void schedule(Transfer& t) {
    const auto deadline = t.next_deadline().first;
    if (deadline == Clock::time_point::max() || deadline >= t.scheduled_at) return;
    t.scheduled_at = deadline;
    deadlines_.emplace(deadline, t.id);
  }

  // Our own limits. Deadlines only move later as a stream progresses, so an
  // entry is re-checked when it comes due instead of being updated per chunk.
  void expire_limits() {
    const auto now = Clock::now();
    while (!deadlines_.empty() && deadlines_.top().first <= now) {
      const auto [at, id] = deadlines_.top();
      deadlines_.pop();
      auto it = active_.find(id);
      if (it == active_.end() || it->second->scheduled_at != at) continue;  // stale entry
      Transfer& t = *it->second;
      t.scheduled_at = Clock::time_point::max();
      const auto [deadline, reason] = t.next_deadline();
      if (deadline <= now) {
        auto transfer = detach(id);
        complete(std::move(transfer), reason, "");
      } else {
        schedule(t);
      }
    }
  }

  std::unique_ptr<Transfer> detach(std::uint64_t id) {
    auto it = active_.find(id);
    auto transfer = std::move(it->second);
    active_.erase(it);
    if (transfer->plain) {
      plain_->abort(*transfer);
    } else {
      curl_multi_remove_handle(multi_, transfer->easy);
    }
    return transfer;
  }

  void collect_finished() {
    int remaining = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi_, &remaining)) {
      if (msg->msg != CURLMSG_DONE) continue;
      Transfer* raw = nullptr;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &raw);
      const CURLcode code = msg->data.result;
      auto transfer = detach(raw->id);
      transfer->outcome.curl_code = static_cast<int>(code);
      std::string message;
      if (code != CURLE_OK) {
        message =
            transfer->error_buffer[0] != '\0' ? transfer->error_buffer : curl_easy_strerror(code);
      }
      const auto end = classify(code, transfer->stop_requested);
      complete(std::move(transfer), end, std::move(message));
    }
  }

  void cancel_everything() {
    std::deque<std::unique_ptr<Transfer>> queued;
    {
      std::lock_guard lock(queue_mutex_);
      queued.swap(queue_);
    }
    while (!held_.empty()) queued.push_back(held_.pop());
    arm_due_timer();
    for (auto& transfer : queued) {
      transfer->outcome.handed_at = transfer->outcome.t0 = Clock::now();
      complete(std::move(transfer), TransferEnd::kCancelled, "cancelled before it started");
    }
    std::vector<std::uint64_t> ids;
    ids.reserve(active_.size());
    for (const auto& [id, t] : active_) ids.push_back(id);
    for (auto id : ids) complete(detach(id), TransferEnd::kCancelled, "cancelled");
  }

  void complete(std::unique_ptr<Transfer> transfer, TransferEnd end, std::string message) {
    auto& outcome = transfer->outcome;
    outcome.end = end;
    outcome.message = std::move(message);
    outcome.finished_at = Clock::now();
    if (!transfer->t0_set) outcome.t0 = outcome.handed_at;
    if (transfer->easy != nullptr && outcome.http_status == 0) {
      long status = 0;
      curl_easy_getinfo(transfer->easy, CURLINFO_RESPONSE_CODE, &status);
      outcome.http_status = static_cast<int>(status);
    }
    // A handler must never take the loop down with it.
    try {
      transfer->handler->on_complete(outcome);
    } catch (...) {
    }
    give_back_easy(*transfer);
    completed_.fetch_add(1);
  }

  // Easy handles are reused: curl_easy_init and its allocations cost more
  // per request than the rest of the set-up. A reset handle keeps nothing of
  // the previous transfer but its buffers (connections live in the multi).
  CURL* take_easy() {
    if (spare_easy_.empty()) return curl_easy_init();
    CURL* e = spare_easy_.back();
    spare_easy_.pop_back();
    return e;
  }

  void give_back_easy(Transfer& t) {
    if (t.easy == nullptr || spare_easy_.size() >= kMaxSpareEasy) return;
    curl_easy_reset(t.easy);
    spare_easy_.push_back(t.easy);
    t.easy = nullptr;
  }

  static int on_socket(CURL* /*easy*/, curl_socket_t fd, int what, void* userp, void* /*socketp*/) {
    auto* self = static_cast<Loop*>(userp);
    if (what == CURL_POLL_REMOVE) {
      epoll_ctl(self->epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
      return 0;
    }
    epoll_event ev{};
    ev.data.fd = fd;
    if (what == CURL_POLL_IN || what == CURL_POLL_INOUT) ev.events |= EPOLLIN;
    if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT) ev.events |= EPOLLOUT;
    if (epoll_ctl(self->epoll_fd_, EPOLL_CTL_MOD, fd, &ev) != 0) {
      epoll_ctl(self->epoll_fd_, EPOLL_CTL_ADD, fd, &ev);
    }
    return 0;
  }

  static int on_timer(CURLM* /*multi*/, long timeout_ms, void* userp) {
    auto* self = static_cast<Loop*>(userp);
    self->curl_deadline_ = timeout_ms < 0 ? Clock::time_point::max()
                                          : Clock::now() + std::chrono::milliseconds(timeout_ms);
    return 0;
  }

  static int on_prereq(void* clientp, char*, char*, int, int) {
    static_cast<Transfer*>(clientp)->mark_sending(Clock::now());
    return CURL_PREREQFUNC_OK;
  }

  static std::size_t on_header(char* data, std::size_t size, std::size_t count, void* userp) {
    auto* t = static_cast<Transfer*>(userp);
    const std::size_t length = size * count;
    std::string_view line(data, length);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    if (line.starts_with("HTTP/")) {
      t->response_headers.clear();  // a new response (after 100 Continue)
      t->headers_done = false;
    } else if (line.empty()) {
      long status = 0;
      curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
      t->deliver_headers(static_cast<int>(status));
    } else if (const auto colon = line.find(':'); colon != std::string_view::npos) {
      std::string name(line.substr(0, colon));
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      auto value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      t->response_headers[std::move(name)] = std::string(value);
    }
    return length;
  }

  static std::size_t on_write(char* data, std::size_t size, std::size_t count, void* userp) {
    const auto at = Clock::now();
    auto* t = static_cast<Transfer*>(userp);
    const std::size_t length = size * count;
    const bool first_chunk = !t->body_started;
    if (!t->deliver_body(std::string_view(data, length), at)) {
      return 0;  // curl ends the transfer with CURLE_WRITE_ERROR
    }
    // The idle limit starts with the body and may come due before the
    // first-token limit that was scheduled so far.
    if (first_chunk) static_cast<Loop*>(t->loop)->schedule(*t);
    return length;
  }

  using Deadline = std::pair<Clock::time_point, std::uint64_t>;
  const bool cancel_on_interrupt_;
  const Transport transport_;
  CURLM* multi_ = nullptr;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  int due_fd_ = -1;  // timerfd: the earliest held transfer is due
  int wakeup_id_ = 0;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> cancel_requested_{false};
  std::atomic<bool> wake_pending_{
      false};  // a submit() has woken the loop since it last took the queue
  std::atomic<std::uint64_t> submitted_{0};
  std::atomic<std::uint64_t> completed_{0};
  std::mutex queue_mutex_;
  std::deque<std::unique_ptr<Transfer>> queue_;
  std::uint64_t next_id_ = 1;
  // Loop-thread state.
  std::unordered_map<std::uint64_t, std::unique_ptr<Transfer>> active_;
  static constexpr std::size_t kMaxSpareEasy = 1024;
  std::vector<CURL*> spare_easy_;
  std::unique_ptr<PlainTransport> plain_;
  HeldTransfers held_;  // submitted with a not_before still to come
  timespec armed_{};    // what due_fd_ is set to (0: disarmed)
  std::priority_queue<Deadline, std::vector<Deadline>, std::greater<>> deadlines_;
  Clock::time_point curl_deadline_ = Clock::time_point::max();
};

Client::Client(bool cancel_on_interrupt, Transport transport)
    : loop_(std::make_unique<Loop>(cancel_on_interrupt, transport)) {}
Client::~Client() = default;

void Client::submit(HttpRequest request, std::unique_ptr<StreamHandler> handler) {
  loop_->submit(std::move(request), std::move(handler));
}
void Client::cancel_all() {
  loop_->cancel_all();
}
ClientStats Client::stats() const {
  return loop_->stats();
}

std::shared_ptr<Client> shared_client() {
  static std::mutex mutex;
  static std::shared_ptr<Client> client;
  std::lock_guard lock(mutex);
  if (!client) client = std::make_shared<Client>();
  return client;
}

}  // namespace chimera::http

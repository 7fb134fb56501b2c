#include "http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "openai_api.h"

namespace dailydrug::server {

namespace {

using Clock = std::chrono::steady_clock;

thread_local bool t_close_after_response = false;
thread_local bool t_body_timed_out = false;
// The connection of the request this pool thread is handling (for client_gone()).
thread_local socket_t t_socket = INVALID_SOCKET;

void close_socket(socket_t sock) {
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
}

/// Writes a whole small response, best effort (the connection is closed after it).
void send_reply(socket_t sock, const char* reason, const ApiError& error) {
  const std::string body = build_error_json(error);
  const std::string head = "HTTP/1.1 " + std::to_string(error.http_status) + " " + reason +
                           "\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: " +
                           std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
  const std::string all = head + body;
  (void)::send(sock, all.data(), all.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
}

void address_of(socket_t sock, bool peer, std::string& ip, int& port) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  const int rc = peer ? ::getpeername(sock, reinterpret_cast<sockaddr*>(&addr), &len)
                      : ::getsockname(sock, reinterpret_cast<sockaddr*>(&addr), &len);
  if (rc != 0) return;
  char text[INET6_ADDRSTRLEN] = {};
  if (addr.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&addr);
    ::inet_ntop(AF_INET, &a->sin_addr, text, sizeof text);
    port = ntohs(a->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&addr);
    ::inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof text);
    port = ntohs(a->sin6_port);
  }
  ip = text;
}

/// Waits for `events` on `sock` until `deadline`, in slices so that a stopping server is noticed;
/// true when ready.
bool wait_for(socket_t sock, short events, Clock::time_point deadline,
              const std::atomic<socket_t>& listener) {
  for (;;) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0 || listener == INVALID_SOCKET) return false;
    pollfd p{sock, events, 0};
    const int rc = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left, 200)));
    if (rc > 0) return true;
    if (rc < 0 && errno != EINTR) return false;
  }
}

/// The socket of one request whose header block has arrived: it is read in one go, then the body
/// is read with the body deadline. Never reads past what httplib asks for, so the next request
/// of a keep-alive connection stays in the socket for the gate.
class GatedStream : public httplib::Stream {
 public:
  GatedStream(socket_t sock, Clock::time_point body_deadline, std::chrono::seconds write_timeout,
              const std::atomic<socket_t>& listener)
      : sock_(sock),
        body_deadline_(body_deadline),
        write_timeout_(write_timeout),
        listener_(listener) {}

  /// Reads the `n` bytes of the header block, which the gate saw complete in the socket.
  bool read_head(size_t n) {
    head_.resize(n);
    size_t got = 0;
    while (got < n) {
      const ssize_t r = ::recv(sock_, head_.data() + got, n - got, MSG_WAITALL);
      if (r <= 0) {
        if (r < 0 && errno == EINTR) continue;
        return false;
      }
      got += static_cast<size_t>(r);
    }
    return true;
  }

  bool is_readable() const override { return head_pos_ < head_.size() || wait_for_body(); }
  bool is_writable() const override {
    if (!wait_for(sock_, POLLOUT, Clock::now() + write_timeout_, listener_)) return false;
    // A peer that closed its end reads as end-of-file: the stream's writer should stop now, not
    // after the next failed send (a gone client cancels its generation this way).
    pollfd p{sock_, POLLIN, 0};
    if (::poll(&p, 1, 0) > 0) {
      char c = 0;
      return ::recv(sock_, &c, 1, MSG_PEEK | MSG_DONTWAIT) != 0;
    }
    return true;
  }
  ssize_t read(char* ptr, size_t size) override {
    if (head_pos_ < head_.size()) {
      const size_t n = std::min(size, head_.size() - head_pos_);
      std::memcpy(ptr, head_.data() + head_pos_, n);
      head_pos_ += n;
      return static_cast<ssize_t>(n);
    }
    if (!wait_for_body()) {
      return -1;
    }
    ssize_t r;
    do {
      r = ::recv(sock_, ptr, size, 0);
    } while (r < 0 && errno == EINTR);
    return r;
  }
  ssize_t write(const char* ptr, size_t size) override {
    if (!is_writable()) return -1;
    ssize_t r;
    do {
      r = ::send(sock_, ptr, size, MSG_NOSIGNAL);
    } while (r < 0 && errno == EINTR);
    return r;
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    address_of(sock_, true, ip, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    address_of(sock_, false, ip, port);
  }
  socket_t socket() const override { return sock_; }

 private:
  bool wait_for_body() const {
    if (wait_for(sock_, POLLIN, body_deadline_, listener_)) return true;
    t_body_timed_out = Clock::now() >= body_deadline_;
    return false;
  }

  socket_t sock_;
  std::string head_;
  size_t head_pos_ = 0;
  Clock::time_point body_deadline_;
  std::chrono::seconds write_timeout_;
  const std::atomic<socket_t>& listener_;
};

}  // namespace

// ---- The gate -----------------------------------------------------------------------------------

/// Connections waiting for their header block, watched by one thread with epoll (edge-triggered:
/// woken only when bytes arrive, each time peeking at what is there). A complete block goes to
/// the pool; a deadline passed or a block too large is answered here and closed.
class HttpServer::Gate {
 public:
  using Serve = std::function<void(socket_t, size_t served, size_t header_bytes)>;

  Gate(std::chrono::milliseconds header_deadline, Serve serve)
      : header_deadline_(header_deadline), serve_(std::move(serve)), peek_(kMaxHeaderBytes) {}

  ~Gate() { stop(); }

  /// Starts the gate's thread; complete requests are run on `pool`.
  void start(httplib::TaskQueue* pool) {
    const std::lock_guard lock(mutex_);
    pool_ = pool;
    stopped_ = false;
    epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
    wake_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = wake_;
    ::epoll_ctl(epoll_, EPOLL_CTL_ADD, wake_, &ev);
    thread_ = std::thread([this] { run(); });
  }

  /// Closes every waiting connection and joins the thread; later admit() calls close theirs.
  void stop() {
    {
      const std::lock_guard lock(mutex_);
      if (stopped_) return;
      stopped_ = true;
    }
    const uint64_t one = 1;
    (void)::write(wake_, &one, sizeof one);
    if (thread_.joinable()) thread_.join();
    const std::lock_guard lock(mutex_);
    for (const auto& [sock, w] : waiting_) close_socket(sock);
    waiting_.clear();
    ::close(epoll_);
    ::close(wake_);
    pool_ = nullptr;
  }

  /// A connection whose next request is to be read (`served` requests answered on it so far).
  void admit(socket_t sock, size_t served) {
    watch(sock, Waiting{served, Clock::now() + header_deadline_, false, false});
  }

  /// A connection answered before its request was read in full: its end is shut, and what the
  /// client still sends is read and dropped for a moment before it is closed. Closing a socket
  /// with unread bytes sends a reset, which can destroy the answer before the client reads it.
  void linger(socket_t sock) {
    ::shutdown(sock, SHUT_WR);
    watch(sock, Waiting{0, Clock::now() + kLinger, false, true});
  }

 private:
  static constexpr std::chrono::seconds kLinger{2};
  static constexpr size_t kMaxLingerBytes = 16 << 20;

  struct Waiting {
    size_t served = 0;
    Clock::time_point deadline;
    bool started = false;   // some bytes of the request arrived
    bool draining = false;  // linger(): reading only to drop
    size_t drained = 0;
  };

  void watch(socket_t sock, Waiting w) {
    {
      const std::lock_guard lock(mutex_);
      if (!stopped_ && waiting_.size() < kMaxWaitingConnections) {
        waiting_[sock] = w;
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLRDHUP | EPOLLET;
        ev.data.fd = sock;
        if (::epoll_ctl(epoll_, EPOLL_CTL_ADD, sock, &ev) == 0) return;
        waiting_.erase(sock);
      }
    }
    close_socket(sock);
  }

  void run() {
    std::vector<epoll_event> events(64);
    for (;;) {
      const int n = ::epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), 100);
      {
        const std::lock_guard lock(mutex_);
        if (stopped_) return;
      }
      for (int i = 0; i < n; ++i) {
        if (events[i].data.fd != wake_) look_at(events[i].data.fd);
      }
      expire();
    }
  }

  /// Peeks at what `sock` has sent: hands a complete header block to the pool, closes a
  /// connection the client closed, refuses a block too large.
  void look_at(socket_t sock) {
    if (drain(sock)) return;
    const ssize_t n = ::recv(sock, peek_.data(), peek_.size(), MSG_PEEK | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
    std::optional<Waiting> w = take_if(sock, [&](Waiting& x) {
      if (n <= 0) return true;
      x.started = true;
      return std::string_view(peek_.data(), static_cast<size_t>(n)).find("\r\n\r\n") !=
                 std::string_view::npos ||
             static_cast<size_t>(n) == peek_.size();
    });
    if (!w) return;
    if (n <= 0) {
      close_socket(sock);
      return;
    }
    const std::string_view seen(peek_.data(), static_cast<size_t>(n));
    const size_t end = seen.find("\r\n\r\n");
    if (end == std::string_view::npos) {
      send_reply(sock, "Request Header Fields Too Large",
                 ApiError::headers_too_large(kMaxHeaderBytes));
      linger(sock);
      return;
    }
    httplib::TaskQueue* pool = nullptr;
    {
      const std::lock_guard lock(mutex_);
      pool = pool_;
    }
    if (pool == nullptr) {
      close_socket(sock);
      return;
    }
    const size_t served = w->served;
    const size_t header_bytes = end + 4;
    pool->enqueue(
        [serve = serve_, sock, served, header_bytes] { serve(sock, served, header_bytes); });
  }

  /// For a lingering connection: reads and drops what is there; closes it at its end or past
  /// kMaxLingerBytes. False for a connection that is not lingering.
  bool drain(socket_t sock) {
    size_t dropped = 0;
    bool closed = false;
    {
      const std::lock_guard lock(mutex_);
      auto it = waiting_.find(sock);
      if (it == waiting_.end() || !it->second.draining) return false;
      for (;;) {
        const ssize_t n = ::recv(sock, peek_.data(), peek_.size(), MSG_DONTWAIT);
        if (n > 0) {
          dropped += static_cast<size_t>(n);
          continue;
        }
        closed = n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
        break;
      }
      it->second.drained += dropped;
      closed = closed || it->second.drained > kMaxLingerBytes;
      if (closed) {
        ::epoll_ctl(epoll_, EPOLL_CTL_DEL, sock, nullptr);
        waiting_.erase(it);
      }
    }
    if (closed) ::close(sock);
    return true;
  }

  /// Removes `sock` from the waiting set when `done(its entry)` says so; its entry, or nullopt.
  template <typename F>
  std::optional<Waiting> take_if(socket_t sock, F&& done) {
    const std::lock_guard lock(mutex_);
    auto it = waiting_.find(sock);
    if (it == waiting_.end() || !done(it->second)) return std::nullopt;
    Waiting w = it->second;
    ::epoll_ctl(epoll_, EPOLL_CTL_DEL, sock, nullptr);
    waiting_.erase(it);
    return w;
  }

  /// Connections past their deadline: 408 to those that started a request, silence to idle and
  /// lingering ones.
  void expire() {
    std::vector<std::pair<socket_t, bool>> late;
    {
      const std::lock_guard lock(mutex_);
      const auto now = Clock::now();
      for (auto it = waiting_.begin(); it != waiting_.end();) {
        if (it->second.deadline > now) {
          ++it;
          continue;
        }
        ::epoll_ctl(epoll_, EPOLL_CTL_DEL, it->first, nullptr);
        late.emplace_back(it->first, it->second.started && !it->second.draining);
        it = waiting_.erase(it);
      }
    }
    for (const auto& [sock, started] : late) {
      if (started) {
        send_reply(sock, "Request Timeout", ApiError::request_timeout("headers"));
        linger(sock);
      } else {
        ::close(sock);
      }
    }
  }

  const std::chrono::milliseconds header_deadline_;
  const Serve serve_;
  std::vector<char> peek_;  // the gate thread's only
  std::mutex mutex_;
  std::map<socket_t, Waiting> waiting_;
  httplib::TaskQueue* pool_ = nullptr;
  bool stopped_ = true;
  int epoll_ = -1;
  int wake_ = -1;
  std::thread thread_;
};

namespace {

/// httplib's task queue for one listen(): the worker pool, which the gate fills with complete
/// requests; the gate is started with it and stopped before its workers are joined (so that the
/// gate never hands work to a pool that is gone).
class GatedPool : public httplib::TaskQueue {
 public:
  GatedPool(size_t threads, std::shared_ptr<HttpServer::Gate> gate)
      : pool_(threads), gate_(std::move(gate)) {
    gate_->start(&pool_);
  }
  // httplib's listener enqueues only process_and_close_socket(), which hands the connection to
  // the gate without blocking: run on the listener's thread, admission never waits for a worker.
  void enqueue(std::function<void()> fn) override { fn(); }
  void shutdown() override {
    gate_->stop();
    pool_.shutdown();
  }

 private:
  httplib::ThreadPool pool_;
  std::shared_ptr<HttpServer::Gate> gate_;
};

}  // namespace

// ---- HttpServer ---------------------------------------------------------------------------------

HttpServer::HttpServer(RequestDeadlines deadlines, size_t threads) : deadlines_(deadlines) {
  gate_ = std::make_shared<Gate>(deadlines_.headers,
                                 [this](socket_t sock, size_t served, size_t header_bytes) {
                                   serve(sock, served, header_bytes);
                                 });
  new_task_queue = [this, threads] { return new GatedPool(threads, gate_); };
}

HttpServer::~HttpServer() {
  gate_->stop();
}

void HttpServer::close_after_response() {
  t_close_after_response = true;
}

bool HttpServer::body_timed_out() {
  return t_body_timed_out;
}

bool HttpServer::client_gone() {
  if (t_socket == INVALID_SOCKET) return false;
  pollfd p{t_socket, POLLIN | POLLRDHUP, 0};
  if (::poll(&p, 1, 0) <= 0) return false;  // nothing happened: still there
  if (p.revents & (POLLERR | POLLHUP | POLLRDHUP | POLLNVAL)) return true;
  // Readable: more bytes (a pipelined request) mean it is there; end of stream means it left.
  char byte = 0;
  const ssize_t n = ::recv(t_socket, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

bool HttpServer::process_and_close_socket(socket_t sock) {
  gate_->admit(sock, 0);
  return true;
}

void HttpServer::serve(socket_t sock, size_t served, size_t header_bytes) {
  GatedStream stream(sock, Clock::now() + deadlines_.body,
                     std::chrono::seconds(std::max<time_t>(write_timeout_sec_, 1)), svr_sock_);
  if (!stream.read_head(header_bytes)) {
    close_socket(sock);
    return;
  }
  t_close_after_response = false;
  t_body_timed_out = false;
  t_socket = sock;
  const bool last = served + 1 >= keep_alive_max_count_;
  bool connection_closed = false;
  const bool ok = process_request(stream, last, connection_closed, nullptr);
  t_socket = INVALID_SOCKET;
  if (t_close_after_response || t_body_timed_out) {
    gate_->linger(sock);
  } else if (ok && !connection_closed && !last && svr_sock_ != INVALID_SOCKET) {
    gate_->admit(sock, served + 1);
  } else {
    close_socket(sock);
  }
}

}  // namespace dailydrug::server

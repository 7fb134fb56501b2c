// HttpServer: cpp-httplib's server with a gate in front of its thread pool.
//
// cpp-httplib gives every accepted connection a pool thread at once and reads its headers there,
// with a timeout per read only: a client that sends one header line every few seconds holds a
// thread for as long as it likes, and twenty such clients take every thread (slowloris). Here a
// connection waits in the gate (one thread, epoll) until its whole header block has arrived, and
// only then gets a pool thread; the headers must arrive within RequestDeadlines::headers and the
// body within RequestDeadlines::body, else the client gets 408 and the connection is closed.
// Between requests of a keep-alive connection it waits in the gate again.
#pragma once

#include <httplib.h>

#include <chrono>
#include <cstddef>
#include <memory>

namespace dailydrug::server {

struct RequestDeadlines {
  /// From the connection's start (or the end of the previous response) to the end of the
  /// headers. A connection that sent nothing by then is closed without a response.
  std::chrono::milliseconds headers{10000};
  /// From the end of the headers to the end of the body.
  std::chrono::milliseconds body{30000};
};

/// The largest header block (request line and headers) a client may send: 431 beyond it.
inline constexpr size_t kMaxHeaderBytes = 32 * 1024;
/// Connections that may wait in the gate at once; more are closed at once.
inline constexpr size_t kMaxWaitingConnections = 512;

class HttpServer : public httplib::Server {
 public:
  /// `threads`: the pool that runs complete requests.
  HttpServer(RequestDeadlines deadlines, size_t threads);
  ~HttpServer() override;
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// From a handler or the pre-routing handler: close the connection after this response (a
  /// request refused before its body was read leaves that body unread on the connection).
  static void close_after_response();
  /// In the error handler: the request failed because its body did not arrive in time.
  static bool body_timed_out();
  /// From a handler: the client of the request being handled has closed its connection (or
  /// the connection failed). A handler that waits before it answers checks this between waits,
  /// so a client that left while queued frees its place.
  static bool client_gone();

  class Gate;

 private:
  // httplib's listener hands every accepted connection to this (on a pool thread).
  bool process_and_close_socket(socket_t sock) override;
  /// One complete request on a pool thread; `header_bytes` of it are already in the socket.
  void serve(socket_t sock, size_t served, size_t header_bytes);

  RequestDeadlines deadlines_;
  std::shared_ptr<Gate> gate_;
};

}  // namespace dailydrug::server

// A loopback TCP proxy that puts network faults between two processes: a
// client connects to the proxy's endpoint instead of its server, and the test
// delays, slows, silently drops or cuts the traffic while the processes run,
// or records what crosses (Record). One thread forwards every connection
// (poll() over all sockets). Linux only.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace crm::testing {

class FaultProxy {
 public:
  // Traffic through the proxy so far.
  struct Counters {
    uint64_t bytes_to_target = 0;  // forwarded from clients to the target
    uint64_t bytes_to_client = 0;  // forwarded from the target to clients
    uint64_t bytes_dropped = 0;    // read and never forwarded (blackhole, cut)
    uint64_t connections = 0;      // accepted and linked to the target
    uint64_t refused = 0;          // accepted and reset at once (cut, or the target is down)
  };

  // Listens on 127.0.0.1, on a port the OS chooses, and links each accepted
  // connection to `target` ("tcp://127.0.0.1:PORT", IPv4 only). Starts in
  // Pass mode. Throws std::runtime_error if `target` does not parse or the
  // listening socket cannot be made.
  explicit FaultProxy(const std::string& target) : target_(ParseEndpoint(target)) {
    // Every socket is close-on-exec: the test forks crm-node and pos, and a
    // copy of a socket held by a child would keep a cut connection open.
    listener_ = Fd(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    sockaddr_in any = Loopback(0);
    socklen_t length = sizeof(any);
    if (!listener_.ok() || bind(listener_.get(), Address(any), sizeof(any)) != 0 ||
        listen(listener_.get(), 64) != 0 ||
        getsockname(listener_.get(), Address(any), &length) != 0) {
      throw std::runtime_error("fault proxy: cannot listen on 127.0.0.1");
    }
    endpoint_ = "tcp://127.0.0.1:" + std::to_string(ntohs(any.sin_port));
    wake_ = Fd(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
    if (!wake_.ok()) throw std::runtime_error("fault proxy: eventfd failed");
    thread_ = std::thread([this] { Run(); });
  }
  // Closes every connection and the listening socket, and joins the thread.
  ~FaultProxy() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    Wake();
    thread_.join();
  }
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  // "tcp://127.0.0.1:PORT": where clients connect instead of the target.
  const std::string& endpoint() const { return endpoint_; }

  // Each mode below is in force for every connection, open or new, when the
  // call returns; bytes held from before keep the time they were due
  // (Blackhole and Cut drop them).
  //
  // Forwards bytes as they come.
  void Pass() { Set({Kind::kPass, 0, 0}); }
  // Holds each chunk read for `ms` milliseconds before forwarding it; the
  // order of the bytes is kept.
  void Delay(int ms) { Set({Kind::kDelay, ms, 0}); }
  // A link of `bytes_per_s` (> 0) each way with `latency_ms` of latency: a
  // chunk is forwarded once the bytes before it and itself have passed at
  // that rate, plus the latency. The proxy holds about the bytes in flight on
  // such a link and reads no more until they drain, so a fast sender is held
  // back as TCP would hold it.
  void SlowLink(int64_t bytes_per_s, int latency_ms) {
    Set({Kind::kSlow, latency_ms, std::max<int64_t>(bytes_per_s, 1)});
  }
  // A silent partition: open connections stay open, but whatever is read
  // from them is discarded, and so are the bytes held from before; neither
  // end hears of it. They stay black holes after another mode is set, as
  // when the network lost their state (a NAT or firewall forgot them): their
  // ends must notice and connect again. A new connection waits unanswered
  // (in the listen backlog) until the partition ends and then gets through,
  // as a connection attempt whose packets are retried would.
  void Blackhole() { Set({Kind::kBlackhole, 0, 0}); }
  // Resets every connection at once (bytes in flight are lost), and resets
  // each new one as soon as it is accepted, until another mode is set.
  void Cut() { Set({Kind::kCut, 0, 0}); }

  // From now on, keeps a copy of every byte forwarded, each way, for a test
  // that looks at what crossed the wire. Thread-safe.
  void Record() { recording_ = true; }
  // What was forwarded from clients to the target, and back, while recording.
  // Thread-safe.
  std::string RecordedToTarget() const {
    std::lock_guard lock(recorded_mutex_);
    return recorded_to_target_;
  }
  std::string RecordedToClient() const {
    std::lock_guard lock(recorded_mutex_);
    return recorded_to_client_;
  }

  // Thread-safe.
  Counters counters() const {
    Counters c;
    c.bytes_to_target = bytes_to_target_.load();
    c.bytes_to_client = bytes_to_client_.load();
    c.bytes_dropped = bytes_dropped_.load();
    c.connections = connections_.load();
    c.refused = refused_.load();
    return c;
  }

 private:
  using Clock = std::chrono::steady_clock;
  enum class Kind { kPass, kDelay, kSlow, kBlackhole, kCut };
  struct Mode {
    Kind kind = Kind::kPass;
    int latency_ms = 0;
    int64_t bytes_per_s = 0;
  };

  // An owned file descriptor.
  class Fd {
   public:
    Fd() = default;
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() { Reset(); }
    Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    Fd& operator=(Fd&& other) noexcept {
      if (this != &other) {
        Reset();
        fd_ = std::exchange(other.fd_, -1);
      }
      return *this;
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    bool ok() const { return fd_ >= 0; }
    int get() const { return fd_; }
    // Closes with a reset rather than an orderly shutdown, as a cut link would.
    void Abort() {
      if (fd_ < 0) return;
      linger reset{1, 0};
      (void)setsockopt(fd_, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
      Reset();
    }

   private:
    void Reset() {
      if (fd_ >= 0) close(fd_);
      fd_ = -1;
    }
    int fd_ = -1;
  };

  struct Chunk {
    std::string bytes;
    size_t written = 0;
    Clock::time_point due;
  };
  // One direction of a connection.
  struct Flow {
    int from = -1;  // borrowed from the Link
    int to = -1;
    std::atomic<uint64_t>* forwarded = nullptr;
    std::string* recorded = nullptr;  // GUARDED_BY(recorded_mutex_)
    std::deque<Chunk> held;
    size_t held_bytes = 0;
    Clock::time_point link_free;  // slow link: when the bytes held so far have passed
    bool blocked = false;         // `to` refused a write: wait until it may be written
  };
  struct Link {
    Fd client;
    Fd target;
    Flow up;    // client to target
    Flow down;  // target to client
    bool broken = false;
    bool black = false;  // open when a blackhole began: nothing passes, ever
  };

  static sockaddr_in Loopback(uint16_t port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    return address;
  }
  static sockaddr* Address(sockaddr_in& address) { return reinterpret_cast<sockaddr*>(&address); }

  static sockaddr_in ParseEndpoint(const std::string& endpoint) {
    const std::string scheme = "tcp://";
    size_t colon = endpoint.rfind(':');
    if (endpoint.rfind(scheme, 0) != 0 || colon == std::string::npos || colon < scheme.size()) {
      throw std::runtime_error("fault proxy: not a tcp://HOST:PORT endpoint: " + endpoint);
    }
    sockaddr_in address{};
    address.sin_family = AF_INET;
    std::string host = endpoint.substr(scheme.size(), colon - scheme.size());
    std::string port = endpoint.substr(colon + 1);
    if (inet_pton(AF_INET, host.c_str(), &address.sin_addr) != 1 || port.empty() ||
        port.find_first_not_of("0123456789") != std::string::npos || port.size() > 5 ||
        std::stoi(port) == 0 || std::stoi(port) > 65535) {
      throw std::runtime_error("fault proxy: not a tcp://IPV4:PORT endpoint: " + endpoint);
    }
    address.sin_port = htons(static_cast<uint16_t>(std::stoi(port)));
    return address;
  }

  void Wake() {
    uint64_t one = 1;
    (void)!write(wake_.get(), &one, sizeof(one));
  }

  void Set(Mode mode) {
    std::unique_lock lock(mutex_);
    mode_ = mode;
    const uint64_t wanted = ++requested_;
    lock.unlock();
    Wake();
    lock.lock();
    applied_cv_.wait(lock, [&] { return applied_ >= wanted || done_; });
  }

  // The thread: nothing may escape it; a failure stops forwarding (the test
  // then sees a dead link, never a crash).
  void Run() noexcept {
    try {
      Forward();
    } catch (...) {
    }
    std::lock_guard lock(mutex_);
    done_ = true;
    applied_cv_.notify_all();
  }

  void Forward() {
    std::vector<std::unique_ptr<Link>> links;
    Mode mode;
    uint64_t applied = 0;
    std::vector<pollfd> polled;
    for (;;) {
      bool changed = false;
      {
        std::lock_guard lock(mutex_);
        if (stop_) return;
        if (applied != requested_) {
          mode = mode_;
          applied = requested_;
          changed = true;
        }
      }
      if (changed) {
        if (mode.kind == Kind::kCut) {
          for (auto& link : links) Drop(*link);
          links.clear();
        } else if (mode.kind == Kind::kBlackhole) {
          for (auto& link : links) {
            link->black = true;
            DropHeld(link->up);
            DropHeld(link->down);
          }
        }
        std::lock_guard lock(mutex_);
        applied_ = applied;
        applied_cv_.notify_all();
      }

      Clock::time_point now = Clock::now();
      for (auto& link : links) {
        if (!Flush(link->up, now) || !Flush(link->down, now)) link->broken = true;
      }
      Prune(links);

      // What to wait for: the wake-up, new connections, bytes to read while
      // there is room to hold them, and sockets that refused a write.
      polled.clear();
      polled.push_back({wake_.get(), POLLIN, 0});
      polled.push_back(
          {listener_.get(), mode.kind == Kind::kBlackhole ? short{0} : short{POLLIN}, 0});
      Clock::time_point next_due = now + std::chrono::milliseconds(100);
      for (auto& link : links) {
        short client_events = 0;
        short target_events = 0;
        if (link->up.held_bytes < HoldLimit(mode)) client_events |= POLLIN;
        if (link->down.held_bytes < HoldLimit(mode)) target_events |= POLLIN;
        if (link->up.blocked) target_events |= POLLOUT;
        if (link->down.blocked) client_events |= POLLOUT;
        for (Flow* flow : {&link->up, &link->down}) {
          if (!flow->held.empty() && !flow->blocked) {
            next_due = std::min(next_due, flow->held.front().due);
          }
        }
        polled.push_back({link->client.get(), client_events, 0});
        polled.push_back({link->target.get(), target_events, 0});
      }
      auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next_due - now).count();
      int ready = poll(polled.data(), polled.size(), static_cast<int>(std::max<int64_t>(wait, 0)));
      if (ready < 0 && errno != EINTR) return;
      if (ready <= 0) continue;

      if (polled[0].revents != 0) {
        uint64_t count = 0;
        (void)!read(wake_.get(), &count, sizeof(count));
      }
      now = Clock::now();
      // After the wake-up and the listener, two entries per link, in order;
      // links accepted now are appended after this loop.
      for (size_t i = 0; i < links.size(); ++i) {
        Link& link = *links[i];
        const short client_ready = polled[2 + 2 * i].revents;
        const short target_ready = polled[2 + 2 * i + 1].revents;
        if ((client_ready & (POLLIN | POLLHUP | POLLERR)) &&
            !Receive(link.up, link.black, mode, now)) {
          link.broken = true;
        }
        if ((target_ready & (POLLIN | POLLHUP | POLLERR)) &&
            !Receive(link.down, link.black, mode, now)) {
          link.broken = true;
        }
        if (target_ready & POLLOUT) link.up.blocked = false;
        if (client_ready & POLLOUT) link.down.blocked = false;
      }
      Prune(links);
      if (polled[1].revents != 0 && mode.kind != Kind::kBlackhole) Accept(links, mode);
    }
  }

  // Takes every waiting connection: links it to the target, or in Cut mode
  // resets it.
  void Accept(std::vector<std::unique_ptr<Link>>& links, const Mode& mode) {
    for (;;) {
      Fd client(accept4(listener_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
      if (!client.ok()) return;
      if (mode.kind == Kind::kCut) {
        ++refused_;
        client.Abort();
        continue;
      }
      // A blocking connect: on loopback it is answered at once, and a target
      // that is down refuses it at once (the client is then reset).
      Fd target(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
      sockaddr_in address = target_;
      if (!target.ok() || connect(target.get(), Address(address), sizeof(address)) != 0) {
        ++refused_;
        client.Abort();
        continue;
      }
      if (fcntl(target.get(), F_SETFL, O_NONBLOCK) != 0) continue;
      auto link = std::make_unique<Link>();
      link->client = std::move(client);
      link->target = std::move(target);
      link->up.from = link->client.get();
      link->up.to = link->target.get();
      link->up.forwarded = &bytes_to_target_;
      link->up.recorded = &recorded_to_target_;
      link->down.recorded = &recorded_to_client_;
      link->down.from = link->target.get();
      link->down.to = link->client.get();
      link->down.forwarded = &bytes_to_client_;
      links.push_back(std::move(link));
      ++connections_;
    }
  }

  // How many bytes a flow may hold before the proxy stops reading its source.
  static size_t HoldLimit(const Mode& mode) {
    if (mode.kind != Kind::kSlow) return size_t{1} << 20;
    // What is in flight on such a link, plus 100 ms of sending.
    int64_t in_flight = mode.bytes_per_s * (mode.latency_ms + 100) / 1000;
    return static_cast<size_t>(std::max<int64_t>(in_flight, 4096));
  }

  // Reads one chunk from the flow's source, and drops it if the link is
  // `black`. False if the source closed or failed.
  bool Receive(Flow& flow, bool black, const Mode& mode, Clock::time_point now) {
    // On a slow link, chunks of about 50 ms of sending, so bytes trickle.
    size_t most = mode.kind == Kind::kSlow
                      ? static_cast<size_t>(std::clamp<int64_t>(mode.bytes_per_s / 20, 256, 65536))
                      : 65536;
    std::string buffer(most, '\0');
    ssize_t got = recv(flow.from, buffer.data(), buffer.size(), 0);
    if (got < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
    if (got == 0) return false;
    buffer.resize(static_cast<size_t>(got));
    if (black) {
      bytes_dropped_ += static_cast<uint64_t>(got);
      return true;
    }
    Clock::time_point due = now;
    switch (mode.kind) {
      case Kind::kPass:
        break;
      case Kind::kDelay:
        due = now + std::chrono::milliseconds(mode.latency_ms);
        break;
      case Kind::kSlow: {
        Clock::time_point start = std::max(now, flow.link_free);
        flow.link_free = start + std::chrono::microseconds(got * 1'000'000 / mode.bytes_per_s);
        due = flow.link_free + std::chrono::milliseconds(mode.latency_ms);
        break;
      }
      case Kind::kBlackhole:  // links are black then
      case Kind::kCut:        // no links then
        bytes_dropped_ += static_cast<uint64_t>(got);
        return true;
    }
    flow.held_bytes += buffer.size();
    flow.held.push_back({std::move(buffer), 0, due});
    return true;
  }

  // Writes the flow's chunks that are due, in order, until the destination
  // takes no more. False if the destination failed.
  bool Flush(Flow& flow, Clock::time_point now) {
    while (!flow.held.empty() && !flow.blocked && flow.held.front().due <= now) {
      Chunk& chunk = flow.held.front();
      ssize_t sent = send(flow.to, chunk.bytes.data() + chunk.written,
                          chunk.bytes.size() - chunk.written, MSG_NOSIGNAL);
      if (sent < 0) {
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) return false;
        flow.blocked = true;
        return true;
      }
      if (recording_) {
        std::lock_guard lock(recorded_mutex_);
        flow.recorded->append(chunk.bytes, chunk.written, static_cast<size_t>(sent));
      }
      chunk.written += static_cast<size_t>(sent);
      *flow.forwarded += static_cast<uint64_t>(sent);
      if (chunk.written == chunk.bytes.size()) {
        flow.held_bytes -= chunk.bytes.size();
        flow.held.pop_front();
      }
    }
    return true;
  }

  void DropHeld(Flow& flow) {
    for (const Chunk& chunk : flow.held) bytes_dropped_ += chunk.bytes.size() - chunk.written;
    flow.held.clear();
    flow.held_bytes = 0;
    flow.blocked = false;
  }
  void Drop(Link& link) {
    DropHeld(link.up);
    DropHeld(link.down);
    link.client.Abort();
    link.target.Abort();
  }
  // Closes and forgets broken links: when one end goes, so does the other
  // (bytes still held for it are dropped).
  void Prune(std::vector<std::unique_ptr<Link>>& links) {
    for (auto& link : links) {
      if (link->broken) Drop(*link);
    }
    links.erase(
        std::remove_if(links.begin(), links.end(), [](const auto& link) { return link->broken; }),
        links.end());
  }

  const sockaddr_in target_;
  std::string endpoint_;
  Fd listener_;
  Fd wake_;  // an eventfd: a mode change or the destructor wakes the thread

  std::mutex mutex_;
  std::condition_variable applied_cv_;
  Mode mode_;               // GUARDED_BY(mutex_)
  uint64_t requested_ = 0;  // GUARDED_BY(mutex_): mode changes asked for
  uint64_t applied_ = 0;    // GUARDED_BY(mutex_): mode changes in force
  bool stop_ = false;       // GUARDED_BY(mutex_)
  bool done_ = false;       // GUARDED_BY(mutex_): the thread has returned

  std::atomic<uint64_t> bytes_to_target_{0};
  std::atomic<uint64_t> bytes_to_client_{0};
  std::atomic<uint64_t> bytes_dropped_{0};
  std::atomic<uint64_t> connections_{0};
  std::atomic<uint64_t> refused_{0};

  std::atomic<bool> recording_{false};
  mutable std::mutex recorded_mutex_;
  std::string recorded_to_target_;  // GUARDED_BY(recorded_mutex_)
  std::string recorded_to_client_;  // GUARDED_BY(recorded_mutex_)

  std::thread thread_;  // last: started once everything above exists
};

}  // namespace crm::testing

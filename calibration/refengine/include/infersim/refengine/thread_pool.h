#pragma once
// A fixed pool of worker threads for the reference engine's kernels. Work is handed out in chunks
// from an atomic counter (dynamic scheduling): the caller thread always takes part, workers join the
// job if they wake while it is still open, and a worker that was descheduled (a busy or shared
// machine) simply finds no chunks left instead of stalling the step. Workers spin ~50 us between jobs
// (a decode step issues ~10 parallel regions per layer, so wake-up latency matters) and then sleep
// on a condition variable (not std::atomic::wait: GCC 12's implementation can miss wake-ups). One job at a time:
// for_chunks()/parallel_for() must not be called concurrently or from inside a job. An exception thrown on any thread
// is rethrown to the caller.
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

namespace infersim::refengine {

class ThreadPool {
 public:
  explicit ThreadPool(int threads = 0);  // 0 = all CPUs this process may use
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return n_; }

  // fn(chunk, thread) for every chunk in [0, n_chunks); thread in [0, size()) names per-thread scratch.
  template <class F>
  void for_chunks(std::int64_t n_chunks, F&& fn) {
    if (n_chunks <= 0) return;
    if (n_ == 1 || n_chunks == 1) {
      for (std::int64_t c = 0; c < n_chunks; ++c) fn(c, 0);
      return;
    }
    struct Thunk {
      static void call(void* p, std::int64_t c, int t) { (*static_cast<std::remove_reference_t<F>*>(p))(c, t); }
    };
    dispatch(&Thunk::call, static_cast<void*>(&fn), n_chunks);
  }

  // fn(begin, end) over [0, n) in chunks of at least `grain` (about 4 chunks per thread).
  template <class F>
  void parallel_for(std::int64_t n, std::int64_t grain, F&& fn) {
    if (n <= 0) return;
    const std::int64_t chunk = std::max<std::int64_t>(std::max<std::int64_t>(grain, 1), (n + 4 * n_ - 1) / (4 * n_));
    const std::int64_t chunks = (n + chunk - 1) / chunk;
    for_chunks(chunks, [&](std::int64_t c, int) { fn(c * chunk, std::min(n, (c + 1) * chunk)); });
  }

 private:
  using Fn = void (*)(void*, std::int64_t, int);
  void dispatch(Fn fn, void* ctx, std::int64_t n_chunks);
  void work(int thread);
  void worker(int thread);

  static constexpr std::uint32_t OPEN = 0x80000000u;
  int n_ = 1;
  std::vector<std::thread> threads_;
  std::atomic<std::uint32_t> epoch_{0};  // bumped per job; workers sleep on it
  std::atomic<std::uint32_t> state_{0};  // OPEN bit | workers inside the job
  std::atomic<std::int64_t> next_{0};
  std::int64_t n_chunks_ = 0;
  std::atomic<bool> stop_{false};
  Fn fn_ = nullptr;
  void* ctx_ = nullptr;
  std::mutex sleep_mu_;
  std::condition_variable wake_cv_;  // workers: a new epoch
  std::condition_variable done_cv_;  // caller: the last worker left the job
  std::atomic<int> sleepers_{0};
  std::atomic<bool> caller_sleeping_{false};
  std::mutex error_mu_;
  std::exception_ptr error_;
};

}  // namespace infersim::refengine

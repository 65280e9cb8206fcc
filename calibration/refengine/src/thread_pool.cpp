#include "infersim/refengine/thread_pool.h"

#include <chrono>

#include "infersim/refengine/cpu_features.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define INFERSIM_PAUSE() _mm_pause()
#else
#define INFERSIM_PAUSE() ((void)0)
#endif

namespace infersim::refengine {

namespace {
// Long enough to bridge the serial gap between two parallel regions of a forward step, short enough
// not to burn a (possibly shared) core between steps.
constexpr auto SPIN = std::chrono::microseconds(50);

template <class Pred>
bool spin_until(Pred&& done) {
  const auto end = std::chrono::steady_clock::now() + SPIN;
  for (int i = 0;; ++i) {
    if (done()) return true;
    INFERSIM_PAUSE();
    if ((i & 63) == 63 && std::chrono::steady_clock::now() > end) return done();
  }
}
}  // namespace

ThreadPool::ThreadPool(int threads) {
  n_ = threads > 0 ? threads : cpu_features().logical_cpus;
  if (n_ < 1) n_ = 1;
  threads_.reserve(std::size_t(n_ - 1));
  for (int i = 1; i < n_; ++i) threads_.emplace_back([this, i] { worker(i); });
}

ThreadPool::~ThreadPool() {
  stop_.store(true);
  {
    std::lock_guard<std::mutex> lock(sleep_mu_);
    epoch_.fetch_add(1);
  }
  wake_cv_.notify_all();
  for (auto& t : threads_) t.join();
}

void ThreadPool::work(int thread) {
  try {
    for (std::int64_t c = next_.fetch_add(1, std::memory_order_relaxed); c < n_chunks_;
         c = next_.fetch_add(1, std::memory_order_relaxed))
      fn_(ctx_, c, thread);
  } catch (...) {
    next_.store(n_chunks_);  // stop handing out work
    std::lock_guard<std::mutex> lock(error_mu_);
    if (!error_) error_ = std::current_exception();
  }
}

void ThreadPool::dispatch(Fn fn, void* ctx, std::int64_t n_chunks) {
  fn_ = fn;
  ctx_ = ctx;
  n_chunks_ = n_chunks;
  error_ = nullptr;
  next_.store(0, std::memory_order_relaxed);
  state_.store(OPEN, std::memory_order_release);
  // seq_cst on epoch_ / sleepers_ (and on state_ / caller_sleeping_ below): either the sleeper sees
  // the new value before it waits, or we see the sleeper and notify under the lock.
  epoch_.fetch_add(1);
  if (sleepers_.load() > 0) {
    std::lock_guard<std::mutex> lock(sleep_mu_);
    wake_cv_.notify_all();
  }
  work(0);
  // Close the job: workers that have not joined yet will not; wait for those inside.
  std::uint32_t s = state_.fetch_and(~OPEN, std::memory_order_acq_rel) & ~OPEN;
  if (s != 0 && !spin_until([&] { return state_.load(std::memory_order_acquire) == 0; })) {
    std::unique_lock<std::mutex> lock(sleep_mu_);
    caller_sleeping_.store(true);
    done_cv_.wait(lock, [&] { return state_.load() == 0; });
    caller_sleeping_.store(false);
  }
  if (error_) std::rethrow_exception(error_);
}

void ThreadPool::worker(int thread) {
  // Epoch 0 is the pool's initial state, not whatever the counter holds when this thread gets to
  // run: a job (or the destructor) may already have bumped it on a busy machine.
  std::uint32_t seen = 0;
  for (;;) {
    std::uint32_t e = seen;
    if (!spin_until([&] { return (e = epoch_.load(std::memory_order_acquire)) != seen; })) {
      std::unique_lock<std::mutex> lock(sleep_mu_);
      sleepers_.fetch_add(1);
      wake_cv_.wait(lock, [&] { return (e = epoch_.load()) != seen; });
      sleepers_.fetch_sub(1);
    }
    seen = e;
    if (stop_.load()) return;
    // Join the open job, if any (it may be a later one than the epoch we saw: that is fine).
    std::uint32_t s = state_.load(std::memory_order_acquire);
    bool joined = false;
    while ((s & OPEN) != 0 && !joined)
      joined = state_.compare_exchange_weak(s, s + 1, std::memory_order_acq_rel, std::memory_order_acquire);
    if (!joined) continue;
    work(thread);
    if (state_.fetch_sub(1) - 1 == 0 && caller_sleeping_.load()) {
      std::lock_guard<std::mutex> lock(sleep_mu_);
      done_cv_.notify_one();
    }
  }
}

}  // namespace infersim::refengine

// A small pool of worker threads for the engine's parallel chunks (see include/CKernels.h).
//
// Why not DispatchQueue.concurrentPerform: on the 2-vCPU virtual machines we measured (2026-12-04),
// libdispatch's workers sleep between parallel regions and take tens of microseconds to wake (a
// halted vCPU is woken through the hypervisor), so the caller often runs both halves itself: two
// halves of 14 µs took 43 µs, against 15 µs with a worker that spins. A training step has about 20
// parallel regions. These workers spin for a while after each job (HASHING_POOL_SPIN_US, default
// 200 µs) before they park on a condition variable, as OpenMP runtimes do. A job of `threads`
// threads admits only workers 0 ..< threads - 1; a forked child does not use the pool.
//
// Protocol. One job at a time (a caller that finds the pool busy gets 1 and runs the job some
// other way). The job's state is one 64-bit word: generation (24 bits) | chunk count (20 bits) |
// next chunk (20 bits). A participant claims chunk i by a compare-and-swap of that word, so a
// claim succeeds only while its job is open; the job's function and context are read only after a
// successful claim, and the caller returns (and the next job may be published) only when every
// claimed chunk has finished. No participant touches the job after finishing its last chunk.
#include "CKernels.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define POOL_MAX_WORKERS 255
#define FIELD_BITS 20
#define FIELD_MASK ((UINT64_C(1) << FIELD_BITS) - 1)

static _Atomic uint64_t job_word;      // generation | count | next
static _Atomic long job_remaining;     // chunks not finished yet
static _Atomic int pool_busy;          // 1 while a caller owns the pool
static _Atomic int job_allowed;        // workers with an index below this take part in the open job
static _Atomic int pool_pid;           // the process that started the workers (a forked child has none)
static hashing_chunk_function job_function;
static void *job_context;

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pool_wake = PTHREAD_COND_INITIALIZER;
static int pool_sleepers;              // under pool_lock
static int pool_workers;               // under pool_lock
static int64_t pool_spin_ns = 200000;

// Read once at load time (before any thread could call setenv): HASHING_POOL_SPIN_US, 0 … 1,000,000.
__attribute__((constructor)) static void pool_read_settings(void) {
    const char *text = getenv("HASHING_POOL_SPIN_US");
    if (!text) return;
    long micros = strtol(text, NULL, 10);
    if (micros < 0) micros = 0;
    if (micros > 1000000) micros = 1000000;
    pool_spin_ns = (int64_t)micros * 1000;
}

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

static inline int64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static inline int has_work(uint64_t word) { return (word & FIELD_MASK) < ((word >> FIELD_BITS) & FIELD_MASK); }

// Whether worker `index` should take part now: an open job that admits it (a job of `threads`
// threads admits workers 0 ..< threads - 1, so the thread count is a cap, not a floor).
static inline int has_work_for(int index) {
    return has_work(atomic_load_explicit(&job_word, memory_order_acquire)) && index < atomic_load_explicit(&job_allowed, memory_order_relaxed);
}

// Claims and runs chunks of the open job until none is left.
static void run_chunks(void) {
    uint64_t word = atomic_load_explicit(&job_word, memory_order_acquire);
    while (has_work(word)) {
        if (atomic_compare_exchange_weak_explicit(&job_word, &word, word + 1, memory_order_acq_rel, memory_order_acquire)) {
            // The job stays open until this chunk is counted as finished: its fields are stable.
            job_function(job_context, (long)(word & FIELD_MASK));
            atomic_fetch_sub_explicit(&job_remaining, 1, memory_order_release);
            word = atomic_load_explicit(&job_word, memory_order_acquire);
        }
    }
}

static void *worker_main(void *argument) {
    int index = (int)(intptr_t)argument;
    for (;;) {
        int64_t deadline = now_ns() + pool_spin_ns;
        int spins = 0;
        while (!has_work_for(index)) {
            cpu_relax();
            if (++spins == 64) {
                spins = 0;
                if (now_ns() > deadline) break;
            }
        }
        if (!has_work_for(index)) {
            pthread_mutex_lock(&pool_lock);
            while (!has_work_for(index)) {
                pool_sleepers++;
                pthread_cond_wait(&pool_wake, &pool_lock);
                pool_sleepers--;
            }
            pthread_mutex_unlock(&pool_lock);
        }
        run_chunks();
    }
    return NULL;
}

// Starts workers until there are `wanted` (never more than POOL_MAX_WORKERS); returns how many exist.
static int ensure_workers(int wanted) {
    pthread_mutex_lock(&pool_lock);
    if (wanted > POOL_MAX_WORKERS) wanted = POOL_MAX_WORKERS;
    if (pool_workers == 0) atomic_store_explicit(&pool_pid, (int)getpid(), memory_order_relaxed);
    while (pool_workers < wanted) {
        pthread_t thread;
        pthread_attr_t attributes;
        pthread_attr_init(&attributes);
        pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
        pthread_attr_setstacksize(&attributes, 8 << 20);
        int failed = pthread_create(&thread, &attributes, worker_main, (void *)(intptr_t)pool_workers);
        pthread_attr_destroy(&attributes);
        if (failed) break;
        pool_workers++;
    }
    int workers = pool_workers;
    pthread_mutex_unlock(&pool_lock);
    return workers;
}

int hashing_pool_run(long chunks, int threads, hashing_chunk_function function, void *context) {
    if (chunks < 1) return 0;
    if ((uint64_t)chunks > FIELD_MASK || threads < 2) return 1;
    // A forked child inherits the pool's state but none of its threads (and maybe a held lock).
    int owner = atomic_load_explicit(&pool_pid, memory_order_relaxed);
    if (owner != 0 && owner != (int)getpid()) return 1;
    int expected = 0;
    if (!atomic_compare_exchange_strong_explicit(&pool_busy, &expected, 1, memory_order_acquire, memory_order_relaxed)) return 1;
    int wanted = (long)threads - 1 < chunks - 1 ? threads - 1 : (int)(chunks - 1);
    if (ensure_workers(wanted) < 1) {
        atomic_store_explicit(&pool_busy, 0, memory_order_release);
        return 1;
    }
    job_function = function;
    job_context = context;
    atomic_store_explicit(&job_allowed, wanted, memory_order_relaxed);  // published with the word below
    atomic_store_explicit(&job_remaining, chunks, memory_order_relaxed);
    uint64_t generation = (atomic_load_explicit(&job_word, memory_order_relaxed) >> (2 * FIELD_BITS)) + 1;
    uint64_t word = ((generation & ((UINT64_C(1) << 24) - 1)) << (2 * FIELD_BITS)) | ((uint64_t)chunks << FIELD_BITS);
    atomic_store_explicit(&job_word, word, memory_order_release);  // publishes the fields above
    pthread_mutex_lock(&pool_lock);
    if (pool_sleepers > 0) pthread_cond_broadcast(&pool_wake);
    pthread_mutex_unlock(&pool_lock);
    run_chunks();
    // The other chunks are running; yield now and then in case their thread lost its CPU.
    for (unsigned spins = 1; atomic_load_explicit(&job_remaining, memory_order_acquire) > 0; spins++) {
        cpu_relax();
        if (spins % 4096 == 0) sched_yield();
    }
    atomic_store_explicit(&pool_busy, 0, memory_order_release);
    return 0;
}

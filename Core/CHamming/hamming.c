// Hamming-distance kernels over packed codes, runtime-dispatched (see include/CHamming.h).
//
// Baseline x86-64 has no POPCNT, and `unsafeFlags` cannot raise the target of a package that others
// depend on, so each fast path carries its own __attribute__((target(...))) and is chosen once with
// __builtin_cpu_supports. Every kernel computes exactly the same results; the tests run them all.
#include "CHamming.h"

#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define HAMMING_X86 1
#include <immintrin.h>
#else
#define HAMMING_X86 0
#endif

#define ALWAYS_INLINE inline __attribute__((always_inline))
#define TARGET_POPCNT __attribute__((target("popcnt")))
#define TARGET_AVX2 __attribute__((target("avx2,popcnt")))
#define TARGET_AVX512 __attribute__((target("avx512f,avx512bw,avx512vpopcntdq,avx512vl,avx2,popcnt")))

// MARK: - Dispatch

static int detect_best_kernel(void) {
#if HAMMING_X86
    __builtin_cpu_init();
    int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt");
    if (avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
        __builtin_cpu_supports("avx512vpopcntdq"))
        return HAMMING_KERNEL_AVX512;
    if (avx2) return HAMMING_KERNEL_AVX2;
    if (__builtin_cpu_supports("popcnt")) return HAMMING_KERNEL_POPCNT;
    return HAMMING_KERNEL_PORTABLE;
#elif defined(__GNUC__) || defined(__clang__)
    return HAMMING_KERNEL_POPCNT;  // __builtin_popcountll is a native instruction (e.g. arm64 CNT)
#else
    return HAMMING_KERNEL_PORTABLE;
#endif
}

int hamming_best_kernel(void) {
    static int cached = 0;  // 0 = not yet known; the detection is idempotent, so a race is harmless
    int kernel = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (kernel == 0) {
        kernel = detect_best_kernel();
        __atomic_store_n(&cached, kernel, __ATOMIC_RELAXED);
    }
    return kernel;
}

int hamming_kernel_is_supported(int kernel) {
    if (kernel == HAMMING_KERNEL_AUTO || kernel == HAMMING_KERNEL_PORTABLE) return 1;
    if (kernel < HAMMING_KERNEL_AUTO || kernel > HAMMING_KERNEL_AVX512) return 0;
    return kernel <= hamming_best_kernel();  // each level implies the ones below it
}

static int resolve(int kernel) { return (kernel != HAMMING_KERNEL_AUTO && hamming_kernel_is_supported(kernel)) ? kernel : hamming_best_kernel(); }

const char *hamming_kernel_name(int kernel) {
    switch (kernel) {
    case HAMMING_KERNEL_AUTO: return "auto";
    case HAMMING_KERNEL_PORTABLE: return "portable";
    case HAMMING_KERNEL_POPCNT: return "popcnt";
    case HAMMING_KERNEL_AVX2: return "avx2";
    case HAMMING_KERNEL_AVX512: return "avx512-vpopcntdq";
    default: return "unknown";
    }
}

int hamming_uses_hardware_popcount(void) { return hamming_best_kernel() >= HAMMING_KERNEL_POPCNT; }

// MARK: - Scalar popcounts

static ALWAYS_INLINE uint32_t popcount_portable(uint64_t x) {
    x = x - ((x >> 1) & 0x5555555555555555ULL);
    x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
    x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0FULL;
    return (uint32_t)((x * 0x0101010101010101ULL) >> 56);
}

#if HAMMING_X86
TARGET_POPCNT static ALWAYS_INLINE uint32_t popcount_hw(uint64_t x) { return (uint32_t)__builtin_popcountll(x); }
#elif defined(__GNUC__) || defined(__clang__)
static ALWAYS_INLINE uint32_t popcount_hw(uint64_t x) { return (uint32_t)__builtin_popcountll(x); }
#else
static ALWAYS_INLINE uint32_t popcount_hw(uint64_t x) { return popcount_portable(x); }
#endif

#if !HAMMING_X86
#undef TARGET_POPCNT
#define TARGET_POPCNT
#endif

// MARK: - Row-major distances

static void distances_portable(const uint64_t *query, const uint64_t *codes, size_t count, size_t words, uint32_t *distances) {
    for (size_t i = 0; i < count; i++) {
        const uint64_t *code = codes + i * words;
        uint32_t d = 0;
        for (size_t w = 0; w < words; w++) d += popcount_portable(query[w] ^ code[w]);
        distances[i] = d;
    }
}

TARGET_POPCNT static void distances_popcnt(const uint64_t *query, const uint64_t *codes, size_t count, size_t words, uint32_t *distances) {
    if (words == 1) {
        const uint64_t q = query[0];
        for (size_t i = 0; i < count; i++) distances[i] = popcount_hw(q ^ codes[i]);
        return;
    }
    if (words == 4) {
        const uint64_t q0 = query[0], q1 = query[1], q2 = query[2], q3 = query[3];
        for (size_t i = 0; i < count; i++) {
            const uint64_t *c = codes + 4 * i;
            distances[i] = popcount_hw(q0 ^ c[0]) + popcount_hw(q1 ^ c[1]) + popcount_hw(q2 ^ c[2]) + popcount_hw(q3 ^ c[3]);
        }
        return;
    }
    for (size_t i = 0; i < count; i++) {
        const uint64_t *code = codes + i * words;
        uint32_t d = 0;
        for (size_t w = 0; w < words; w++) d += popcount_hw(query[w] ^ code[w]);
        distances[i] = d;
    }
}

#if HAMMING_X86
// One-word codes: 8 per zmm; wider codes go to the scalar POPCNT loop (row-major needs horizontal sums).
TARGET_AVX512 static void distances_avx512(const uint64_t *query, const uint64_t *codes, size_t count, size_t words, uint32_t *distances) {
    if (words != 1) {
        distances_popcnt(query, codes, count, words, distances);
        return;
    }
    const __m512i q = _mm512_set1_epi64((long long)query[0]);
    size_t i = 0;
    for (; i + 8 <= count; i += 8) {
        __m512i d = _mm512_popcnt_epi64(_mm512_xor_si512(_mm512_loadu_si512((const void *)(codes + i)), q));
        _mm256_storeu_si256((__m256i *)(distances + i), _mm512_cvtepi64_epi32(d));
    }
    for (; i < count; i++) distances[i] = popcount_hw(query[0] ^ codes[i]);
}
#endif

void hamming_distances_with_kernel(int kernel, const uint64_t *query, const uint64_t *codes, size_t count, size_t words,
                                   uint32_t *distances) {
    switch (resolve(kernel)) {
#if HAMMING_X86
    case HAMMING_KERNEL_AVX512: distances_avx512(query, codes, count, words, distances); return;
#endif
    case HAMMING_KERNEL_AVX2:
    case HAMMING_KERNEL_POPCNT: distances_popcnt(query, codes, count, words, distances); return;
    default: distances_portable(query, codes, count, words, distances); return;
    }
}

void hamming_distances(const uint64_t *query, const uint64_t *codes, size_t count, size_t words, uint32_t *distances) {
    hamming_distances_with_kernel(HAMMING_KERNEL_AUTO, query, codes, count, words, distances);
}

// MARK: - Blocked layout

#define BLOCK HAMMING_BLOCK_CODES

size_t hamming_blocked_word_count(size_t count, size_t words) { return ((count + BLOCK - 1) / BLOCK) * BLOCK * words; }

void hamming_pack_blocked(const uint64_t *rows, size_t count, size_t words, uint64_t *blocked) {
    size_t total = hamming_blocked_word_count(count, words);
    if (count % BLOCK) memset(blocked + (count / BLOCK) * BLOCK * words, 0, (total - (count / BLOCK) * BLOCK * words) * sizeof(uint64_t));
    for (size_t i = 0; i < count; i++) {
        uint64_t *dst = blocked + (i / BLOCK) * BLOCK * words + i % BLOCK;
        const uint64_t *src = rows + i * words;
        for (size_t w = 0; w < words; w++) dst[w * BLOCK] = src[w];
    }
}

void hamming_unpack_blocked(const uint64_t *blocked, size_t first, size_t count, size_t words, uint64_t *rows) {
    for (size_t r = 0; r < count; r++) {
        size_t i = first + r;
        const uint64_t *src = blocked + (i / BLOCK) * BLOCK * words + i % BLOCK;
        for (size_t w = 0; w < words; w++) rows[r * words + w] = src[w * BLOCK];
    }
}

static ALWAYS_INLINE const uint64_t *blocked_code(const uint64_t *blocked, size_t words, size_t i) {
    return blocked + (i / BLOCK) * BLOCK * words + i % BLOCK;
}

static void gather_portable(const uint64_t *blocked, size_t words, const uint64_t *query, const uint32_t *ids, size_t n, uint32_t *out) {
    for (size_t t = 0; t < n; t++) {
        const uint64_t *c = blocked_code(blocked, words, ids[t]);
        uint32_t d = 0;
        for (size_t w = 0; w < words; w++) d += popcount_portable(query[w] ^ c[w * BLOCK]);
        out[t] = d;
    }
}

TARGET_POPCNT static void gather_popcnt(const uint64_t *blocked, size_t words, const uint64_t *query, const uint32_t *ids, size_t n, uint32_t *out) {
    if (words == 1) {
        const uint64_t q = query[0];
        for (size_t t = 0; t < n; t++) out[t] = popcount_hw(q ^ *blocked_code(blocked, 1, ids[t]));
        return;
    }
    for (size_t t = 0; t < n; t++) {
        const uint64_t *c = blocked_code(blocked, words, ids[t]);
        uint32_t d = 0;
        for (size_t w = 0; w < words; w++) d += popcount_hw(query[w] ^ c[w * BLOCK]);
        out[t] = d;
    }
}

void hamming_distances_blocked_gather(int kernel, const uint64_t *blocked, size_t words, const uint64_t *query, const uint32_t *ids,
                                      size_t n, uint32_t *distances) {
    if (resolve(kernel) >= HAMMING_KERNEL_POPCNT) gather_popcnt(blocked, words, query, ids, n, distances);
    else gather_portable(blocked, words, query, ids, n, distances);
}

static void rows_gather_portable(const uint64_t *codes, size_t words, const uint64_t *query, const uint32_t *ids, size_t n, uint32_t *out) {
    for (size_t t = 0; t < n; t++) {
        const uint64_t *c = codes + (size_t)ids[t] * words;
        uint32_t d = 0;
        for (size_t w = 0; w < words; w++) d += popcount_portable(query[w] ^ c[w]);
        out[t] = d;
    }
}

TARGET_POPCNT static void rows_gather_popcnt(const uint64_t *codes, size_t words, const uint64_t *query, const uint32_t *ids, size_t n, uint32_t *out) {
    if (words == 4) {
        const uint64_t q0 = query[0], q1 = query[1], q2 = query[2], q3 = query[3];
        for (size_t t = 0; t < n; t++) {
            const uint64_t *c = codes + (size_t)ids[t] * 4;
            out[t] = popcount_hw(q0 ^ c[0]) + popcount_hw(q1 ^ c[1]) + popcount_hw(q2 ^ c[2]) + popcount_hw(q3 ^ c[3]);
        }
        return;
    }
    for (size_t t = 0; t < n; t++) {
        const uint64_t *c = codes + (size_t)ids[t] * words;
        uint32_t d = 0;
        for (size_t w = 0; w < words; w++) d += popcount_hw(query[w] ^ c[w]);
        out[t] = d;
    }
}

void hamming_distances_rows_gather(int kernel, const uint64_t *codes, size_t words, const uint64_t *query, const uint32_t *ids, size_t n,
                                   uint32_t *distances) {
    if (resolve(kernel) >= HAMMING_KERNEL_POPCNT) rows_gather_popcnt(codes, words, query, ids, n, distances);
    else rows_gather_portable(codes, words, query, ids, n, distances);
}

static void blocked_all_portable(const uint64_t *blocked, size_t count, size_t words, const uint64_t *query, uint32_t *out) {
    for (size_t i = 0; i < count; i++) {
        const uint64_t *c = blocked_code(blocked, words, i);
        uint32_t d = 0;
        for (size_t w = 0; w < words; w++) d += popcount_portable(query[w] ^ c[w * BLOCK]);
        out[i] = d;
    }
}

TARGET_POPCNT static void blocked_all_popcnt(const uint64_t *blocked, size_t count, size_t words, const uint64_t *query, uint32_t *out) {
    for (size_t i = 0; i < count; i++) {
        const uint64_t *c = blocked_code(blocked, words, i);
        uint32_t d = 0;
        for (size_t w = 0; w < words; w++) d += popcount_hw(query[w] ^ c[w * BLOCK]);
        out[i] = d;
    }
}

#if HAMMING_X86
TARGET_AVX512 static void blocked_all_avx512(const uint64_t *blocked, size_t count, size_t words, const uint64_t *query, uint32_t *out) {
    size_t full = count / BLOCK;
    for (size_t b = 0; b < full; b++) {
        const uint64_t *p = blocked + b * BLOCK * words;
        __m512i acc = _mm512_setzero_si512();
        for (size_t w = 0; w < words; w++)
            acc = _mm512_add_epi64(acc, _mm512_popcnt_epi64(_mm512_xor_si512(_mm512_loadu_si512((const void *)(p + w * BLOCK)),
                                                                             _mm512_set1_epi64((long long)query[w]))));
        _mm256_storeu_si256((__m256i *)(out + b * BLOCK), _mm512_cvtepi64_epi32(acc));
    }
    for (size_t i = full * BLOCK; i < count; i++) {
        const uint64_t *c = blocked_code(blocked, words, i);
        uint32_t d = 0;
        for (size_t w = 0; w < words; w++) d += popcount_hw(query[w] ^ c[w * BLOCK]);
        out[i] = d;
    }
}
#endif

void hamming_distances_blocked(int kernel, const uint64_t *blocked, size_t count, size_t words, const uint64_t *query, uint32_t *distances) {
    switch (resolve(kernel)) {
#if HAMMING_X86
    case HAMMING_KERNEL_AVX512: blocked_all_avx512(blocked, count, words, query, distances); return;
#endif
    case HAMMING_KERNEL_AVX2:
    case HAMMING_KERNEL_POPCNT: blocked_all_popcnt(blocked, count, words, query, distances); return;
    default: blocked_all_portable(blocked, count, words, query, distances); return;
    }
}

// MARK: - Fused scan + select

// Most candidates one slow-path call appends (4 blocks of 8 lanes); the buffer always has this much room.
#define ROOM 32

typedef struct {
    uint32_t threshold;  // a code enters only when its distance < threshold
    size_t k;            // 0 = radius search
    hamming_hits *hits;
    // k-NN only: how many buffered codes have each distance below the threshold, and their sum.
    // Once `below - counts[threshold - 1] >= k`, codes at threshold - 1 can no longer enter the top k.
    uint32_t *counts;
    size_t below;
    int failed;
} scan_state;

typedef struct {
    size_t count;         // real codes (the last block may hold padding)
    size_t words;
    uint32_t max_distance;
    uint32_t *histogram;  // max_distance + 1 counters
} scan_context;

static int hits_reserve(hamming_hits *h, size_t capacity) {
    if (capacity <= h->capacity) return 0;
    uint32_t *ids = (uint32_t *)realloc(h->ids, capacity * sizeof(uint32_t));
    if (!ids) return -1;
    h->ids = ids;
    uint32_t *distances = (uint32_t *)realloc(h->distances, capacity * sizeof(uint32_t));
    if (!distances) return -1;
    h->distances = distances;
    h->capacity = capacity;
    return 0;
}

// Cuts the buffer (in database order) to the k best by (distance, index) and lowers the threshold to
// the k-th distance: later codes at that distance have larger indices, so they can never enter.
static void compact(scan_state *s, const scan_context *c) {
    hamming_hits *h = s->hits;
    uint32_t *hist = c->histogram;
    memset(hist, 0, ((size_t)c->max_distance + 1) * sizeof(uint32_t));
    for (size_t i = 0; i < h->count; i++) hist[h->distances[i]]++;
    size_t below = 0;
    uint32_t t = 0;
    for (; t < c->max_distance; t++) {
        if (below + hist[t] >= s->k) break;
        below += hist[t];
    }
    size_t keep_at_t = s->k - below, n = 0;
    for (size_t i = 0; i < h->count; i++) {
        uint32_t d = h->distances[i];
        if (d < t || (d == t && keep_at_t > 0)) {
            if (d == t) keep_at_t--;
            h->distances[n] = d;
            h->ids[n] = h->ids[i];
            n++;
        }
    }
    h->count = n;
    s->threshold = t;
    memset(s->counts, 0, ((size_t)c->max_distance + 1) * sizeof(uint32_t));
    s->below = 0;
    for (size_t i = 0; i < n; i++)
        if (h->distances[i] < t) {
            s->counts[h->distances[i]]++;
            s->below++;
        }
}

static void ensure_room(scan_state *s, const scan_context *c) {
    hamming_hits *h = s->hits;
    if (h->count + ROOM <= h->capacity) return;
    if (s->k && h->count >= 2 * s->k) {
        compact(s, c);
        if (h->count + ROOM <= h->capacity) return;
    }
    size_t capacity = h->capacity ? 2 * h->capacity : 64 + ROOM;
    if (hits_reserve(h, capacity) != 0) {
        s->failed = 1;
        s->threshold = 0;  // accept nothing more
        h->count = 0;
    }
}

// The slow path: lanes of `mask` (bit j = code base + j) whose distance passed the threshold test.
// Distances come as 64-bit lanes, as the SIMD kernels produce them (storing a full zmm is cheap; the
// narrowing store vpmovqd to memory is slow on some CPUs).
__attribute__((noinline)) static void push_hits(scan_state *s, const scan_context *c, const uint64_t *d, uint32_t mask, size_t base) {
    hamming_hits *h = s->hits;
    while (mask) {
        unsigned j = (unsigned)__builtin_ctz(mask);
        mask &= mask - 1;
        size_t id = base + j;
        if (id >= c->count || d[j] >= s->threshold) continue;
        h->ids[h->count] = (uint32_t)id;
        h->distances[h->count] = (uint32_t)d[j];
        h->count++;
        if (s->k) {
            s->counts[d[j]]++;
            s->below++;
            while (s->below - s->counts[s->threshold - 1] >= s->k) {
                s->below -= s->counts[s->threshold - 1];
                s->counts[s->threshold - 1] = 0;
                s->threshold--;
            }
        }
    }
    ensure_room(s, c);
}

typedef void (*scan_function)(const uint64_t *blocks, size_t block_count, size_t base, const uint64_t *query, scan_state *s,
                              const scan_context *c);

// Portable and POPCNT kernels: one block of 8 codes at a time, a branch only when some code passed.
#define DEFINE_SCALAR_SCAN(NAME, ATTRIBUTES, POPCOUNT)                                                                               \
    ATTRIBUTES static ALWAYS_INLINE void NAME##_body(const uint64_t *blocks, size_t block_count, size_t base, const uint64_t *q,       \
                                                     scan_state *s, const scan_context *c, size_t W) {                                \
        uint32_t threshold = s->threshold;                                                                                            \
        for (size_t b = 0; b < block_count; b++) {                                                                                    \
            const uint64_t *p = blocks + b * BLOCK * W;                                                                               \
            uint64_t d[BLOCK];                                                                                                        \
            uint32_t mask = 0;                                                                                                        \
            for (unsigned j = 0; j < BLOCK; j++) {                                                                                    \
                uint32_t x = 0;                                                                                                       \
                for (size_t w = 0; w < W; w++) x += POPCOUNT(q[w] ^ p[w * BLOCK + j]);                                                \
                d[j] = x;                                                                                                             \
                mask |= (uint32_t)(x < threshold) << j;                                                                               \
            }                                                                                                                         \
            if (__builtin_expect(mask != 0, 0)) {                                                                                     \
                push_hits(s, c, d, mask, base + b * BLOCK);                                                                           \
                threshold = s->threshold;                                                                                             \
            }                                                                                                                         \
        }                                                                                                                             \
    }                                                                                                                                 \
    ATTRIBUTES static void NAME##_w1(const uint64_t *b, size_t n, size_t base, const uint64_t *q, scan_state *s, const scan_context *c) { \
        NAME##_body(b, n, base, q, s, c, 1);                                                                                          \
    }                                                                                                                                 \
    ATTRIBUTES static void NAME##_w4(const uint64_t *b, size_t n, size_t base, const uint64_t *q, scan_state *s, const scan_context *c) { \
        NAME##_body(b, n, base, q, s, c, 4);                                                                                          \
    }                                                                                                                                 \
    ATTRIBUTES static void NAME##_wn(const uint64_t *b, size_t n, size_t base, const uint64_t *q, scan_state *s, const scan_context *c) { \
        NAME##_body(b, n, base, q, s, c, c->words);                                                                                   \
    }

DEFINE_SCALAR_SCAN(scan_portable, , popcount_portable)
DEFINE_SCALAR_SCAN(scan_popcnt, TARGET_POPCNT, popcount_hw)

#if HAMMING_X86
// AVX2: the nibble look-up table (Muła's vpshufb popcount). Word w of 4 codes fills one ymm; per-byte
// counts of up to 31 words are summed in bytes (≤ 248), then vpsadbw adds the 8 bytes of each 64-bit
// lane, which is one code's distance. Blocked layout means no horizontal sums across codes.
TARGET_AVX2 static ALWAYS_INLINE __m256i avx2_byte_counts(__m256i x, __m256i table, __m256i low) {
    __m256i lo = _mm256_and_si256(x, low);
    __m256i hi = _mm256_and_si256(_mm256_srli_epi16(x, 4), low);
    return _mm256_add_epi8(_mm256_shuffle_epi8(table, lo), _mm256_shuffle_epi8(table, hi));
}

TARGET_AVX2 static ALWAYS_INLINE void scan_avx2_body(const uint64_t *blocks, size_t block_count, size_t base, const uint64_t *q,
                                                     scan_state *s, const scan_context *c, size_t W) {
    const __m256i table = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
    const __m256i low = _mm256_set1_epi8(0x0f);
    const __m256i zero = _mm256_setzero_si256();
    __m256i threshold = _mm256_set1_epi64x((long long)s->threshold);
    for (size_t b = 0; b < block_count; b++) {
        const uint64_t *p = blocks + b * BLOCK * W;
        __m256i sum0 = zero, sum1 = zero;
        for (size_t w0 = 0; w0 < W; w0 += 31) {
            size_t end = W - w0 < 31 ? W : w0 + 31;
            __m256i bytes0 = zero, bytes1 = zero;
            for (size_t w = w0; w < end; w++) {
                __m256i qv = _mm256_set1_epi64x((long long)q[w]);
                __m256i x0 = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(p + w * BLOCK)), qv);
                __m256i x1 = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(p + w * BLOCK + 4)), qv);
                bytes0 = _mm256_add_epi8(bytes0, avx2_byte_counts(x0, table, low));
                bytes1 = _mm256_add_epi8(bytes1, avx2_byte_counts(x1, table, low));
            }
            sum0 = _mm256_add_epi64(sum0, _mm256_sad_epu8(bytes0, zero));
            sum1 = _mm256_add_epi64(sum1, _mm256_sad_epu8(bytes1, zero));
        }
        uint32_t mask = (uint32_t)_mm256_movemask_pd(_mm256_castsi256_pd(_mm256_cmpgt_epi64(threshold, sum0))) |
                        (uint32_t)_mm256_movemask_pd(_mm256_castsi256_pd(_mm256_cmpgt_epi64(threshold, sum1))) << 4;
        if (__builtin_expect(mask != 0, 0)) {
            uint64_t d[BLOCK];
            _mm256_storeu_si256((__m256i *)d, sum0);
            _mm256_storeu_si256((__m256i *)(d + 4), sum1);
            push_hits(s, c, d, mask, base + b * BLOCK);
            threshold = _mm256_set1_epi64x((long long)s->threshold);
        }
    }
}

TARGET_AVX2 static void scan_avx2_w1(const uint64_t *b, size_t n, size_t base, const uint64_t *q, scan_state *s, const scan_context *c) {
    scan_avx2_body(b, n, base, q, s, c, 1);
}
TARGET_AVX2 static void scan_avx2_w4(const uint64_t *b, size_t n, size_t base, const uint64_t *q, scan_state *s, const scan_context *c) {
    scan_avx2_body(b, n, base, q, s, c, 4);
}
TARGET_AVX2 static void scan_avx2_wn(const uint64_t *b, size_t n, size_t base, const uint64_t *q, scan_state *s, const scan_context *c) {
    scan_avx2_body(b, n, base, q, s, c, c->words);
}

// AVX-512 VPOPCNTDQ: word w of a block's 8 codes is one zmm; xor with the broadcast query word,
// vpopcntq, add across words, one unsigned compare against the threshold gives an 8-bit mask.
// UNROLL blocks share one test-and-branch.
TARGET_AVX512 static ALWAYS_INLINE __m512i avx512_block_distances(const uint64_t *p, const uint64_t *q, size_t W) {
    __m512i acc = _mm512_popcnt_epi64(_mm512_xor_si512(_mm512_loadu_si512((const void *)p), _mm512_set1_epi64((long long)q[0])));
    for (size_t w = 1; w < W; w++)
        acc = _mm512_add_epi64(
            acc, _mm512_popcnt_epi64(_mm512_xor_si512(_mm512_loadu_si512((const void *)(p + w * BLOCK)), _mm512_set1_epi64((long long)q[w]))));
    return acc;
}

TARGET_AVX512 static ALWAYS_INLINE void scan_avx512_body(const uint64_t *blocks, size_t block_count, size_t base, const uint64_t *q,
                                                         scan_state *s, const scan_context *c, size_t W, size_t UNROLL) {
    __m512i threshold = _mm512_set1_epi64((long long)s->threshold);
    size_t b = 0;
    for (; b + UNROLL <= block_count; b += UNROLL) {
        const uint64_t *p = blocks + b * BLOCK * W;
        __m512i d[4];
        __mmask8 m[4];
        for (size_t u = 0; u < UNROLL; u++) {
            d[u] = avx512_block_distances(p + u * BLOCK * W, q, W);
            m[u] = _mm512_cmplt_epu64_mask(d[u], threshold);
        }
        // Combine the lane masks in mask registers (kunpck) and test once (kortest).
        __mmask32 mask;
        if (UNROLL == 4)
            mask = _mm512_kunpackw(_mm512_kunpackb(m[3], m[2]), _mm512_kunpackb(m[1], m[0]));
        else if (UNROLL == 2)
            mask = _mm512_kunpackb(m[1], m[0]);
        else
            mask = m[0];
        if (__builtin_expect(!_kortestz_mask32_u8(mask, mask), 0)) {
            uint64_t lanes[4 * BLOCK];
            for (size_t u = 0; u < UNROLL; u++) _mm512_storeu_si512((void *)(lanes + u * BLOCK), d[u]);
            push_hits(s, c, lanes, _cvtmask32_u32(mask), base + b * BLOCK);
            threshold = _mm512_set1_epi64((long long)s->threshold);
        }
    }
    for (; b < block_count; b++) {
        __m512i d = avx512_block_distances(blocks + b * BLOCK * W, q, W);
        __mmask8 mask = _mm512_cmplt_epu64_mask(d, threshold);
        if (__builtin_expect(mask != 0, 0)) {
            uint64_t lanes[BLOCK];
            _mm512_storeu_si512((void *)lanes, d);
            push_hits(s, c, lanes, mask, base + b * BLOCK);
            threshold = _mm512_set1_epi64((long long)s->threshold);
        }
    }
}

TARGET_AVX512 static void scan_avx512_w1(const uint64_t *b, size_t n, size_t base, const uint64_t *q, scan_state *s, const scan_context *c) {
    scan_avx512_body(b, n, base, q, s, c, 1, 4);
}
TARGET_AVX512 static void scan_avx512_w4(const uint64_t *b, size_t n, size_t base, const uint64_t *q, scan_state *s, const scan_context *c) {
    scan_avx512_body(b, n, base, q, s, c, 4, 2);
}
TARGET_AVX512 static void scan_avx512_wn(const uint64_t *b, size_t n, size_t base, const uint64_t *q, scan_state *s, const scan_context *c) {
    scan_avx512_body(b, n, base, q, s, c, c->words, 1);
}
#endif

#if HAMMING_X86
// MARK: AVX2, byte-sliced and register-blocked over queries (batches of at least SLICED_MIN_QUERIES)
//
// The nibble look-up above spends 8 vector instructions per 32 bytes of codes and query (xor, two
// nibble masks and a shift, two vpshufb, two adds), which keeps the three vector ports of an AVX2
// core busy (≈ 3 cycles per 256-bit code). The batched scan needs far fewer:
// - Byte slicing: each chunk of the database is copied into groups of 32 codes in which nibble l of
//   the 32 codes is one ymm (one byte a code, the nibbles split at copy time). Every lane of that
//   vector then meets the same query nibble, so the xor folds into the table:
//   vpshufb(T_l, nibbles) with T_l[n] = popcount(n ^ the query's nibble l).
// - Register blocking: a nibble vector, loaded once, serves SLICED_QUERIES (8) queries.
// - Paired tables: the queries go in pairs, and one table byte holds both queries' counts in two
//   4-bit fields, so one vpshufb serves two queries; three look-ups add in the fields (≤ 12) before
//   a mask and a shift split them into each query's byte counters (saturating at 255): 10
//   instructions for 2 queries and 3 nibbles, against 12 with a table a query.
// The counters are the distances of the 32 codes, one per byte, so the threshold test is a byte
// compare and one movemask. A code that passes is rare; its counter is its distance unless it
// saturated (255 only means "at least 255": then scalar POPCNT recomputes it from the blocked
// layout), and push_hits applies the exact test. Codes of a query are still visited in index order.
#define SLICE_CODES 32
#define SLICED_QUERIES 8
#define SLICED_MIN_QUERIES 8
#define SLICED_MAX_WORDS 4

// Byte-slices `block_count` blocks of the blocked layout (8 codes each) into groups of 32 codes,
// each byte already split into its two nibbles (the scan then spends no instruction on that): the
// low nibble of byte p (0 ..< 8 * words) of code j of group g is at sliced[((g * 8 * words + p) * 2)
// * 32 + j], the high nibble 32 bytes further. The missing codes of a last partial group are zero.
static void slice_chunk(const uint64_t *blocks, size_t block_count, size_t words, uint8_t *sliced) {
    size_t positions = 8 * words;
    size_t groups = (block_count + 3) / 4;
    size_t group_bytes = positions * 2 * SLICE_CODES;
    if (block_count % 4) memset(sliced + (groups - 1) * group_bytes, 0, group_bytes);
    for (size_t b = 0; b < block_count; b++) {
        uint8_t *group = sliced + (b / 4) * group_bytes + (b % 4) * BLOCK;
        for (size_t w = 0; w < words; w++) {
            const uint64_t *lane = blocks + (b * words + w) * BLOCK;
            for (unsigned j = 0; j < BLOCK; j++) {
                uint64_t x = lane[j];
                for (unsigned byte = 0; byte < 8; byte++) {
                    uint8_t value = (uint8_t)(x >> (8 * byte));
                    group[(w * 8 + byte) * 2 * SLICE_CODES + j] = value & 15;
                    group[((w * 8 + byte) * 2 + 1) * SLICE_CODES + j] = value >> 4;
                }
            }
        }
    }
}

// The look-up tables of a pair of queries (a, b; a query pairs with itself when it has no partner).
// Look-up l (0 ..< 16 * words) is nibble l of the codes (the low nibble of byte l / 2 when l is even,
// its high nibble when odd); its 16 bytes at tables[l * 16] hold, for each nibble value n,
// popcount(n ^ a's nibble l) in the low four bits and popcount(n ^ b's nibble l) in the high four.
static void pair_tables(const uint64_t *a, const uint64_t *b, size_t words, uint8_t *tables) {
    static const uint8_t nibble_count[16] = {0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4};
    for (size_t l = 0; l < 16 * words; l++) {
        unsigned shift = (unsigned)(4 * (l % 16));
        unsigned nibble_a = (unsigned)(a[l / 16] >> shift) & 15, nibble_b = (unsigned)(b[l / 16] >> shift) & 15;
        for (unsigned n = 0; n < 16; n++) tables[l * 16 + n] = (uint8_t)(nibble_count[n ^ nibble_a] | nibble_count[n ^ nibble_b] << 4);
    }
}

// The slow path of the sliced scan: the distances of the lanes of `mask` in group `g` of a chunk
// that starts at code `chunk_base` of the blocked layout `chunk`, then push_hits. A byte counter
// below 255 is the exact distance; a saturated one (255: "at least 255") is recomputed with scalar
// POPCNT.
TARGET_AVX2 __attribute__((noinline)) static void sliced_push(scan_state *s, const scan_context *c, const uint64_t *chunk, size_t chunk_base,
                                                                size_t g, const uint64_t *q, uint32_t mask, __m256i counters) {
    uint8_t bytes[SLICE_CODES];
    _mm256_storeu_si256((__m256i *)bytes, counters);
    uint64_t d[SLICE_CODES];
    size_t W = c->words;
    for (uint32_t m = mask; m; m &= m - 1) {
        unsigned j = (unsigned)__builtin_ctz(m);
        size_t local = g * SLICE_CODES + j;
        d[j] = bytes[j];
        if (bytes[j] < 255 || chunk_base + local >= c->count) continue;  // padding: push_hits skips it by index
        const uint64_t *code = chunk + (local / BLOCK) * W * BLOCK + local % BLOCK;
        uint32_t x = 0;
        for (size_t w = 0; w < W; w++) x += (uint32_t)__builtin_popcountll(q[w] ^ code[w * BLOCK]);
        d[j] = x;
    }
    push_hits(s, c, d, mask, chunk_base + g * SLICE_CODES);
}

// The byte every counter of a query is compared with: a code may pass when its counter <= limit =
// min(threshold - 1, 255). A threshold of 0 (the query accepts nothing more) also gives limit 0; the
// per-query test then rejects everything.
TARGET_AVX2 static ALWAYS_INLINE __m256i sliced_limit(uint32_t threshold) {
    return _mm256_set1_epi8((char)(threshold == 0 ? 0 : threshold - 1 > 255 ? 255 : threshold - 1));
}

// Lanes (bits) whose byte of `excess` (saturating counter - limit) is 0: the codes that may pass.
TARGET_AVX2 static ALWAYS_INLINE uint32_t sliced_passing(__m256i excess) {
    return (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(excess, _mm256_setzero_si256()));
}

// Adds `n` (1 ..< 4) look-ups, from look-up l on, of each pair of tables into the byte counters of
// its two queries. A pair shares each vpshufb: its table bytes carry both queries' counts in two
// 4-bit fields, and up to three look-ups (at most 3 * 4 = 12 a field) add without carrying from one
// field into the other before a mask and a shift split them.
TARGET_AVX2 static ALWAYS_INLINE void sliced_add_lookups(const uint8_t *group, size_t l, size_t n, const uint8_t *const *tables,
                                                        size_t pairs, __m256i *counters) {
    const __m256i low = _mm256_set1_epi8(0x0f);
    __m256i nibbles[3];
    for (size_t m = 0; m < n; m++) nibbles[m] = _mm256_load_si256((const __m256i *)(group + (l + m) * SLICE_CODES));
    for (size_t k = 0; k < pairs; k++) {
        __m256i both = _mm256_shuffle_epi8(_mm256_broadcastsi128_si256(_mm_load_si128((const __m128i *)(tables[k] + l * 16))), nibbles[0]);
        for (size_t m = 1; m < n; m++) {
            __m256i table = _mm256_broadcastsi128_si256(_mm_load_si128((const __m128i *)(tables[k] + (l + m) * 16)));
            both = _mm256_add_epi8(both, _mm256_shuffle_epi8(table, nibbles[m]));
        }
        counters[2 * k] = _mm256_adds_epu8(counters[2 * k], _mm256_and_si256(both, low));
        counters[2 * k + 1] = _mm256_adds_epu8(counters[2 * k + 1], _mm256_and_si256(_mm256_srli_epi16(both, 4), low));
    }
}

// Q queries (pairs of tables tables[i / 2], states[i]) against groups 0 ..< group_count of a
// sliced chunk; P byte positions, so 2 * P look-ups.
//
// After a group, one test covers all Q queries: saturating counter - limit is 0 exactly where a
// code may pass, so the byte minimum of those differences over the queries has a 0 lane only when
// some query has a candidate (2 instructions a query, the limits kept in vectors across groups and
// renewed only when a query's threshold moved). Then each query gets the exact test.
TARGET_AVX2 static ALWAYS_INLINE void sliced_scan_body(const uint8_t *sliced, size_t group_count, const uint64_t *chunk, size_t chunk_base,
                                                       const uint8_t *const *tables, const uint64_t *const *queries, scan_state *const *states,
                                                       const scan_context *c, size_t P, size_t Q) {
    const size_t pairs = (Q + 1) / 2, lookups = 2 * P;
    __m256i limits[SLICED_QUERIES];
    for (size_t i = 0; i < Q; i++) limits[i] = sliced_limit(states[i]->threshold);
    for (size_t g = 0; g < group_count; g++) {
        const uint8_t *group = sliced + g * lookups * SLICE_CODES;
        __m256i counters[SLICED_QUERIES];
        for (size_t i = 0; i < 2 * pairs; i++) counters[i] = _mm256_setzero_si256();
        size_t l = 0;
        for (; l + 3 <= lookups; l += 3) sliced_add_lookups(group, l, 3, tables, pairs, counters);
        if (l < lookups) sliced_add_lookups(group, l, lookups - l, tables, pairs, counters);
        __m256i least = _mm256_subs_epu8(counters[0], limits[0]);
        for (size_t i = 1; i < Q; i++) least = _mm256_min_epu8(least, _mm256_subs_epu8(counters[i], limits[i]));
        if (__builtin_expect(!sliced_passing(least), 1)) continue;
        for (size_t i = 0; i < Q; i++) {
            // A threshold of 0 shares limit 0 with a threshold of 1 but accepts nothing.
            uint32_t mask = states[i]->threshold ? sliced_passing(_mm256_subs_epu8(counters[i], limits[i])) : 0;
            if (mask != 0) {
                sliced_push(states[i], c, chunk, chunk_base, g, queries[i], mask, counters[i]);
                limits[i] = sliced_limit(states[i]->threshold);
            }
        }
    }
}

#define DEFINE_SLICED_SCAN(NAME, P, Q)                                                                                                   \
    TARGET_AVX2 static void NAME(const uint8_t *sliced, size_t group_count, const uint64_t *chunk, size_t chunk_base,                   \
                                 const uint8_t *const *tables, const uint64_t *const *queries, scan_state *const *states,                \
                                 const scan_context *c) {                                                                               \
        sliced_scan_body(sliced, group_count, chunk, chunk_base, tables, queries, states, c, (P) ? (P) : 8 * c->words, Q);            \
    }
DEFINE_SLICED_SCAN(sliced_scan_w1_q8, 8, SLICED_QUERIES)
DEFINE_SLICED_SCAN(sliced_scan_w1_q4, 8, 4)
DEFINE_SLICED_SCAN(sliced_scan_w1_q2, 8, 2)
DEFINE_SLICED_SCAN(sliced_scan_w1_q1, 8, 1)
DEFINE_SLICED_SCAN(sliced_scan_w4_q8, 32, SLICED_QUERIES)
DEFINE_SLICED_SCAN(sliced_scan_w4_q4, 32, 4)
DEFINE_SLICED_SCAN(sliced_scan_w4_q2, 32, 2)
DEFINE_SLICED_SCAN(sliced_scan_w4_q1, 32, 1)
DEFINE_SLICED_SCAN(sliced_scan_wn_q8, 0, SLICED_QUERIES)
DEFINE_SLICED_SCAN(sliced_scan_wn_q4, 0, 4)
DEFINE_SLICED_SCAN(sliced_scan_wn_q2, 0, 2)
DEFINE_SLICED_SCAN(sliced_scan_wn_q1, 0, 1)

typedef void (*sliced_function)(const uint8_t *, size_t, const uint64_t *, size_t, const uint8_t *const *, const uint64_t *const *,
                                scan_state *const *, const scan_context *);

// The sliced scan of every query over blocks 0 ..< block_count, chunk by chunk (each chunk sliced
// once for all queries). Returns -1 when memory ran out.
static int sliced_scan_all(const uint64_t *blocked, size_t block_count, size_t words, const uint64_t *queries, size_t query_count,
                           scan_state *states, const scan_context *c, size_t chunk_blocks) {
    size_t P = 8 * words;
    chunk_blocks = (chunk_blocks + 3) / 4 * 4;  // whole groups of 32 codes
    uint8_t *sliced = (uint8_t *)aligned_alloc(32, (chunk_blocks / 4) * P * 2 * SLICE_CODES);
    size_t pair_count = (query_count + 1) / 2;
    uint8_t *tables = (uint8_t *)aligned_alloc(32, pair_count * P * 32);
    if (!sliced || !tables) {
        free(sliced);
        free(tables);
        return -1;
    }
    for (size_t m = 0; m < pair_count; m++) {
        size_t b = 2 * m + 1 < query_count ? 2 * m + 1 : 2 * m;
        pair_tables(queries + 2 * m * words, queries + b * words, words, tables + m * P * 32);
    }
    sliced_function by_width[4][3] = {
        {sliced_scan_w1_q1, sliced_scan_w4_q1, sliced_scan_wn_q1}, {sliced_scan_w1_q2, sliced_scan_w4_q2, sliced_scan_wn_q2},
        {sliced_scan_w1_q4, sliced_scan_w4_q4, sliced_scan_wn_q4}, {sliced_scan_w1_q8, sliced_scan_w4_q8, sliced_scan_wn_q8}};
    size_t layout = words == 1 ? 0 : words == 4 ? 1 : 2;
    for (size_t b0 = 0; b0 < block_count; b0 += chunk_blocks) {
        size_t n = block_count - b0 < chunk_blocks ? block_count - b0 : chunk_blocks;
        const uint64_t *chunk = blocked + b0 * BLOCK * words;
        slice_chunk(chunk, n, words, sliced);
        size_t groups = (n + 3) / 4;
        // Blocks of 8 queries, then at most one of 4, one of 2 and one single query: every block
        // starts at an even query, so its queries' tables are whole pairs (a last odd query pairs
        // with itself).
        for (size_t q = 0; q < query_count;) {
            size_t left = query_count - q;
            size_t width = left >= SLICED_QUERIES ? SLICED_QUERIES : left >= 4 ? 4 : left >= 2 ? 2 : 1;
            sliced_function scan = by_width[__builtin_ctzl(width)][layout];  // widths 1, 2, 4, 8
            const uint8_t *t[SLICED_QUERIES / 2];
            const uint64_t *qs[SLICED_QUERIES];
            scan_state *st[SLICED_QUERIES];
            for (size_t i = 0; i < (width + 1) / 2; i++) t[i] = tables + (q / 2 + i) * P * 32;
            for (size_t i = 0; i < width; i++) {
                qs[i] = queries + (q + i) * words;
                st[i] = &states[q + i];
            }
            scan(sliced, groups, chunk, b0 * BLOCK, t, qs, st, c);
            q += width;
        }
    }
    free(sliced);
    free(tables);
    return 0;
}
#endif

static scan_function choose_scan(int kernel, size_t words) {
    switch (kernel) {
#if HAMMING_X86
    case HAMMING_KERNEL_AVX512: return words == 1 ? scan_avx512_w1 : words == 4 ? scan_avx512_w4 : scan_avx512_wn;
    case HAMMING_KERNEL_AVX2: return words == 1 ? scan_avx2_w1 : words == 4 ? scan_avx2_w4 : scan_avx2_wn;
#endif
    case HAMMING_KERNEL_POPCNT: return words == 1 ? scan_popcnt_w1 : words == 4 ? scan_popcnt_w4 : scan_popcnt_wn;
    default: return words == 1 ? scan_portable_w1 : words == 4 ? scan_portable_w4 : scan_portable_wn;
    }
}

// Sorts one query's hits by (distance, index): a stable counting sort by distance of a buffer that is
// already in index order.
static int finish(scan_state *s, const scan_context *c) {
    hamming_hits *h = s->hits;
    if (s->k && h->count > s->k) compact(s, c);
    size_t n = h->count;
    if (n == 0) return 0;
    uint32_t *ids = (uint32_t *)malloc(n * sizeof(uint32_t));
    uint32_t *distances = (uint32_t *)malloc(n * sizeof(uint32_t));
    if (!ids || !distances) {
        free(ids);
        free(distances);
        return -1;
    }
    uint32_t *hist = c->histogram;
    memset(hist, 0, ((size_t)c->max_distance + 1) * sizeof(uint32_t));
    for (size_t i = 0; i < n; i++) hist[h->distances[i]]++;
    uint32_t start = 0;
    for (uint32_t d = 0; d <= c->max_distance; d++) {
        uint32_t m = hist[d];
        hist[d] = start;
        start += m;
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t slot = hist[h->distances[i]]++;
        ids[slot] = h->ids[i];
        distances[slot] = h->distances[i];
    }
    free(h->ids);
    free(h->distances);
    h->ids = ids;
    h->distances = distances;
    h->capacity = n;
    return 0;
}

void hamming_hits_free(hamming_hits *results, size_t n) {
    for (size_t i = 0; i < n; i++) {
        free(results[i].ids);
        free(results[i].distances);
        results[i].ids = NULL;
        results[i].distances = NULL;
        results[i].count = results[i].capacity = 0;
    }
}

int hamming_scan_blocked(int kernel, const uint64_t *blocked, size_t count, size_t words, const uint64_t *queries, size_t query_count,
                         size_t k, uint32_t radius, size_t chunk_codes, hamming_hits *results) {
    if (query_count == 0) return 0;
    if (words == 0) return -1;
    kernel = resolve(kernel);
    scan_context c = {count, words, (uint32_t)(64 * words), NULL};
    c.histogram = (uint32_t *)malloc(((size_t)c.max_distance + 1) * sizeof(uint32_t));
    scan_state *states = (scan_state *)calloc(query_count, sizeof(scan_state));
    uint32_t *counts = k ? (uint32_t *)calloc(query_count * ((size_t)c.max_distance + 1), sizeof(uint32_t)) : NULL;
    int status = (c.histogram && states && (counts || !k)) ? 0 : -1;
    for (size_t q = 0; status == 0 && q < query_count; q++) {
        results[q].count = 0;
        states[q].k = k;
        states[q].hits = &results[q];
        states[q].counts = k ? counts + q * ((size_t)c.max_distance + 1) : NULL;
        states[q].threshold = (k || radius >= c.max_distance) ? c.max_distance + 1 : radius + 1;
        if (hits_reserve(&results[q], 64 + ROOM) != 0) status = -1;
    }
    if (status == 0 && count > 0) {
        scan_function scan = choose_scan(kernel, words);
        // Chunks of about 16 KiB of codes (half an L1 data cache), whole blocks. Every query scans a
        // chunk before the next one is read, so the database comes from memory once per call; a
        // query's codes are still visited in index order, which the tie-breaking relies on.
        size_t chunk_blocks = chunk_codes ? (chunk_codes + BLOCK - 1) / BLOCK : (16384 / (BLOCK * 8 * words));
        if (chunk_blocks == 0) chunk_blocks = 1;
        size_t block_count = (count + BLOCK - 1) / BLOCK;
#if HAMMING_X86
        if (kernel == HAMMING_KERNEL_AVX2 && words <= SLICED_MAX_WORDS && query_count >= SLICED_MIN_QUERIES) {
            if (sliced_scan_all(blocked, block_count, words, queries, query_count, states, &c, chunk_blocks) != 0) status = -1;
            block_count = 0;  // done
        }
#endif
        for (size_t b0 = 0; b0 < block_count; b0 += chunk_blocks) {
            size_t n = block_count - b0 < chunk_blocks ? block_count - b0 : chunk_blocks;
            const uint64_t *chunk = blocked + b0 * BLOCK * words;
            for (size_t q = 0; q < query_count; q++) scan(chunk, n, b0 * BLOCK, queries + q * words, &states[q], &c);
        }
    }
    for (size_t q = 0; status == 0 && q < query_count; q++) {
        if (states[q].failed || finish(&states[q], &c) != 0) status = -1;
    }
    if (status != 0) hamming_hits_free(results, query_count);
    free(states);
    free(counts);
    free(c.histogram);
    return status;
}

// MARK: - CRC-32C

static const uint32_t crc32c_table[256] = {
    0x00000000u, 0xf26b8303u, 0xe13b70f7u, 0x1350f3f4u, 0xc79a971fu, 0x35f1141cu, 0x26a1e7e8u, 0xd4ca64ebu,
    0x8ad958cfu, 0x78b2dbccu, 0x6be22838u, 0x9989ab3bu, 0x4d43cfd0u, 0xbf284cd3u, 0xac78bf27u, 0x5e133c24u,
    0x105ec76fu, 0xe235446cu, 0xf165b798u, 0x030e349bu, 0xd7c45070u, 0x25afd373u, 0x36ff2087u, 0xc494a384u,
    0x9a879fa0u, 0x68ec1ca3u, 0x7bbcef57u, 0x89d76c54u, 0x5d1d08bfu, 0xaf768bbcu, 0xbc267848u, 0x4e4dfb4bu,
    0x20bd8edeu, 0xd2d60dddu, 0xc186fe29u, 0x33ed7d2au, 0xe72719c1u, 0x154c9ac2u, 0x061c6936u, 0xf477ea35u,
    0xaa64d611u, 0x580f5512u, 0x4b5fa6e6u, 0xb93425e5u, 0x6dfe410eu, 0x9f95c20du, 0x8cc531f9u, 0x7eaeb2fau,
    0x30e349b1u, 0xc288cab2u, 0xd1d83946u, 0x23b3ba45u, 0xf779deaeu, 0x05125dadu, 0x1642ae59u, 0xe4292d5au,
    0xba3a117eu, 0x4851927du, 0x5b016189u, 0xa96ae28au, 0x7da08661u, 0x8fcb0562u, 0x9c9bf696u, 0x6ef07595u,
    0x417b1dbcu, 0xb3109ebfu, 0xa0406d4bu, 0x522bee48u, 0x86e18aa3u, 0x748a09a0u, 0x67dafa54u, 0x95b17957u,
    0xcba24573u, 0x39c9c670u, 0x2a993584u, 0xd8f2b687u, 0x0c38d26cu, 0xfe53516fu, 0xed03a29bu, 0x1f682198u,
    0x5125dad3u, 0xa34e59d0u, 0xb01eaa24u, 0x42752927u, 0x96bf4dccu, 0x64d4cecfu, 0x77843d3bu, 0x85efbe38u,
    0xdbfc821cu, 0x2997011fu, 0x3ac7f2ebu, 0xc8ac71e8u, 0x1c661503u, 0xee0d9600u, 0xfd5d65f4u, 0x0f36e6f7u,
    0x61c69362u, 0x93ad1061u, 0x80fde395u, 0x72966096u, 0xa65c047du, 0x5437877eu, 0x4767748au, 0xb50cf789u,
    0xeb1fcbadu, 0x197448aeu, 0x0a24bb5au, 0xf84f3859u, 0x2c855cb2u, 0xdeeedfb1u, 0xcdbe2c45u, 0x3fd5af46u,
    0x7198540du, 0x83f3d70eu, 0x90a324fau, 0x62c8a7f9u, 0xb602c312u, 0x44694011u, 0x5739b3e5u, 0xa55230e6u,
    0xfb410cc2u, 0x092a8fc1u, 0x1a7a7c35u, 0xe811ff36u, 0x3cdb9bddu, 0xceb018deu, 0xdde0eb2au, 0x2f8b6829u,
    0x82f63b78u, 0x709db87bu, 0x63cd4b8fu, 0x91a6c88cu, 0x456cac67u, 0xb7072f64u, 0xa457dc90u, 0x563c5f93u,
    0x082f63b7u, 0xfa44e0b4u, 0xe9141340u, 0x1b7f9043u, 0xcfb5f4a8u, 0x3dde77abu, 0x2e8e845fu, 0xdce5075cu,
    0x92a8fc17u, 0x60c37f14u, 0x73938ce0u, 0x81f80fe3u, 0x55326b08u, 0xa759e80bu, 0xb4091bffu, 0x466298fcu,
    0x1871a4d8u, 0xea1a27dbu, 0xf94ad42fu, 0x0b21572cu, 0xdfeb33c7u, 0x2d80b0c4u, 0x3ed04330u, 0xccbbc033u,
    0xa24bb5a6u, 0x502036a5u, 0x4370c551u, 0xb11b4652u, 0x65d122b9u, 0x97baa1bau, 0x84ea524eu, 0x7681d14du,
    0x2892ed69u, 0xdaf96e6au, 0xc9a99d9eu, 0x3bc21e9du, 0xef087a76u, 0x1d63f975u, 0x0e330a81u, 0xfc588982u,
    0xb21572c9u, 0x407ef1cau, 0x532e023eu, 0xa145813du, 0x758fe5d6u, 0x87e466d5u, 0x94b49521u, 0x66df1622u,
    0x38cc2a06u, 0xcaa7a905u, 0xd9f75af1u, 0x2b9cd9f2u, 0xff56bd19u, 0x0d3d3e1au, 0x1e6dcdeeu, 0xec064eedu,
    0xc38d26c4u, 0x31e6a5c7u, 0x22b65633u, 0xd0ddd530u, 0x0417b1dbu, 0xf67c32d8u, 0xe52cc12cu, 0x1747422fu,
    0x49547e0bu, 0xbb3ffd08u, 0xa86f0efcu, 0x5a048dffu, 0x8ecee914u, 0x7ca56a17u, 0x6ff599e3u, 0x9d9e1ae0u,
    0xd3d3e1abu, 0x21b862a8u, 0x32e8915cu, 0xc083125fu, 0x144976b4u, 0xe622f5b7u, 0xf5720643u, 0x07198540u,
    0x590ab964u, 0xab613a67u, 0xb831c993u, 0x4a5a4a90u, 0x9e902e7bu, 0x6cfbad78u, 0x7fab5e8cu, 0x8dc0dd8fu,
    0xe330a81au, 0x115b2b19u, 0x020bd8edu, 0xf0605beeu, 0x24aa3f05u, 0xd6c1bc06u, 0xc5914ff2u, 0x37faccf1u,
    0x69e9f0d5u, 0x9b8273d6u, 0x88d28022u, 0x7ab90321u, 0xae7367cau, 0x5c18e4c9u, 0x4f48173du, 0xbd23943eu,
    0xf36e6f75u, 0x0105ec76u, 0x12551f82u, 0xe03e9c81u, 0x34f4f86au, 0xc69f7b69u, 0xd5cf889du, 0x27a40b9eu,
    0x79b737bau, 0x8bdcb4b9u, 0x988c474du, 0x6ae7c44eu, 0xbe2da0a5u, 0x4c4623a6u, 0x5f16d052u, 0xad7d5351u,
};

static uint32_t crc32c_portable(uint32_t crc, const uint8_t *p, size_t n) {
    uint32_t c = ~crc;
    for (size_t i = 0; i < n; i++) c = crc32c_table[(c ^ p[i]) & 0xff] ^ (c >> 8);
    return ~c;
}

#if HAMMING_X86
__attribute__((target("sse4.2"))) static uint32_t crc32c_sse42(uint32_t crc, const uint8_t *p, size_t n) {
    uint64_t c = (uint32_t)~crc;
    for (; n >= 8; n -= 8, p += 8) {
        uint64_t v;
        memcpy(&v, p, 8);
        c = _mm_crc32_u64(c, v);
    }
    uint32_t c32 = (uint32_t)c;
    for (; n > 0; n--, p++) c32 = _mm_crc32_u8(c32, *p);
    return ~c32;
}
#endif

uint32_t hamming_crc32c(uint32_t crc, const void *data, size_t length) {
#if HAMMING_X86
    static int hardware = -1;
    int h = __atomic_load_n(&hardware, __ATOMIC_RELAXED);
    if (h < 0) {
        __builtin_cpu_init();
        h = __builtin_cpu_supports("sse4.2") ? 1 : 0;
        __atomic_store_n(&hardware, h, __ATOMIC_RELAXED);
    }
    if (h) return crc32c_sse42(crc, (const uint8_t *)data, length);
#endif
    return crc32c_portable(crc, (const uint8_t *)data, length);
}

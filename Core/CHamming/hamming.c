// Hamming distance kernels over packed codes, runtime-dispatched: baseline x86-64 has no
// POPCNT, so the fast path is compiled for it separately and chosen with __builtin_cpu_supports.
#include "CHamming.h"

static inline uint32_t popcount_portable(uint64_t x) {
    x = x - ((x >> 1) & 0x5555555555555555ULL);
    x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
    x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0FULL;
    return (uint32_t)((x * 0x0101010101010101ULL) >> 56);
}

static void distances_portable(const uint64_t *query, const uint64_t *codes, size_t count, size_t words, uint32_t *distances) {
    for (size_t i = 0; i < count; i++) {
        const uint64_t *code = codes + i * words;
        uint32_t d = 0;
        for (size_t w = 0; w < words; w++) d += popcount_portable(query[w] ^ code[w]);
        distances[i] = d;
    }
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
__attribute__((target("popcnt")))
static void distances_popcnt(const uint64_t *query, const uint64_t *codes, size_t count, size_t words, uint32_t *distances) {
    if (words == 1) {
        const uint64_t q = query[0];
        for (size_t i = 0; i < count; i++) distances[i] = (uint32_t)__builtin_popcountll(q ^ codes[i]);
        return;
    }
    for (size_t i = 0; i < count; i++) {
        const uint64_t *code = codes + i * words;
        uint32_t d = 0;
        for (size_t w = 0; w < words; w++) d += (uint32_t)__builtin_popcountll(query[w] ^ code[w]);
        distances[i] = d;
    }
}

static int has_popcnt(void) {
    static int cached = -1;
    if (cached < 0) {
        __builtin_cpu_init();
        cached = __builtin_cpu_supports("popcnt") ? 1 : 0;
    }
    return cached;
}

int hamming_uses_hardware_popcount(void) { return has_popcnt(); }

void hamming_distances(const uint64_t *query, const uint64_t *codes, size_t count, size_t words, uint32_t *distances) {
    if (has_popcnt()) distances_popcnt(query, codes, count, words, distances);
    else distances_portable(query, codes, count, words, distances);
}
#else
int hamming_uses_hardware_popcount(void) { return 0; }

void hamming_distances(const uint64_t *query, const uint64_t *codes, size_t count, size_t words, uint32_t *distances) {
#if defined(__GNUC__) || defined(__clang__)
    for (size_t i = 0; i < count; i++) {
        const uint64_t *code = codes + i * words;
        uint32_t d = 0;
        for (size_t w = 0; w < words; w++) d += (uint32_t)__builtin_popcountll(query[w] ^ code[w]);
        distances[i] = d;
    }
#else
    distances_portable(query, codes, count, words, distances);
#endif
}
#endif

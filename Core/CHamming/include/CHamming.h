#ifndef HASHING_CHAMMING_H
#define HASHING_CHAMMING_H
// Hamming-distance kernels over packed binary codes, dispatched at run time.
//
// Baseline x86-64 has no POPCNT, so every fast path is compiled for its own instruction set with
// __attribute__((target(...))) and chosen once with __builtin_cpu_supports (as numpy and FAISS do):
//
//   HAMMING_KERNEL_AVX512   AVX-512F + AVX-512 VPOPCNTDQ: vpopcntq on 8 codes per zmm
//   HAMMING_KERNEL_AVX2     AVX2: nibble look-up table with vpshufb, bytes summed with vpsadbw; in
//                           hamming_scan_blocked with >= 8 queries of <= 4 words, a byte-sliced scan
//                           whose tables fold in the query, shared by blocks of 8 queries
//   HAMMING_KERNEL_POPCNT   scalar POPCNT instruction
//   HAMMING_KERNEL_PORTABLE SWAR bit counting, any CPU
//
// Two layouts of a set of `count` codes of `words` 64-bit words each (bit j of a code is bit j % 64
// of word j / 64; unused high bits of the last word are zero):
//   row-major: code i, word w at codes[i * words + w];
//   blocked:   codes grouped in blocks of HAMMING_BLOCK_CODES; code i, word w at
//              blocked[((i / 8) * words + w) * 8 + i % 8]; the last block is padded with zero codes.
// The blocked layout puts word w of eight codes in one 512-bit vector, so the SIMD kernels need no
// horizontal sums.
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Codes per block of the blocked layout.
#define HAMMING_BLOCK_CODES 8

/// Kernel choices. `HAMMING_KERNEL_AUTO` picks the best one the running CPU supports.
enum {
    HAMMING_KERNEL_AUTO = 0,
    HAMMING_KERNEL_PORTABLE = 1,
    HAMMING_KERNEL_POPCNT = 2,
    HAMMING_KERNEL_AVX2 = 3,
    HAMMING_KERNEL_AVX512 = 4,
};

/// 1 when `kernel` can run on this CPU (AUTO and PORTABLE always can), else 0.
int hamming_kernel_is_supported(int kernel);

/// The kernel AUTO resolves to on this CPU.
int hamming_best_kernel(void);

/// A short name for `kernel`: "auto", "portable", "popcnt", "avx2", "avx512-vpopcntdq"; "unknown" otherwise.
const char *hamming_kernel_name(int kernel);

/// 1 when the running CPU's POPCNT (or a wider) path is in use, 0 for the portable fallback.
int hamming_uses_hardware_popcount(void);

/// Hamming distances from one row-major code to `count` row-major codes:
/// distances[i] = popcount(query XOR codes[i]). Best kernel for this CPU.
void hamming_distances(const uint64_t *query, const uint64_t *codes, size_t count, size_t words, uint32_t *distances);

/// `hamming_distances` with an explicit kernel (an unsupported one falls back to AUTO).
void hamming_distances_with_kernel(int kernel, const uint64_t *query, const uint64_t *codes, size_t count, size_t words,
                                   uint32_t *distances);

/// Number of 64-bit words the blocked layout of `count` codes of `words` words needs.
size_t hamming_blocked_word_count(size_t count, size_t words);

/// Copies `count` row-major codes into the blocked layout (`hamming_blocked_word_count` words; padding zeroed).
void hamming_pack_blocked(const uint64_t *rows, size_t count, size_t words, uint64_t *blocked);

/// Copies codes `first ..< first + count` of a blocked layout back to row-major order.
void hamming_unpack_blocked(const uint64_t *blocked, size_t first, size_t count, size_t words, uint64_t *rows);

/// Distances from `query` (row-major, `words` words) to the blocked codes whose indices are `ids[0 ..< n]`.
void hamming_distances_blocked_gather(int kernel, const uint64_t *blocked, size_t words, const uint64_t *query,
                                      const uint32_t *ids, size_t n, uint32_t *distances);

/// Distances from `query` to the row-major codes whose indices are `ids[0 ..< n]`.
void hamming_distances_rows_gather(int kernel, const uint64_t *codes, size_t words, const uint64_t *query, const uint32_t *ids, size_t n,
                                   uint32_t *distances);

/// Distances from `query` to blocked codes `0 ..< count`.
void hamming_distances_blocked(int kernel, const uint64_t *blocked, size_t count, size_t words, const uint64_t *query,
                               uint32_t *distances);

/// The results of one query: `count` (distance, database index) pairs sorted by distance, then index.
/// Arrays are allocated by the scan with malloc; release them with `hamming_hits_free`.
typedef struct hamming_hits {
    uint32_t *ids;
    uint32_t *distances;
    size_t count;
    size_t capacity;
} hamming_hits;

/// Exact search of `query_count` row-major queries over `count` blocked codes, in one pass that keeps
/// the candidates of every query in a buffer (the fused scan + select):
/// - k > 0: the min(k, count) nearest codes; ties at equal distance go to the smaller database index.
///   A code enters only if its distance is below the running threshold; when the buffer is full it is
///   cut back to the k best by a counting pass over distances (they are 0 ... 64 * words), which sets
///   the threshold to the k-th distance. Later codes at that distance have larger indices and lose.
/// - k == 0: every code within `radius` (inclusive).
/// The database is scanned in chunks of `chunk_codes` codes (0 = about 16 KiB of codes), each chunk
/// against all queries, so it is read from memory once per call. Results are deterministic.
/// Fills `results[0 ..< query_count]` (which must be zeroed). Returns 0, or -1 when memory ran out
/// (results then hold nothing that needs freeing).
int hamming_scan_blocked(int kernel, const uint64_t *blocked, size_t count, size_t words, const uint64_t *queries,
                         size_t query_count, size_t k, uint32_t radius, size_t chunk_codes, hamming_hits *results);

/// Frees the arrays of `results[0 ..< n]` and zeroes them.
void hamming_hits_free(hamming_hits *results, size_t n);

/// Asks the CPU to start loading the cache line at `address` (a hint; never faults).
static inline void hamming_prefetch(const void *address) { __builtin_prefetch(address, 0, 3); }

/// CRC-32C (Castagnoli, the iSCSI polynomial 0x1EDC6F41, reflected), continuing from `crc`
/// (start with 0). Uses the SSE 4.2 crc32 instruction when present, else a table.
uint32_t hamming_crc32c(uint32_t crc, const void *data, size_t length);

#ifdef __cplusplus
}
#endif
#endif

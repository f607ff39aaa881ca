#ifndef HASHING_CHAMMING_H
#define HASHING_CHAMMING_H
#include <stdint.h>
#include <stddef.h>

/// Hamming distances from one packed code to `count` packed codes of `words` 64-bit words each,
/// stored contiguously: distances[i] = popcount(query XOR codes[i]).
/// Uses the POPCNT instruction when the CPU has it (checked once at run time).
void hamming_distances(const uint64_t *query, const uint64_t *codes, size_t count, size_t words, uint32_t *distances);

/// 1 when the running CPU's POPCNT path is in use, 0 for the portable fallback.
int hamming_uses_hardware_popcount(void);

#endif

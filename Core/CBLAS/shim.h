#ifndef HASHING_CBLAS_SHIM_H
#define HASHING_CBLAS_SHIM_H
// OpenBLAS: Debian's libopenblas-dev installs cblas.h in an openblas-specific include
// directory that pkg-config ("openblas") adds to the search path.
#include <cblas.h>
#include <dlfcn.h>
#include <stdlib.h>
#include <strings.h>

// The kernels of a DYNAMIC_ARCH OpenBLAS (Debian's) are chosen at load time from the CPU's
// family and model. A CPU newer than the library (OpenBLAS 0.3.21 does not know Intel's model
// 207, for one) falls back to the SSE3 "Prescott" kernels, which run LeNet's GEMMs 2-3 times
// slower than the AVX2 or AVX-512 ones the CPU has. When that happened and the user did not
// choose a core (OPENBLAS_CORETYPE), this picks the core from the CPU's features and asks OpenBLAS
// to initialise again, before any BLAS call. Returns the core in use afterwards.
static inline const char *hashing_openblas_select_core(void) {
    const char *current = openblas_get_corename();
    if (getenv("OPENBLAS_CORETYPE") != NULL) return current;
    if (current == NULL || strcasecmp(current, "prescott") != 0) return current;
    const char *better = NULL;
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl")
        && __builtin_cpu_supports("avx512dq")) {
        better = "SkylakeX";
    } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        better = "Haswell";
    }
    if (better == NULL) return current;
    // Present in DYNAMIC_ARCH builds only; a library built for one core has nothing to choose.
    void (*quit)(void) = (void (*)(void))dlsym(RTLD_DEFAULT, "gotoblas_dynamic_quit");
    void (*init)(void) = (void (*)(void))dlsym(RTLD_DEFAULT, "gotoblas_dynamic_init");
    if (quit == NULL || init == NULL) return current;
    setenv("OPENBLAS_CORETYPE", better, 1);
    quit();
    init();
    unsetenv("OPENBLAS_CORETYPE");
    return openblas_get_corename();
}
#endif

#ifndef HASHING_CBLAS_SHIM_H
#define HASHING_CBLAS_SHIM_H
// OpenBLAS: Debian's libopenblas-dev installs cblas.h in an openblas-specific include
// directory that pkg-config ("openblas") adds to the search path.
#include <cblas.h>
#endif

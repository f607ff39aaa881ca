#ifndef HASHING_CZLIB_SHIM_H
#define HASHING_CZLIB_SHIM_H
#include <zlib.h>
#endif

#ifndef HASHING_CJPEG_SHIM_H
#define HASHING_CJPEG_SHIM_H
#include <stdio.h>
#include <jpeglib.h>
#endif

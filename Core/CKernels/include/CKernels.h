#ifndef HASHING_CKERNELS_H
#define HASHING_CKERNELS_H
// Memory-bound loops of the tensor engine, compiled with AVX2 where the CPU has it (baseline
// x86-64 code, which Swift emits, moves at most 16 bytes per instruction) and chosen at run time.
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// im2col for stride 1 and no padding: for each channel c < channels, kernel row i < kernel_height
/// and column j < kernel_width, row r = (c * kernel_height + i) * kernel_width + j of `columns`
/// (rows of `row_length` floats) gets, from `column_offset` on, the out_h × out_w window
/// image[c][y + i][x + j] (out_h = height - kernel_height + 1, out_w = width - kernel_width + 1).
void hashing_im2col_s1p0(const float *image, float *columns, size_t channels, size_t height, size_t width, size_t kernel_height,
                         size_t kernel_width, size_t row_length, size_t column_offset);

/// The adjoint of hashing_im2col_s1p0: adds each column entry back into its image pixel.
void hashing_col2im_s1p0(const float *columns, float *image, size_t channels, size_t height, size_t width, size_t kernel_height,
                         size_t kernel_width, size_t row_length, size_t column_offset);

#ifdef __cplusplus
}
#endif
#endif

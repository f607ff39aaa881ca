#ifndef HASHING_CKERNELS_H
#define HASHING_CKERNELS_H
// Memory-bound loops of the tensor engine, compiled with AVX2 where the CPU has it (baseline
// x86-64 code, which Swift emits, moves at most 16 bytes per instruction) and chosen at run time.
#include <stddef.h>
#include <stdint.h>

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

/// im2col for any stride ≥ 1 and padding ≥ 0: row r = (c * kernel_height + i) * kernel_width + j
/// of `columns` gets, from `column_offset` on, the out_h × out_w window
/// image[c][y * stride - padding + i][x * stride - padding + j], zero outside the image
/// (out_h = (height + 2 * padding - kernel_height) / stride + 1, out_w likewise).
void hashing_im2col(const float *image, float *columns, size_t channels, size_t height, size_t width, size_t kernel_height,
                    size_t kernel_width, size_t stride, size_t padding, size_t row_length, size_t column_offset);

/// The adjoint of hashing_im2col: adds each column entry back into its image pixel, looping over
/// c, i, j, y, x in that order (so every pixel's sum is taken in the same order as a plain loop).
void hashing_col2im(const float *columns, float *image, size_t channels, size_t height, size_t width, size_t kernel_height,
                    size_t kernel_width, size_t stride, size_t padding, size_t row_length, size_t column_offset);

/// 2×2 max pooling with stride 2 and no padding over `planes` planes of height × width floats
/// into planes of (height / 2) × (width / 2): each output is its window's maximum, selected as
/// v = top-left, then v = x > v ? x : v for top-right, bottom-left and bottom-right (so a NaN in
/// the top-left wins, a later NaN never does). When `winners` is not NULL it receives, for each
/// output, the index within its input plane of the selected entry.
void hashing_maxpool2x2(const float *input, float *output, int32_t *winners, size_t planes, size_t height, size_t width);

/// hashing_maxpool2x2 without winners over planes to which `*bias` is added first (no addition when
/// `bias` is NULL): each output is the maximum of its window's entries plus the bias, selected in
/// the same order. Input planes are contiguous; output plane p starts at output + p · output_stride.
/// Inference's pooling: hashing_maxpool2x2 without winners calls it, and a convolution's product
/// is pooled by it before it is ever written as output.
void hashing_maxpool2x2_biased(const float *input, const float *bias, float *output, size_t planes, size_t output_stride,
                               size_t height, size_t width);

/// The gradient of hashing_maxpool2x2 with respect to its input: every entry of `dx` (planes of
/// height × width) is written, the winner of each window with its output's gradient, every other
/// entry with 0.
void hashing_maxpool2x2_backward(const float *gradient, const int32_t *winners, float *dx, size_t planes, size_t height,
                                 size_t width);

/// A chunk of a parallel job: called once for each chunk index in [0, chunks).
typedef void (*hashing_chunk_function)(void *context, long chunk);

/// Runs function(context, i) for every i in [0, chunks) on the calling thread and up to
/// threads - 1 pool workers (started on first use; they spin for HASHING_POOL_SPIN_US
/// microseconds, default 200, after a job before they sleep). Returns 0 once every chunk has
/// finished, or 1 without running anything when the pool is busy with another caller's job,
/// threads < 2, chunks exceeds 2^20 - 1, or no worker thread could be started.
int hashing_pool_run(long chunks, int threads, hashing_chunk_function function, void *context);

#ifdef __cplusplus
}
#endif
#endif

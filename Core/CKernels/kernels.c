// See include/CKernels.h. Each loop is written once as an always-inline body and instantiated for
// AVX2 (8 floats per instruction) and for the baseline; the AVX2 copy is chosen once per process.
#include "CKernels.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define KERNELS_X86 1
#include <immintrin.h>
#else
#define KERNELS_X86 0
#endif

#define ALWAYS_INLINE inline __attribute__((always_inline))

// Copies (or adds) `n` floats; the compiler vectorises these loops for the target of the caller.
static ALWAYS_INLINE void copy_floats(float *restrict d, const float *restrict s, size_t n) {
    for (size_t x = 0; x < n; x++) d[x] = s[x];
}
static ALWAYS_INLINE void add_floats(float *restrict d, const float *restrict s, size_t n) {
    for (size_t x = 0; x < n; x++) d[x] += s[x];
}

static ALWAYS_INLINE void im2col_body(const float *image, float *columns, size_t channels, size_t height, size_t width, size_t kh,
                                      size_t kw, size_t row_length, size_t column_offset) {
    size_t out_h = height - kh + 1, out_w = width - kw + 1;
    for (size_t c = 0; c < channels; c++)
        for (size_t i = 0; i < kh; i++)
            for (size_t j = 0; j < kw; j++) {
                float *d = columns + ((c * kh + i) * kw + j) * row_length + column_offset;
                const float *s = image + (c * height + i) * width + j;
                if (out_w == 8) {  // LeNet's second convolution: one vector per window row
                    for (size_t y = 0; y < out_h; y++) copy_floats(d + y * 8, s + y * width, 8);
                } else {
                    for (size_t y = 0; y < out_h; y++) copy_floats(d + y * out_w, s + y * width, out_w);
                }
            }
}

static ALWAYS_INLINE void col2im_body(const float *columns, float *image, size_t channels, size_t height, size_t width, size_t kh,
                                      size_t kw, size_t row_length, size_t column_offset) {
    size_t out_h = height - kh + 1, out_w = width - kw + 1;
    for (size_t c = 0; c < channels; c++)
        for (size_t i = 0; i < kh; i++)
            for (size_t j = 0; j < kw; j++) {
                const float *s = columns + ((c * kh + i) * kw + j) * row_length + column_offset;
                float *d = image + (c * height + i) * width + j;
                if (out_w == 8) {
                    for (size_t y = 0; y < out_h; y++) add_floats(d + y * width, s + y * 8, 8);
                } else {
                    for (size_t y = 0; y < out_h; y++) add_floats(d + y * width, s + y * out_w, out_w);
                }
            }
}

static void im2col_baseline(const float *image, float *columns, size_t channels, size_t height, size_t width, size_t kh, size_t kw,
                            size_t row_length, size_t column_offset) {
    im2col_body(image, columns, channels, height, width, kh, kw, row_length, column_offset);
}
static void col2im_baseline(const float *columns, float *image, size_t channels, size_t height, size_t width, size_t kh, size_t kw,
                            size_t row_length, size_t column_offset) {
    col2im_body(columns, image, channels, height, width, kh, kw, row_length, column_offset);
}

#if KERNELS_X86
__attribute__((target("avx2"))) static void im2col_avx2(const float *image, float *columns, size_t channels, size_t height,
                                                         size_t width, size_t kh, size_t kw, size_t row_length, size_t column_offset) {
    im2col_body(image, columns, channels, height, width, kh, kw, row_length, column_offset);
}
__attribute__((target("avx2"))) static void col2im_avx2(const float *columns, float *image, size_t channels, size_t height,
                                                         size_t width, size_t kh, size_t kw, size_t row_length, size_t column_offset) {
    col2im_body(columns, image, channels, height, width, kh, kw, row_length, column_offset);
}

static int has_avx2(void) {
    static int cached = -1;  // the detection is idempotent, so a race is harmless
    int value = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (value < 0) {
        __builtin_cpu_init();
        value = __builtin_cpu_supports("avx2") ? 1 : 0;
        __atomic_store_n(&cached, value, __ATOMIC_RELAXED);
    }
    return value;
}
#endif

void hashing_im2col_s1p0(const float *image, float *columns, size_t channels, size_t height, size_t width, size_t kernel_height,
                         size_t kernel_width, size_t row_length, size_t column_offset) {
#if KERNELS_X86
    if (has_avx2()) {
        im2col_avx2(image, columns, channels, height, width, kernel_height, kernel_width, row_length, column_offset);
        return;
    }
#endif
    im2col_baseline(image, columns, channels, height, width, kernel_height, kernel_width, row_length, column_offset);
}

void hashing_col2im_s1p0(const float *columns, float *image, size_t channels, size_t height, size_t width, size_t kernel_height,
                         size_t kernel_width, size_t row_length, size_t column_offset) {
#if KERNELS_X86
    if (has_avx2()) {
        col2im_avx2(columns, image, channels, height, width, kernel_height, kernel_width, row_length, column_offset);
        return;
    }
#endif
    col2im_baseline(columns, image, channels, height, width, kernel_height, kernel_width, row_length, column_offset);
}

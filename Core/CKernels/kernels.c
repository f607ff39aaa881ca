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
// Copies a window row of `n` floats: whole 8-float blocks, then (for n ≥ 8) one more block that
// ends at n and overlaps the last one, instead of the compiler's 4-wide loop and scalar tail (a
// 24-float row of LeNet's first convolution was six 16-byte copies).
static ALWAYS_INLINE void copy_row(float *restrict d, const float *restrict s, size_t n) {
    if (n < 8) {
        copy_floats(d, s, n);
        return;
    }
    size_t x = 0;
    for (; x + 8 <= n; x += 8) __builtin_memcpy(d + x, s + x, 8 * sizeof(float));
    if (x < n) __builtin_memcpy(d + n - 8, s + n - 8, 8 * sizeof(float));
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
                    for (size_t y = 0; y < out_h; y++) copy_row(d + y * out_w, s + y * width, out_w);
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

// im2col and col2im for any stride and padding (the transposed convolutions of the generators:
// 4×4 kernels, stride 2, padding 1). For each window row the x range whose source column lies in
// the image is computed once, so the inner loops have no branch (the general Swift loop tested
// every x, and took 16 % of an Intersectant-GAN step). The loop order is the plain loop's.
static ALWAYS_INLINE void window_x_range(ptrdiff_t out_w, ptrdiff_t width, ptrdiff_t stride, ptrdiff_t offset, ptrdiff_t *start,
                                         ptrdiff_t *end) {
    // x is inside when 0 ≤ x·stride + offset < width, offset = j − padding.
    ptrdiff_t first = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
    ptrdiff_t last = width - 1 - offset < 0 ? -1 : (width - 1 - offset) / stride;  // inclusive
    *start = first < out_w ? first : out_w;
    *end = last + 1 < out_w ? last + 1 : out_w;
    if (*end < *start) *end = *start;
}

static ALWAYS_INLINE void im2col_general_body(const float *image, float *columns, size_t channels, size_t height, size_t width,
                                              size_t kh, size_t kw, size_t stride, size_t padding, size_t row_length,
                                              size_t column_offset) {
    ptrdiff_t out_h = ((ptrdiff_t)height + 2 * (ptrdiff_t)padding - (ptrdiff_t)kh) / (ptrdiff_t)stride + 1;
    ptrdiff_t out_w = ((ptrdiff_t)width + 2 * (ptrdiff_t)padding - (ptrdiff_t)kw) / (ptrdiff_t)stride + 1;
    ptrdiff_t s = (ptrdiff_t)stride;
    for (size_t c = 0; c < channels; c++) {
        const float *plane = image + c * height * width;
        for (size_t i = 0; i < kh; i++)
            for (size_t j = 0; j < kw; j++) {
                float *row = columns + ((c * kh + i) * kw + j) * row_length + column_offset;
                ptrdiff_t offset = (ptrdiff_t)j - (ptrdiff_t)padding, start, end;
                window_x_range(out_w, (ptrdiff_t)width, s, offset, &start, &end);
                for (ptrdiff_t y = 0; y < out_h; y++) {
                    ptrdiff_t source_y = y * s - (ptrdiff_t)padding + (ptrdiff_t)i;
                    float *d = row + y * out_w;
                    if (source_y < 0 || source_y >= (ptrdiff_t)height) {
                        for (ptrdiff_t x = 0; x < out_w; x++) d[x] = 0;
                        continue;
                    }
                    const float *source = plane + source_y * (ptrdiff_t)width + offset;
                    for (ptrdiff_t x = 0; x < start; x++) d[x] = 0;
                    for (ptrdiff_t x = start; x < end; x++) d[x] = source[x * s];
                    for (ptrdiff_t x = end; x < out_w; x++) d[x] = 0;
                }
            }
    }
}

static ALWAYS_INLINE void col2im_general_body(const float *columns, float *image, size_t channels, size_t height, size_t width,
                                              size_t kh, size_t kw, size_t stride, size_t padding, size_t row_length,
                                              size_t column_offset) {
    ptrdiff_t out_h = ((ptrdiff_t)height + 2 * (ptrdiff_t)padding - (ptrdiff_t)kh) / (ptrdiff_t)stride + 1;
    ptrdiff_t out_w = ((ptrdiff_t)width + 2 * (ptrdiff_t)padding - (ptrdiff_t)kw) / (ptrdiff_t)stride + 1;
    ptrdiff_t s = (ptrdiff_t)stride;
    for (size_t c = 0; c < channels; c++) {
        float *plane = image + c * height * width;
        for (size_t i = 0; i < kh; i++)
            for (size_t j = 0; j < kw; j++) {
                const float *row = columns + ((c * kh + i) * kw + j) * row_length + column_offset;
                ptrdiff_t offset = (ptrdiff_t)j - (ptrdiff_t)padding, start, end;
                window_x_range(out_w, (ptrdiff_t)width, s, offset, &start, &end);
                for (ptrdiff_t y = 0; y < out_h; y++) {
                    ptrdiff_t source_y = y * s - (ptrdiff_t)padding + (ptrdiff_t)i;
                    if (source_y < 0 || source_y >= (ptrdiff_t)height) continue;
                    float *d = plane + source_y * (ptrdiff_t)width + offset;
                    const float *source = row + y * out_w;
                    for (ptrdiff_t x = start; x < end; x++) d[x * s] += source[x];
                }
            }
    }
}

static void im2col_general_baseline(const float *image, float *columns, size_t channels, size_t height, size_t width, size_t kh,
                                    size_t kw, size_t stride, size_t padding, size_t row_length, size_t column_offset) {
    im2col_general_body(image, columns, channels, height, width, kh, kw, stride, padding, row_length, column_offset);
}
static void col2im_general_baseline(const float *columns, float *image, size_t channels, size_t height, size_t width, size_t kh,
                                    size_t kw, size_t stride, size_t padding, size_t row_length, size_t column_offset) {
    col2im_general_body(columns, image, channels, height, width, kh, kw, stride, padding, row_length, column_offset);
}
#if KERNELS_X86
__attribute__((target("avx2"))) static void im2col_general_avx2(const float *image, float *columns, size_t channels, size_t height,
                                                                 size_t width, size_t kh, size_t kw, size_t stride, size_t padding,
                                                                 size_t row_length, size_t column_offset) {
    im2col_general_body(image, columns, channels, height, width, kh, kw, stride, padding, row_length, column_offset);
}
__attribute__((target("avx2"))) static void col2im_general_avx2(const float *columns, float *image, size_t channels, size_t height,
                                                                 size_t width, size_t kh, size_t kw, size_t stride, size_t padding,
                                                                 size_t row_length, size_t column_offset) {
    col2im_general_body(columns, image, channels, height, width, kh, kw, stride, padding, row_length, column_offset);
}
#endif

void hashing_im2col(const float *image, float *columns, size_t channels, size_t height, size_t width, size_t kernel_height,
                    size_t kernel_width, size_t stride, size_t padding, size_t row_length, size_t column_offset) {
#if KERNELS_X86
    if (has_avx2()) {
        im2col_general_avx2(image, columns, channels, height, width, kernel_height, kernel_width, stride, padding, row_length, column_offset);
        return;
    }
#endif
    im2col_general_baseline(image, columns, channels, height, width, kernel_height, kernel_width, stride, padding, row_length, column_offset);
}

void hashing_col2im(const float *columns, float *image, size_t channels, size_t height, size_t width, size_t kernel_height,
                    size_t kernel_width, size_t stride, size_t padding, size_t row_length, size_t column_offset) {
#if KERNELS_X86
    if (has_avx2()) {
        col2im_general_avx2(columns, image, channels, height, width, kernel_height, kernel_width, stride, padding, row_length, column_offset);
        return;
    }
#endif
    col2im_general_baseline(columns, image, channels, height, width, kernel_height, kernel_width, stride, padding, row_length, column_offset);
}

// 2×2 max pooling, stride 2, no padding. The selects are those of the general loop in
// Pooling.swift (v = a; v = b > v ? b : v; then c, then d), so every value, NaN and signed zero
// included, and every winner agree with it. The scalar window below is the definition; the AVX2 copy does four
// windows at a time with the same compares and blends (LeNet's rows are 12 and 4 windows wide, too
// short for the compiler's own vectorisation, whose scalar remainder became branches).
static ALWAYS_INLINE void pool_window(const float *top, const float *bottom, size_t x, int32_t first, int32_t row_width,
                                      float *output, int32_t *winner) {
    float a = top[2 * x], b = top[2 * x + 1], c = bottom[2 * x], d = bottom[2 * x + 1];
    float v = a;
    int32_t w = first;
    w = b > v ? first + 1 : w;
    v = b > v ? b : v;
    w = c > v ? first + row_width : w;
    v = c > v ? c : v;
    w = d > v ? first + row_width + 1 : w;
    v = d > v ? d : v;
    *output = v;
    *winner = w;
}

// The value of pool_window (without the winner) over entries plus the bias, when given.
static ALWAYS_INLINE float biased_window(const float *top, const float *bottom, size_t x, const float *bias) {
    float a = top[2 * x], b = top[2 * x + 1], c = bottom[2 * x], d = bottom[2 * x + 1];
    if (bias) {
        a += *bias;
        b += *bias;
        c += *bias;
        d += *bias;
    }
    float v = a;
    v = b > v ? b : v;
    v = c > v ? c : v;
    v = d > v ? d : v;
    return v;
}

// The winner of the window gets its output's gradient plus 0 (the scatter this replaces added
// into zeros, so a -0 gradient arrives as +0), the other three entries 0.
static ALWAYS_INLINE void unpool_window(float *top, float *bottom, size_t x, int32_t first, int32_t row_width, float gradient,
                                        int32_t w) {
    float value = gradient + 0.0f;
    top[2 * x] = w == first ? value : 0.0f;
    top[2 * x + 1] = w == first + 1 ? value : 0.0f;
    bottom[2 * x] = w == first + row_width ? value : 0.0f;
    bottom[2 * x + 1] = w == first + row_width + 1 ? value : 0.0f;
}

// A last row or column outside every window gets 0.
static ALWAYS_INLINE void zero_uncovered(float *plane, size_t height, size_t width) {
    if (width & 1)
        for (size_t y = 0; y + 1 < height; y += 2) plane[y * width + width - 1] = plane[(y + 1) * width + width - 1] = 0.0f;
    if (height & 1)
        for (size_t x = 0; x < width; x++) plane[(height - 1) * width + x] = 0.0f;
}

static void maxpool2x2_baseline(const float *input, float *output, int32_t *winners, size_t planes, size_t height, size_t width) {
    size_t out_h = height / 2, out_w = width / 2;
    for (size_t plane = 0; plane < planes; plane++)
        for (size_t y = 0; y < out_h; y++) {
            const float *top = input + (plane * height + 2 * y) * width;
            size_t row = (plane * out_h + y) * out_w;
            for (size_t x = 0; x < out_w; x++)
                pool_window(top, top + width, x, (int32_t)(2 * y * width + 2 * x), (int32_t)width, output + row + x, winners + row + x);
        }
}

static void maxpool2x2_biased_baseline(const float *input, const float *bias, float *output, size_t planes, size_t output_stride,
                                      size_t height, size_t width) {
    size_t out_h = height / 2, out_w = width / 2;
    for (size_t plane = 0; plane < planes; plane++)
        for (size_t y = 0; y < out_h; y++) {
            const float *top = input + (plane * height + 2 * y) * width;
            float *row = output + plane * output_stride + y * out_w;
            for (size_t x = 0; x < out_w; x++) row[x] = biased_window(top, top + width, x, bias);
        }
}

static void maxpool2x2_backward_baseline(const float *gradient, const int32_t *winners, float *dx, size_t planes, size_t height,
                                         size_t width) {
    size_t out_h = height / 2, out_w = width / 2;
    for (size_t plane = 0; plane < planes; plane++) {
        for (size_t y = 0; y < out_h; y++) {
            float *top = dx + (plane * height + 2 * y) * width;
            size_t row = (plane * out_h + y) * out_w;
            for (size_t x = 0; x < out_w; x++)
                unpool_window(top, top + width, x, (int32_t)(2 * y * width + 2 * x), (int32_t)width, gradient[row + x], winners[row + x]);
        }
        zero_uncovered(dx + plane * height * width, height, width);
    }
}

#if KERNELS_X86
__attribute__((target("avx2"))) static void maxpool2x2_avx2(const float *input, float *output, int32_t *winners, size_t planes,
                                                             size_t height, size_t width) {
    size_t out_h = height / 2, out_w = width / 2, vector_end = out_w & ~(size_t)3;
    const __m128i steps = _mm_setr_epi32(0, 2, 4, 6), one = _mm_set1_epi32(1), row_width = _mm_set1_epi32((int32_t)width);
    for (size_t plane = 0; plane < planes; plane++)
        for (size_t y = 0; y < out_h; y++) {
            const float *top = input + (plane * height + 2 * y) * width, *bottom = top + width;
            size_t row = (plane * out_h + y) * out_w;
            int32_t row_index = (int32_t)(2 * y * width);
            for (size_t x = 0; x < vector_end; x += 4) {
                __m128 t0 = _mm_loadu_ps(top + 2 * x), t1 = _mm_loadu_ps(top + 2 * x + 4);
                __m128 b0 = _mm_loadu_ps(bottom + 2 * x), b1 = _mm_loadu_ps(bottom + 2 * x + 4);
                __m128 a = _mm_shuffle_ps(t0, t1, _MM_SHUFFLE(2, 0, 2, 0)), b = _mm_shuffle_ps(t0, t1, _MM_SHUFFLE(3, 1, 3, 1));
                __m128 c = _mm_shuffle_ps(b0, b1, _MM_SHUFFLE(2, 0, 2, 0)), d = _mm_shuffle_ps(b0, b1, _MM_SHUFFLE(3, 1, 3, 1));
                __m128 v = a, m;
                __m128i first = _mm_add_epi32(_mm_set1_epi32(row_index + (int32_t)(2 * x)), steps);
                __m128i w = first;
                m = _mm_cmpgt_ps(b, v);
                w = _mm_castps_si128(_mm_blendv_ps(_mm_castsi128_ps(w), _mm_castsi128_ps(_mm_add_epi32(first, one)), m));
                v = _mm_blendv_ps(v, b, m);
                m = _mm_cmpgt_ps(c, v);
                w = _mm_castps_si128(_mm_blendv_ps(_mm_castsi128_ps(w), _mm_castsi128_ps(_mm_add_epi32(first, row_width)), m));
                v = _mm_blendv_ps(v, c, m);
                m = _mm_cmpgt_ps(d, v);
                w = _mm_castps_si128(
                    _mm_blendv_ps(_mm_castsi128_ps(w), _mm_castsi128_ps(_mm_add_epi32(_mm_add_epi32(first, row_width), one)), m));
                v = _mm_blendv_ps(v, d, m);
                _mm_storeu_si128((__m128i *)(winners + row + x), w);
                _mm_storeu_ps(output + row + x, v);
            }
            for (size_t x = vector_end; x < out_w; x++)
                pool_window(top, bottom, x, row_index + (int32_t)(2 * x), (int32_t)width, output + row + x, winners + row + x);
        }
}

// MAXPS(x, v) is x > v ? x : v, NaN and signed zeros included: the select of biased_window. Eight
// windows at a time, then four, then one; the 256-bit deinterleave leaves the windows in the order
// 0 1 4 5 2 3 6 7, which one permutation of 64-bit pairs puts back.
__attribute__((target("avx2"))) static void maxpool2x2_biased_avx2(const float *input, const float *bias, float *output, size_t planes,
                                                                    size_t output_stride, size_t height, size_t width) {
    size_t out_h = height / 2, out_w = width / 2;
    const __m256 shift8 = _mm256_set1_ps(bias ? *bias : 0.0f);
    const __m128 shift4 = _mm_set1_ps(bias ? *bias : 0.0f);
    for (size_t plane = 0; plane < planes; plane++)
        for (size_t y = 0; y < out_h; y++) {
            const float *top = input + (plane * height + 2 * y) * width, *bottom = top + width;
            float *row = output + plane * output_stride + y * out_w;
            size_t x = 0;
            for (; x + 8 <= out_w; x += 8) {
                __m256 t0 = _mm256_loadu_ps(top + 2 * x), t1 = _mm256_loadu_ps(top + 2 * x + 8);
                __m256 b0 = _mm256_loadu_ps(bottom + 2 * x), b1 = _mm256_loadu_ps(bottom + 2 * x + 8);
                __m256 a = _mm256_shuffle_ps(t0, t1, _MM_SHUFFLE(2, 0, 2, 0)), b = _mm256_shuffle_ps(t0, t1, _MM_SHUFFLE(3, 1, 3, 1));
                __m256 c = _mm256_shuffle_ps(b0, b1, _MM_SHUFFLE(2, 0, 2, 0)), d = _mm256_shuffle_ps(b0, b1, _MM_SHUFFLE(3, 1, 3, 1));
                if (bias) {
                    a = _mm256_add_ps(a, shift8);
                    b = _mm256_add_ps(b, shift8);
                    c = _mm256_add_ps(c, shift8);
                    d = _mm256_add_ps(d, shift8);
                }
                __m256 v = _mm256_max_ps(d, _mm256_max_ps(c, _mm256_max_ps(b, a)));
                v = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(v), _MM_SHUFFLE(3, 1, 2, 0)));
                _mm256_storeu_ps(row + x, v);
            }
            for (; x + 4 <= out_w; x += 4) {
                __m128 t0 = _mm_loadu_ps(top + 2 * x), t1 = _mm_loadu_ps(top + 2 * x + 4);
                __m128 b0 = _mm_loadu_ps(bottom + 2 * x), b1 = _mm_loadu_ps(bottom + 2 * x + 4);
                __m128 a = _mm_shuffle_ps(t0, t1, _MM_SHUFFLE(2, 0, 2, 0)), b = _mm_shuffle_ps(t0, t1, _MM_SHUFFLE(3, 1, 3, 1));
                __m128 c = _mm_shuffle_ps(b0, b1, _MM_SHUFFLE(2, 0, 2, 0)), d = _mm_shuffle_ps(b0, b1, _MM_SHUFFLE(3, 1, 3, 1));
                if (bias) {
                    a = _mm_add_ps(a, shift4);
                    b = _mm_add_ps(b, shift4);
                    c = _mm_add_ps(c, shift4);
                    d = _mm_add_ps(d, shift4);
                }
                _mm_storeu_ps(row + x, _mm_max_ps(d, _mm_max_ps(c, _mm_max_ps(b, a))));
            }
            for (; x < out_w; x++) row[x] = biased_window(top, bottom, x, bias);
        }
}

__attribute__((target("avx2"))) static void maxpool2x2_backward_avx2(const float *gradient, const int32_t *winners, float *dx,
                                                                      size_t planes, size_t height, size_t width) {
    size_t out_h = height / 2, out_w = width / 2, vector_end = out_w & ~(size_t)3;
    const __m128i steps = _mm_setr_epi32(0, 2, 4, 6), one = _mm_set1_epi32(1), row_width = _mm_set1_epi32((int32_t)width);
    const __m128 zero = _mm_setzero_ps();
    for (size_t plane = 0; plane < planes; plane++) {
        for (size_t y = 0; y < out_h; y++) {
            float *top = dx + (plane * height + 2 * y) * width, *bottom = top + width;
            size_t row = (plane * out_h + y) * out_w;
            int32_t row_index = (int32_t)(2 * y * width);
            for (size_t x = 0; x < vector_end; x += 4) {
                __m128 g = _mm_add_ps(_mm_loadu_ps(gradient + row + x), zero);
                __m128i w = _mm_loadu_si128((const __m128i *)(winners + row + x));
                __m128i first = _mm_add_epi32(_mm_set1_epi32(row_index + (int32_t)(2 * x)), steps);
                __m128i below = _mm_add_epi32(first, row_width);
                __m128 a = _mm_and_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(w, first)), g);
                __m128 b = _mm_and_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(w, _mm_add_epi32(first, one))), g);
                __m128 c = _mm_and_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(w, below)), g);
                __m128 d = _mm_and_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(w, _mm_add_epi32(below, one))), g);
                _mm_storeu_ps(top + 2 * x, _mm_unpacklo_ps(a, b));
                _mm_storeu_ps(top + 2 * x + 4, _mm_unpackhi_ps(a, b));
                _mm_storeu_ps(bottom + 2 * x, _mm_unpacklo_ps(c, d));
                _mm_storeu_ps(bottom + 2 * x + 4, _mm_unpackhi_ps(c, d));
            }
            for (size_t x = vector_end; x < out_w; x++)
                unpool_window(top, bottom, x, row_index + (int32_t)(2 * x), (int32_t)width, gradient[row + x], winners[row + x]);
        }
        zero_uncovered(dx + plane * height * width, height, width);
    }
}
#endif

void hashing_maxpool2x2(const float *input, float *output, int32_t *winners, size_t planes, size_t height, size_t width) {
    if (!winners) {  // inference: the same values from the kernel without winners
        hashing_maxpool2x2_biased(input, NULL, output, planes, (height / 2) * (width / 2), height, width);
        return;
    }
#if KERNELS_X86
    if (has_avx2()) {
        maxpool2x2_avx2(input, output, winners, planes, height, width);
        return;
    }
#endif
    maxpool2x2_baseline(input, output, winners, planes, height, width);
}

void hashing_maxpool2x2_biased(const float *input, const float *bias, float *output, size_t planes, size_t output_stride,
                               size_t height, size_t width) {
#if KERNELS_X86
    if (has_avx2()) {
        maxpool2x2_biased_avx2(input, bias, output, planes, output_stride, height, width);
        return;
    }
#endif
    maxpool2x2_biased_baseline(input, bias, output, planes, output_stride, height, width);
}

void hashing_maxpool2x2_backward(const float *gradient, const int32_t *winners, float *dx, size_t planes, size_t height,
                                 size_t width) {
#if KERNELS_X86
    if (has_avx2()) {
        maxpool2x2_backward_avx2(gradient, winners, dx, planes, height, width);
        return;
    }
#endif
    maxpool2x2_backward_baseline(gradient, winners, dx, planes, height, width);
}

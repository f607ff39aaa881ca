#ifndef HASHING_CJPEGSAFE_H
#define HASHING_CJPEGSAFE_H
// libjpeg (libjpeg-turbo) decoding behind setjmp/longjmp, so that a corrupt or hostile JPEG
// returns an error status instead of ending the process.
//
// libjpeg reports a fatal error by calling the error manager's error_exit, which must never
// return (the default one calls exit). The decoder here installs an error_exit that formats
// libjpeg's message into the image's `message` and longjmps back into hashing_jpeg_decode, which
// destroys the decompressor, frees the pixels decoded so far and returns an error status. This is
// libjpeg's documented recovery (example.c); Swift cannot call setjmp itself, hence this target.
//
// The header deliberately does not include <jpeglib.h>: callers see only plain C types.
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The size of `hashing_jpeg_image.message`, terminating NUL included (libjpeg's JMSG_LENGTH_MAX).
#define HASHING_JPEG_MESSAGE_LENGTH 200

/// How a decoding ended.
typedef enum {
    /// The image was decoded; `pixels`, `width`, `height` and `channels` describe it.
    HASHING_JPEG_OK = 0,
    /// libjpeg called error_exit (malformed, truncated or unsupported data); `message` says why.
    HASHING_JPEG_ERROR = 1,
    /// libjpeg warned (corrupt entropy-coded data, premature end of data, extraneous bytes) while
    /// warnings are errors; `message` holds the warning.
    HASHING_JPEG_WARNING = 2,
    /// The image has more than `max_pixels` pixels; `width` and `height` hold its size, and
    /// nothing was allocated for its pixels.
    HASHING_JPEG_TOO_LARGE = 3,
    /// Memory for the decoded image (or libjpeg's own working memory) could not be allocated.
    HASHING_JPEG_NO_MEMORY = 4,
    /// The data ends early: it is empty, libjpeg warned of a premature end while warnings are
    /// errors, or a fatal error followed that warning; `message` holds libjpeg's message.
    HASHING_JPEG_TRUNCATED = 5,
} hashing_jpeg_status;

/// The channels to decode into.
typedef enum {
    /// Three channels, red, green and blue.
    HASHING_JPEG_OUTPUT_RGB = 0,
    /// One channel of luminance.
    HASHING_JPEG_OUTPUT_GRAY = 1,
    /// One channel for a one-component (grayscale) file, three for the others.
    HASHING_JPEG_OUTPUT_AS_STORED = 2,
} hashing_jpeg_output;

/// A decoded image, or the reason there is none. Release it with hashing_jpeg_free.
typedef struct {
    /// `height` rows of `width * channels` samples, malloc'ed; NULL unless the status is OK.
    unsigned char *pixels;
    /// Pixel columns and rows (also set for HASHING_JPEG_TOO_LARGE).
    size_t width;
    size_t height;
    /// Samples per pixel: 1 (grayscale), 3 (RGB) or 4 (CMYK, for CMYK and YCCK files).
    int channels;
    /// Nonzero when the file has an Adobe APP14 marker; for CMYK output this means the samples
    /// are stored inverted, as Photoshop writes them.
    int saw_Adobe_marker;
    /// The number of warnings libjpeg emitted (when warnings are not errors, decoding continues).
    long warning_count;
    /// libjpeg's message for an error or a warning-as-error, NUL-terminated; empty when OK.
    char message[HASHING_JPEG_MESSAGE_LENGTH];
} hashing_jpeg_image;

/// Decodes a complete JPEG file held in memory into 8-bit samples.
///
/// - data, size: the file. NULL or empty data is reported as an error, not a crash.
/// - output: the channels wanted. CMYK and YCCK files always decode to four CMYK channels,
///   which the caller converts (see `saw_Adobe_marker`).
/// - warnings_are_errors: nonzero to stop at libjpeg's first warning with HASHING_JPEG_WARNING
///   rather than return a best-effort image.
/// - max_pixels: the largest `width * height` accepted; larger images return
///   HASHING_JPEG_TOO_LARGE before anything is allocated for their pixels.
/// - image: receives the result; it is always fully overwritten, and must be released with
///   hashing_jpeg_free whatever the status (doing so is harmless after a failure).
///
/// Thread-safe: every call has its own decompressor and error manager.
hashing_jpeg_status hashing_jpeg_decode(const unsigned char *data, size_t size, hashing_jpeg_output output,
                                        int warnings_are_errors, size_t max_pixels, hashing_jpeg_image *image);

/// Frees the pixels of an image filled by hashing_jpeg_decode and resets it; NULL is allowed.
void hashing_jpeg_free(hashing_jpeg_image *image);

#ifdef __cplusplus
}
#endif

#endif

// libjpeg decoding behind setjmp/longjmp (see include/CJPEGSafe.h).
//
// The error manager's error_exit formats libjpeg's message and longjmps back to the setjmp in
// hashing_jpeg_decode, which releases everything and returns an error status: the recovery that
// libjpeg documents (libjpeg.txt, "Error handling"; example.c). No process exit, no thread tricks.
#include "CJPEGSafe.h"

#include <limits.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>  // before <jpeglib.h>, which uses FILE and size_t
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

_Static_assert(HASHING_JPEG_MESSAGE_LENGTH >= JMSG_LENGTH_MAX, "format_message writes up to JMSG_LENGTH_MAX bytes");

/// Rows handed to each jpeg_read_scanlines call (libjpeg's rec_outbuf_height is at most 4).
#define ROWS_PER_READ 16

/// libjpeg's error manager, extended with where to jump and where to write the message.
typedef struct {
    /// First, so that `cinfo->err` (a `struct jpeg_error_mgr *`) converts to this struct.
    struct jpeg_error_mgr manager;
    jmp_buf jump;
    /// How decoding ended, set just before the longjmp. Volatile, so that its value is defined
    /// after the longjmp (C11 7.13.2.1).
    volatile hashing_jpeg_status status;
    hashing_jpeg_image *image;
    int warnings_are_errors;
    /// Set once libjpeg has warned that the data ends early (it then feeds itself a fake EOI).
    int saw_premature_end;
} error_context;

/// Formats libjpeg's current message into the image and returns to hashing_jpeg_decode's setjmp.
_Noreturn static void abandon_decoding(j_common_ptr common, hashing_jpeg_status status) {
    error_context *context = (error_context *)common->err;
    (*common->err->format_message)(common, context->image->message);
    context->status = status;
    longjmp(context->jump, 1);
}

/// A fatal error: libjpeg must not continue, and this never returns into it. After a premature
/// end of data, the fatal error (such as a missing frame header) is a consequence of the cut.
static void error_exit(j_common_ptr common) {
    error_context *context = (error_context *)common->err;
    const int code = common->err->msg_code;
    hashing_jpeg_status status = HASHING_JPEG_ERROR;
    if (code == JERR_OUT_OF_MEMORY) {
        status = HASHING_JPEG_NO_MEMORY;
    } else if (code == JERR_INPUT_EMPTY || context->saw_premature_end) {
        status = HASHING_JPEG_TRUNCATED;
    }
    abandon_decoding(common, status);
}

/// Level −1 is a warning (corrupt data, premature end of data, extraneous bytes); levels 0 and up
/// are trace messages, which are ignored.
static void emit_message(j_common_ptr common, int level) {
    if (level >= 0) return;
    error_context *context = (error_context *)common->err;
    common->err->num_warnings++;
    context->image->warning_count = common->err->num_warnings;
    const int premature_end = common->err->msg_code == JWRN_JPEG_EOF;
    if (premature_end) context->saw_premature_end = 1;
    if (context->warnings_are_errors) abandon_decoding(common, premature_end ? HASHING_JPEG_TRUNCATED : HASHING_JPEG_WARNING);
}

/// Never print to stderr.
static void output_message(j_common_ptr common) { (void)common; }

/// Records a failure that is ours rather than libjpeg's.
static hashing_jpeg_status fail(hashing_jpeg_image *image, hashing_jpeg_status status, const char *message) {
    snprintf(image->message, sizeof image->message, "%s", message);
    return status;
}

hashing_jpeg_status hashing_jpeg_decode(const unsigned char *data, size_t size, hashing_jpeg_output output,
                                        int warnings_are_errors, size_t max_pixels, hashing_jpeg_image *image) {
    if (image == NULL) return HASHING_JPEG_ERROR;
    memset(image, 0, sizeof *image);
#if SIZE_MAX > ULONG_MAX
    if (size > ULONG_MAX) return fail(image, HASHING_JPEG_ERROR, "the JPEG data is too large for libjpeg's memory source");
#endif

    // The decompressor and the error manager live in this frame, and libjpeg only ever reaches
    // them through their addresses, as in libjpeg's example.c. The pixel pointer is assigned
    // after setjmp and read after longjmp, so it is volatile.
    struct jpeg_decompress_struct decompress;
    error_context context;
    unsigned char *volatile pixels = NULL;

    // All zero, so that jpeg_destroy_decompress is harmless even if jpeg_create_decompress
    // fails before initialising anything (its version check comes first).
    memset(&decompress, 0, sizeof decompress);
    memset(&context, 0, sizeof context);
    decompress.err = jpeg_std_error(&context.manager);
    context.manager.error_exit = error_exit;
    context.manager.emit_message = emit_message;
    context.manager.output_message = output_message;
    context.status = HASHING_JPEG_ERROR;
    context.image = image;
    context.warnings_are_errors = warnings_are_errors;

    if (setjmp(context.jump) != 0) {
        // Back from error_exit or emit_message: libjpeg's state is abandoned, not resumed.
        jpeg_destroy_decompress(&decompress);
        free(pixels);  // image->pixels is still NULL: it is set only on success
        return context.status;
    }

    jpeg_create_decompress(&decompress);
    jpeg_mem_src(&decompress, data, (unsigned long)size);
    (void)jpeg_read_header(&decompress, TRUE);  // TRUE: a tables-only file is an error

    if (decompress.jpeg_color_space == JCS_CMYK || decompress.jpeg_color_space == JCS_YCCK) {
        decompress.out_color_space = JCS_CMYK;  // libjpeg has no CMYK → RGB conversion; the caller does it
    } else {
        const int gray =
            output == HASHING_JPEG_OUTPUT_GRAY || (output == HASHING_JPEG_OUTPUT_AS_STORED && decompress.num_components == 1);
        decompress.out_color_space = gray ? JCS_GRAYSCALE : JCS_RGB;
    }
    image->saw_Adobe_marker = decompress.saw_Adobe_marker ? 1 : 0;
    image->width = decompress.image_width;
    image->height = decompress.image_height;

    // Before jpeg_start_decompress, which allocates libjpeg's whole-image buffers.
    if (image->height == 0 || image->width > max_pixels / image->height) {
        jpeg_destroy_decompress(&decompress);
        snprintf(image->message, sizeof image->message, "the image is %zu x %zu pixels, more than the limit of %zu", image->width,
                 image->height, max_pixels);
        return HASHING_JPEG_TOO_LARGE;
    }

    (void)jpeg_start_decompress(&decompress);
    const size_t width = decompress.output_width;
    const size_t height = decompress.output_height;
    const size_t channels = (size_t)decompress.output_components;
    if (channels == 0 || width > SIZE_MAX / channels || (width != 0 && height > SIZE_MAX / (width * channels))) {
        jpeg_destroy_decompress(&decompress);
        return fail(image, HASHING_JPEG_NO_MEMORY, "the decoded image is too large for this address space");
    }
    const size_t row_length = width * channels;
    const size_t byte_count = row_length * height;
    pixels = malloc(byte_count > 0 ? byte_count : 1);
    if (pixels == NULL) {
        jpeg_destroy_decompress(&decompress);
        return fail(image, HASHING_JPEG_NO_MEMORY, "out of memory for the decoded image");
    }

    while (decompress.output_scanline < decompress.output_height) {
        JSAMPROW rows[ROWS_PER_READ];
        const JDIMENSION first = decompress.output_scanline;
        JDIMENSION count = decompress.output_height - first;
        if (count > ROWS_PER_READ) count = ROWS_PER_READ;
        for (JDIMENSION row = 0; row < count; row++) rows[row] = pixels + (size_t)(first + row) * row_length;
        if (jpeg_read_scanlines(&decompress, rows, count) == 0) {
            // Only a suspending data source returns no rows; the memory source never suspends.
            jpeg_destroy_decompress(&decompress);
            free(pixels);
            return fail(image, HASHING_JPEG_ERROR, "libjpeg returned no scanlines");
        }
    }
    (void)jpeg_finish_decompress(&decompress);  // may still warn, e.g. about data after the image
    jpeg_destroy_decompress(&decompress);

    image->pixels = pixels;
    image->width = width;
    image->height = height;
    image->channels = (int)channels;
    return HASHING_JPEG_OK;
}

void hashing_jpeg_free(hashing_jpeg_image *image) {
    if (image == NULL) return;
    free(image->pixels);
    memset(image, 0, sizeof *image);
}

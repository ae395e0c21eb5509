// The C side of the zlib boundary: deflateInit's macro as a function.
#include "czlib.h"

int cairn_deflate_init(z_stream *stream, int level) {
    return deflateInit(stream, level);
}

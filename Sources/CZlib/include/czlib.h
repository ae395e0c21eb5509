#ifndef CAIRN_CZLIB_H
#define CAIRN_CZLIB_H
#include <zlib.h>
/// deflateInit is a macro (it passes the header's version and the struct's size): one call Swift can make.
int cairn_deflate_init(z_stream *stream, int level);
#endif

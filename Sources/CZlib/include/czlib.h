#ifndef CAIRN_CZLIB_H
#define CAIRN_CZLIB_H
#include <zlib.h>
#endif

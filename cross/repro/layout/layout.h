// The C types Cairn's Swift code reads or allocates, as Swift imports them for the cross
// builds (musl's headers, the libraries' headers, Cairn's shim headers).
#ifndef CAIRN_LAYOUT_H
#define CAIRN_LAYOUT_H
#include <dirent.h>
#include <poll.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <time.h>
#include <mosquitto.h>
#include "cmicrohttpd.h"

/// The same facts as C compiled for the libraries' own triple sees them ("name value" lines).
const char *cairn_layout_c(void);
#endif

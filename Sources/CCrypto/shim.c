// Header-only boundary; this file gives SwiftPM a C target to compile.
#include "ccrypto.h"

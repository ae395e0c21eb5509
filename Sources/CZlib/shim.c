// Header-only boundary; this file gives SwiftPM a C target to compile.
#include "czlib.h"

#ifndef CAIRN_CSQLITE_H
#define CAIRN_CSQLITE_H
#include <sqlite3.h>
/// sqlite3_bind_text with SQLITE_TRANSIENT, a macro over a cast Swift cannot spell.
int cairn_sqlite3_bind_text(sqlite3_stmt *stmt, int index, const char *text, int length);
#endif

// Child processes for the command input and alarm actions: posix_spawn with the
// attributes Swift cannot set portably (signal sets, process group), and the
// wait-status macros Swift cannot call.
#ifndef CAIRN_CSYSTEM_PROCESS_H
#define CAIRN_CSYSTEM_PROCESS_H

#include <sys/types.h>

/// A pipe with both ends close-on-exec and the read end non-blocking.
/// fds[0] is the read end. Returns 0, or -1 with errno set.
int cairn_pipe(int fds[2]);

/// Starts argv[0] (a path, or a name looked up on PATH) in a new process group,
/// with stdin from /dev/null, stdout to out_fd and stderr to err_fd (-1: /dev/null),
/// an empty signal mask and default signal actions (the agent ignores SIGPIPE).
/// envp NULL keeps the agent's environment. Returns 0 and sets *pid, or an errno value.
int cairn_spawn(char *const argv[], char *const envp[], int out_fd, int err_fd, pid_t *pid);

/// waitpid(pid, WNOHANG): 0 while running; 1 exited (*detail = exit status);
/// 2 killed by a signal (*detail = signal number); -1 on error.
int cairn_reap(pid_t pid, int *detail);

/// The agent's environment (`environ`), to extend for a child.
char **cairn_environ(void);

#endif

# Sourced first by a bench script that signals its children (a graceful restart, a
# clean stop): a parent that blocks signals (a test runner does) passes its mask on,
# and brokers and agents would then never see the SIGTERM. Runs the script again
# with no signal blocked and the default actions.
if [ -z "${CAIRN_BENCH_UNMASKED:-}" ]; then
    exec env CAIRN_BENCH_UNMASKED=1 python3 -c 'import os, signal, sys
signal.pthread_sigmask(signal.SIG_SETMASK, [])
for s in (signal.SIGPIPE, signal.SIGINT, signal.SIGQUIT, signal.SIGTERM, signal.SIGXFSZ): signal.signal(s, signal.SIG_DFL)
os.execv("/bin/bash", ["bash"] + sys.argv[1:])' "$0" "$@"
fi

#!/bin/sh
# Cairn installer from the release tarball (POSIX sh; BusyBox ash is enough).
#
#   ./install.sh                 install (or upgrade) the agent and enable its service
#   ./install.sh --uninstall     remove it; the queue in /var/lib/cairn stays
#   ./install.sh --uninstall --purge   also the queue, /etc/cairn and the user cairn
#
# Environment: DESTDIR=DIR installs under DIR with no effect on the running system
# (no service started, the user written into DIR/etc/passwd); PREFIX (default /usr)
# is where bin/cairn goes; INIT=systemd|procd|sysv|none picks the init system instead
# of detecting it. An existing /etc/cairn/cairn.json is never overwritten.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
DESTDIR=${DESTDIR:-}
PREFIX=${PREFIX:-/usr}
BIN=$DESTDIR$PREFIX/bin/cairn
ETC=$DESTDIR/etc/cairn
DATA=$DESTDIR/var/lib/cairn
GECOS="Cairn edge agent"

say() { echo "cairn install: $*"; }
live() { [ -z "$DESTDIR" ]; }

mode=install
purge=no
for arg in "$@"; do
    case $arg in
        --uninstall) mode=uninstall ;;
        --purge) mode=uninstall; purge=yes ;;
        -h | --help) sed -n '2,12p' "$0"; exit 0 ;;
        *) echo "unknown argument: $arg (see --help)" >&2; exit 2 ;;
    esac
done

detect_init() {
    if [ -n "${INIT:-}" ]; then echo "$INIT"
    elif [ -d "$DESTDIR/run/systemd/system" ]; then echo systemd
    elif [ -f "$DESTDIR/etc/rc.common" ]; then echo procd
    elif [ -d "$DESTDIR/etc/init.d" ]; then echo sysv
    else echo none
    fi
}

# --- the user -----------------------------------------------------------------------

has_user() { grep -q '^cairn:' "$DESTDIR/etc/passwd" 2>/dev/null; }

# The lowest id from 100 to 999 that the file (passwd or group) does not use.
free_id() {
    awk -F: 'FNR == NR { used[$3] = 1; next } END { for (i = 100; i < 1000; i++) if (!(i in used)) { print i; exit } }' \
        "$1" /dev/null
}

create_user() {
    has_user && return 0
    if live && command -v useradd >/dev/null 2>&1; then
        useradd --system --user-group --home-dir /var/lib/cairn --no-create-home \
            --shell /sbin/nologin --comment "$GECOS" cairn
    elif live && command -v adduser >/dev/null 2>&1 && adduser --version >/dev/null 2>&1; then
        adduser --quiet --system --group --home /var/lib/cairn --no-create-home --gecos "$GECOS" cairn
    elif live && command -v adduser >/dev/null 2>&1 && command -v addgroup >/dev/null 2>&1; then
        addgroup -S cairn && adduser -S -D -H -h /var/lib/cairn -s /bin/false -G cairn -g "$GECOS" cairn
    else
        # No tool (OpenWrt), or DESTDIR: append the entries ourselves.
        mkdir -p "$DESTDIR/etc"
        touch "$DESTDIR/etc/passwd" "$DESTDIR/etc/group"
        gid=$(awk -F: '$1 == "cairn" { print $3 }' "$DESTDIR/etc/group")
        if [ -z "$gid" ]; then
            gid=$(free_id "$DESTDIR/etc/group")
            echo "cairn:x:$gid:" >> "$DESTDIR/etc/group"
        fi
        uid=$(free_id "$DESTDIR/etc/passwd")
        echo "cairn:x:$uid:$gid:$GECOS:/var/lib/cairn:/bin/false" >> "$DESTDIR/etc/passwd"
        if [ -f "$DESTDIR/etc/shadow" ]; then echo "cairn:*:0:0:99999:7:::" >> "$DESTDIR/etc/shadow"; fi
    fi
    say "created user cairn"
}

remove_user() {
    has_user || return 0
    grep -q "^cairn:[^:]*:[^:]*:[^:]*:$GECOS:" "$DESTDIR/etc/passwd" || { say "user cairn is not ours, kept"; return 0; }
    if live && command -v userdel >/dev/null 2>&1; then
        userdel cairn
        if grep -q '^cairn:' /etc/group && command -v groupdel >/dev/null 2>&1; then groupdel cairn; fi
    elif live && command -v deluser >/dev/null 2>&1; then
        deluser cairn 2>/dev/null || true
        if grep -q '^cairn:' /etc/group && command -v delgroup >/dev/null 2>&1; then delgroup cairn 2>/dev/null || true; fi
    fi
    for f in passwd group shadow gshadow; do
        [ -f "$DESTDIR/etc/$f" ] && grep -q '^cairn:' "$DESTDIR/etc/$f" || continue
        grep -v '^cairn:' "$DESTDIR/etc/$f" > "$DESTDIR/etc/$f.cairn-new" || true
        cat "$DESTDIR/etc/$f.cairn-new" > "$DESTDIR/etc/$f"
        rm -f "$DESTDIR/etc/$f.cairn-new"
    done
    say "removed user cairn"
}

# uid:gid from the target's passwd, so a DESTDIR install never resolves the host's user.
owner() { awk -F: '$1 == "cairn" { print $3 ":" $4 }' "$DESTDIR/etc/passwd"; }

# --- the service --------------------------------------------------------------------

WANTS=$DESTDIR/etc/systemd/system/multi-user.target.wants/cairn.service

install_service() {
    case $1 in
    systemd)
        install_file 0644 "$HERE/init/cairn.service" "$DESTDIR/etc/systemd/system/cairn.service"
        if live; then
            systemctl daemon-reload
            systemctl enable cairn.service
            systemctl restart cairn.service
        else
            mkdir -p "$(dirname "$WANTS")"
            ln -sf /etc/systemd/system/cairn.service "$WANTS"
        fi ;;
    procd)
        install_file 0755 "$HERE/init/cairn.procd" "$DESTDIR/etc/init.d/cairn"
        if live; then /etc/init.d/cairn enable; /etc/init.d/cairn restart
        else mkdir -p "$DESTDIR/etc/rc.d"; ln -sf ../init.d/cairn "$DESTDIR/etc/rc.d/S95cairn"; ln -sf ../init.d/cairn "$DESTDIR/etc/rc.d/K10cairn"
        fi ;;
    sysv)
        install_file 0755 "$HERE/init/cairn.sysv" "$DESTDIR/etc/init.d/cairn"
        if live && command -v update-rc.d >/dev/null 2>&1; then update-rc.d cairn defaults
        elif live && command -v rc-update >/dev/null 2>&1; then rc-update add cairn default
        else
            for n in 2 3 4 5; do
                [ -d "$DESTDIR/etc/rc$n.d" ] && ln -sf ../init.d/cairn "$DESTDIR/etc/rc$n.d/S95cairn"
            done
            live && [ ! -d /etc/rc2.d ] && say "no runlevel directories: start /etc/init.d/cairn from your rcS"
        fi
        if live; then /etc/init.d/cairn restart; fi ;;
    none) say "no init system found: run '$PREFIX/bin/cairn run --config /etc/cairn/cairn.json' yourself" ;;
    *) echo "unknown INIT=$1 (systemd, procd, sysv, none)" >&2; exit 2 ;;
    esac
    say "service installed for $1"
}

uninstall_service() {
    if [ -f "$DESTDIR/etc/systemd/system/cairn.service" ]; then
        if live && command -v systemctl >/dev/null 2>&1; then
            systemctl disable --now cairn.service || true
        fi
        rm -f "$WANTS" "$DESTDIR/etc/systemd/system/cairn.service"
        if live && [ -d /run/systemd/system ]; then systemctl daemon-reload; fi
    fi
    if [ -f "$DESTDIR/etc/init.d/cairn" ]; then
        if live; then
            /etc/init.d/cairn stop || true
            if [ -f /etc/rc.common ]; then /etc/init.d/cairn disable || true
            elif command -v update-rc.d >/dev/null 2>&1; then rm -f /etc/init.d/cairn; update-rc.d cairn remove || true
            elif command -v rc-update >/dev/null 2>&1; then rc-update del cairn default || true
            fi
        fi
        rm -f "$DESTDIR/etc/init.d/cairn" "$DESTDIR/etc/rc.d/S95cairn" "$DESTDIR/etc/rc.d/K10cairn" \
            "$DESTDIR"/etc/rc[2345].d/S95cairn
    fi
}

install_file() {   # MODE SOURCE TARGET
    mkdir -p "$(dirname "$3")"
    cp "$2" "$3.cairn-new"
    chmod "$1" "$3.cairn-new"
    mv -f "$3.cairn-new" "$3"    # a rename: a running binary is replaced, never written into
}

# --- install / uninstall -------------------------------------------------------------

if [ $mode = install ]; then
    init=$(detect_init)
    install_file 0755 "$HERE/cairn" "$BIN"
    if [ -e "$ETC/cairn.json" ]; then
        say "kept the existing $ETC/cairn.json"
    else
        install_file 0644 "$HERE/cairn.json" "$ETC/cairn.json"
    fi
    install_file 0644 "$HERE/cairn.example.json" "$ETC/cairn.example.json"
    create_user
    mkdir -p "$DATA"
    ids=$(owner)
    if [ -n "$ids" ]; then chown "$ids" "$DATA" 2>/dev/null || say "could not chown $DATA to cairn (not root?)"; fi
    chmod 0750 "$DATA"
    install_service "$init"
    say "installed $("$BIN" --version 2>/dev/null || echo "$BIN")"
else
    uninstall_service
    rm -f "$BIN" "$ETC/cairn.example.json"
    if [ $purge = yes ]; then
        rm -rf "$ETC" "$DATA"
        remove_user
        say "purged: binary, service, $ETC, $DATA and the user cairn removed"
    else
        # The config goes when it is the one we installed; an edited one stays, like the queue.
        if [ -f "$ETC/cairn.json" ] && cmp -s "$ETC/cairn.json" "$HERE/cairn.json"; then rm -f "$ETC/cairn.json"; fi
        rmdir "$ETC" 2>/dev/null || say "kept $ETC (edited configuration)"
        say "uninstalled; kept $DATA (the queue) and the user cairn; --purge removes them"
    fi
fi

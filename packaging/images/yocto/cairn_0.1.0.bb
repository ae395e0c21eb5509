SUMMARY = "Cairn edge agent: sensors, store-and-forward queue, MQTT uplink"
DESCRIPTION = "Installs the prebuilt static binary from cross/build, the default config, \
and the systemd unit or SysV init script. Not built by BitBake's toolchain (it needs Swift)."
LICENSE = "Apache-2.0"
LIC_FILES_CHKSUM = "file://${COMMON_LICENSE_DIR}/Apache-2.0;md5=89aea4e17d99a7cacdbeed46a0096b10"

# files/cairn/ beside this recipe: a copy of the repository's packaging/ and dist/cairn-<arch>
# (cross/build). Written for Yocto 5.0 "scarthgap"; from 5.1 use ${UNPACKDIR} for ${WORKDIR}.
SRC_URI = "file://cairn/"
S = "${WORKDIR}/cairn"

CAIRN_ARCH = "${@ {'x86_64': 'x86_64', 'aarch64': 'aarch64', 'arm': 'armv7'}[d.getVar('TARGET_ARCH')]}"

inherit systemd update-rc.d useradd

USERADD_PACKAGES = "${PN}"
USERADD_PARAM:${PN} = "--system --home-dir /var/lib/cairn --no-create-home --shell /bin/false --user-group cairn"

SYSTEMD_SERVICE:${PN} = "cairn.service"
INITSCRIPT_NAME = "cairn"
INITSCRIPT_PARAMS = "defaults 95 10"

# A static, stripped binary: nothing to strip, split or scan for libraries.
INHIBIT_PACKAGE_STRIP = "1"
INHIBIT_PACKAGE_DEBUG_SPLIT = "1"
INSANE_SKIP:${PN} = "already-stripped ldflags"

do_configure[noexec] = "1"
do_compile[noexec] = "1"

do_install() {
    install -D -m 0755 ${S}/dist/cairn-${CAIRN_ARCH} ${D}${bindir}/cairn
    install -D -m 0644 ${S}/packaging/cairn.default.json ${D}${sysconfdir}/cairn/cairn.json
    if ${@bb.utils.contains('DISTRO_FEATURES', 'systemd', 'true', 'false', d)}; then
        install -D -m 0644 ${S}/packaging/systemd/cairn.service ${D}${systemd_system_unitdir}/cairn.service
    fi
    if ${@bb.utils.contains('DISTRO_FEATURES', 'sysvinit', 'true', 'false', d)}; then
        install -D -m 0755 ${S}/packaging/sysv/cairn.init ${D}${sysconfdir}/init.d/cairn
    fi
}

CONFFILES:${PN} = "${sysconfdir}/cairn/cairn.json"
FILES:${PN} += "${systemd_system_unitdir}/cairn.service"

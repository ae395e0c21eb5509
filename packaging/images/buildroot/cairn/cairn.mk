################################################################################
#
# cairn: the prebuilt static binary from cross/build (dist/cairn-<arch>), not
# built by Buildroot's toolchain (it needs the Swift toolchain). Set
# CAIRN_SITE to the directory holding a checkout of the repository with dist/.
#
################################################################################

CAIRN_VERSION = 0.1.0
CAIRN_SITE ?= $(BR2_EXTERNAL_CAIRN_PATH)/cairn-src
CAIRN_SITE_METHOD = local
CAIRN_LICENSE = Apache-2.0

ifeq ($(BR2_x86_64),y)
CAIRN_ARCH = x86_64
else ifeq ($(BR2_aarch64),y)
CAIRN_ARCH = aarch64
else
CAIRN_ARCH = armv7
endif

define CAIRN_INSTALL_TARGET_CMDS
	$(INSTALL) -D -m 0755 $(@D)/dist/cairn-$(CAIRN_ARCH) $(TARGET_DIR)/usr/bin/cairn
	$(INSTALL) -D -m 0644 $(@D)/packaging/cairn.default.json $(TARGET_DIR)/etc/cairn/cairn.json
endef

define CAIRN_INSTALL_INIT_SYSV
	$(INSTALL) -D -m 0755 $(@D)/packaging/sysv/cairn.init $(TARGET_DIR)/etc/init.d/S95cairn
endef

define CAIRN_INSTALL_INIT_SYSTEMD
	$(INSTALL) -D -m 0644 $(@D)/packaging/systemd/cairn.service $(TARGET_DIR)/usr/lib/systemd/system/cairn.service
	$(INSTALL) -D -m 0644 $(@D)/packaging/sysusers.conf $(TARGET_DIR)/usr/lib/sysusers.d/cairn.conf
endef

define CAIRN_USERS
	cairn -1 cairn -1 * /var/lib/cairn - - Cairn edge agent
endef

$(eval $(generic-package))

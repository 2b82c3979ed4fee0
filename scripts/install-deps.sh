#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Installs what building and testing garlic needs on Debian 12 (run as root).
set -e
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends \
	autoconf automake libtool make gcc pkg-config \
	libnl-3-dev libnl-genl-3-dev libsystemd-dev systemd \
	forkstat extrace \
	libglib2.0-dev \
	python3 procps util-linux \
	prometheus-node-exporter python3-prometheus-client \
	valgrind clang abigail-tools \
	qemu-system-x86 busybox-static cpio xz-utils

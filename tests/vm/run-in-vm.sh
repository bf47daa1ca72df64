#!/usr/bin/env bash
# Runs a command of this machine inside a QEMU (TCG) VM that boots Debian 12's 6.1
# kernel, with this machine's root filesystem shared read-only over 9p, and exits with
# the command's exit code. The command gets a writable TMPDIR (a tmpfs on /dev/shm). This is how BPF is tested on a second kernel version (CO-RE
# relocations against 6.1's structs) and where BPF-LSM is available.
#   run-in-vm.sh COMMAND [ARGS...]
# VM_LSM: the kernel's lsm= list (default with "bpf": BPF-LSM active; without it, BPF-LSM
# is built in but inactive, as on most distribution kernels).
# Needs: linux-image-amd64, qemu-system-x86, busybox-static, cpio (make deps).
set -euo pipefail
[[ $EUID -eq 0 ]] || { echo "SKIP: needs root"; exit 77; }
kernel_image="$(ls /boot/vmlinuz-6.1.* 2>/dev/null | sort -V | tail -n1 || true)"
[[ -n "$kernel_image" ]] || { echo "run-in-vm: no /boot/vmlinuz-6.1.* (install linux-image-amd64)" >&2; exit 1; }
version="${kernel_image#/boot/vmlinuz-}"
modules="/lib/modules/$version/kernel"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
initramfs="$work/initramfs"
mkdir -p "$initramfs"/{bin,modules,mnt,proc,sys,dev}
cp /bin/busybox "$initramfs/bin/busybox"
for module in drivers/virtio/virtio_ring drivers/virtio/virtio drivers/virtio/virtio_pci_modern_dev \
              drivers/virtio/virtio_pci_legacy_dev drivers/virtio/virtio_pci fs/netfs/netfs \
              fs/fscache/fscache net/9p/9pnet net/9p/9pnet_virtio fs/9p/9p fs/overlayfs/overlay; do
    file="$(ls "$modules/$module".ko* | head -n1)"
    case "$file" in
        *.xz) xz -dc "$file" > "$initramfs/modules/$(basename "$module").ko" ;;
        *.zst) zstd -qdc "$file" > "$initramfs/modules/$(basename "$module").ko" ;;
        *) cp "$file" "$initramfs/modules/" ;;
    esac
done
# The command, quoted for the VM's shell.
printf '%q ' "$@" > "$initramfs/command"
cat > "$initramfs/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for module in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci netfs fscache 9pnet 9pnet_virtio 9p overlay; do
    insmod /modules/$module.ko 2>/dev/null
done
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144 root /mnt
mount -t proc proc /mnt/proc; mount -t sysfs sys /mnt/sys; mount -t devtmpfs dev /mnt/dev
mount -t bpf bpf /mnt/sys/fs/bpf
mount -t securityfs securityfs /mnt/sys/kernel/security 2>/dev/null
# Scratch space on the VM's fresh /dev, so nothing of the shared root (where the build
# may live, /tmp included) is hidden.
mkdir -p /mnt/dev/shm && mount -t tmpfs scratch /mnt/dev/shm
echo "DRIFTGUARD-VM-START $(uname -r)"
# switch_root, not chroot: the shared root becomes the mount namespace's root, as on a
# real machine, so a container runtime's pivot_root and setns into a container land in
# the container (a chroot would leave the initramfs as the namespace's root).
exec switch_root /mnt /bin/sh -c "export TMPDIR=/dev/shm; cd /dev/shm && $(cat /command); echo DRIFTGUARD-VM-RESULT rc=\$?; /bin/busybox poweroff -f"
INIT
chmod +x "$initramfs/init"
(cd "$initramfs" && find . | cpio -o -H newc --quiet | gzip -1) > "$work/initrd.gz"

# loglevel=5: the kernel's warnings (a soft lockup's backtrace) reach the console tail
# printed when the VM reports no result; routine boot messages do not.
timeout "${VM_TIMEOUT:-900}" qemu-system-x86_64 -accel tcg -m 2048 -smp 2 -nographic -no-reboot \
    -kernel "$kernel_image" -initrd "$work/initrd.gz" \
    -append "console=ttyS0 panic=-1 quiet loglevel=5 lsm=${VM_LSM:-lockdown,capability,landlock,yama,bpf}" \
    -virtfs local,path=/,mount_tag=root,security_model=none,readonly=on,multidevs=remap \
    > "$work/console.log" 2>&1 || true
console="$(tr -cd '\11\12\15\40-\176' < "$work/console.log")"
sed -n '/DRIFTGUARD-VM-START/,/DRIFTGUARD-VM-RESULT/p' <<<"$console" | grep -v 'DRIFTGUARD-VM-RESULT' | tail -n +2
result="$(grep -o 'DRIFTGUARD-VM-RESULT rc=[0-9]*' <<<"$console" | tail -n1 || true)"
if [[ -z "$result" ]]; then
    echo "run-in-vm: the VM did not report a result; console tail:" >&2
    tail -n 80 <<<"$console" >&2
    exit 1
fi
echo "kernel $version: $result"
exit "${result##*=}"

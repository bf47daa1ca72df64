#!/bin/sh
# collect-runtime.sh BINARY ROOT: copies BINARY to ROOT/usr/local/bin and every shared
# library it loads (and the ELF interpreter) to the same paths under ROOT, so ROOT runs
# the binary with nothing else installed.
set -eu
binary="$1" root="$2"
mkdir -p "$root/usr/local/bin" "$root/tmp" "$root/etc"
cp "$binary" "$root/usr/local/bin/"
ldd "$binary" | awk '/=> \// {print $3} /^\t\// {print $1}' | while read -r library; do
    mkdir -p "$root$(dirname "$library")"
    cp -L "$library" "$root$library"
done
chmod 1777 "$root/tmp"
printf 'root:x:0:0:root:/:/usr/local/bin/driftguard\n' > "$root/etc/passwd"

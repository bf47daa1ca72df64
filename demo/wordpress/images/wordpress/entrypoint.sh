#!/bin/sh
# Finds the database (the "mariadb" Service on Kubernetes; podman kube play has no
# Services, its pods are reachable by pod name), then runs Apache in the foreground.
set -e
host="${WORDPRESS_DB_HOST:-mariadb}"
for candidate in "$host" "$host-pod-0" "$host-pod"; do
    if getent hosts "$candidate" >/dev/null 2>&1; then
        host="$candidate"
        break
    fi
done
export WORDPRESS_DB_HOST_RESOLVED="$host"
echo "wordpress: database at $host"
# Apache passes the environment to mod_php only through its envvars.
echo "export WORDPRESS_DB_HOST_RESOLVED='$host' WORDPRESS_DB_NAME='${WORDPRESS_DB_NAME:-wordpress}' WORDPRESS_DB_USER='${WORDPRESS_DB_USER:-wordpress}' WORDPRESS_DB_PASSWORD='${WORDPRESS_DB_PASSWORD:-}'" >> /etc/apache2/envvars
exec apache2ctl -D FOREGROUND

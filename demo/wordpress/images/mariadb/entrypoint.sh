#!/bin/sh
# Creates the database and its user from the environment (the Kubernetes Secret) on
# first start, then runs mariadbd in the foreground.
set -e
: "${MARIADB_DATABASE:=wordpress}" "${MARIADB_USER:=wordpress}" "${MARIADB_PASSWORD:?MARIADB_PASSWORD is required}"
mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld
if [ ! -d /var/lib/mysql/mysql ]; then
    chown mysql:mysql /var/lib/mysql
    mariadb-install-db --user=mysql --datadir=/var/lib/mysql --skip-test-db >/dev/null
    mariadbd --user=mysql --skip-networking --socket=/run/mysqld/init.sock &
    pid=$!
    for _ in $(seq 60); do mariadb --socket=/run/mysqld/init.sock -e 'select 1' >/dev/null 2>&1 && break; sleep 0.5; done
    mariadb --socket=/run/mysqld/init.sock <<SQL
CREATE DATABASE IF NOT EXISTS \`${MARIADB_DATABASE}\`;
CREATE USER IF NOT EXISTS '${MARIADB_USER}'@'%' IDENTIFIED BY '${MARIADB_PASSWORD}';
GRANT ALL ON \`${MARIADB_DATABASE}\`.* TO '${MARIADB_USER}'@'%';
FLUSH PRIVILEGES;
SQL
    kill "$pid"; wait "$pid" || true
fi
exec mariadbd --user=mysql --bind-address=0.0.0.0 --port=3306

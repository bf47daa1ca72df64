#!/bin/sh
# Runs one workload of the workload tier inside the container; exits non-zero on failure.
#   run.sh php-jit|php-fpm|erlang|java|node|python-ctypes|nginx|redis|varnish|postgres|rabbitmq
set -eu
w=/opt/workloads
case "$1" in
    php-jit)
        out="$(php -d opcache.enable_cli=1 -d opcache.jit_buffer_size=32M -d opcache.jit=tracing $w/jit.php)"
        echo "$out"; echo "$out" | grep -q 'jit=on' ;;
    php-fpm)
        # The JIT's buffer is sized at start-up (PHP_INI_SYSTEM): set on the command line.
        php-fpm8.2 -d opcache.enable=1 -d opcache.jit_buffer_size=32M -d opcache.jit=tracing \
            -y $w/php-fpm-pool.conf & fpm=$!
        request() { SCRIPT_FILENAME=$w/jit.php REQUEST_METHOD=GET cgi-fcgi -bind -connect 127.0.0.1:9000; }
        for _ in $(seq 50); do request >/dev/null 2>&1 && break; sleep 0.1; done
        for _ in 1 2 3; do request | grep -q 'jit=on'; done
        kill -USR2 $fpm; sleep 1   # graceful reload: new workers, the JIT again
        for _ in 1 2 3; do request | grep -q 'jit=on'; done
        kill $fpm; wait $fpm || true
        echo "php-fpm served 6 requests with the JIT, across a reload" ;;
    erlang)
        out="$(erl -noshell -eval 'io:format("flavor=~s sum=~p~n", [erlang:system_info(emu_flavor), lists:sum(lists:seq(1, 1000000))]), halt().')"
        echo "$out"; echo "$out" | grep -q 'flavor=jit' ;;
    java)
        java -Xshare:auto -XX:+UseSerialGC $w/Hot.java ;;
    node)
        node -e 'let s = 0; for (let i = 0; i < 2e7; i++) s += i % 7; console.log("sum=" + s);' ;;
    python-ctypes)
        python3 $w/ctypes_callback.py | grep -q 'sorted=1,2,3,4,5' ;;
    nginx)
        nginx; for _ in $(seq 50); do curl -fs http://127.0.0.1/ >/dev/null && break; sleep 0.1; done
        for _ in 1 2 3 4 5; do curl -fs http://127.0.0.1/ >/dev/null; done
        nginx -s reload; sleep 0.5; curl -fs http://127.0.0.1/ >/dev/null; nginx -s quit
        echo "nginx served 6 requests across a reload" ;;
    redis)
        redis-server --daemonize yes --save '' --port 6380
        for _ in $(seq 50); do redis-cli -p 6380 ping >/dev/null 2>&1 && break; sleep 0.1; done
        redis-benchmark -p 6380 -q -n 5000 -t get,set
        redis-cli -p 6380 shutdown nosave || true ;;
    varnish)
        # Compiles its VCL to a shared object and loads it: needs the writtenBy exception
        # of docs/policy.md. A second VCL is compiled and loaded while it serves.
        nginx 2>/dev/null
        varnishd -n /var/lib/varnish/dg -a 127.0.0.1:6081 -f $w/default.vcl -s malloc,32m
        for _ in $(seq 100); do curl -fs http://127.0.0.1:6081/ >/dev/null 2>&1 && break; sleep 0.1; done
        curl -fs http://127.0.0.1:6081/ >/dev/null
        varnishadm -n /var/lib/varnish/dg vcl.load reloaded $w/default.vcl >/dev/null
        varnishadm -n /var/lib/varnish/dg vcl.use reloaded >/dev/null
        for _ in 1 2 3; do curl -fs http://127.0.0.1:6081/ >/dev/null; done
        varnishadm -n /var/lib/varnish/dg stop >/dev/null
        pkill -x varnishd; nginx -s quit 2>/dev/null
        echo "varnish served 4 requests through two compiled VCLs" ;;
    postgres)
        # PostgreSQL's LLVM JIT (llvmjit.so) compiles queries to machine code.
        d=/var/lib/postgresql/dg
        su postgres -s /bin/sh -c "/usr/lib/postgresql/15/bin/initdb -D $d >/dev/null 2>&1 &&
            /usr/lib/postgresql/15/bin/pg_ctl -D $d -o '-k /tmp -c listen_addresses=' -w start >/dev/null"
        out="$(su postgres -s /bin/sh -c "psql -h /tmp -At -c \"set jit_above_cost = 0; set jit_optimize_above_cost = 0; set jit_inline_above_cost = 0; explain (analyze, format json) select sum(i * 2) from generate_series(1, 200000) i\"")"
        su postgres -s /bin/sh -c "/usr/lib/postgresql/15/bin/pg_ctl -D $d -w stop >/dev/null"
        echo "$out" | grep -q '"Functions":' || { echo "$out"; exit 1; }
        echo "postgres ran a query through its LLVM JIT" ;;
    rabbitmq)
        # RabbitMQ on Erlang's JIT, its CLI tools on a second Erlang VM each.
        rabbitmq-server >/tmp/rabbitmq.log 2>&1 & server=$!
        for _ in $(seq 120); do rabbitmqctl -q await_startup --timeout 5 >/dev/null 2>&1 && break; sleep 0.5; done
        rabbitmqctl -q status >/dev/null
        rabbitmqctl -q stop >/dev/null; wait $server || true
        echo "rabbitmq started, answered rabbitmqctl status, stopped" ;;
    *) echo "unknown workload $1" >&2; exit 2 ;;
esac

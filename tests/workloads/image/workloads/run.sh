#!/bin/sh
# Runs one workload of the workload tier inside the container; exits non-zero on failure.
#   run.sh php-jit|php-fpm|erlang|java|node|python-ctypes|nginx|redis
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
    *) echo "unknown workload $1" >&2; exit 2 ;;
esac

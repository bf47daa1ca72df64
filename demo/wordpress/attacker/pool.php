<?php
// The "mining pool" of the demo: logs every miner that logs in, on 127.0.0.1:3333.
$server = stream_socket_server('tcp://127.0.0.1:3333', $errno, $error);
if (!$server) {
    fwrite(STDERR, "pool: $error\n");
    exit(1);
}
while (true) {
    $connection = @stream_socket_accept($server, -1);
    if (!$connection) {
        continue;
    }
    $line = trim((string) fgets($connection));
    echo gmdate('c') . " pool: a miner logged in: $line\n";
    fclose($connection);
}

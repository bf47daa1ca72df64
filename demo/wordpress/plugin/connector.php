<?php
// DELIBERATELY VULNERABLE - DEMO ONLY. Imitates the unauthenticated elFinder connector of
// CVE-2020-25213 (WP File Manager's lib/php/connector.minimal.php): it is reachable
// directly over HTTP, checks no login, no nonce and no file type, and stores the upload
// where the web server executes PHP. An attacker uploads a PHP web shell and runs commands
// as the web server.
if ($_SERVER['REQUEST_METHOD'] !== 'POST' || !isset($_FILES['upload'])) {
    http_response_code(400);
    exit("expected a POST with a file field 'upload'\n");
}
$target = __DIR__ . '/files/' . basename($_FILES['upload']['name']);
if (!move_uploaded_file($_FILES['upload']['tmp_name'], $target)) {
    http_response_code(500);
    exit("upload failed\n");
}
echo "stored files/" . basename($target) . "\n";

<?php
// Hot loops the opcache JIT compiles; prints whether the JIT is on and used.
function mandel(int $size): int {
    $inside = 0;
    for ($y = 0; $y < $size; $y++) {
        for ($x = 0; $x < $size; $x++) {
            $cr = 2.0 * $x / $size - 1.5; $ci = 2.0 * $y / $size - 1.0;
            $zr = 0.0; $zi = 0.0; $i = 0;
            while ($i < 100 && $zr * $zr + $zi * $zi < 4.0) {
                $t = $zr * $zr - $zi * $zi + $cr; $zi = 2.0 * $zr * $zi + $ci; $zr = $t; $i++;
            }
            $inside += $i == 100 ? 1 : 0;
        }
    }
    return $inside;
}
$result = mandel(200);
$status = function_exists('opcache_get_status') ? opcache_get_status(false) : false;
$jit = $status && $status['jit']['on'] && $status['jit']['buffer_size'] > $status['jit']['buffer_free'];
echo "mandel=$result jit=" . ($jit ? "on" : "off") . "\n";

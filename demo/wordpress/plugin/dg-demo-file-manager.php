<?php
/**
 * Plugin Name: DG Demo File Manager (DELIBERATELY VULNERABLE - DEMO ONLY)
 * Description: driftguard's demo of CVE-2020-25213 (WP File Manager <= 6.8): a connector
 *              script that accepts file uploads without any authentication, into a
 *              web-served directory. NEVER install this on a real site.
 * Version: 0.0.1-demo
 */
defined('ABSPATH') || exit;

# bench/nginx-lib.sh - sourced by bench/run.sh and bench/proxy.sh: the part of an nginx configuration they share.
# nginx_preamble DIR WORKERS prints the start of a configuration whose every file lives under DIR (pid, logs, temp
# paths: nothing outside the bench's own folder) and leaves the http block open for the caller's settings and servers.
nginx_preamble() {
    local dir=$1 workers=$2
    mkdir -p "$dir/logs" "$dir/tmp"
    cat <<CONF
worker_processes $workers;
daemon off;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
CONF
}

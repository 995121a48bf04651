#!/usr/bin/env bash
# Docker's HEALTHCHECK: GET /health of a `treeline serve` in this container (200 once every model is loaded and
# warmed, 503 while loading or stopping). Any other command has no server and is healthy while it runs.
# Plain HTTP only: with serving.tls.* set, probe from outside or set the check in compose to an HTTPS client.
set -uo pipefail
port_file="${HEALTHCHECK_PORT_FILE:-/tmp/treeline-serving-port}"
[[ -f "$port_file" ]] || exit 0
port="$(< "$port_file")"
exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
printf 'GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' >&3
IFS=' ' read -r -t 4 _ status _ <&3 || exit 1
[[ "$status" == "200" ]]

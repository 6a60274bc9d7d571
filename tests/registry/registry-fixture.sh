#!/bin/bash
# The test registry shared by xunit (RegistryFixture) and Pester (Start-TestRegistry): Debian's
# docker-registry (CNCF distribution 2.8) on 127.0.0.1, a free port, filesystem storage in DIR.
#   registry-fixture.sh start DIR [--tls [--client-ca FILE]] [--user NAME --password SECRET] [--token REALM CERT] [--access-log] [--addr IP]   prints the port
#   registry-fixture.sh stop DIR                                             stops the one started in DIR
# --tls makes a self-signed certificate for 127.0.0.1/localhost with openssl (DIR/certs/ca.crt, the
# layout skopeo's --cert-dir and /etc/docker/certs.d use); --client-ca makes it demand a client certificate
# signed by the CA in FILE (http.tls.clientcas); --user adds an htpasswd (bcrypt) user;
# --token makes it trust Bearer tokens from REALM signed by the certificate in the PEM file CERT
# (distribution's auth: token, service layertools-test, issuer layertools-issuer); --access-log writes
# one line per request (combined log format) to DIR/registry.log, for tests that count requests;
# --addr listens on another loopback address than 127.0.0.1 (the one the host name resolves to).
set -euo pipefail

cmd=${1:?start or stop}; dir=${2:?folder}; shift 2
case "$cmd" in
stop)
    if [[ -f "$dir/pid" ]]; then
        pid=$(cat "$dir/pid")
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
        rm -f "$dir/pid"
    fi
    exit 0 ;;
start) ;;
*) echo "unknown command $cmd" >&2; exit 2 ;;
esac

addr=127.0.0.1; tls=0; clientca=''; user=''; password=''; realm=''; tokencert=''; accesslog_disabled=true
while [[ $# -gt 0 ]]; do
    case "$1" in
    --tls) tls=1; shift ;;
    --client-ca) clientca=$2; shift 2 ;;
    --user) user=$2; shift 2 ;;
    --password) password=$2; shift 2 ;;
    --token) realm=$2; tokencert=$3; shift 3 ;;
    --access-log) accesslog_disabled=false; shift ;;
    --addr) addr=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done

mkdir -p "$dir/data"
# A free port can be taken by another process between choosing it and the registry binding it: then
# the registry exits, and the start is tried again on another port (at most five times).
for attempt in 1 2 3 4 5; do
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("'"$addr"'",0)); print(s.getsockname()[1]); s.close()')
    {
        echo 'version: 0.1'
        echo "log: {level: error, accesslog: {disabled: $accesslog_disabled}}"
        echo "storage: {filesystem: {rootdirectory: \"$dir/data\"}, delete: {enabled: true}}"
        echo 'http:'
        echo "  addr: $addr:$port"
        echo '  secret: layertools-test-secret'
        if [[ $tls == 1 ]]; then
            mkdir -p "$dir/certs"
            openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj '/CN=127.0.0.1' \
                -addext 'subjectAltName=IP:127.0.0.1,DNS:localhost' \
                -keyout "$dir/server.key" -out "$dir/certs/ca.crt" 2>/dev/null
            if [[ -n $clientca ]]; then
                echo "  tls: {certificate: \"$dir/certs/ca.crt\", key: \"$dir/server.key\", clientcas: [\"$clientca\"]}"
            else
                echo "  tls: {certificate: \"$dir/certs/ca.crt\", key: \"$dir/server.key\"}"
            fi
        fi
        if [[ -n $user ]]; then
            htpasswd -Bbn "$user" "$password" > "$dir/htpasswd"
            echo "auth: {htpasswd: {realm: layertools-test, path: \"$dir/htpasswd\"}}"
        fi
        if [[ -n $realm ]]; then
            echo "auth: {token: {realm: \"$realm\", service: layertools-test, issuer: layertools-issuer, rootcertbundle: \"$tokencert\"}}"
        fi
    } > "$dir/config.yml"

    setsid docker-registry serve "$dir/config.yml" > "$dir/registry.log" 2>&1 < /dev/null &
    echo $! > "$dir/pid"
    for _ in $(seq 1 100); do
        if (exec 3<>"/dev/tcp/$addr/$port") 2>/dev/null && sleep 0.2 && kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
            echo "$port" > "$dir/port"
            echo "$port"
            exit 0
        fi
        if ! kill -0 "$(cat "$dir/pid")" 2>/dev/null; then break; fi
        sleep 0.1
    done
    "$0" stop "$dir" >/dev/null 2>&1 || true
    grep -qi 'address already in use' "$dir/registry.log" || break
done
echo "docker-registry did not start:" >&2; cat "$dir/registry.log" >&2
"$0" stop "$dir"
exit 1

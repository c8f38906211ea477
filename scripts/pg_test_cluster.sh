#!/usr/bin/env bash
# Run a command with MICROFACTORY_TEST_DATABASE_URL pointing at a reachable PostgreSQL server.
#
#   scripts/pg_test_cluster.sh COMMAND [ARGS...]   run COMMAND against PostgreSQL; exit with its status
#   scripts/pg_test_cluster.sh --drop-stale        remove throwaway clusters whose owning run has gone
#
# When MICROFACTORY_TEST_DATABASE_URL is already set and the server answers pg_isready, COMMAND runs
# against it unchanged. Otherwise this script installs Debian's `postgresql` when it is missing, creates
# a throwaway cluster (`pg_createcluster`, trust auth, fsync off, a free loopback port, a name unique to
# this run: mf_test_<pid>_<random>), runs COMMAND with
#   MICROFACTORY_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:<port>/postgres
# and always removes the cluster afterwards (`pg_dropcluster --stop`), on success, failure or Ctrl-C.
# Two runs at once get different clusters and ports. Needs root (or sudo) for apt-get and the cluster
# tools; the cluster runs as the `postgres` user.
set -euo pipefail

readonly PREFIX="mf_test_"
readonly HOST="127.0.0.1"
readonly APT_LOCK="/tmp/microfactory-apt.lock"

log() { printf 'pg_test_cluster: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 2; }

SUDO=()
if [[ $EUID -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 || die "needs root (or sudo) to manage PostgreSQL clusters"
    SUDO=(sudo -n)
fi

have_server() {
    command -v pg_createcluster >/dev/null 2>&1 && compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null
}

ensure_postgresql() {
    have_server && return 0
    command -v apt-get >/dev/null 2>&1 || die "PostgreSQL is not installed and apt-get is not available"
    log "installing Debian's postgresql package"
    # One install at a time on this machine: a concurrent run waits here instead of failing on dpkg's lock.
    "${SUDO[@]}" flock -w 1200 "$APT_LOCK" bash -c '
        set -euo pipefail
        if command -v pg_createcluster >/dev/null 2>&1 && compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null; then
            exit 0
        fi
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends postgresql </dev/null
    ' || die "could not install postgresql with apt-get"
    have_server || die "postgresql installed but pg_createcluster or the server binary is still missing"
}

latest_version() {
    local dir best=""
    for dir in /usr/lib/postgresql/*/bin/postgres; do
        dir=${dir#/usr/lib/postgresql/}
        dir=${dir%%/*}
        [[ $dir =~ ^[0-9]+$ ]] || continue
        if [[ -z $best ]] || ((dir > best)); then best=$dir; fi
    done
    [[ -n $best ]] || die "no PostgreSQL server found under /usr/lib/postgresql"
    printf '%s\n' "$best"
}

free_port() {
    # Ask the kernel for a free loopback port; the retry loop below covers the small race after close.
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

libpq_url() {
    # SQLAlchemy's postgresql+psycopg:// is not a libpq URI; pg_isready wants postgresql://.
    local url=$1
    url=${url/#postgresql+psycopg2:\/\//postgresql://}
    url=${url/#postgresql+psycopg:\/\//postgresql://}
    printf '%s\n' "$url"
}

drop_stale() {
    # Clusters named mf_test_<pid>_* whose <pid> is no longer running were left by a killed run.
    local ver name pid
    command -v pg_lsclusters >/dev/null 2>&1 || return 0
    while read -r ver name _; do
        [[ $name == "$PREFIX"* ]] || continue
        pid=${name#"$PREFIX"}
        pid=${pid%%_*}
        if [[ $pid =~ ^[0-9]+$ ]] && ! kill -0 "$pid" 2>/dev/null; then
            log "removing stale cluster $ver/$name"
            "${SUDO[@]}" pg_dropcluster --stop "$ver" "$name" || log "could not remove $ver/$name"
        fi
    done < <(pg_lsclusters -h 2>/dev/null)
}

if [[ ${1:-} == "--drop-stale" ]]; then
    drop_stale
    exit 0
fi
(($# > 0)) || die "usage: $0 COMMAND [ARGS...] | --drop-stale"

# 1. An explicit server that answers: use it as it is.
if [[ -n ${MICROFACTORY_TEST_DATABASE_URL:-} ]]; then
    command -v pg_isready >/dev/null 2>&1 || ensure_postgresql
    if pg_isready -q -t 5 -d "$(libpq_url "$MICROFACTORY_TEST_DATABASE_URL")"; then
        log "using MICROFACTORY_TEST_DATABASE_URL as given"
        exec "$@"
    fi
    log "warning: MICROFACTORY_TEST_DATABASE_URL is set but its server does not answer;" \
        "using a throwaway cluster instead"
fi

# 2. Otherwise a throwaway cluster of our own.
ensure_postgresql
VERSION=$(latest_version)
CLUSTER="${PREFIX}$$_${RANDOM}${RANDOM}"
CREATED=0
WORK_LOG=$(mktemp -t mf-pg-XXXXXX.log)

cleanup() {
    local status=$?
    trap - EXIT INT TERM HUP
    if ((CREATED)); then
        if ! "${SUDO[@]}" pg_dropcluster --stop "$VERSION" "$CLUSTER" >>"$WORK_LOG" 2>&1; then
            log "warning: could not remove cluster $VERSION/$CLUSTER (see $WORK_LOG);" \
                "'$0 --drop-stale' removes it later"
            exit "$status"
        fi
    fi
    rm -f "$WORK_LOG"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

PORT=""
for attempt in 1 2 3 4 5; do
    port=$(free_port)
    CREATED=1
    # listen_addresses stays at its default, localhost (pg_createcluster's -o would write 127.0.0.1
    # unquoted, which the server then rejects as a syntax error).
    if "${SUDO[@]}" pg_createcluster "$VERSION" "$CLUSTER" -p "$port" \
        -o fsync=off -o synchronous_commit=off -o full_page_writes=off \
        -o max_connections=50 -o shared_buffers=64MB \
        -- -A trust -E UTF8 --locale=C.UTF-8 --no-sync >>"$WORK_LOG" 2>&1 &&
        "${SUDO[@]}" pg_ctlcluster "$VERSION" "$CLUSTER" start >>"$WORK_LOG" 2>&1; then
        PORT=$port
        break
    fi
    log "attempt $attempt: could not create or start $VERSION/$CLUSTER on port $port; retrying"
    "${SUDO[@]}" pg_dropcluster --stop "$VERSION" "$CLUSTER" >>"$WORK_LOG" 2>&1 || true
    CREATED=0
done
if [[ -z $PORT ]]; then
    cat "$WORK_LOG" >&2
    die "could not start a throwaway PostgreSQL cluster"
fi

# pg_ctlcluster waits for start-up; this bounded check confirms TCP connections are accepted.
for _ in $(seq 1 100); do
    pg_isready -q -h "$HOST" -p "$PORT" -U postgres -d postgres && break
    sleep 0.1
done
pg_isready -q -h "$HOST" -p "$PORT" -U postgres -d postgres || {
    cat "$WORK_LOG" >&2
    die "cluster $VERSION/$CLUSTER started but does not answer on $HOST:$PORT"
}

export MICROFACTORY_TEST_DATABASE_URL="postgresql+psycopg://postgres@${HOST}:${PORT}/postgres"
log "PostgreSQL $VERSION cluster $CLUSTER on $HOST:$PORT"

# The command runs as a child we wait for, so a TERM or HUP sent to this script alone is passed on at
# once and the cluster still goes. Ctrl-C reaches the child directly (same process group); bash starts
# background children with SIGINT ignored, which `env --default-signal` undoes so pytest can be
# interrupted. Where env lacks that option the command runs in the foreground instead.
CHILD=""
on_signal() {
    local forward=$1 status=$2
    if [[ -n $CHILD ]]; then
        if [[ -n $forward ]]; then kill "-$forward" "$CHILD" 2>/dev/null || true; fi
        wait "$CHILD" 2>/dev/null || true
    fi
    exit "$status"
}
trap 'on_signal "" 130' INT
trap 'on_signal TERM 143' TERM
trap 'on_signal TERM 129' HUP

set +e
if env --default-signal=INT,QUIT true 2>/dev/null; then
    env --default-signal=INT,QUIT "$@" <&0 &
    CHILD=$!
    wait "$CHILD"
else
    "$@"
fi
STATUS=$?
set -e
exit "$STATUS"

#!/usr/bin/env bash
# Runs the whole test suite with the race detector, against a throwaway
# PostgreSQL server and a throwaway Redis server that this script starts and
# always removes, so that the pgstore and redisfleet tests run instead of
# skipping.
#
#   scripts/test.sh                 go test -race -count=1 -timeout=5m ./..., then the
#                                   same in the module of examples/sdk
#   scripts/test.sh CMD ARGS...     runs CMD ARGS... instead, with the server up
#                                   (e.g. go test -run '^$' -bench . ./runtime/store/...)
#
# PostgreSQL comes from Debian's packages: it is installed (as root) when no
# server binaries are found. The server lives in a new temporary directory,
# listens on 127.0.0.1 on a free port and on a unix socket in that directory,
# and is stopped and deleted on exit, however the tests end. Its address is
# exported as RESILGEN_PG_DSN. When RESILGEN_PG_DSN is already set, that
# server is used and none is started.
#
# Redis likewise: redis-server comes from Debian's redis-server package
# (installed as root when missing), runs in its own temporary directory on a
# free loopback port without persistence, is killed and deleted on exit, and
# its address is exported as RESILGEN_REDIS_ADDR (unless already set).
set -euo pipefail
cd "$(dirname "$0")/.."

log() { echo "test.sh: $*" >&2; }

# pg_bindir prints the directory of the newest installed server binaries.
pg_bindir() {
	local dir
	dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1) || true
	if [[ -n $dir && -x $dir/initdb ]]; then
		echo "$dir"
	elif command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
		dirname "$(command -v initdb)"
	fi
}

# port_free reports whether nothing listens on 127.0.0.1:$1.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start_postgres() {
	local bindir
	bindir=$(pg_bindir)
	if [[ -z $bindir ]]; then
		if [[ $(id -u) -ne 0 ]]; then
			log "PostgreSQL is not installed and installing it needs root: run 'apt-get install -y postgresql' or set RESILGEN_PG_DSN"
			exit 1
		fi
		log "installing PostgreSQL from Debian's packages"
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
		bindir=$(pg_bindir)
		[[ -n $bindir ]] || { log "installed postgresql but found no initdb"; exit 1; }
	fi
	PG_BINDIR=$bindir

	# initdb and postgres refuse to run as root: run them as the postgres
	# user the Debian package creates.
	as_pg=()
	if [[ $(id -u) -eq 0 ]]; then
		if ! id postgres >/dev/null 2>&1; then
			useradd --system --home-dir /var/lib/postgresql --shell /bin/sh postgres
		fi
		as_pg=(runuser -u postgres --)
	fi

	PGTMP=$(mktemp -d /tmp/resilgen-pg.XXXXXX)
	trap stop_postgres EXIT
	trap 'exit 130' INT TERM
	[[ ${#as_pg[@]} -eq 0 ]] || chown postgres: "$PGTMP"

	(cd "$PGTMP" && "${as_pg[@]}" "$bindir/initdb" -D "$PGTMP/data" -U postgres --auth=trust \
		--encoding=UTF8 --locale=C.UTF-8 >"$PGTMP/initdb.log" 2>&1) ||
		{ cat "$PGTMP/initdb.log" >&2; log "initdb failed"; exit 1; }

	# A free port: try random ones until one is free and the server starts
	# on it (another process may take it between the check and the start).
	local try
	for try in 1 2 3 4 5 6 7 8; do
		PGPORT_USED=$((20000 + RANDOM % 40000))
		port_free "$PGPORT_USED" || continue
		if (cd "$PGTMP" && "${as_pg[@]}" "$bindir/pg_ctl" -D "$PGTMP/data" -l "$PGTMP/server.log" -w -t 60 \
			-o "-c listen_addresses=127.0.0.1 -p $PGPORT_USED -c unix_socket_directories=$PGTMP" \
			start >/dev/null); then
			break
		fi
		PGPORT_USED=
	done
	[[ -n ${PGPORT_USED:-} ]] || { cat "$PGTMP/server.log" >&2; log "could not start PostgreSQL"; exit 1; }

	local i
	for i in $(seq 1 100); do
		"$bindir/pg_isready" -q -h 127.0.0.1 -p "$PGPORT_USED" && break
		sleep 0.1
	done
	"$bindir/pg_isready" -q -h 127.0.0.1 -p "$PGPORT_USED" || { log "PostgreSQL did not get ready"; exit 1; }
	"$bindir/createdb" -h 127.0.0.1 -p "$PGPORT_USED" -U postgres resilgen_test

	export RESILGEN_PG_DSN="postgres://postgres@127.0.0.1:$PGPORT_USED/resilgen_test?sslmode=disable"
	log "throwaway PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') at $RESILGEN_PG_DSN"
}

stop_postgres() {
	[[ -n ${PGTMP:-} ]] || return 0
	if [[ -n ${PGPORT_USED:-} ]]; then
		(cd "$PGTMP" && "${as_pg[@]}" "$PG_BINDIR/pg_ctl" -D "$PGTMP/data" -m immediate -w stop >/dev/null 2>&1) || true
	fi
	rm -rf "$PGTMP"
}

start_redis() {
	if ! command -v redis-server >/dev/null; then
		if [[ $(id -u) -ne 0 ]]; then
			log "redis-server is not installed and installing it needs root: run 'apt-get install -y redis-server' or set RESILGEN_REDIS_ADDR"
			exit 1
		fi
		log "installing redis-server from Debian's packages"
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
		command -v redis-server >/dev/null || { log "installed redis-server but found no redis-server"; exit 1; }
	fi
	REDISTMP=$(mktemp -d /tmp/resilgen-redis.XXXXXX)
	local try i
	for try in 1 2 3 4 5 6 7 8; do
		REDIS_PORT=$((20000 + RANDOM % 40000))
		port_free "$REDIS_PORT" || continue
		redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$REDISTMP" --save '' --appendonly no \
			--daemonize no --logfile "$REDISTMP/server.log" &
		REDIS_PID=$!
		for i in $(seq 1 50); do
			if redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
				break 2
			fi
			kill -0 "$REDIS_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$REDIS_PID" 2>/dev/null || true
		wait "$REDIS_PID" 2>/dev/null || true
		REDIS_PID=
	done
	[[ -n ${REDIS_PID:-} ]] || { cat "$REDISTMP/server.log" >&2 || true; log "could not start redis-server"; exit 1; }
	export RESILGEN_REDIS_ADDR="127.0.0.1:$REDIS_PORT"
	log "throwaway Redis $(redis-server --version | awk '{print $3}') at $RESILGEN_REDIS_ADDR"
}

stop_redis() {
	if [[ -n ${REDIS_PID:-} ]]; then
		kill -9 "$REDIS_PID" 2>/dev/null || true
		wait "$REDIS_PID" 2>/dev/null || true
	fi
	rm -rf "${REDISTMP:-}"
}

# cleanup removes every server this script started, however it ends.
cleanup() {
	stop_redis
	stop_postgres
}

if [[ -z ${RESILGEN_PG_DSN:-} ]]; then
	start_postgres
fi
trap cleanup EXIT
trap 'exit 130' INT TERM
if [[ -z ${RESILGEN_REDIS_ADDR:-} ]]; then
	start_redis
fi

if [[ $# -gt 0 ]]; then
	"$@"
else
	go test -race -count=1 -timeout=5m ./...
	# The examples on real SDK clients are a module of their own, so that
	# this one's go.mod gains no SDK: ./... does not reach them.
	(cd examples/sdk && go test -race -count=1 -timeout=5m ./...)
fi

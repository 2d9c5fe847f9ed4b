# make bench: install the peers and the load generator, then measure esauth
# beside them; writes docs/performance.md and bench/results.json.
.PHONY: bench pgo test

bench:
	bash bench/install.sh
	go run ./bench

# make pgo: profile esauth's server under the auth and gateway loads and
# write cmd/esauth/default.pgo, which go build uses by itself (commit it;
# run it again when the hot path changes).
pgo:
	bash bench/install.sh
	go run ./bench -pgo -d 30s

test:
	go test -race -count=1 ./...

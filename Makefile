# make bench: install the peers and the load generator, then measure esauth
# beside them; writes docs/performance.md and bench/results.json.
.PHONY: bench test

bench:
	bash bench/install.sh
	go run ./bench

test:
	go test -race -count=1 ./...

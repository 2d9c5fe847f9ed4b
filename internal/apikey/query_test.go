package apikey

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/esauth/esauth/internal/store"
)

// QueryKeys lists every key in index order with what the query API
// reads, and Info renders a key as get does.
func TestQueryKeys(t *testing.T) {
	f := newFixture(t)
	a := f.create(`{"name":"a","metadata":{"x":1},"role_descriptors":{"r":{"cluster":["monitor"]}}}`, aliceCaller())
	f.clock.Add(time.Second) // keys created in one millisecond come in id order, which is random
	b := f.create(`{"name":"b","expiration":"1d"}`, aliceCaller())
	keys, err := f.svc.QueryKeys(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || keys[0].ID != a.ID || keys[1].ID != b.ID {
		t.Fatalf("keys %+v", keys)
	}
	k := keys[0]
	if *k.Name != "a" || k.Type != "rest" || k.Username != "alice" || k.Realm != alice.Realm || string(k.Metadata) != `{"x":1}` || k.Expiration != nil || k.Invalidated {
		t.Errorf("first key %+v", k)
	}
	if keys[1].Expiration == nil || *keys[1].Expiration != keys[1].Creation+86_400_000 {
		t.Errorf("expiration %v, creation %d", keys[1].Expiration, keys[1].Creation)
	}
	get, err := f.svc.Get(context.Background(), GetRequest{ID: a.ID, WithLimitedBy: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	info, err := k.Info(true)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := jsonOf(t, info), jsonOf(t, get.Keys[0]); got != want {
		t.Errorf("Info:\n got %s\nwant %s", got, want)
	}
	info, _ = k.Info(false)
	if got := jsonOf(t, info); contains(got, "limited_by") {
		t.Errorf("limited_by not asked: %s", got)
	}
	f.cfg.Enabled = false
	if _, err := f.newService().QueryKeys(context.Background()); err == nil || !contains(errJSON(err), "api keys are not enabled") {
		t.Errorf("disabled: %v", err)
	}
}

// BenchmarkQueryKeys lists 10,000 keys from the store, as every query
// API keys request does.
func BenchmarkQueryKeys(b *testing.B) {
	db := openBolt(b)
	ctx := context.Background()
	for i := range 10_000 {
		name := fmt.Sprintf("key-%d", i)
		d := &document{DocType: docType, Type: typeREST, CreationTime: int64(1_700_000_000_000 + i), Hash: "{PBKDF2}x",
			RoleDescriptors: json.RawMessage(`{}`), LimitedBy: json.RawMessage(`{"r":{"cluster":["monitor"],"indices":[],"applications":[],"run_as":[],"metadata":{},"type":"role"}}`),
			Name: &name, Version: docVersion, Metadata: json.RawMessage(`{"env":"prod"}`),
			Creator: creator{Principal: "alice", Realm: "native1", RealmType: "native", Metadata: json.RawMessage(`{}`)}}
		f := false
		d.Invalidated = &f
		if err := db.Create(ctx, store.APIKeys, fmt.Sprintf("id%06d", i), d.encode()); err != nil {
			b.Fatal(err)
		}
	}
	svc := New(db, defaultConfig(), Options{Log: slog.New(slog.DiscardHandler)})
	b.Cleanup(func() { _ = svc.Close(ctx) })
	b.ReportAllocs()
	for b.Loop() {
		if keys, err := svc.QueryKeys(ctx); err != nil || len(keys) != 10_000 {
			b.Fatal(len(keys), err)
		}
	}
}

package etcdtest_test

import (
	"testing"
	"time"

	"github.com/esauth/esauth/internal/store/etcdstore/etcdtest"
)

func TestMemberStopRestart(t *testing.T) {
	m := etcdtest.StartMember(t)
	c := m.Client(t)
	ctx := t.Context()
	if _, err := c.Put(ctx, "k", "v1"); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	m.Stop()
	m.Stop() // a second Stop must be harmless
	t.Logf("stopped in %v", time.Since(start))
	if m.Running() || m.Etcd() != nil {
		t.Fatal("member reports running after Stop")
	}
	start = time.Now()
	m.Restart(t)
	t.Logf("restarted in %v", time.Since(start))

	// The same ClientURL serves again, with the data written before.
	resp, err := c.Get(ctx, "k")
	if err != nil {
		t.Fatalf("Get after restart: %v", err)
	}
	if len(resp.Kvs) != 1 || string(resp.Kvs[0].Value) != "v1" {
		t.Fatalf("after restart k = %v, want v1", resp.Kvs)
	}
}

func TestCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a three-member cluster")
	}
	start := time.Now()
	ms := etcdtest.StartCluster(t, 3)
	t.Logf("3 members ready in %v", time.Since(start))
	ctx := t.Context()
	if got := etcdtest.Endpoints(ms...); len(got) != 3 || got[0] == got[1] {
		t.Fatalf("Endpoints = %v", got)
	}
	c0, c2 := ms[0].Client(t), ms[2].Client(t)
	put, err := c0.Put(ctx, "k", "v")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c2.Get(ctx, "k")
	if err != nil || len(resp.Kvs) != 1 || resp.Header.Revision < put.Header.Revision {
		t.Fatalf("Get through member 2 = %v, %v", resp, err)
	}

	// One member down leaves a quorum.
	start = time.Now()
	ms[2].Stop()
	t.Logf("one member stopped in %v", time.Since(start))
	etcdtest.WaitLeader(t, ms...)
	if _, err := c0.Put(ctx, "k", "v2"); err != nil {
		t.Fatalf("Put with 2 of 3 members: %v", err)
	}
	ms[2].Restart(t)
	if !etcdtest.WaitFor(ctx, 10*time.Second, func() bool {
		resp, err := c2.Get(ctx, "k")
		return err == nil && len(resp.Kvs) == 1 && string(resp.Kvs[0].Value) == "v2"
	}) {
		t.Fatal("restarted member did not catch up")
	}
}

package config

import (
	"fmt"
	"strings"
	"time"
)

// Store backends.
const (
	StoreBolt = "bolt"
	StoreEtcd = "etcd"
)

// StoreConfig chooses and configures the storage backend.
type StoreConfig struct {
	Type string
	Etcd EtcdConfig
}

// EtcdConfig are the esauth.store.etcd.* settings.
type EtcdConfig struct {
	Endpoints                   []string
	Prefix                      string
	Username, Password          string
	CAFile, CertFile, KeyFile   string
	DialTimeout, RequestTimeout time.Duration
}

func storeSettings() []setting {
	const p = "esauth.store."
	return []setting{
		{key: p + "type", def: StoreBolt, validate: validateStoreType},
		{key: p + "etcd.endpoints", def: "127.0.0.1:2379"},
		{key: p + "etcd.prefix", def: "/esauth/", validate: validatePrefix},
		{key: p + "etcd.username"},
		{key: p + "etcd.password"},
		{key: p + "etcd.tls.ca"},
		{key: p + "etcd.tls.cert"},
		{key: p + "etcd.tls.key"},
		{key: p + "etcd.dial_timeout", def: "5s", validate: validateTimeValue},
		{key: p + "etcd.request_timeout", def: "5s", validate: validateTimeValue},
	}
}

func validateStoreType(key, value string) error {
	if value != StoreBolt && value != StoreEtcd {
		return fmt.Errorf("setting [%s]: unknown store type [%s]; use [%s] or [%s]", key, value, StoreBolt, StoreEtcd)
	}
	return nil
}

func validatePrefix(key, value string) error {
	if !strings.HasPrefix(value, "/") || !strings.HasSuffix(value, "/") {
		return fmt.Errorf("setting [%s]: the prefix [%s] must start and end with [/]", key, value)
	}
	return nil
}

func (s *Settings) storeConfig() (StoreConfig, error) {
	const p = "esauth.store.etcd."
	c := StoreConfig{Type: s.Get("esauth.store.type"), Etcd: EtcdConfig{
		Prefix: s.Get(p + "prefix"), Username: s.Get(p + "username"), Password: s.Get(p + "password"),
		CAFile: s.Get(p + "tls.ca"), CertFile: s.Get(p + "tls.cert"), KeyFile: s.Get(p + "tls.key"),
	}}
	for _, e := range strings.Split(s.Get(p+"endpoints"), ",") {
		if e = strings.TrimSpace(e); e != "" {
			c.Etcd.Endpoints = append(c.Etcd.Endpoints, e)
		}
	}
	if c.Type == StoreEtcd && len(c.Etcd.Endpoints) == 0 {
		return c, fmt.Errorf("setting [%sendpoints] must list at least one etcd endpoint", p)
	}
	if (c.Etcd.CertFile == "") != (c.Etcd.KeyFile == "") {
		return c, fmt.Errorf("settings [%stls.cert] and [%stls.key] must be given together", p, p)
	}
	var err error
	if c.Etcd.DialTimeout, err = parseTimeValue(p+"dial_timeout", s.Get(p+"dial_timeout")); err != nil {
		return c, err
	}
	if c.Etcd.RequestTimeout, err = parseTimeValue(p+"request_timeout", s.Get(p+"request_timeout")); err != nil {
		return c, err
	}
	if c.Etcd.DialTimeout <= 0 || c.Etcd.RequestTimeout <= 0 {
		return c, fmt.Errorf("settings [%sdial_timeout] and [%srequest_timeout] must be positive", p, p)
	}
	return c, nil
}

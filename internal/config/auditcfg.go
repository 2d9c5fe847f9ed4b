package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/esauth/esauth/internal/audit"
)

// Audit setting names. The xpack.* ones are Elasticsearch's; the rotation
// settings are esauth's own, because Elasticsearch rotates its audit log
// in log4j2.properties, which esauth does not read.
const (
	auditPrefix         = "xpack.security.audit."
	keyAuditEnabled     = auditPrefix + "enabled"
	keyAuditInclude     = auditPrefix + "logfile.events.include"
	keyAuditExclude     = auditPrefix + "logfile.events.exclude"
	keyAuditRequestBody = auditPrefix + "logfile.events.emit_request_body"
	keyAuditEmit        = auditPrefix + "logfile.emit_"
	keyAuditMaxSize     = "esauth.audit.max_size"
	keyAuditMaxFiles    = "esauth.audit.max_files"
	keyAuditFlush       = "esauth.audit.flush_interval"
)

// minAuditFileSize keeps a typo such as "100b" from rotating on every
// event.
const minAuditFileSize = 1 << 10

// AuditConfig is the audit log's settings.
type AuditConfig struct {
	// Enabled is xpack.security.audit.enabled.
	Enabled bool
	// Events are events.include less events.exclude.
	Events audit.EventSet
	// The emit_* settings: which node fields every event carries.
	EmitNodeName, EmitNodeID, EmitClusterName, EmitClusterUUID, EmitHostName, EmitHostAddress bool
	// MaxSize is the file size in bytes that triggers rotation, and
	// MaxFiles the number of rotated files kept.
	MaxSize  int64
	MaxFiles int
	// FlushInterval bounds how long an event may sit in memory; 0 writes
	// every event through.
	FlushInterval time.Duration
}

// auditSettings are the audit log's rows, with Elasticsearch's defaults
// (LoggingAuditTrail's DEFAULT_EVENT_INCLUDES and emit_* settings).
func auditSettings() []setting {
	return []setting{
		{key: keyAuditEnabled, def: "false", validate: validateBool},
		{key: keyAuditInclude, def: strings.Join(audit.DefaultEvents.Names(), ","), validate: validateAuditEvents},
		{key: keyAuditExclude, validate: validateAuditEvents},
		{key: keyAuditRequestBody, def: "false", validate: validateEmitRequestBody},
		{key: keyAuditEmit + "node_name", def: "false", validate: validateBool},
		{key: keyAuditEmit + "node_id", def: "true", validate: validateBool},
		{key: keyAuditEmit + "cluster_name", def: "false", validate: validateBool},
		{key: keyAuditEmit + "cluster_uuid", def: "true", validate: validateBool},
		{key: keyAuditEmit + "node_host_name", def: "false", validate: validateBool},
		{key: keyAuditEmit + "node_host_address", def: "false", validate: validateBool},
		{key: keyAuditMaxSize, def: "100mb", validate: validateAuditMaxSize},
		{key: keyAuditMaxFiles, def: "7", validate: validateAuditMaxFiles},
		{key: keyAuditFlush, def: "1s", validate: validateAuditFlush},
	}
}

// auditEventList splits a list setting ("a,b" or a YAML list, which the
// loader joins with commas). An explicitly empty list cannot be told from
// an unset one, so it keeps the default; exclude _all to log nothing.
func auditEventList(value string) []string {
	if value == "" {
		return nil
	}
	return strings.Split(value, ",")
}

// validateAuditEvents checks each list on its own, as Elasticsearch's
// setting validators do, and keeps Elasticsearch's message.
func validateAuditEvents(key, value string) error {
	if _, err := audit.ParseEvents(auditEventList(value), nil); err != nil {
		return settingErr(key, "%v", err)
	}
	return nil
}

// validateEmitRequestBody refuses true. Elasticsearch then logs request
// bodies verbatim, passwords of put user and change password included;
// esauth never writes a password anywhere, so it cannot honour the
// setting and says so rather than ignore it.
func validateEmitRequestBody(key, value string) error {
	on, err := parseBool(key, value)
	if err != nil {
		return err
	}
	if on {
		return settingErr(key, "esauth never writes request bodies to the audit log, because they can hold passwords; remove the setting or set it to [false]")
	}
	return nil
}

func validateAuditMaxSize(key, value string) error {
	_, err := parseBoundedByteSize(key, value, minAuditFileSize, 1<<50)
	return err
}

func validateAuditMaxFiles(key, value string) error {
	if n, err := strconv.Atoi(value); err != nil || n < 1 || n > 1000 {
		return settingErr(key, "[%s] must be a whole number from 1 to 1000", value)
	}
	return nil
}

func validateAuditFlush(key, value string) error {
	d, err := parseTimeValue(key, value)
	if err != nil {
		return err
	}
	if d < 0 {
		return settingErr(key, "[%s] must be 0 (write every event at once) or a positive time", value)
	}
	return nil
}

// auditConfig reads settings already validated by Load; the errors are
// for a Settings built some other way.
func (s *Settings) auditConfig() (AuditConfig, error) {
	var c AuditConfig
	var err error
	bools := []struct {
		key string
		dst *bool
	}{
		{keyAuditEnabled, &c.Enabled},
		{keyAuditEmit + "node_name", &c.EmitNodeName},
		{keyAuditEmit + "node_id", &c.EmitNodeID},
		{keyAuditEmit + "cluster_name", &c.EmitClusterName},
		{keyAuditEmit + "cluster_uuid", &c.EmitClusterUUID},
		{keyAuditEmit + "node_host_name", &c.EmitHostName},
		{keyAuditEmit + "node_host_address", &c.EmitHostAddress},
	}
	for _, b := range bools {
		if *b.dst, err = parseBool(b.key, s.Get(b.key)); err != nil {
			return c, err
		}
	}
	if c.Events, err = audit.ParseEvents(auditEventList(s.Get(keyAuditInclude)), auditEventList(s.Get(keyAuditExclude))); err != nil {
		return c, err
	}
	if c.MaxSize, err = parseBoundedByteSize(keyAuditMaxSize, s.Get(keyAuditMaxSize), minAuditFileSize, 1<<50); err != nil {
		return c, err
	}
	if c.MaxFiles, err = strconv.Atoi(s.Get(keyAuditMaxFiles)); err != nil {
		return c, fmt.Errorf("setting [%s]: %w", keyAuditMaxFiles, err)
	}
	c.FlushInterval, err = parseTimeValue(keyAuditFlush, s.Get(keyAuditFlush))
	return c, err
}

// AuditOptions are the options for audit.Open: the audit settings, the
// log directory (path.logs), and of the node's identity the fields the
// emit_* settings select. The node id and cluster uuid are the caller's
// because they live in the store, not in the settings.
func (c Config) AuditOptions(node audit.Node) audit.Options {
	a := c.Audit
	keep := func(on bool, v string) string {
		if on {
			return v
		}
		return ""
	}
	return audit.Options{
		Enabled: a.Enabled,
		Dir:     c.PathLogs,
		Events:  a.Events,
		Node: audit.Node{
			ClusterName: keep(a.EmitClusterName, node.ClusterName),
			ClusterUUID: keep(a.EmitClusterUUID, node.ClusterUUID),
			NodeName:    keep(a.EmitNodeName, node.NodeName),
			NodeID:      keep(a.EmitNodeID, node.NodeID),
			HostName:    keep(a.EmitHostName, node.HostName),
			HostIP:      keep(a.EmitHostAddress, node.HostIP),
		},
		MaxSize:       a.MaxSize,
		MaxFiles:      a.MaxFiles,
		FlushInterval: a.FlushInterval,
	}
}

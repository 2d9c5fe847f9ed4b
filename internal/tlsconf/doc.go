// Package tlsconf turns the xpack.security.http.ssl settings into the REST listener's TLS configuration, reloading the certificate, key and CAs when their files change.
package tlsconf

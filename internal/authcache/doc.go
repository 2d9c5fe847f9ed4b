// Package authcache remembers verified credentials for a while, so that a realm pays its slow password hash once per user and cache lifetime instead of once per request.
package authcache

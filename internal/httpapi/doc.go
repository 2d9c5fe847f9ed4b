// Package httpapi serves Elasticsearch's REST surface for users: one route
// table, Basic authentication, authorization, and Elasticsearch's shapes
// for every answer and error.
package httpapi

// Package filerealm is Elasticsearch's file realm: users and roles read from the users and users_roles files, reloaded when they change.
package filerealm

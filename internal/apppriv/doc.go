// Package apppriv keeps Elasticsearch's application privileges: the
// descriptors applications such as Kibana register (an application, a
// privilege name, the actions it stands for, metadata), stored one record
// per privilege in store.AppPrivileges under "application/name", with an
// in-memory snapshot of all of them that writes, other nodes' writes and
// clear-cache requests drop. It also resolves privileges as
// ApplicationPrivilege.get does and decides them as ApplicationPermission
// does, for _has_privileges (authz calls it).
package apppriv

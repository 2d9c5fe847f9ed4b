// Drives esauth through Elastic's official JavaScript client, as an
// application would: the user API, authentication with a new user's
// credentials, and the errors the client turns into exceptions. Any
// failed check exits non-zero with a message; js_test.go runs it.
import assert from 'node:assert/strict'
import { Client, errors } from '@elastic/elasticsearch'

const node = process.env.ES_URL
const password = process.env.ES_PASSWORD
const admin = new Client({ node, auth: { username: 'elastic', password } })

const who = await admin.security.authenticate()
assert.equal(who.username, 'elastic')
assert.deepEqual(who.authentication_realm, { name: 'reserved', type: 'reserved' })

const userPassword = 'js-user-password-1'
const put = await admin.security.putUser({
  username: 'js-user',
  password: userPassword,
  roles: ['viewer'],
  full_name: 'JS User',
  email: 'js@example.com',
  metadata: { via: 'javascript' },
  refresh: 'wait_for'
})
assert.equal(put.created, true)

const got = await admin.security.getUser({ username: 'js-user' })
assert.deepEqual(got['js-user'], {
  username: 'js-user',
  roles: ['viewer'],
  full_name: 'JS User',
  email: 'js@example.com',
  metadata: { via: 'javascript' },
  enabled: true
})

const user = new Client({ node, auth: { username: 'js-user', password: userPassword } })
assert.equal((await user.security.authenticate()).username, 'js-user')

// A missing user is a 404 the client raises as ResponseError.
await assert.rejects(admin.security.getUser({ username: 'nobody-here' }), (err) => {
  assert.ok(err instanceof errors.ResponseError)
  assert.equal(err.statusCode, 404)
  return true
})

// Wrong credentials: a 401 with Elasticsearch's security_exception.
const wrong = new Client({ node, auth: { username: 'js-user', password: 'not-the-password' } })
await assert.rejects(wrong.security.authenticate(), (err) => {
  assert.equal(err.statusCode, 401)
  assert.equal(err.body.error.type, 'security_exception')
  return true
})

// A too-short password is Elasticsearch's 400 validation_exception.
await assert.rejects(admin.security.putUser({ username: 'short', password: '123', roles: [] }), (err) => {
  assert.equal(err.statusCode, 400)
  assert.equal(err.body.error.type, 'validation_exception')
  assert.equal(err.body.error.reason, 'Validation Failed: 1: passwords must be at least [6] characters long;')
  return true
})

await admin.security.changePassword({ username: 'js-user', password: 'js-user-password-2' })
await assert.rejects(user.security.authenticate(), (err) => err.statusCode === 401)

await admin.security.disableUser({ username: 'js-user' })
const disabled = await admin.security.getUser({ username: 'js-user' })
assert.equal(disabled['js-user'].enabled, false)
await admin.security.enableUser({ username: 'js-user' })

const found = await admin.security.queryUser({ query: { prefix: { username: 'js-' } } })
assert.equal(found.total, 1)
assert.equal(found.users[0].username, 'js-user')

const deleted = await admin.security.deleteUser({ username: 'js-user' })
assert.equal(deleted.found, true)

// An API key, sent by the client's own apiKey option ("ApiKey <encoded>").
const key = await admin.security.createApiKey({ name: 'js-key', role_descriptors: { r: { cluster: ['monitor'] } } })
const keyed = new Client({ node, auth: { apiKey: key.encoded } })
const viaKey = await keyed.security.authenticate()
assert.equal(viaKey.authentication_type, 'api_key')
assert.deepEqual(viaKey.api_key, { id: key.id, name: 'js-key' })
await assert.rejects(keyed.security.getUser(), (err) => err.statusCode === 403)
const invalidated = await admin.security.invalidateApiKey({ ids: [key.id] })
assert.deepEqual(invalidated.invalidated_api_keys, [key.id])
await assert.rejects(keyed.security.authenticate(), (err) => err.statusCode === 401)

// A service token, sent by the client's bearer option.
const token = await admin.security.createServiceToken({ namespace: 'elastic', service: 'kibana', name: 'js-token' })
const kibana = new Client({ node, auth: { bearer: token.token.value } })
const asKibana = await kibana.security.authenticate()
assert.equal(asKibana.username, 'elastic/kibana')
assert.deepEqual(asKibana.token, { name: 'js-token', type: '_service_account_index' })

// The token service: off on plain HTTP by default, as in Elasticsearch;
// on (ES_TOKENS=on), an access token is sent by the same bearer option.
const tokenGrant = { grant_type: 'password', username: 'elastic', password }
if (process.env.ES_TOKENS === 'on') {
  const tok = await admin.security.getToken(tokenGrant)
  assert.equal(tok.type, 'Bearer')
  assert.equal(tok.authentication.username, 'elastic')
  const viaToken = new Client({ node, auth: { bearer: tok.access_token } })
  const asUser = await viaToken.security.authenticate()
  assert.equal(asUser.authentication_type, 'token')
  assert.deepEqual(asUser.authentication_realm, { name: 'reserved', type: 'reserved' })
  const gone = await admin.security.invalidateToken({ token: tok.access_token })
  assert.equal(gone.invalidated_tokens, 1)
  await assert.rejects(viaToken.security.authenticate(), (err) => err.statusCode === 401)
} else {
  await assert.rejects(admin.security.getToken(tokenGrant),
    (err) => err.statusCode === 400 && err.body.error.type === 'feature_not_enabled_exception')
}

console.log('ok')

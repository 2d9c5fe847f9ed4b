// Drives esauth's gateway through Elastic's official JavaScript client:
// writes, reads, a narrowed wildcard search, a bulk with a denied item,
// and a refusal the client raises as a ResponseError. The Go test that
// runs it (js_test.go) starts the gateway in front of a fake cluster and
// creates the user: read and index on logs-*, nothing else.
import assert from 'node:assert/strict'
import { Client, errors } from '@elastic/elasticsearch'

const es = new Client({ node: process.env.ES_URL, auth: { username: 'logger', password: process.env.LOGGER_PASSWORD } })

const put = await es.index({ index: 'logs-1', id: 'js-1', document: { msg: 'from js' }, refresh: true })
assert.equal(put.result, 'created')
assert.equal((await es.get({ index: 'logs-1', id: 'js-1' }))._source.msg, 'from js')

const found = await es.search({ index: '*', size: 100 })
const seen = [...new Set(found.hits.hits.map(h => h._index))].sort()
assert.deepEqual(seen, ['logs-1', 'logs-2'])

const bulk = await es.bulk({
  operations: [
    { index: { _index: 'logs-2', _id: 'jb1' } }, { n: 1 },
    { index: { _index: 'payroll', _id: 'jb2' } }, { n: 2 }
  ]
})
assert.equal(bulk.errors, true)
assert.equal(bulk.items[0].index.status, 201)
assert.equal(bulk.items[1].index.status, 403)
assert.equal(bulk.items[1].index.error.type, 'security_exception')

const ms = await es.msearch({ searches: [{ index: 'payroll' }, {}, { index: 'logs-*' }, {}] })
assert.equal(ms.responses[0].status, 403)
assert.equal(ms.responses[1].status, 200)

await assert.rejects(es.get({ index: 'payroll', id: '1' }), err => {
  assert.ok(err instanceof errors.ResponseError, err)
  assert.equal(err.meta.statusCode, 403)
  assert.equal(err.body.error.type, 'security_exception')
  return true
})

console.log('ok')

// Package pattern matches names against Elasticsearch security patterns (wildcards and Lucene /regular expressions/) and decides exact subset questions between sets of them.
package pattern

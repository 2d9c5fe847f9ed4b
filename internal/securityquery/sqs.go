package securityquery

import (
	"strconv"
	"strings"

	"github.com/esauth/esauth/internal/eserr"
)

// Lucene SimpleQueryParser operator flags, which SimpleQueryStringFlag
// exposes by name.
const (
	flagAnd = 1 << iota
	flagNot
	flagOr
	flagPrefix
	flagPhrase
	flagPrecedence
	flagEscape
	flagWhitespace
	flagFuzzy
	flagNear
)

type occur uint8

const (
	occMust occur = iota
	occShould
	occMustNot
)

// anyMatcher is a DisjunctionMaxQuery: the per-field alternatives of one
// simple_query_string term. It matters that it is not a boolMatcher:
// minimum_should_match only ever applies to a top-level BooleanQuery.
type anyMatcher []matcher

func (a anyMatcher) match(d *doc) bool {
	for _, m := range a {
		if m.match(d) {
			return true
		}
	}
	return false
}

// boolPrefix is a PrefixQuery on a boolean field's indexed terms "T" and
// "F", which analyze_wildcard builds without asking the field type.
type boolPrefix struct {
	f      int
	prefix string
}

func (p boolPrefix) match(d *doc) bool {
	v, ok := d.src.Bool(d.i, p.f)
	return ok && strings.HasPrefix(boolTerm(v), p.prefix)
}

// sqsBuilder turns a simple_query_string into matchers the way
// SimpleQueryStringQueryParser does: Lucene's operator parser, with each
// term, phrase, prefix or fuzzy term expanded over the fields.
type sqsBuilder struct {
	c       *compiler
	fields  []fref
	an      *analyzer
	lenient bool
	flags   int
	def     occur
	q       sqsQuery
	err     *eserr.Error
	closing []int32 // for each '(' the index of its ')', or -1
}

// matchParens finds each parenthesis's match once. Lucene rescans from
// every '(' to find it, which is quadratic on a run of unclosed ones; a
// stack over the same characters, with the same escapes, gives the same
// answers in one pass.
func (b *sqsBuilder) matchParens(data []rune) {
	if !b.has(flagPrecedence) {
		return
	}
	b.closing = make([]int32, len(data))
	var open []int32
	for i := 0; i < len(data); i++ {
		b.closing[i] = -1
		switch data[i] {
		case '\\':
			if b.has(flagEscape) && i+1 < len(data) {
				i++
				b.closing[i] = -1
			}
		case '(':
			open = append(open, int32(i))
		case ')':
			if len(open) > 0 {
				b.closing[open[len(open)-1]] = int32(i)
				open = open[:len(open)-1]
			}
		}
	}
}

func (c *compiler) compileSQS(q sqsQuery) (matcher, *eserr.Error) {
	b := &sqsBuilder{c: c, q: q, flags: q.flags, def: occShould}
	if q.and {
		b.def = occMust
	}
	if q.lenient != nil {
		b.lenient = *q.lenient
	}
	b.fields = q.refs
	if q.analyzer != "" {
		a, ok := analyzerByName(q.analyzer)
		if !ok {
			return nil, queryShard("[simple_query_string] analyzer [%s] not found", q.analyzer)
		}
		b.an = &a
	}
	st := &sqsState{data: []rune(q.text)}
	st.length = len(st.data)
	b.matchParens(st.data)
	b.parseSub(st)
	if b.err != nil {
		return nil, b.err
	}
	if st.top == nil {
		return matchNoneMatcher{}, nil // "empty string passed to query parser"
	}
	// minimum_should_match applies only when the top query is a
	// BooleanQuery: an operator tree or one field's multi-term query.
	if q.msm != nil {
		switch top := st.top.(type) {
		case *boolMatcher:
			n, err := minShouldMatch(len(top.should), *q.msm)
			if err != nil {
				return nil, createQueryFailed(err)
			}
			top.msm = n
		case *groupMatcher:
			n, err := minShouldMatch(top.optional(), *q.msm)
			if err != nil {
				return nil, createQueryFailed(err)
			}
			top.msm = n
		}
	}
	return st.top, nil
}

type sqsState struct {
	data          []rune
	index, length int
	cur, prev     occur
	curSet        bool
	prevSet       bool
	not           int
	top           matcher
}

func (b *sqsBuilder) has(flag int) bool { return b.flags&flag != 0 }

func (b *sqsBuilder) parseSub(st *sqsState) {
	for st.index < st.length && b.err == nil {
		c := st.data[st.index]
		switch {
		case c == '(' && b.has(flagPrecedence):
			b.consumeSubQuery(st)
		case c == ')' && b.has(flagPrecedence):
			st.index++ // extraneous, ignored
		case c == '"' && b.has(flagPhrase):
			b.consumePhrase(st)
		case c == '+' && b.has(flagAnd):
			if !st.curSet && st.top != nil {
				st.cur, st.curSet = occMust, true
			}
			st.index++
		case c == '|' && b.has(flagOr):
			if !st.curSet && st.top != nil {
				st.cur, st.curSet = occShould, true
			}
			st.index++
		case c == '-' && b.has(flagNot):
			st.not++
			st.index++
			continue // the not count survives to the next clause
		case (c == ' ' || c == '\t' || c == '\n' || c == '\r') && b.has(flagWhitespace):
			st.index++
		default:
			b.consumeToken(st)
		}
		st.not = 0
	}
}

func (b *sqsBuilder) consumeSubQuery(st *sqsState) {
	st.index++
	start := st.index
	end := int(b.closing[start-1])
	switch {
	case end < 0 || end >= st.length:
		st.index = start // no closing parenthesis: the opening one is ignored
	case end == start:
		st.curSet = false
		st.index++
	default:
		st.index = end
		sub := &sqsState{data: st.data, index: start, length: end}
		b.parseSub(sub)
		b.buildTree(st, sub.top)
		st.index++
	}
}

func (b *sqsBuilder) consumePhrase(st *sqsState) {
	st.index++
	start := st.index
	var buf []rune
	escaped, hasSlop := false, false
	for st.index < st.length {
		if !escaped {
			c := st.data[st.index]
			if c == '\\' && b.has(flagEscape) {
				escaped = true
				st.index++
				continue
			} else if c == '"' {
				if st.length > st.index+1 && st.data[st.index+1] == '~' && b.has(flagNear) {
					st.index++
					if st.length > st.index+1 {
						hasSlop = true
					}
				}
				break
			}
		}
		escaped = false
		buf = append(buf, st.data[st.index])
		st.index++
	}
	switch {
	case st.index == st.length:
		st.index = start // no closing quote: the opening one is ignored
	case st.index == start:
		st.curSet = false
		st.index++
	default:
		slop := 0
		if hasSlop {
			slop = b.parseFuzziness(st)
		}
		b.buildTree(st, b.phraseQuery(string(buf), slop))
		st.index++
	}
}

func (b *sqsBuilder) consumeToken(st *sqsState) {
	var buf []rune
	escaped, prefix, fuzzy := false, false, false
	for st.index < st.length {
		if !escaped {
			c := st.data[st.index]
			if c == '\\' && b.has(flagEscape) {
				escaped = true
				prefix = false
				st.index++
				continue
			} else if b.tokenFinished(st) {
				break
			} else if len(buf) > 0 && c == '~' && b.has(flagFuzzy) {
				fuzzy = true
				break
			}
			prefix = len(buf) > 0 && c == '*' && b.has(flagPrefix)
		}
		escaped = false
		buf = append(buf, st.data[st.index])
		st.index++
	}
	if len(buf) == 0 {
		return
	}
	var branch matcher
	switch {
	case fuzzy:
		edits := min(b.parseFuzziness(st), 2)
		if edits == 0 {
			branch = b.defaultQuery(string(buf))
		} else {
			branch = b.fuzzyQuery(string(buf), edits)
		}
	case prefix:
		branch = b.prefixQuery(string(buf[:len(buf)-1]))
	default:
		branch = b.defaultQuery(string(buf))
	}
	b.buildTree(st, branch)
}

func (b *sqsBuilder) tokenFinished(st *sqsState) bool {
	switch st.data[st.index] {
	case '"':
		return b.has(flagPhrase)
	case '|':
		return b.has(flagOr)
	case '+':
		return b.has(flagAnd)
	case '(', ')':
		return b.has(flagPrecedence)
	case ' ', '\t', '\n', '\r':
		return b.has(flagWhitespace)
	}
	return false
}

// parseFuzziness reads the number after '~': none means 2, garbage 0.
func (b *sqsBuilder) parseFuzziness(st *sqsState) int {
	if st.data[st.index] != '~' {
		return 0
	}
	var text []rune
	for st.index < st.length {
		st.index++
		if st.index < st.length {
			if b.tokenFinished(st) {
				break
			}
			text = append(text, st.data[st.index])
		}
	}
	if len(text) == 0 {
		return 2
	}
	n, err := strconv.ParseInt(string(text), 10, 32)
	if err != nil || n < 0 {
		return 0
	}
	return int(n)
}

// buildTree is SimpleQueryParser.buildQueryTree.
func (b *sqsBuilder) buildTree(st *sqsState, branch matcher) {
	if branch == nil {
		return
	}
	if st.not%2 == 1 {
		branch = &boolMatcher{mustNot: []matcher{branch}, should: []matcher{matchAllMatcher{}}}
	}
	if st.top == nil {
		st.top = branch
	} else {
		if !st.curSet {
			st.cur = b.def
		}
		if !st.prevSet || st.prev != st.cur {
			st.top = addClause(&boolMatcher{}, st.top, st.cur)
		}
		st.top = addClause(st.top.(*boolMatcher), branch, st.cur)
		st.prev, st.prevSet = st.cur, true
	}
	st.curSet = false
}

func addClause(bq *boolMatcher, q matcher, o occur) *boolMatcher {
	switch o {
	case occMust:
		bq.must = append(bq.must, q)
	case occShould:
		bq.should = append(bq.should, q)
	default:
		bq.mustNot = append(bq.mustNot, q)
	}
	return bq
}

// perField builds one query per field and combines them as a dis_max; a
// field that fails either fails the query or, when lenient, matches
// nothing; a field with no terms drops out.
func (b *sqsBuilder) perField(build func(f fref, an analyzer) (matcher, *eserr.Error)) matcher {
	var alts anyMatcher
	for _, f := range b.fields {
		an := b.c.s.analyzer(f)
		if b.an != nil {
			an = *b.an
		}
		m, err := build(f, an)
		if err != nil {
			if !b.lenient {
				if b.err == nil {
					b.err = err
				}
				return nil
			}
			m = matchNoneMatcher{}
		}
		if m != nil {
			alts = append(alts, m)
		}
	}
	switch len(alts) {
	case 0:
		return nil
	case 1:
		return alts[0]
	}
	return alts
}

// defaultQuery is a match query per field with the default operator.
func (b *sqsBuilder) defaultQuery(text string) matcher {
	return b.perField(func(f fref, an analyzer) (matcher, *eserr.Error) {
		if !b.c.hasTerms(f) {
			return b.c.compileTerms(f, []scalar{{kind: kString, s: text}}, false)
		}
		groups := groupByPosition(an.analyze(text, nil))
		return b.combine(f, groups), nil
	})
}

// combine joins per-position term groups with the default operator.
func (b *sqsBuilder) combine(f fref, groups [][]string) matcher {
	switch len(groups) {
	case 0:
		return nil
	case 1:
		return newTermSet(f, groups[0], false)
	}
	return newGroupMatcher(f, groups, b.def == occMust)
}

// phraseQuery is a phrase query per field (a term when one token).
func (b *sqsBuilder) phraseQuery(text string, slop int) matcher {
	return b.perField(func(f fref, an analyzer) (matcher, *eserr.Error) {
		if !b.c.hasTerms(f) {
			return b.c.compileTerms(f, []scalar{{kind: kString, s: text}}, false)
		}
		toks := an.analyze(text, nil)
		groups := groupByPosition(toks)
		switch {
		case len(groups) == 0:
			return nil, nil
		case len(groups) == 1:
			return newTermSet(f, groups[0], false), nil
		case b.c.s.kind(f) != Text:
			// Keyword fields have no positions; a multi-token phrase can
			// only come from an analyzer override and matches nothing.
			return matchNoneMatcher{}, nil
		}
		ph := &phraseMatcher{f: f, slop: slop, groups: groups}
		pos := toks[0].pos
		for i, t := range toks {
			if i == 0 || t.pos != toks[i-1].pos {
				ph.offs = append(ph.offs, t.pos-pos)
			}
		}
		return ph, nil
	})
}

// prefixQuery is a prefix query per field on the normalised text (or, with
// analyze_wildcard, on the analysed text's last token).
func (b *sqsBuilder) prefixQuery(text string) matcher {
	return b.perField(func(f fref, an analyzer) (matcher, *eserr.Error) {
		if b.q.analyzeWildcard {
			if b.c.s.kind(f) == Boolean {
				return boolPrefix{f.f, text}, nil
			}
			if b.c.s.kind(f) == Date {
				return nil, b.c.notTermField("prefix", f)
			}
			groups := groupByPosition(an.analyze(text, nil))
			if len(groups) == 0 {
				return nil, nil
			}
			bq := &boolMatcher{}
			for i, g := range groups {
				var m matcher
				if i < len(groups)-1 {
					m = newTermSet(f, g, false)
				} else {
					var alts anyMatcher
					for _, t := range g {
						alts = append(alts, newPrefix(f, t, false))
					}
					m = alts
					if len(alts) == 1 {
						m = alts[0]
					}
				}
				if len(groups) == 1 {
					return m, nil
				}
				addClause(bq, m, b.def)
			}
			return bq, nil
		}
		if !b.c.hasTerms(f) {
			return nil, b.c.notTermField("prefix", f)
		}
		return newPrefix(f, an.normalize(text), false), nil
	})
}

// fuzzyQuery is a fuzzy query per field on the normalised text.
func (b *sqsBuilder) fuzzyQuery(text string, edits int) matcher {
	return b.perField(func(f fref, an analyzer) (matcher, *eserr.Error) {
		if !b.c.hasTerms(f) {
			return nil, createQueryFailed(b.c.notFuzzyField(f))
		}
		return newFuzzy(f, an.normalize(text), edits, b.q.fuzzyPrefix, b.q.transpositions), nil
	})
}

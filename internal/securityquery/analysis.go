package securityquery

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// analyzer is one of the Lucene analyzers a user field or a query can use.
// The security index maps full_name as text (standard analyzer) and email
// as text with its own "email" analyzer: the uax_url_email tokenizer, a
// pattern_capture filter (preserve_original; patterns ([^@]+), (\p{L}+),
// (\d+), @(.+)), lowercase and unique.
type analyzer uint8

const (
	anStandard analyzer = iota
	anEmail
	anKeyword
	anWhitespace
	anSimple
)

// analyzerByName resolves a query's "analyzer" parameter. Only the
// analyzers that matter for these fields are known; Elasticsearch's many
// language analyzers are not.
func analyzerByName(name string) (analyzer, bool) {
	switch name {
	case "standard", "default":
		return anStandard, true
	case "email":
		return anEmail, true
	case "keyword":
		return anKeyword, true
	case "whitespace":
		return anWhitespace, true
	case "simple":
		return anSimple, true
	}
	return 0, false
}

// token is an analysed term and its position.
type token struct {
	term string
	pos  int
}

// maxTokenLength is the standard and uax_url_email tokenizers' default.
const maxTokenLength = 255

// analyze appends s's tokens to out.
func (a analyzer) analyze(s string, out []token) []token {
	switch a {
	case anKeyword:
		return append(out, token{term: s})
	case anWhitespace:
		pos := 0
		for _, w := range strings.FieldsFunc(s, unicode.IsSpace) {
			out = append(out, token{term: w, pos: pos})
			pos++
		}
		return out
	case anSimple:
		pos := 0
		for _, w := range strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) }) {
			out = append(out, token{term: strings.ToLower(w), pos: pos})
			pos++
		}
		return out
	}
	// Lowercasing the whole value first (one allocation at most, none for
	// text already in lower case) lets every token be a substring of it.
	// Case mapping keeps a character's word-break class, and the email
	// patterns do not depend on case, so this equals lowercasing each
	// token after tokenizing.
	s = strings.ToLower(s)
	pos := 0
	email := a == anEmail
	start := len(out)
	for i := 0; i < len(s); {
		if email {
			if end := emailAt(s, i); end > i {
				out = emailTokens(s[i:end], pos, out, start)
				pos++
				i = end
				continue
			}
		}
		end, isToken := wordAt(s, i)
		if isToken {
			w := s[i:end]
			for len(w) > 0 {
				piece := truncateRunes(w, maxTokenLength)
				if email {
					out = emailTokens(piece, pos, out, start)
				} else {
					out = append(out, token{term: piece, pos: pos})
				}
				pos++
				w = w[len(piece):]
			}
		}
		i = end
	}
	return out
}

// normalize is Analyzer.normalize, used for prefix and fuzzy terms in
// simple_query_string: only the lowercase filter applies.
func (a analyzer) normalize(s string) string {
	switch a {
	case anKeyword, anWhitespace:
		return s
	}
	return strings.ToLower(s)
}

func truncateRunes(s string, n int) string {
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}

// emailTokens adds an email-analyzer token (already lowercased): the
// original, then its pattern_capture groups at the same position, dropping
// terms already emitted (the unique filter). The patterns are ([^@]+),
// (\p{L}+) and (\d+), each capturing every maximal run, and @(.+), which
// captures what follows the first '@'; a capture equal to the whole token
// is not repeated (preserve_original).
func emailTokens(w string, pos int, out []token, start int) []token {
	out = addUnique(out, start, w, pos)
	for p := 0; p < 3; p++ {
		from := -1
		for i, r := range w {
			in := inEmailRun(p, r)
			switch {
			case in && from < 0:
				from = i
			case !in && from >= 0:
				out = addCapture(out, start, w, from, i, pos)
				from = -1
			}
		}
		if from >= 0 {
			out = addCapture(out, start, w, from, len(w), pos)
		}
	}
	if at := strings.IndexByte(w, '@'); at >= 0 {
		out = addCapture(out, start, w, at+1, len(w), pos)
	}
	return out
}

func inEmailRun(pattern int, r rune) bool {
	switch pattern {
	case 0:
		return r != '@'
	case 1:
		return unicode.IsLetter(r)
	}
	return r >= '0' && r <= '9'
}

func addCapture(out []token, start int, w string, from, to, pos int) []token {
	if from < to && (from > 0 || to < len(w)) {
		out = addUnique(out, start, w[from:to], pos)
	}
	return out
}

func addUnique(out []token, start int, t string, pos int) []token {
	for _, o := range out[start:] {
		if o.term == t {
			return out
		}
	}
	return append(out, token{term: t, pos: pos})
}

// Word boundaries: a simplified UAX#29 as Lucene's StandardTokenizer applies
// it. Letters and digits join; ':' (MidLetter), '.', '\” and U+2019
// (MidNumLet) join letters on both sides; ',' ';' '.' '\” (MidNum) join
// digits; '_' (ExtendNumLet) joins anything word-like; marks extend the
// previous character; ideographs and hiragana are tokens of their own.
type wbClass uint8

const (
	wbOther wbClass = iota
	wbALetter
	wbNumeric
	wbKatakana
	wbIdeo
	wbExtendNumLet
	wbMidLetter
	wbMidNum
	wbMidNumLet
	wbSingleQuote
	wbExtend
)

func wbClassOf(r rune) wbClass {
	switch r {
	case '\'':
		return wbSingleQuote
	case '.', '\u2018', '\u2019', '\u2024', '\uFE52', '\uFF07', '\uFF0E':
		return wbMidNumLet
	case ':', '\u00B7', '\u0387', '\u05F4', '\u2027', '\uFE13', '\uFE55', '\uFF1A':
		return wbMidLetter
	case ',', ';', '\u037E', '\u0589', '\u060C', '\u060D', '\u066C', '\u07F8', '\u2044', '\uFE10', '\uFE14', '\uFE50', '\uFE54', '\uFF0C', '\uFF1B':
		return wbMidNum
	case '_':
		return wbExtendNumLet
	}
	switch {
	case r < 0x80:
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
			return wbALetter
		case r >= '0' && r <= '9':
			return wbNumeric
		}
		return wbOther
	case unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r):
		return wbIdeo
	case unicode.Is(unicode.Katakana, r):
		return wbKatakana
	case unicode.IsLetter(r):
		return wbALetter
	case unicode.Is(unicode.Nd, r):
		return wbNumeric
	case unicode.Is(unicode.Pc, r):
		return wbExtendNumLet
	case unicode.In(r, unicode.Mn, unicode.Me, unicode.Mc, unicode.Cf):
		return wbExtend
	}
	return wbOther
}

func wordLike(c wbClass) bool {
	return c == wbALetter || c == wbNumeric || c == wbKatakana || c == wbExtendNumLet
}

// wordAt returns the end of the segment starting at i and whether it is a
// token (it holds a letter, digit or ideograph).
func wordAt(s string, i int) (end int, isToken bool) {
	r, n := utf8.DecodeRuneInString(s[i:])
	c := wbClassOf(r)
	switch {
	case c == wbIdeo:
		return skipExtend(s, i+n), true
	case !wordLike(c):
		return i + n, false
	}
	hasContent := c != wbExtendNumLet
	prev := c
	j := skipExtend(s, i+n)
	for j < len(s) {
		r, n := utf8.DecodeRuneInString(s[j:])
		next := wbClassOf(r)
		join := false
		switch {
		case next == wbExtendNumLet:
			join = true
		case prev == wbExtendNumLet:
			join = next == wbALetter || next == wbNumeric || next == wbKatakana
		case (prev == wbALetter || prev == wbNumeric) && (next == wbALetter || next == wbNumeric):
			join = true
		case prev == wbKatakana && next == wbKatakana:
			join = true
		case next == wbMidLetter || next == wbMidNumLet || next == wbSingleQuote || next == wbMidNum:
			// WB6/7 and WB11/12: a middle character joins two letters or
			// two digits.
			k := skipExtend(s, j+n)
			if k < len(s) {
				r2, _ := utf8.DecodeRuneInString(s[k:])
				after := wbClassOf(r2)
				letters := prev == wbALetter && after == wbALetter && next != wbMidNum
				digits := prev == wbNumeric && after == wbNumeric && next != wbMidLetter
				if letters || digits {
					j = k
					continue
				}
			}
		}
		if !join {
			break
		}
		if next != wbExtendNumLet {
			hasContent = true
		}
		prev = next
		j = skipExtend(s, j+n)
	}
	return j, hasContent
}

func skipExtend(s string, j int) int {
	for j < len(s) {
		if s[j] < utf8.RuneSelf {
			return j // no ASCII character extends another
		}
		r, n := utf8.DecodeRuneInString(s[j:])
		if wbClassOf(r) != wbExtend {
			break
		}
		j += n
	}
	return j
}

// emailAt returns the end of an email address starting at i, or i when
// there is none. It approximates UAX29URLEmailTokenizer's EMAIL rule:
// dot-separated atoms, '@', and a domain whose last label is alphabetic
// (the tokenizer checks it against its list of top-level domains).
func emailAt(s string, i int) int {
	// An address is at most one token (255 characters); bounding the scan
	// keeps analysis linear on text like "a-a-a-a...".
	s = s[:min(len(s), i+maxTokenLength)]
	j := i
	atoms := 0
	for {
		k := j
		for k < len(s) && atomChar(s[k]) {
			k++
		}
		if k == j {
			return i
		}
		atoms++
		j = k
		if j < len(s) && s[j] == '.' && j+1 < len(s) && atomChar(s[j+1]) {
			j++
			continue
		}
		break
	}
	if atoms == 0 || j >= len(s) || s[j] != '@' {
		return i
	}
	j++
	end, labels, lastStart := j, 0, j
	for {
		k := j
		for k < len(s) && (isAlnum(s[k]) || s[k] == '-') {
			k++
		}
		if k == j || s[j] == '-' || s[k-1] == '-' {
			break
		}
		labels++
		lastStart = j
		end = k
		if k+1 < len(s) && s[k] == '.' && isAlnum(s[k+1]) {
			j = k + 1
			continue
		}
		break
	}
	if labels < 2 {
		return i
	}
	tld := s[lastStart:end]
	if len(tld) < 2 {
		return i
	}
	for k := 0; k < len(tld); k++ {
		if !isAlpha(tld[k]) {
			return i
		}
	}
	return end
}

func isAlpha(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }
func isAlnum(c byte) bool { return isAlpha(c) || (c >= '0' && c <= '9') }

func atomChar(c byte) bool {
	return isAlnum(c) || strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}
